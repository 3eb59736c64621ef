//! `strata apply --wait-healthy` against the emulator: the services' health endpoints are
//! stand-ins on 127.0.0.1 (the emulator's instance addresses must never be contacted). The
//! emulator sits behind a strict proxy (`moto_strict`).

use crate::support::moto::moto_strict;
use crate::support::{strata, Run, TempProject};
use std::io::{Read, Write};
use std::net::TcpListener;

/// A stand-in service answering every request with `status`; returns its port.
fn service(status: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    port
}

/// The dev tier with only n8n's check, pointed at `url`.
fn project_checking(url: &str) -> TempProject {
    let project = TempProject::new();
    project.edit(
        "stacks/ai-stack.toml",
        "url = \"http://${if(var.enable_alb, load_balancer.front.dns_name, instance.host.public_ip)}${if(var.enable_alb, \\\"\\\", \\\":5678\\\")}/healthz\"",
        &format!("url = \"{url}\""),
    );
    project.edit(
        "tiers/dev.toml",
        "services = [\"n8n\", \"postgres\", \"ollama\", \"qdrant\", \"crawl4ai\"]",
        "services = [\"n8n\", \"postgres\"]",
    );
    project
}

fn apply(project: &TempProject, state: &std::path::Path, endpoint: &str) -> Run {
    strata(project.path())
        .env("AWS_ENDPOINT_URL", endpoint)
        .args([
            "apply",
            "--tier",
            "dev",
            "--yes",
            "--wait-healthy",
            "--health-deadline",
            "3s",
        ])
        .state_dir(state)
        .run()
}

#[tokio::test]
async fn wait_healthy_passes_when_the_services_answer() {
    let moto = moto_strict();
    let port = service(200);
    let project = project_checking(&format!("http://127.0.0.1:{port}/healthz"));
    let state = tempfile::tempdir().unwrap();
    let run = apply(&project, state.path(), &moto.endpoint).expect_code(0);
    assert!(run.stdout.contains("n8n"), "{}", run.stdout);
}

#[tokio::test]
async fn wait_healthy_fails_without_rolling_back() {
    let moto = moto_strict();
    let port = service(503);
    let project = project_checking(&format!("http://127.0.0.1:{port}/healthz"));
    let state = tempfile::tempdir().unwrap();
    let run = apply(&project, state.path(), &moto.endpoint).expect_code(1);
    assert!(
        run.stdout.contains("503") || run.stderr.contains("503"),
        "{run:?}"
    );
    // The deployment stays: a plan against the account finds nothing to do.
    strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["plan", "--tier", "dev", "--detailed-exitcode"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
}
