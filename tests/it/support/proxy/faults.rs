//! Fault rules and the protocol-correct error answers they produce.
//!
//! A call first meets the `fail` rules (in the order added), then the throttle draw. The draw
//! comes from a seeded generator so that a sequential test sees the same faults every run.

use super::http::Response;
use super::operation::{Operation, Protocol};
use std::time::Duration;

/// How many calls a `fail` rule affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// The next n matching calls, then the rule is spent.
    Next(u32),
    /// Every matching call until the rules are cleared.
    Always,
}

impl From<u32> for Times {
    fn from(n: u32) -> Self {
        Times::Next(n)
    }
}

/// How a throttled call is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleStyle {
    /// The service's own throttling error: EC2 `RequestLimitExceeded` (503), query
    /// `Throttling` (400), JSON `ThrottlingException` (400), CloudFront `Throttling` (400),
    /// EFS `ThrottlingException` (429).
    Protocol,
    /// A bare HTTP 429 without an error body.
    Http429,
    /// A bare HTTP 503 without an error body.
    Http503,
}

/// Why the proxy answered a call itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Drawn by the throttle share.
    Throttled,
    /// A `fail` rule matched.
    Failed,
    /// Strict mode refused the call as AWS would (see `strict`).
    Strict,
}

/// A fault the proxy injected instead of forwarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    /// Throttled or failed.
    pub kind: FaultKind,
    /// The error code in the body; `None` for a bare 429/503.
    pub code: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The error message, when not the generic one of the kind.
    pub message: Option<String>,
}

/// What a `fail` rule answers.
#[derive(Debug, Clone)]
enum Answer {
    /// This code and status.
    Error { code: String, status: u16 },
    /// The throttling error of the called service (as [`ThrottleStyle::Protocol`]).
    Throttling,
}

/// One `fail` rule.
#[derive(Debug, Clone)]
struct FailRule {
    pattern: String,
    remaining: Times,
    answer: Answer,
}

/// The throttle setting.
#[derive(Debug, Clone, Copy)]
struct Throttle {
    share: f64,
    style: ThrottleStyle,
}

/// Everything the proxy does to calls; changed while it runs.
#[derive(Debug, Default)]
pub struct Rules {
    /// Added before every call is answered, faulted or not.
    pub latency: Duration,
    throttle: Option<Throttle>,
    fails: Vec<FailRule>,
    rng: u64,
}

impl Rules {
    /// Throttle a `share` (0.0–1.0) of calls, drawn from a generator seeded with `seed`.
    pub fn throttle(&mut self, share: f64, seed: u64, style: ThrottleStyle) {
        self.throttle = Some(Throttle {
            share: share.clamp(0.0, 1.0),
            style,
        });
        self.rng = seed;
    }

    /// Stop throttling.
    pub fn stop_throttling(&mut self) {
        self.throttle = None;
    }

    /// Fail calls matching `pattern` (`ec2:CreateVpc`, or a prefix ending in `*` like `ec2:Delete*`).
    pub fn fail(&mut self, pattern: &str, times: Times, code: &str, status: u16) {
        self.fails.push(FailRule {
            pattern: pattern.to_string(),
            remaining: times,
            answer: Answer::Error {
                code: code.to_string(),
                status,
            },
        });
    }

    /// Answer calls matching `pattern` with their service's own throttling error.
    pub fn throttle_op(&mut self, pattern: &str, times: Times) {
        self.fails.push(FailRule {
            pattern: pattern.to_string(),
            remaining: times,
            answer: Answer::Throttling,
        });
    }

    /// Remove every fault rule and the latency.
    pub fn clear(&mut self) {
        self.latency = Duration::ZERO;
        self.throttle = None;
        self.fails.clear();
    }

    /// The fault for the next call of `op`, if any, consuming a `fail` count or a draw.
    pub fn decide(&mut self, op: &Operation) -> Option<Injected> {
        let name = op.full_name();
        if let Some(rule) = self
            .fails
            .iter_mut()
            .find(|r| r.remaining != Times::Next(0) && matches(&r.pattern, &name))
        {
            if let Times::Next(n) = &mut rule.remaining {
                *n -= 1;
            }
            return Some(match &rule.answer {
                Answer::Error { code, status } => Injected {
                    kind: FaultKind::Failed,
                    code: Some(code.clone()),
                    status: *status,
                    message: None,
                },
                Answer::Throttling => {
                    let (code, status) = throttling_of(&op.protocol);
                    Injected {
                        kind: FaultKind::Throttled,
                        code: Some(code.to_string()),
                        status,
                        message: None,
                    }
                }
            });
        }
        let throttle = self.throttle?;
        if next_unit(&mut self.rng) >= throttle.share {
            return None;
        }
        let (code, status) = match throttle.style {
            ThrottleStyle::Protocol => {
                let (code, status) = throttling_of(&op.protocol);
                (Some(code.to_string()), status)
            }
            ThrottleStyle::Http429 => (None, 429),
            ThrottleStyle::Http503 => (None, 503),
        };
        Some(Injected {
            kind: FaultKind::Throttled,
            code,
            status,
            message: None,
        })
    }
}

/// Whether `name` is `pattern`, or starts with it when it ends in `*`.
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// The service's own throttling code and status.
fn throttling_of(protocol: &Protocol) -> (&'static str, u16) {
    match protocol {
        Protocol::Ec2Query => ("RequestLimitExceeded", 503),
        Protocol::Query | Protocol::RestXml => ("Throttling", 400),
        Protocol::Json { .. } => ("ThrottlingException", 400),
        Protocol::RestJson => ("ThrottlingException", 429),
    }
}

/// A uniform number in [0, 1) from a splitmix64 generator.
fn next_unit(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The answer to a faulted call of `op`, framed as the service frames its errors.
pub fn error_response(op: &Operation, fault: &Injected) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let Some(code) = &fault.code else {
        return Response::new(fault.status, "text/plain", Vec::new())
            .with_header("x-amzn-RequestId", &request_id);
    };
    let message = match (&fault.message, fault.kind) {
        (Some(message), _) => message.clone(),
        (None, FaultKind::Throttled) => "Rate exceeded (injected by the test proxy)".to_string(),
        (None, _) => format!("{code} (injected by the test proxy)"),
    };
    let fault_type = if fault.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let (code_xml, message_xml) = (xml_escape(code), xml_escape(&message));
    let response = match &op.protocol {
        Protocol::Ec2Query => Response::new(
            fault.status,
            "text/xml;charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code_xml}</Code><Message>{message_xml}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
        ),
        Protocol::Query | Protocol::RestXml => Response::new(
            fault.status,
            "text/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Error><Type>{fault_type}</Type><Code>{code_xml}</Code><Message>{message_xml}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ),
        ),
        Protocol::Json { content_type } => Response::new(
            fault.status,
            content_type,
            serde_json::json!({ "__type": code, "message": message }).to_string(),
        )
        .with_header("x-amzn-ErrorType", code),
        Protocol::RestJson => Response::new(
            fault.status,
            "application/json",
            serde_json::json!({ "ErrorCode": code, "Message": message }).to_string(),
        )
        .with_header("x-amzn-ErrorType", code),
    };
    response.with_header("x-amzn-RequestId", &request_id)
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
