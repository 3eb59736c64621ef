//! A fault-injecting HTTP proxy between the AWS SDK and moto, for tests where the emulator is
//! too well-behaved: it adds latency, throttles a seeded share of calls, fails named operations
//! with protocol-correct errors, and records every call in order.
//!
//! Plain threads and `std::net`: one thread accepts on 127.0.0.1, one thread serves each client
//! connection (keep-alive, any number of requests), and every forwarded request uses its own
//! upstream connection with `Connection: close`. Only loopback is ever contacted.
//!
//! ```ignore
//! let moto = moto();
//! let proxy = Proxy::start(moto.port);
//! proxy.fail("ec2:CreateVpc", 2, "InternalError", 500);
//! let registry = proxy.registry(&moto);
//! ...
//! assert_eq!(proxy.operations(), ["ec2:CreateVpc", "ec2:CreateVpc", "ec2:CreateVpc", ...]);
//! ```

mod faults;
mod http;
mod operation;
pub mod serve;
pub mod strict;

pub use faults::{FaultKind, Injected, ThrottleStyle, Times};
pub use http::{Request, Response};
pub use operation::{detect, Protocol};
pub use strict::Strict;

use super::moto::MotoSession;
use faults::Rules;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use strata::aws::{Aws, AwsSettings};
use strata::provider::{CallStats, Registry};

/// How long an upstream exchange may take before the proxy answers 502.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

/// One call as the proxy saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `service:Operation`, e.g. `ec2:DeleteVpc` (see [`Operation`] for REST names).
    pub operation: String,
    /// When the request arrived.
    pub at: Instant,
    /// The fault injected instead of forwarding, if any.
    pub fault: Option<Injected>,
    /// The status answered; `None` while the call is still in flight.
    pub status: Option<u16>,
}

impl Call {
    /// Whether the proxy answered with an injected error.
    pub fn faulted(&self) -> bool {
        self.fault.is_some()
    }

    /// Whether the proxy answered with an injected throttling error.
    pub fn throttled(&self) -> bool {
        self.fault
            .as_ref()
            .is_some_and(|f| f.kind == FaultKind::Throttled)
    }

    /// The code strict mode refused the call with, if it did.
    pub fn refused(&self) -> Option<&str> {
        self.fault
            .as_ref()
            .filter(|f| f.kind == FaultKind::Strict)
            .and_then(|f| f.code.as_deref())
    }
}

/// Rules and record behind one lock, so the record's order is the order faults were decided.
#[derive(Debug, Default)]
struct State {
    rules: Rules,
    calls: Vec<Call>,
    /// The request of each call in `calls`, same index: method, target, headers and body.
    requests: Vec<Request>,
    /// The response headers of each call in `calls`, same index; empty while in flight.
    response_headers: Vec<Vec<(String, String)>>,
    /// Give every `ETag` answered a value of its own (see [`Proxy::vary_etags`]).
    vary_etags: bool,
    /// Strict mode's switches and memory (see [`Proxy::strict`]).
    strict: strict::StrictState,
    /// Operations the test answers itself (see [`Proxy::serve`]).
    served: serve::Served,
}

/// What the accepting and serving threads share with the handle.
#[derive(Debug)]
struct Shared {
    upstream_port: u16,
    state: Mutex<State>,
    /// Open client connections by number, so that dropping the proxy can close them.
    clients: Mutex<BTreeMap<u64, TcpStream>>,
    stopping: AtomicBool,
}

/// A running proxy; stops accepting and closes its client connections when dropped.
#[derive(Debug)]
pub struct Proxy {
    shared: Arc<Shared>,
    port: u16,
}

impl Proxy {
    /// Start a proxy on 127.0.0.1 (a free port) that forwards to 127.0.0.1:`upstream_port`.
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy on loopback");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared {
            upstream_port,
            state: Mutex::new(State::default()),
            clients: Mutex::new(BTreeMap::new()),
            stopping: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || accept(listener, accepting));
        Proxy { shared, port }
    }

    /// The proxy's port on loopback.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The emulator's settings, pointed at the proxy instead.
    pub fn settings(&self, moto: &MotoSession) -> AwsSettings {
        AwsSettings {
            endpoint_url: Some(self.endpoint()),
            ..moto.settings()
        }
    }

    /// A fresh AWS session through the proxy, with its own call counters.
    pub fn aws(&self, moto: &MotoSession) -> Arc<Aws> {
        Arc::new(Aws::new(self.settings(moto), CallStats::default()))
    }

    /// A registry of every kind, talking to the emulator through the proxy.
    pub fn registry(&self, moto: &MotoSession) -> Registry {
        strata::aws::registry_with(self.aws(moto))
    }

    /// Add `latency` before every answer (faulted or forwarded). Zero turns it off.
    pub fn set_latency(&self, latency: Duration) {
        self.state().rules.latency = latency;
    }

    /// Answer a `share` (0.0–1.0) of calls with the service's own throttling error, drawn from
    /// a generator seeded with `seed` (the same sequence of calls gets the same faults).
    pub fn throttle(&self, share: f64, seed: u64) {
        self.throttle_as(share, seed, ThrottleStyle::Protocol);
    }

    /// Like [`Proxy::throttle`], answering in `style`.
    pub fn throttle_as(&self, share: f64, seed: u64, style: ThrottleStyle) {
        self.state().rules.throttle(share, seed, style);
    }

    /// Stop throttling (latency and `fail` rules stay).
    pub fn stop_throttling(&self) {
        self.state().rules.stop_throttling();
    }

    /// Answer the next `times` calls of `operation` (`ec2:CreateVpc`; a trailing `*` makes it
    /// a prefix, `ec2:Delete*`), or all of them with [`Times::Always`], with error `code` and
    /// HTTP `status`, framed as the service frames errors. Rules are tried in the order added.
    pub fn fail(&self, operation: &str, times: impl Into<Times>, code: &str, status: u16) {
        self.state()
            .rules
            .fail(operation, times.into(), code, status);
    }

    /// Answer the next `n` calls of `operation` (exact, or a prefix ending in `*`) with the
    /// service's own throttling error, framed as [`Proxy::throttle`] frames it: sugar over
    /// [`Proxy::fail`] for "throttle the second call of X", e.g.
    /// `proxy.throttle_op("ec2:AuthorizeSecurityGroupIngress", 1)`.
    pub fn throttle_op(&self, operation: &str, n: u32) {
        self.state().rules.throttle_op(operation, Times::Next(n));
    }

    /// Switch strict mode on: from now on the proxy refuses what AWS refuses and moto forgives
    /// (see [`strict`] for the rules), recording each refusal as [`FaultKind::Strict`]. The
    /// returned handle sets the simulated delays (all off by default):
    /// `proxy.strict().not_found_after_create(Duration::from_millis(300))`.
    /// `fail` and throttle rules are decided first; strict mode only judges what they let by.
    pub fn strict(&self) -> Strict<'_> {
        self.state()
            .strict
            .delays
            .get_or_insert_with(strict::Delays::default);
        Strict { proxy: self }
    }

    /// A proxy in front of moto with strict mode on (delays off), e.g. for a whole apply.
    pub fn start_strict(upstream_port: u16) -> Proxy {
        let proxy = Proxy::start(upstream_port);
        proxy.strict();
        proxy
    }

    /// Answer every call of `operation` (exact, or a prefix ending in `*`) with `handler`
    /// instead of forwarding it: for answers moto cannot give (realistic spot prices). Served
    /// calls are recorded; `fail` and throttle rules are decided first; strict mode does not
    /// judge them. See [`serve`] for helpers that read the request.
    pub fn serve(
        &self,
        operation: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) {
        self.state()
            .served
            .add(operation, std::sync::Arc::new(handler));
    }

    /// The calls strict mode refused so far: operation and code, in order.
    pub fn refusals(&self) -> Vec<(String, String)> {
        self.state()
            .calls
            .iter()
            .filter_map(|c| {
                c.refused()
                    .map(|code| (c.operation.clone(), code.to_string()))
            })
            .collect()
    }

    /// Remove latency, throttling and every `fail` rule (the record stays).
    pub fn clear_faults(&self) {
        self.state().rules.clear();
    }

    /// Every call so far, in the order they arrived.
    pub fn record(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The operation names of every call so far, in order.
    pub fn operations(&self) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .map(|c| c.operation.clone())
            .collect()
    }

    /// The operation names matching `pattern` (exact, or a prefix ending in `*` like
    /// `ec2:Delete*`), in order: e.g. the delete calls of a destroy.
    pub fn operations_matching(&self, pattern: &str) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .filter(|c| faults::matches(pattern, &c.operation))
            .map(|c| c.operation.clone())
            .collect()
    }

    /// Forget the calls recorded so far.
    pub fn clear_record(&self) {
        let mut state = self.state();
        state.calls.clear();
        state.requests.clear();
        state.response_headers.clear();
    }

    /// Make every `ETag` response header unique (`"<moto's etag>-<call number>"`), as CloudFront
    /// changes it with every configuration change; moto never does, so without this a caller
    /// sending a stale ETag cannot be told from one sending the current one. The suffix is
    /// taken off `If-Match` before forwarding, so a strict proxy behind this one still sees
    /// its own ETags. Ignored while
    /// strict mode is on: it gives each distribution a new ETag per accepted change and
    /// refuses stale ones (see [`strict`]), which a new ETag per answer would contradict.
    pub fn vary_etags(&self) {
        self.state().vary_etags = true;
    }

    /// The response headers of every call so far, by operation, in the order calls arrived.
    pub fn response_headers(&self) -> Vec<(String, Vec<(String, String)>)> {
        let state = self.state();
        state
            .calls
            .iter()
            .zip(state.response_headers.iter())
            .map(|(c, h)| (c.operation.clone(), h.clone()))
            .collect()
    }

    /// Every call so far with its full request (headers and body), in the order they arrived:
    /// for asserting what was sent (`If-Match`, market options), not just which operation.
    pub fn requests(&self) -> Vec<(String, Request)> {
        let state = self.state();
        state
            .calls
            .iter()
            .zip(state.requests.iter())
            .map(|(c, r)| (c.operation.clone(), r.clone()))
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag, then end the open connections.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        let clients = std::mem::take(&mut *self.shared.clients());
        for client in clients.values() {
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not hide the record from others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clients(&self) -> MutexGuard<'_, BTreeMap<u64, TcpStream>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record `request`, apply the rules, and produce its answer.
    fn handle(&self, request: &Request) -> Response {
        let op = detect(request);
        let (index, latency, mut fault, strict, served) = {
            let mut state = self.state();
            let fault = state.rules.decide(&op);
            let served = match &fault {
                None => state.served.handler(&op.full_name()),
                Some(_) => None,
            };
            state.calls.push(Call {
                operation: op.full_name(),
                at: Instant::now(),
                fault: fault.clone(),
                status: None,
            });
            state.requests.push(request.clone());
            state.response_headers.push(Vec::new());
            // Strict checks ask moto, so they run on a snapshot, without the lock.
            let strict = match (&fault, state.strict.delays, &served) {
                (None, Some(delays), None) => Some((delays, state.strict.memory.clone())),
                _ => None,
            };
            (
                state.calls.len() - 1,
                state.rules.latency,
                fault,
                strict,
                served,
            )
        };
        if !latency.is_zero() {
            std::thread::sleep(latency);
        }
        let mut holds = Vec::new();
        // The handler runs without the lock: it may take its time or ask the proxy things.
        let was_served = served.is_some();
        let mut answered = served.map(|handler| handler(request));
        if let Some((delays, memory)) = strict {
            let judged = strict::judge(&op, request, delays, &memory, self.upstream_port);
            if judged.refusal.is_none() {
                answered = strict::answer(&op, request, &memory);
            }
            if let Some(refusal) = judged.refusal {
                if let Some(call) = self.state().calls.get_mut(index) {
                    call.fault = Some(refusal.clone());
                }
                fault = Some(refusal);
            }
            holds = judged.holds;
        }
        let varying = {
            let state = self.state();
            state.vary_etags && state.strict.delays.is_none()
        };
        let upstream_request = if varying {
            unvaried_if_match(request)
        } else {
            request.clone()
        };
        // A call strict mode models itself (one moto lacks) is answered without moto.
        let response = match (&fault, answered) {
            (Some(f), _) => faults::error_response(&op, f),
            (None, Some(answer)) => answer,
            (None, None) => self.forward(&upstream_request).unwrap_or_else(|e| {
                Response::new(
                    502,
                    "text/plain",
                    format!("test proxy: upstream failed: {e}"),
                )
            }),
        };
        let mut response = response;
        let mut state = self.state();
        if state.strict.delays.is_some() {
            if fault.is_none() && !was_served {
                strict::observe(&mut state.strict, &op, request, &mut response, holds);
            }
        } else if state.vary_etags {
            for (name, value) in response.headers.iter_mut() {
                if name.eq_ignore_ascii_case("etag") {
                    *value = format!("{value}-{index}");
                }
            }
        }
        // The record may have been cleared meanwhile; then there is nothing to update.
        if let Some(call) = state.calls.get_mut(index) {
            call.status = Some(response.status);
        }
        if let Some(headers) = state.response_headers.get_mut(index) {
            *headers = response.headers.clone();
        }
        response
    }

    /// Relay `request` to the emulator on a one-shot connection and read its whole answer.
    fn forward(&self, request: &Request) -> std::io::Result<Response> {
        let mut upstream = TcpStream::connect(("127.0.0.1", self.upstream_port))?;
        upstream.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
        http::write_request(&mut upstream, request)?;
        let mut reader = BufReader::new(upstream);
        http::read_response(&mut reader, request.method.eq_ignore_ascii_case("HEAD"))
    }
}

/// `request` with the `-<call number>` that [`Proxy::vary_etags`] appended taken off its
/// `If-Match` again, so that what is upstream (moto, or a strict proxy that checks ETags)
/// sees the ETag it answered itself.
fn unvaried_if_match(request: &Request) -> Request {
    let mut request = request.clone();
    for (name, value) in request.headers.iter_mut() {
        if name.eq_ignore_ascii_case("if-match") {
            if let Some((etag, number)) = value.rsplit_once('-') {
                if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                    *value = etag.to_string();
                }
            }
        }
    }
    request
}

/// Accept client connections until the proxy is dropped.
fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for (number, stream) in (0u64..).zip(listener.incoming()) {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        if let Ok(copy) = stream.try_clone() {
            shared.clients().insert(number, copy);
        }
        let serving = shared.clone();
        std::thread::spawn(move || {
            serve(stream, &serving);
            serving.clients().remove(&number);
        });
    }
}

/// Serve the requests of one client connection until it closes.
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    // A closed or unreadable connection ends the loop either way.
    while let Ok(Some(request)) = http::read_request(&mut reader, &mut writer) {
        let response = shared.handle(&request);
        let close = request.wants_close() || shared.stopping.load(Ordering::SeqCst);
        if http::write_response(&mut writer, &response, close).is_err() || close {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}
