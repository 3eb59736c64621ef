//! The AWS emulator for tests: moto's standalone server, installed by `scripts/moto.sh` into the
//! project's `.venv` when missing, started once per test process on a free loopback port with
//! the validation switches on, reset before each test, and killed when the process exits.
//!
//! Tests in one process share the server, so [`moto`] also serialises them (under nextest each
//! test is its own process with its own server).
//!
//! [`moto_strict`] puts a strict proxy (see `proxy::strict`) in front of the server: the
//! session's endpoint and port are then the proxy's, so everything the test points at the
//! session — the `strata` binary through `AWS_ENDPOINT_URL`, registries, SDK clients, even a
//! fault proxy started on `moto.port` — is refused what AWS would refuse. Setting
//! `STRATA_TEST_STRICT=1` makes every [`moto`] session strict, to try a whole area that way
//! (`STRATA_TEST_STRICT_DELAY_MS=N` also turns on its simulated AWS delays, N ms each).

use super::proxy::{FaultKind, Proxy};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use strata::aws::{Aws, AwsSettings};
use strata::provider::{CallStats, Registry};

/// A running server.
struct Server {
    endpoint: String,
    port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Exclusive use of the emulator for one test, freshly reset.
pub struct MotoSession {
    /// The strict proxy in front of the emulator, in a strict session (dropped before the lock).
    pub strict: Option<Proxy>,
    _guard: MutexGuard<'static, ()>,
    /// `http://127.0.0.1:PORT` (the strict proxy's in a strict session).
    pub endpoint: String,
    /// Port on loopback (the strict proxy's in a strict session).
    pub port: u16,
}

/// Start (once) and reset the emulator, and hold it for the calling test; strict when
/// `STRATA_TEST_STRICT=1` (see [`moto_strict`]).
pub fn moto() -> MotoSession {
    let session = plain_session();
    if std::env::var("STRATA_TEST_STRICT").is_ok_and(|v| v == "1") {
        session.into_strict()
    } else {
        session
    }
}

/// Like [`moto`], behind a strict proxy with its delays off; the proxy is `moto.strict`, to
/// set delays on or read what it refused.
pub fn moto_strict() -> MotoSession {
    plain_session().into_strict()
}

/// A strict session tells what it refused, so that a failing test's output says why.
impl Drop for MotoSession {
    fn drop(&mut self) {
        let Some(proxy) = &self.strict else { return };
        for call in proxy.record() {
            if let Some(fault) = call.fault.filter(|f| f.kind == FaultKind::Strict) {
                eprintln!(
                    "strict proxy refused {} with {}: {}",
                    call.operation,
                    fault.code.unwrap_or_default(),
                    fault.message.unwrap_or_default()
                );
            }
        }
    }
}

fn plain_session() -> MotoSession {
    let server = match SERVER.get_or_init(start) {
        Ok(s) => s,
        Err(e) => panic!("the AWS emulator could not start: {e}"),
    };
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (status, body) = http(server.port, "POST", "/moto-api/reset", "", &[])
        .unwrap_or_else(|e| panic!("moto reset failed: {e}"));
    assert_eq!(status, 200, "moto reset answered {status}: {body}");
    MotoSession {
        strict: None,
        _guard: guard,
        endpoint: server.endpoint.clone(),
        port: server.port,
    }
}

impl MotoSession {
    /// The same session with a strict proxy in front of the emulator; its delays are off
    /// unless `STRATA_TEST_STRICT_DELAY_MS=N` sets them all to N ms.
    fn into_strict(mut self) -> MotoSession {
        let proxy = Proxy::start_strict(self.port);
        if let Some(ms) = std::env::var("STRATA_TEST_STRICT_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            let delay = Duration::from_millis(ms);
            proxy
                .strict()
                .not_found_after_create(delay)
                .profile_propagation(delay)
                .interfaces_drain(delay);
        }
        self.endpoint = proxy.endpoint();
        self.port = proxy.port();
        self.strict = Some(proxy);
        self
    }

    /// What the strict proxy refused so far, operation and code; empty in a plain session.
    pub fn refusals(&self) -> Vec<(String, String)> {
        self.strict
            .as_ref()
            .map(|p| p.refusals())
            .unwrap_or_default()
    }

    /// Settings that point the real SDK at the emulator.
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            profile: None,
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.endpoint.clone()),
            static_credentials: Some(("testing".into(), "testing".into())),
            call_timeout: Some(Duration::from_secs(20)),
            page_size: None,
        }
    }

    /// A fresh AWS session with its own call counters.
    pub fn aws(&self) -> Arc<Aws> {
        Arc::new(Aws::new(self.settings(), CallStats::default()))
    }

    /// A registry of every kind, connected to the emulator.
    pub fn registry(&self) -> Registry {
        strata::aws::registry_with(self.aws())
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn start() -> Result<Server, String> {
    let script = repo_root().join("scripts/moto.sh");
    let status = Command::new(&script)
        .arg("install")
        .status()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !status.success() {
        return Err(format!("{} install failed ({status})", script.display()));
    }
    let port = free_port()?;
    let (tx, rx) = std::sync::mpsc::channel();
    // The server is started from a thread that never ends, with PR_SET_PDEATHSIG tied to it,
    // so the server dies with this test process whatever way it exits.
    std::thread::spawn(move || {
        let mut cmd = Command::new(&script);
        cmd.arg("start")
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and called in the child before exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let spawned = cmd.spawn().map(|_child| ()).map_err(|e| e.to_string());
        let _ = tx.send(spawned);
        loop {
            std::thread::park();
        }
    });
    rx.recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start moto: {e}"))?;
    wait_ready(port)?;
    Ok(Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        port,
    })
}

/// Wait until the server answers and EC2 has loaded its data (the first EC2 call is slow).
fn wait_ready(port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0";
    loop {
        let answer = http(
            port,
            "POST",
            "/",
            "Action=DescribeRegions&Version=2016-11-15",
            &[
                ("Authorization", auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
        );
        if let Ok((200, _)) = answer {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "moto did not answer on port {port} within 60 s: {answer:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A minimal HTTP/1.1 exchange on loopback (no HTTP client crate needed for three calls).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {response:.80}"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
