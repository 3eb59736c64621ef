//! The AI stack's rendered user data, per tier: golden files, shellcheck, and the compose file
//! it writes (parsed as YAML, naming exactly the tier's services).
//!
//! The rendered scripts are snapshots under `snapshots/`; `cargo insta review` accepts a
//! deliberate change.
//! shellcheck and PyYAML come from the project's `.venv` (`scripts/moto.sh install`).

use crate::support::{fake_apply, load_deployment, repo_root};
use std::path::PathBuf;
use std::process::Command;
use strata::{Address, Value};

const TIERS: &[&str] = &["dev", "automation", "gpu"];

/// The user data the host of `tier` boots with, after a fake apply fills in the ids.
fn rendered(tier: &str) -> String {
    let deployment = load_deployment(&repo_root(), tier);
    let state = fake_apply(&deployment, &strata::aws::registry());
    let host: Address = "instance.host".parse().unwrap();
    match state.resources[&host].attributes.get("user_data") {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{tier}: user data is not a rendered string: {other:?}"),
    }
}

/// The tier's `services` variable.
fn services(tier: &str) -> Vec<String> {
    let deployment = load_deployment(&repo_root(), tier);
    match &deployment.vars["services"].value {
        Value::List(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => panic!("not a service name: {other:?}"),
            })
            .collect(),
        other => panic!("services is not a list: {other:?}"),
    }
}

fn venv_tool(name: &str) -> PathBuf {
    let status = Command::new(repo_root().join("scripts/moto.sh"))
        .arg("install")
        .status()
        .expect("scripts/moto.sh runs");
    assert!(status.success(), "installing the test tools failed");
    repo_root().join(".venv/bin").join(name)
}

/// Each tier's user data is a snapshot (`snapshots/`, reviewed with `cargo insta review`).
#[test]
fn user_data_matches_the_snapshots() {
    for tier in TIERS {
        insta::assert_snapshot!(format!("user-data-{tier}"), rendered(tier));
    }
}

#[test]
fn user_data_passes_shellcheck() {
    let shellcheck = venv_tool("shellcheck");
    for tier in TIERS {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join(format!("{tier}.sh"));
        std::fs::write(&script, rendered(tier)).unwrap();
        let out = Command::new(&shellcheck)
            .args(["--shell=bash", "--severity=style"])
            .arg(&script)
            .output()
            .expect("shellcheck runs");
        assert!(
            out.status.success(),
            "{tier}: shellcheck found problems:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The compose file between the heredoc markers of the user data.
fn compose_file(user_data: &str) -> &str {
    let start = user_data
        .find("<<'COMPOSE'\n")
        .map(|i| i + "<<'COMPOSE'\n".len())
        .expect("the user data writes a compose file");
    let end = user_data[start..]
        .find("\nCOMPOSE\n")
        .map(|i| start + i + 1)
        .expect("the compose heredoc is closed");
    &user_data[start..end]
}

#[test]
fn compose_file_parses_and_names_only_the_tier_services() {
    let python = venv_tool("python");
    for tier in TIERS {
        let user_data = rendered(tier);
        let compose = compose_file(&user_data);
        let out = Command::new(&python)
            .args([
                "-c",
                "import sys, yaml, json; doc = yaml.safe_load(sys.stdin); \
                 print(json.dumps({'services': sorted(doc['services']), \
                 'gpu': [n for n, s in doc['services'].items() if 'deploy' in s]}))",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(compose.as_bytes())?;
                child.wait_with_output()
            })
            .expect("python runs");
        assert!(
            out.status.success(),
            "{tier}: the compose file does not parse:\n{}\n{compose}",
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut expected = services(tier);
        expected.sort();
        assert_eq!(parsed["services"], serde_json::json!(expected), "{tier}");
        let gpu: Vec<&str> = if *tier == "gpu" {
            vec!["ollama"]
        } else {
            vec![]
        };
        assert_eq!(
            parsed["gpu"],
            serde_json::json!(gpu),
            "{tier}: GPU reservations"
        );
    }
}

#[test]
fn user_data_holds_no_secret_and_follows_the_tier() {
    for tier in TIERS {
        let user_data = rendered(tier);
        // Secrets are read or generated on the host: only their names appear here.
        assert!(!user_data.contains("change-me"), "{tier}");
        assert!(user_data.contains("openssl rand -hex 32"), "{tier}");
        let spot_watcher = user_data.contains("ai-stack-spot-watcher");
        assert!(spot_watcher, "{tier}: every shipped tier may run on spot");
        assert_eq!(
            user_data.contains("nvidia-container-toolkit"),
            *tier == "gpu",
            "{tier}"
        );
        assert_eq!(user_data.contains("mount -t efs"), *tier == "gpu", "{tier}");
        assert_eq!(user_data.contains("mkfs.xfs"), *tier != "gpu", "{tier}");
        assert!(!user_data.contains("{{"), "{tier}: unrendered template tag");
    }
}
