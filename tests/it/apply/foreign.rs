//! Two states, one deployment name, one account (the emulator): the second state never takes
//! or deletes the first one's resources unless `--adopt-foreign` says they are its own.

use crate::support::moto::{moto, MotoSession};
use crate::support::{strata, Run};
use std::path::Path;
use strata::state::{LocalBackend, Provenance, State};

/// The name both states deploy under.
const NAME: &str = "twin";

fn stack(resources: &str) -> String {
    format!("[stack]\nname = \"twin\"\nregion = \"us-east-1\"\n{resources}")
}

const NETWORK: &str = r#"
[resource.vpc.main]
cidr_block = "10.50.0.0/16"

[resource.subnet.a]
vpc_id = "${vpc.main.id}"
cidr_block = "10.50.1.0/24"
availability_zone = "us-east-1a"
"#;

const OTHER_VPC: &str = r#"
[resource.vpc.other]
cidr_block = "10.60.0.0/16"
"#;

/// A project whose one stack declares `resources`.
fn project(resources: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp project");
    let path = dir.path().join("stacks/twin.toml");
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("stacks/");
    std::fs::write(path, stack(resources)).expect("the stack");
    dir
}

fn strata_at(moto: &MotoSession, project: &Path, state: &Path, args: &[&str]) -> Run {
    strata(project)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(args)
        .args(["--stack", "twin", "--name", NAME])
        .state_dir(state)
        .run()
}

fn saved(state: &Path) -> Option<State> {
    LocalBackend::new(state)
        .load(NAME)
        .expect("the state reads")
}

/// `(kind id, strata:lineage)` of every VPC and subnet tagged with the deployment name.
async fn tagged(moto: &MotoSession) -> Vec<(String, Option<String>)> {
    let ec2 = moto.ec2();
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("tag:strata:deployment")
        .values(NAME)
        .build();
    let lineage = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter()
            .find(|t| t.key() == Some("strata:lineage"))
            .and_then(|t| t.value().map(str::to_string))
    };
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter.clone())
        .send()
        .await
        .expect("DescribeVpcs");
    let subnets = ec2
        .describe_subnets()
        .filters(filter)
        .send()
        .await
        .expect("DescribeSubnets");
    let mut out: Vec<(String, Option<String>)> = vpcs
        .vpcs()
        .iter()
        .map(|v| {
            (
                format!("vpc {}", v.vpc_id().unwrap_or_default()),
                lineage(v.tags()),
            )
        })
        .chain(subnets.subnets().iter().map(|s| {
            (
                format!("subnet {}", s.subnet_id().unwrap_or_default()),
                lineage(s.tags()),
            )
        }))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_second_state_is_refused_before_any_change_and_adopts_only_when_asked() {
    let moto = moto();
    let project = project(NETWORK);
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    strata_at(&moto, project.path(), first.path(), &["apply", "--yes"]).expect_code(0);
    let first_state = saved(first.path()).expect("the first state");
    let before = tagged(&moto).await;
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before
        .iter()
        .all(|(_, l)| l.as_deref() == Some(first_state.lineage.as_str())));

    // The second checkout's plan warns; its apply is refused and changes nothing.
    let plan = strata_at(&moto, project.path(), second.path(), &["plan"]).expect_code(0);
    assert!(
        plan.stderr.contains("strata::plan::foreign_deployment"),
        "{}",
        plan.stderr
    );
    let refused =
        strata_at(&moto, project.path(), second.path(), &["apply", "--yes"]).expect_code(1);
    assert!(
        refused.stderr.contains("strata::apply::foreign_deployment"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&first_state.lineage),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--adopt-foreign"),
        "{}",
        refused.stderr
    );
    assert_eq!(tagged(&moto).await, before);
    assert_eq!(
        saved(second.path()),
        None,
        "the refused apply saved a state"
    );

    // Adopted: recorded as imported, retagged with the second state's lineage, nothing created.
    strata_at(
        &moto,
        project.path(),
        second.path(),
        &["apply", "--yes", "--adopt-foreign"],
    )
    .expect_code(0);
    let second_state = saved(second.path()).expect("the second state");
    let after = tagged(&moto).await;
    assert_eq!(
        after.iter().map(|(r, _)| r).collect::<Vec<_>>(),
        before.iter().map(|(r, _)| r).collect::<Vec<_>>()
    );
    assert!(
        after
            .iter()
            .all(|(_, l)| l.as_deref() == Some(second_state.lineage.as_str())),
        "{after:?}"
    );
    let vpc = &second_state.resources[&strata::Address::new("vpc", "main")];
    assert_eq!(vpc.provenance, Provenance::Imported);
    assert_eq!(
        vpc.id,
        first_state.resources[&strata::Address::new("vpc", "main")].id
    );
    strata_at(
        &moto,
        project.path(),
        second.path(),
        &["plan", "--detailed-exitcode"],
    )
    .expect_code(0);
}

#[tokio::test]
async fn destroy_with_orphans_of_a_second_state_deletes_nothing_of_the_first() {
    let moto = moto();
    let network = project(NETWORK);
    let other = project(OTHER_VPC);
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    strata_at(&moto, network.path(), first.path(), &["apply", "--yes"]).expect_code(0);
    // The second state's own VPC: no configured address is foreign, so nothing is adopted.
    strata_at(
        &moto,
        other.path(),
        second.path(),
        &["apply", "--yes", "--adopt-foreign"],
    )
    .expect_code(0);
    let second_state = saved(second.path()).expect("the second state");
    assert_eq!(second_state.resources.len(), 1);
    let before = tagged(&moto).await;
    assert_eq!(before.len(), 3, "{before:?}");

    let refused = strata_at(
        &moto,
        other.path(),
        second.path(),
        &["destroy", "--yes", "--include-orphans"],
    )
    .expect_code(1);
    assert!(
        refused
            .stderr
            .contains("strata::destroy::foreign_deployment"),
        "{}",
        refused.stderr
    );
    assert_eq!(tagged(&moto).await, before, "destroy deleted something");
    assert_eq!(saved(second.path()), Some(second_state));

    // Told they are its own, it deletes them as orphans, and its own VPC.
    strata_at(
        &moto,
        other.path(),
        second.path(),
        &["destroy", "--yes", "--include-orphans", "--adopt-foreign"],
    )
    .expect_code(0);
    assert_eq!(tagged(&moto).await, Vec::new());
}
