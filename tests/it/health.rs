//! Health checks: `[health.*]` configuration, URLs resolved against state, and the checks
//! themselves against local HTTP servers on 127.0.0.1 standing in for the services (healthy,
//! slow, erroring, refusing, becoming healthy after a few attempts), through the library and
//! through the `strata health` binary.

use crate::support::{save_state, strata};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use strata::config::{load, Deployment, LoadRequest};
use strata::health::{
    check_all, skipped, targets, wait_healthy, CheckOptions, Outcome, Target, UNKNOWN_URL,
};
use strata::state::{Provenance, ResourceState, State};
use strata::{Address, Value};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Stand-in services on loopback.

/// How a stand-in service answers.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answer this status at once.
    Status(u16),
    /// Answer 200, but only after this long.
    Slow(Duration),
    /// Answer 503 to the first N requests, then 200.
    HealthyAfter(usize),
    /// Answer this raw text (not HTTP).
    Raw(&'static str),
}

/// A stand-in service: its port and the requests it received.
struct Service {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Service {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn serve(behaviour: Behaviour) -> Service {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let count = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (seen, n) = (seen.clone(), count.fetch_add(1, Ordering::SeqCst));
            std::thread::spawn(move || answer(stream, behaviour, n, &seen));
        }
    });
    Service { port, requests }
}

fn answer(mut stream: TcpStream, behaviour: Behaviour, n: usize, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => request.extend_from_slice(&buf[..k]),
        }
    }
    seen.lock()
        .unwrap()
        .push(String::from_utf8_lossy(&request).into_owned());
    let status = match behaviour {
        Behaviour::Status(s) => s,
        Behaviour::Slow(delay) => {
            std::thread::sleep(delay);
            200
        }
        Behaviour::HealthyAfter(failures) if n < failures => 503,
        Behaviour::HealthyAfter(_) => 200,
        Behaviour::Raw(text) => {
            let _ = stream.write_all(text.as_bytes());
            return;
        }
    };
    let _ = stream.write_all(
        format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .as_bytes(),
    );
}

/// A loopback port nothing listens on: bound, then closed.
fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().unwrap().port()
}

fn target(name: &str, url: &str) -> Target {
    Target {
        name: name.into(),
        url: Some(url.into()),
        shown_url: url.into(),
        hint: None,
        expect: None,
    }
}

fn fast(retries: u32) -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_millis(400),
        retries,
        interval: Duration::from_millis(30),
        deadline: None,
        concurrency: 8,
    }
}

/// Fail the test, showing `text`, unless it contains `needle`.
#[track_caller]
fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

// ---------------------------------------------------------------------------------------------
// Projects.

const TIER: &str = "[tier]\nname = \"dev\"\nstack = \"svc\"\n";

/// A project with `stacks/svc.toml` (the given text) and `tiers/dev.toml` (+ `tier_extra`).
fn project(stack: &str, tier_extra: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("stacks")).unwrap();
    std::fs::create_dir_all(dir.path().join("tiers")).unwrap();
    std::fs::write(dir.path().join("stacks/svc.toml"), stack).unwrap();
    std::fs::write(
        dir.path().join("tiers/dev.toml"),
        format!("{TIER}{tier_extra}"),
    )
    .unwrap();
    dir
}

fn request(dir: &Path) -> LoadRequest {
    LoadRequest {
        tier: Some("dev".into()),
        stack: None,
        name: None,
        project_dir: dir.to_path_buf(),
        snapshot: None,
        ..Default::default()
    }
}

#[track_caller]
fn load_ok(dir: &Path) -> Deployment {
    match load(&request(dir), &strata::aws::registry()) {
        Ok(d) => d,
        Err(e) => panic!(
            "should load: {:?}",
            e.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        ),
    }
}

/// A stack whose checks point at the given URLs and nothing else.
fn checks_only(checks: &[(&str, &str)]) -> String {
    let mut s = String::from("[stack]\nname = \"svc\"\n");
    for (name, url) in checks {
        s.push_str(&format!("\n[health.{name}]\nurl = \"{url}\"\n"));
    }
    s
}

/// A stack with a reused instance (no AWS needed to load it) and a check on its public IP.
fn stack_with_host(port: u16) -> String {
    format!(
        r#"[stack]
name = "svc"

[vars]
enable_qdrant = false

[resource.instance.host]
existing = "i-0123456789abcdef0"

[health.n8n]
url = "http://${{instance.host.public_ip}}:{port}/healthz"
hint = "on the host: sudo docker compose logs n8n"

[health.qdrant]
url = "http://${{instance.host.public_ip}}:6333/healthz"
enabled = "${{var.enable_qdrant}}"
"#
    )
}

/// The state after `instance.host` was recorded with a loopback public IP.
fn state_with_host(deployment: &Deployment) -> State {
    let mut state = State::new(&deployment.name, "svc", Some("dev"));
    let address = Address::new("instance", "host");
    state.resources.insert(
        address.clone(),
        ResourceState {
            address,
            kind: "instance".into(),
            id: Some("i-0123456789abcdef0".into()),
            attributes: [("public_ip".to_string(), Value::str("127.0.0.1"))]
                .into_iter()
                .collect(),
            dependencies: vec![],
            provenance: Provenance::Reused,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    state
}

// ---------------------------------------------------------------------------------------------
// Configuration.

#[test]
fn checks_are_loaded_with_their_settings() {
    let dir = project(
        "[stack]\nname = \"svc\"\n\n[health.n8n]\nurl = \"http://127.0.0.1:5678/healthz\"\nhint = \"read the logs\"\nexpect = 204\n",
        "",
    );
    let d = load_ok(dir.path());
    let check = &d.health["n8n"];
    assert!(check.enabled);
    assert_eq!(check.hint.as_deref(), Some("read the logs"));
    assert_eq!(check.expect, Some(204));
}

#[test]
fn a_disabled_check_is_kept_off_the_targets() {
    let dir = project(&stack_with_host(5678), "");
    let d = load_ok(dir.path());
    assert!(!d.health["qdrant"].enabled);
    let names: Vec<String> = targets(&d, None, &strata::aws::registry())
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["n8n"]);
    assert_eq!(skipped(&d), ["qdrant"]);
    // The tier turns it on through the variable.
    let dir = project(&stack_with_host(5678), "[vars]\nenable_qdrant = true\n");
    assert!(load_ok(dir.path()).health["qdrant"].enabled);
}

#[test]
fn a_check_naming_a_resource_the_tier_switched_off_is_dropped() {
    let stack = stack_with_host(5678).replace(
        "existing = \"i-0123456789abcdef0\"",
        "existing = \"i-0123456789abcdef0\"\nenabled = \"${var.enable_qdrant}\"",
    );
    let d = load_ok(project(&stack, "").path());
    assert!(d.health.is_empty(), "{:?}", d.health.keys());
}

#[test]
fn a_mistyped_key_is_a_diagnostic_with_line_column_and_suggestion() {
    let dir = project(
        "[stack]\nname = \"svc\"\n\n[health.n8n]\nurl = \"http://127.0.0.1:1/\"\nhnit = \"x\"\n",
        "",
    );
    let errors = load(&request(dir.path()), &strata::aws::registry())
        .unwrap_err()
        .errors;
    let e = &errors[0];
    assert_eq!(e.code, "strata::config::unknown_key");
    assert!(
        e.rendered_location()
            .unwrap()
            .ends_with("stacks/svc.toml:6:1"),
        "{:?}",
        e.rendered_location()
    );
    assert_eq!(e.help.as_deref(), Some("did you mean `hint`?"));
}

#[test]
fn bad_values_are_diagnostics() {
    for (body, code, at) in [
        ("expect = 42", "strata::config::invalid_value", ":6:10"),
        ("expect = \"200\"", "strata::config::wrong_type", ":6:11"),
        ("enabled = 1", "strata::config::wrong_type", ":6:11"),
        (
            "enabled = \"${var.nope}\"",
            "strata::config::unknown_variable",
            ":6:14",
        ),
        ("hint = 3", "strata::config::wrong_type", ":6:8"),
    ] {
        let dir = project(
            &format!(
                "[stack]\nname = \"svc\"\n\n[health.n8n]\nurl = \"http://127.0.0.1:1/\"\n{body}\n"
            ),
            "",
        );
        let errors = load(&request(dir.path()), &strata::aws::registry())
            .unwrap_err()
            .errors;
        assert_eq!(errors[0].code, code, "{body}: {:?}", errors[0].message);
        let location = errors[0].rendered_location().unwrap_or_default();
        assert!(location.ends_with(at), "{body}: {location}");
    }
    // A URL naming an undeclared resource is caught at load time, like an output's.
    let dir = project(
        &checks_only(&[("n8n", "http://${instance.nope.public_ip}/")]),
        "",
    );
    let errors = load(&request(dir.path()), &strata::aws::registry())
        .unwrap_err()
        .errors;
    assert_eq!(errors[0].code, "strata::config::unknown_resource");
}

#[test]
fn the_stack_schema_describes_health_checks() {
    let schema = strata::config::json_schema::stack_schema(&strata::aws::registry());
    let check = &schema["properties"]["health"]["additionalProperties"];
    assert_eq!(check["required"], serde_json::json!(["url"]));
    assert_eq!(check["additionalProperties"], false);
    let keys: Vec<&String> = check["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["url", "enabled", "hint", "expect"]);
}

// ---------------------------------------------------------------------------------------------
// Targets.

#[test]
fn urls_resolve_against_state_and_are_unknown_before_apply() {
    let dir = project(&stack_with_host(5678), "");
    let d = load_ok(dir.path());
    let registry = strata::aws::registry();
    let before = targets(&d, None, &registry).unwrap();
    assert_eq!(before[0].url, None);
    assert_eq!(before[0].shown_url, UNKNOWN_URL);
    let state = state_with_host(&d);
    let after = targets(&d, Some(&state), &registry).unwrap();
    assert_eq!(
        after[0].url.as_deref(),
        Some("http://127.0.0.1:5678/healthz")
    );
    assert_eq!(
        after[0].hint.as_deref(),
        Some("on the host: sudo docker compose logs n8n")
    );
}

#[test]
fn a_url_built_from_a_sensitive_value_is_not_shown() {
    let stack = "[stack]\nname = \"svc\"\n\n[vars]\ntoken = { default = \"s3cret\", sensitive = true }\n\n[health.api]\nurl = \"http://127.0.0.1:1/health?token=${var.token}\"\n";
    let d = load_ok(project(stack, "").path());
    let t = &targets(&d, None, &strata::aws::registry()).unwrap()[0];
    assert_eq!(t.shown_url, "(sensitive)");
    assert!(t.url.as_deref().unwrap().contains("s3cret"));
}

// ---------------------------------------------------------------------------------------------
// Checks, through the library.

#[tokio::test]
async fn each_kind_of_service_gets_its_outcome() {
    let healthy = serve(Behaviour::Status(200));
    let slow = serve(Behaviour::Slow(Duration::from_secs(3)));
    let erroring = serve(Behaviour::Status(500));
    let not_http = serve(Behaviour::Raw("SSH-2.0-OpenSSH_9.6\r\n"));
    let refused = refused_port();
    let targets = vec![
        target("healthy", &healthy.url("/healthz")),
        target("slow", &slow.url("/")),
        target("erroring", &erroring.url("/")),
        target("refused", &format!("http://127.0.0.1:{refused}/")),
        target("not_http", &not_http.url("/")),
        target("https", "https://127.0.0.1:1/"),
        Target {
            url: None,
            shown_url: UNKNOWN_URL.into(),
            ..target("unknown", "")
        },
    ];
    let results = check_all(&targets, &fast(0)).await;
    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["healthy", "slow", "erroring", "refused", "not_http", "https", "unknown"],
        "results keep the targets' order"
    );
    assert_eq!(results[0].outcome, Outcome::Healthy { status: 200 });
    assert!(results[0].latency.unwrap() < Duration::from_millis(400));
    assert_eq!(results[1].outcome, Outcome::Timeout);
    assert_eq!(results[2].outcome, Outcome::Unhealthy { status: 500 });
    assert!(results[2].hints()[0].contains("read its logs"));
    assert_eq!(results[3].outcome, Outcome::Refused);
    assert!(results[3].hints()[0].contains("user data may still be running"));
    assert!(
        matches!(&results[4].outcome, Outcome::Failed { reason } if reason.contains("SSH-2.0"))
    );
    assert!(matches!(results[5].outcome, Outcome::BadUrl { .. }));
    assert!(results[5].hints()[0].contains("plain-HTTP"));
    assert_eq!(
        (&results[6].outcome, results[6].attempts),
        (&Outcome::UnknownUrl, 0)
    );
    assert!(results[1].hints()[0].contains("security group"));
}

#[tokio::test]
async fn the_request_is_a_plain_get_with_host_and_connection_close() {
    let service = serve(Behaviour::Status(200));
    let results = check_all(&[target("s", &service.url("/healthz?deep=1"))], &fast(0)).await;
    assert!(results[0].outcome.is_healthy());
    let request = service.requests.lock().unwrap()[0].clone();
    assert!(
        request.starts_with("GET /healthz?deep=1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", service.port)),
        "{request}"
    );
    assert!(request.contains("\r\nConnection: close\r\n"), "{request}");
}

#[tokio::test]
async fn retries_wait_for_a_service_that_becomes_healthy() {
    let service = serve(Behaviour::HealthyAfter(2));
    let without = check_all(&[target("late", &service.url("/"))], &fast(0)).await;
    assert_eq!(without[0].outcome, Outcome::Unhealthy { status: 503 });
    let service = serve(Behaviour::HealthyAfter(2));
    let with = check_all(&[target("late", &service.url("/"))], &fast(4)).await;
    assert_eq!(with[0].outcome, Outcome::Healthy { status: 200 });
    assert_eq!(with[0].attempts, 3);
    assert_eq!(service.hits(), 3, "no request after the healthy one");
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let service = serve(Behaviour::Status(502));
    let results = check_all(&[target("down", &service.url("/"))], &fast(2)).await;
    assert_eq!(results[0].outcome, Outcome::Unhealthy { status: 502 });
    assert_eq!(results[0].attempts, 3);
    assert_eq!(service.hits(), 3);
}

#[tokio::test]
async fn the_deadline_cuts_retries_short() {
    let slow = serve(Behaviour::Slow(Duration::from_secs(3)));
    let opts = CheckOptions {
        timeout: Duration::from_millis(200),
        retries: 50,
        interval: Duration::from_millis(10),
        deadline: Some(Duration::from_millis(700)),
        concurrency: 4,
    };
    let begun = Instant::now();
    let results = check_all(&[target("slow", &slow.url("/"))], &opts).await;
    let took = begun.elapsed();
    assert_eq!(results[0].outcome, Outcome::Timeout);
    assert!(
        (2..=5).contains(&results[0].attempts),
        "{}",
        results[0].attempts
    );
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let slow_a = serve(Behaviour::Slow(Duration::from_secs(3)));
    let slow_b = serve(Behaviour::Slow(Duration::from_secs(3)));
    let targets = [target("a", &slow_a.url("/")), target("b", &slow_b.url("/"))];
    let opts = CheckOptions {
        timeout: Duration::from_millis(300),
        concurrency: 1,
        ..fast(0)
    };
    let begun = Instant::now();
    let results = check_all(&targets, &opts).await;
    assert!(results.iter().all(|r| r.outcome == Outcome::Timeout));
    // One at a time: the second request starts only after the first timed out.
    assert!(
        begun.elapsed() >= Duration::from_millis(600),
        "{:?}",
        begun.elapsed()
    );
}

#[tokio::test]
async fn expect_accepts_a_non_2xx_status_and_rejects_others() {
    let service = serve(Behaviour::Status(401));
    let mut t = target("auth", &service.url("/"));
    assert_eq!(
        check_all(std::slice::from_ref(&t), &fast(0)).await[0].outcome,
        Outcome::Unhealthy { status: 401 }
    );
    t.expect = Some(401);
    assert_eq!(
        check_all(&[t], &fast(0)).await[0].outcome,
        Outcome::Healthy { status: 401 }
    );
}

#[tokio::test]
async fn wait_healthy_checks_a_deployment_against_its_state() {
    let service = serve(Behaviour::Status(200));
    let d = load_ok(project(&stack_with_host(service.port), "").path());
    let registry = strata::aws::registry();
    let before = wait_healthy(&d, None, &registry, &fast(0)).await.unwrap();
    assert!(!before.healthy());
    assert_eq!(before.results[0].outcome, Outcome::UnknownUrl);
    assert_eq!(service.hits(), 0, "an unknown URL is not requested");
    let state = state_with_host(&d);
    let after = wait_healthy(&d, Some(&state), &registry, &fast(0))
        .await
        .unwrap();
    assert!(after.healthy(), "{after:?}");
    assert_eq!(after.skipped, ["qdrant"]);
    assert_eq!(service.hits(), 1);
}

// ---------------------------------------------------------------------------------------------
// Through the binary.

#[test]
fn cli_all_healthy_exits_0_with_a_table() {
    let a = serve(Behaviour::Status(200));
    let b = serve(Behaviour::Status(204));
    let dir = project(
        &checks_only(&[("alpha", &a.url("/healthz")), ("beta", &b.url("/"))]),
        "",
    );
    let run = strata(dir.path())
        .args(["health", "--tier", "dev", "--timeout", "2s"])
        .run()
        .expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("SERVICE"), "{}", run.stdout);
    assert!(
        lines[1].starts_with("alpha") && lines[1].contains("✓ 200"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("beta") && lines[2].contains("✓ 204"),
        "{}",
        run.stdout
    );
    assert_has(&run.stdout, "2 of 2 service(s) healthy.");
    assert!(!run.stdout.contains('\u{1b}'), "no colour off a terminal");
}

#[test]
fn cli_failures_exit_1_with_hints_and_json_for_pipelines() {
    let healthy = serve(Behaviour::Status(200));
    let erroring = serve(Behaviour::Status(500));
    let slow = serve(Behaviour::Slow(Duration::from_secs(3)));
    let refused = format!("http://127.0.0.1:{}/", refused_port());
    let stack = format!(
        "[stack]\nname = \"svc\"\n\n\
         [health.api]\nurl = \"{}\"\nhint = \"on the host: docker compose logs api\"\n\n\
         [health.db]\nurl = \"{refused}\"\n\n\
         [health.ok]\nurl = \"{}\"\n\n\
         [health.slow]\nurl = \"{}\"\n",
        erroring.url("/"),
        healthy.url("/"),
        slow.url("/"),
    );
    let dir = project(&stack, "");
    let args = [
        "health",
        "--tier",
        "dev",
        "--timeout",
        "300ms",
        "--retries",
        "1",
        "--interval",
        "10ms",
    ];

    let text = strata(dir.path()).args(args).run().expect_code(1);
    assert_has(&text.stdout, "✗ HTTP 500 (2 attempts)");
    assert_has(&text.stdout, "✗ refused");
    assert_has(&text.stdout, "✗ timeout");
    assert_has(&text.stdout, "hint: on the host: docker compose logs api");
    assert_has(
        &text.stdout,
        "hint: the service is up but failing: read its logs",
    );
    assert_has(&text.stdout, "1 of 4 service(s) healthy.");

    let run = strata(dir.path())
        .args(args)
        .args(["-o", "json"])
        .run()
        .expect_code(1);
    let j = run.json();
    assert_eq!(j["deployment"], "svc-dev");
    assert_eq!(j["healthy"], false);
    assert_eq!(
        j["summary"],
        serde_json::json!({ "checked": 4, "healthy": 1, "unhealthy": 3 })
    );
    let services = j["services"].as_array().unwrap();
    let by_name = |n: &str| services.iter().find(|s| s["name"] == n).unwrap();
    let api = by_name("api");
    assert_eq!(api["result"], "unhealthy");
    assert_eq!(api["status"], 500);
    assert_eq!(api["attempts"], 2);
    assert_eq!(api["url"], erroring.url("/"));
    assert_eq!(api["hints"][0], "on the host: docker compose logs api");
    assert!(api["latency_ms"].is_u64());
    assert_eq!(by_name("db")["result"], "refused");
    assert_eq!(by_name("db")["status"], serde_json::Value::Null);
    assert_eq!(by_name("slow")["result"], "timeout");
    let ok = by_name("ok");
    assert_eq!(
        (ok["healthy"].clone(), ok["result"].clone()),
        (true.into(), "healthy".into())
    );
    assert_eq!(ok["hints"], serde_json::json!([]));
    assert_eq!(j["skipped"], serde_json::json!([]));
    assert!(
        run.stderr.is_empty(),
        "JSON mode keeps stderr quiet: {}",
        run.stderr
    );
}

#[test]
fn cli_resolves_urls_from_recorded_state() {
    let service = serve(Behaviour::Status(200));
    let dir = project(&stack_with_host(service.port), "");
    let state_dir = tempfile::tempdir().unwrap();
    let args = [
        "health",
        "--tier",
        "dev",
        "--timeout",
        "2s",
        "--retries",
        "0",
    ];

    let before = strata(dir.path())
        .args(args)
        .state_dir(state_dir.path())
        .run()
        .expect_code(1);
    assert_has(&before.stdout, "? unknown URL");
    assert_has(&before.stdout, "run `strata apply` first");
    assert_has(&before.stderr, "nothing is applied yet");

    let d = load_ok(dir.path());
    save_state(state_dir.path(), &mut state_with_host(&d));
    let after = strata(dir.path())
        .args(args)
        .args(["-v"])
        .state_dir(state_dir.path())
        .run()
        .expect_code(0);
    assert_has(
        &after.stdout,
        &format!("http://127.0.0.1:{}/healthz", service.port),
    );
    assert_has(&after.stderr, "disabled in this deployment): qdrant");
    assert_eq!(service.hits(), 1);
}

#[test]
fn cli_without_checks_says_so_and_passes() {
    let dir = project("[stack]\nname = \"svc\"\n", "");
    let run = strata(dir.path())
        .args(["health", "--tier", "dev"])
        .run()
        .expect_code(0);
    assert_has(&run.stderr, "No health checks");
    let run = strata(dir.path())
        .args(["health", "--tier", "dev", "-o", "json"])
        .run()
        .expect_code(0);
    assert_eq!(run.json()["services"], serde_json::json!([]));
}

#[test]
fn cli_https_is_a_bad_url_with_help() {
    let dir = project(&checks_only(&[("tls", "https://127.0.0.1:1/")]), "");
    let run = strata(dir.path())
        .args(["health", "--tier", "dev", "-o", "json"])
        .run()
        .expect_code(1);
    let s = &run.json()["services"][0];
    assert_eq!(s["result"], "bad_url");
    assert_eq!(s["attempts"], 0);
    assert!(
        s["reason"]
            .as_str()
            .unwrap()
            .contains("plain `http://` only"),
        "{s}"
    );
    assert!(
        s["hints"][0].as_str().unwrap().contains("plain-HTTP port"),
        "{s}"
    );
}

#[test]
fn cli_config_errors_exit_1_with_the_diagnostic() {
    let dir = project(
        "[stack]\nname = \"svc\"\n\n[health.n8n]\nurl = \"http://127.0.0.1:1/\"\nexpct = 200\n",
        "",
    );
    let run = strata(dir.path())
        .args(["health", "--tier", "dev"])
        .run()
        .expect_code(1);
    assert_has(&run.stderr, "strata::config::unknown_key");
    assert_has(&run.stderr, "did you mean `expect`?");
}
