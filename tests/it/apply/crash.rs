//! Kill -9 at any instant: `strata apply` is SIGKILLed at 20+ points across a run (between a
//! create call and its state write included), then run again; the account must end with each
//! planned resource exactly once, converged (the next plan is empty and the live account matches
//! the configuration), and destroy must leave nothing tagged with the deployment.

use crate::support::live::assert_dev_tier_converged;
use crate::support::moto::{http, moto, MotoSession};
use crate::support::proxy::Proxy;
use crate::support::TempProject;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 24;

fn command(project: &TempProject, state: &std::path::Path, endpoint: &str, verb: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.current_dir(project.path())
        .args(["--project-dir"])
        .arg(project.path())
        .args([verb, "--tier", "dev", "--yes", "-q", "--state-dir"])
        .arg(state)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_to_end(project: &TempProject, state: &std::path::Path, endpoint: &str, verb: &str) {
    let out = command(project, state, endpoint, verb)
        .output()
        .expect("strata runs");
    assert!(
        out.status.success(),
        "{verb} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Count live resources of each kind tagged with an address.
async fn counts(moto: &MotoSession) -> Vec<(String, usize)> {
    let ec2 = moto.ec2();
    let tag = |addr: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name("tag:strata:address")
            .values(addr)
            .build()
    };
    let mut out = Vec::new();
    out.push((
        "vpc.main".into(),
        ec2.describe_vpcs()
            .filters(tag("vpc.main"))
            .send()
            .await
            .unwrap()
            .vpcs()
            .len(),
    ));
    out.push((
        "subnet.public_a".into(),
        ec2.describe_subnets()
            .filters(tag("subnet.public_a"))
            .send()
            .await
            .unwrap()
            .subnets()
            .len(),
    ));
    out.push((
        "security_group.host".into(),
        ec2.describe_security_groups()
            .filters(tag("security_group.host"))
            .send()
            .await
            .unwrap()
            .security_groups()
            .len(),
    ));
    out.push((
        "internet_gateway.main".into(),
        ec2.describe_internet_gateways()
            .filters(tag("internet_gateway.main"))
            .send()
            .await
            .unwrap()
            .internet_gateways()
            .len(),
    ));
    out.push((
        "route_table.public".into(),
        ec2.describe_route_tables()
            .filters(tag("route_table.public"))
            .send()
            .await
            .unwrap()
            .route_tables()
            .len(),
    ));
    let instances = ec2
        .describe_instances()
        .filters(tag("instance.host"))
        .send()
        .await
        .unwrap();
    out.push((
        "instance.host".into(),
        instances
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
            .count(),
    ));
    out
}

#[tokio::test]
async fn killed_applies_are_finished_by_the_next_run_without_duplicates_or_orphans() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    // Slow every call down so that the kills land in the middle of calls and between a call
    // and its state write, not only before or after the run.
    proxy.set_latency(Duration::from_millis(40));
    let project = TempProject::new();

    // How long an undisturbed apply takes through the slow proxy.
    let state = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    run_to_end(&project, state.path(), &proxy.endpoint(), "apply");
    let full = t0.elapsed();
    run_to_end(&project, state.path(), &moto.endpoint, "destroy");

    let mut killed_mid_run = 0;
    for i in 0..KILLS {
        let (status, _) = http(moto.port, "POST", "/moto-api/reset", "", &[]).unwrap();
        assert_eq!(status, 200);
        let state = tempfile::tempdir().unwrap();
        // The measured run includes the emulator's warm-up: spread the kills over its first 80%.
        let delay = full.mul_f64(0.8 * (i as f64 + 0.5) / KILLS as f64);
        let mut child = command(&project, state.path(), &proxy.endpoint(), "apply")
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        if child.try_wait().expect("wait").is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // The next run reconciles the journal and finishes the work.
        run_to_end(&project, state.path(), &moto.endpoint, "apply");
        for (address, n) in counts(&moto).await {
            assert_eq!(n, 1, "kill {i} after {delay:?}: {address} exists {n} times");
        }
        // Finished, and finished right: the next plan is empty and the account is as
        // configured (rules, associations, attributes), not merely populated.
        assert_dev_tier_converged(
            &moto,
            project.path(),
            state.path(),
            &format!("kill {i} after {delay:?}"),
        )
        .await;
        run_to_end(&project, state.path(), &moto.endpoint, "destroy");
        for (address, n) in counts(&moto).await {
            assert_eq!(n, 0, "kill {i}: {address} left after destroy");
        }
    }
    assert!(
        killed_mid_run >= 20,
        "only {killed_mid_run} kills landed while apply ran (run took {full:?})"
    );
}
