//! Drift on an attribute that is not a tag: a security-group rule added behind strata's back
//! with the SDK shows in `strata plan` as changed outside strata on `ingress`, and the plan
//! puts the rules back.

use crate::support::moto::moto;
use crate::support::project::stack_project;
use crate::support::strata;

const STACK: &str = r#"[stack]
name = "rules"
region = "us-east-1"

[resource.vpc.main]
cidr_block = "10.71.0.0/16"

[resource.security_group.web]
vpc_id = "${vpc.main.id}"
ingress = [
  { protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = ["10.0.0.0/8"] },
]
"#;

#[tokio::test]
async fn a_rule_added_outside_strata_is_drift_on_ingress() {
    let moto = moto();
    let project = stack_project("rules", STACK);
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1")
            .args(args)
            .state_dir(state.path())
            .run()
    };
    run(&["apply", "--tier", "dev", "--yes"]).expect_code(0);
    let clean = run(&["plan", "--tier", "dev"]).expect_code(0);
    assert!(clean.stdout.contains("No changes"), "{}", clean.stdout);

    // Behind strata's back: open SSH to the world.
    let ec2 = moto.ec2();
    let group = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:address")
                .values("security_group.web")
                .build(),
        )
        .send()
        .await
        .expect("describe");
    let group_id = group.security_groups()[0]
        .group_id()
        .expect("id")
        .to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&group_id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("authorize");

    let text = run(&["plan", "--tier", "dev"]);
    assert!(
        text.stdout.contains("Changed outside strata"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("security_group.web"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("ingress"), "{}", text.stdout);

    let plan = run(&["plan", "--tier", "dev", "--output", "json"]).json();
    let change = plan["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "security_group.web")
        .unwrap_or_else(|| panic!("security_group.web in {plan}"))
        .clone();
    let drifted: Vec<&str> = change["drift"]["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("drift in {change}"))
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(drifted, ["ingress"], "{change}");
    assert_eq!(
        change["action"], "update",
        "the plan puts the rules back: {change}"
    );
    let vpc = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .find(|c| c["address"] == "vpc.main");
    assert!(
        vpc.is_none_or(|v| v["drift"].is_null()),
        "the VPC did not drift: {vpc:?}"
    );
}
