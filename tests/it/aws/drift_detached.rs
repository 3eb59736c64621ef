//! Drift that is an absence: a gateway detached and a policy detached behind strata's back.
//! The kinds read "detached" and "no policies" as values (`null`, `[]`), not as attributes they
//! cannot return, so `strata plan` shows both, and `apply` puts them back.

use crate::support::moto::moto;
use crate::support::project::stack_project;
use crate::support::strata;

const STACK: &str = r#"[stack]
name = "absent"
region = "us-east-1"

[resource.vpc.main]
cidr_block = "10.72.0.0/16"

[resource.internet_gateway.main]
vpc_id = "${vpc.main.id}"

[resource.iam_role.app]
name = "absent-app"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] }
managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
"#;

#[tokio::test]
async fn a_detached_gateway_and_policy_show_in_the_plan_and_are_put_back() {
    let moto = moto();
    let project = stack_project("absent", STACK);
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
    run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(0);

    let ec2 = moto.ec2();
    let tagged = |address: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name("tag:strata:address")
            .values(address)
            .build()
    };
    let gateways = ec2
        .describe_internet_gateways()
        .filters(tagged("internet_gateway.main"))
        .send()
        .await
        .expect("describe");
    let gateway = &gateways.internet_gateways()[0];
    let gateway_id = gateway.internet_gateway_id().expect("id").to_string();
    let vpc_id = gateway.attachments()[0].vpc_id().expect("vpc").to_string();
    ec2.detach_internet_gateway()
        .internet_gateway_id(&gateway_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("detach");
    moto.iam()
        .detach_role_policy()
        .role_name("absent-app")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect("detach the policy");

    let drifted = run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(2);
    assert!(drifted.stdout.contains("vpc_id"), "{}", drifted.stdout);
    assert!(
        drifted.stdout.contains("managed_policy_arns"),
        "{}",
        drifted.stdout
    );

    run(&["apply", "--tier", "dev", "--yes"]).expect_code(0);
    run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(0);
    let attached = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&gateway_id)
        .send()
        .await
        .expect("describe");
    let vpcs: Vec<_> = attached.internet_gateways()[0]
        .attachments()
        .iter()
        .filter_map(|a| a.vpc_id())
        .collect();
    assert_eq!(vpcs, [vpc_id.as_str()]);
    let policies = moto
        .iam()
        .list_attached_role_policies()
        .role_name("absent-app")
        .send()
        .await
        .expect("list");
    assert_eq!(policies.attached_policies().len(), 1);
}
