//! Every shipped tier of the AI stack applies, plans clean and destroys cleanly against the
//! emulator, through the real SDK and a strict proxy (`moto_strict`) that refuses what AWS
//! would. (`tests/apply_moto.rs` covers the dev tier in depth.)

use crate::support::moto::{moto_strict, MotoSession};
use crate::support::{strata, TempProject};

/// Live VPCs, instances, load balancers and file systems tagged with the deployment.
async fn tagged(moto: &MotoSession, deployment: &str) -> Vec<String> {
    let ec2 = moto.ec2();
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("tag:strata:deployment")
        .values(deployment)
        .build();
    let mut found = Vec::new();
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter.clone())
        .send()
        .await
        .unwrap();
    found.extend(
        vpcs.vpcs()
            .iter()
            .map(|v| format!("vpc {}", v.vpc_id().unwrap_or_default())),
    );
    let sgs = ec2
        .describe_security_groups()
        .filters(filter.clone())
        .send()
        .await
        .unwrap();
    found.extend(
        sgs.security_groups()
            .iter()
            .map(|g| format!("sg {}", g.group_name().unwrap_or_default())),
    );
    let vols = ec2
        .describe_volumes()
        .filters(filter.clone())
        .send()
        .await
        .unwrap();
    found.extend(
        vols.volumes()
            .iter()
            .filter(|v| v.tags().iter().any(|t| t.key() == Some("strata:address")))
            .map(|v| format!("volume {}", v.volume_id().unwrap_or_default())),
    );
    let reservations = ec2
        .describe_instances()
        .filters(filter)
        .send()
        .await
        .unwrap();
    for r in reservations.reservations() {
        for i in r.instances() {
            if i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated") {
                found.push(format!("instance {}", i.instance_id().unwrap_or_default()));
            }
        }
    }
    found
}

/// The host requires IMDSv2 and its tokens travel one hop: containers behind Docker's bridge
/// cannot take the host's role.
async fn assert_host_keeps_imds_tokens_on_the_host(moto: &MotoSession, deployment: &str) {
    let described = moto
        .ec2()
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:deployment")
                .values(deployment)
                .build(),
        )
        .send()
        .await
        .expect("describe");
    let hosts: Vec<_> = described
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .collect();
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let options = hosts[0].metadata_options().expect("metadata options");
    assert_eq!(options.http_tokens().map(|t| t.as_str()), Some("required"));
    assert_eq!(options.http_put_response_hop_limit(), Some(1));
}

async fn tier_round_trip(tier: &str, edit: Option<(&str, &str)>) {
    let moto = moto_strict();
    let project = TempProject::new();
    if let Some((from, to)) = edit {
        project.edit(&format!("tiers/{tier}.toml"), from, to);
    }
    let state = tempfile::tempdir().unwrap();
    let deployment = format!("ai-stack-{tier}");
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .args(args)
            .args(["--tier", tier])
            .state_dir(state.path())
            .run()
    };
    let applied = run(&["apply", "--yes"]).expect_code(0);
    assert!(applied.stdout.contains("n8n_url"), "{}", applied.stdout);
    assert!(!tagged(&moto, &deployment).await.is_empty());
    assert_host_keeps_imds_tokens_on_the_host(&moto, &deployment).await;
    run(&["plan", "--detailed-exitcode"]).expect_code(0);
    let shown = run(&["show"]).expect_code(0);
    assert!(shown.stdout.contains("instance.host"), "{}", shown.stdout);
    run(&["destroy", "--yes"]).expect_code(0);
    assert_eq!(tagged(&moto, &deployment).await, Vec::<String>::new());
}

#[tokio::test]
async fn automation_tier_applies_plans_clean_and_destroys() {
    tier_round_trip("automation", None).await;
}

#[tokio::test]
async fn gpu_tier_applies_plans_clean_and_destroys() {
    // The emulator has no Deep Learning AMI parameter: boot plain Amazon Linux 2023 instead.
    tier_round_trip(
        "gpu",
        Some((
            "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id",
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        )),
    )
    .await;
}
