//! Replacement of every resource kind against the AWS emulator, through the real engine and CLI:
//! apply a stack holding every registered kind, change one replace-forcing attribute of each resource,
//! check that the plan replaces it, apply, and read back through the SDK that each new resource
//! has a new id and the changed value while the old one is gone.
//!
//! Two kinds have no replace-forcing attribute (AWS changes every one of their settings in
//! place): `internet_gateway` (detach + attach moves it) and `elastic_ip` (associate moves it).
//! They are in the stack too and must keep their ids while following the replaced VPC and
//! instance.
//!
//! Some resources are replaced because a resource they reference is (the route table's only
//! replace-forcing attribute is its VPC, a listener's its load balancer); the others get a
//! change of their own.

//!
//! Behind the strict proxy: it models what moto lacks (ElastiCache subnet groups can be
//! deleted) and refuses what AWS refuses (a group still in use).

mod platform;
mod probe;
mod stack;

use crate::support::moto::{moto_strict, MotoSession};
use crate::support::{strata, Run};
use probe::probe;
use stack::stack;
use std::collections::BTreeMap;
use std::path::Path;
use strata::state::LocalBackend;

const DEPLOYMENT: &str = "rp";

/// Every address of the stack whose kind has a replace-forcing attribute.
const REPLACED: [&str; 33] = [
    "vpc.main",
    "subnet.a",
    "subnet.b",
    "route_table.public",
    "security_group.host",
    "iam_role.host",
    "instance_profile.host",
    "key_pair.admin",
    "instance.host",
    "volume.data",
    "volume_attachment.data",
    "efs_file_system.shared",
    "efs_mount_target.a",
    "load_balancer.front",
    "target_group.web",
    "target_attachment.web",
    "listener.http",
    "distribution.cdn",
    "nat_gateway.private",
    "cloudwatch_log_group.app",
    "secretsmanager_secret.app",
    "ecs_cluster.main",
    "ecs_task_definition.app",
    "ecs_service.app",
    "appautoscaling_target.app",
    "appautoscaling_policy.cpu",
    "db_subnet_group.main",
    "db_instance.main",
    "elasticache_subnet_group.main",
    "elasticache_replication_group.main",
    "wafv2_web_acl.main",
    "wafv2_web_acl_association.main",
    "budgets_budget.main",
];

/// The kinds without a replace-forcing attribute: updated in place, same id.
const UPDATED: [&str; 2] = ["internet_gateway.main", "elastic_ip.host"];

fn run(project: &Path, state: &Path, moto: &MotoSession, args: &[&str]) -> Run {
    strata(project)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(args)
        .args(["--stack", "replace", "--name", DEPLOYMENT])
        .state_dir(state)
        .run()
}

/// Address → recorded id, from the saved state.
fn recorded_ids(state: &Path) -> BTreeMap<String, String> {
    let state = LocalBackend::new(state)
        .load(DEPLOYMENT)
        .expect("state loads")
        .expect("state exists");
    state
        .resources
        .values()
        .map(|r| {
            (
                r.address.to_string(),
                r.id.clone().expect("every applied resource has an id"),
            )
        })
        .collect()
}

fn kind_of(address: &str) -> &str {
    address.split_once('.').map(|(k, _)| k).expect("kind.name")
}

#[tokio::test]
async fn every_kind_is_replaced_when_a_replace_forcing_attribute_changes() {
    let moto = moto_strict();
    let project = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let stack_file = project.path().join("stacks/replace.toml");
    std::fs::create_dir_all(project.path().join("stacks")).unwrap();
    std::fs::write(&stack_file, stack(1)).unwrap();
    run(project.path(), state.path(), &moto, &["apply", "--yes"]).expect_code(0);
    let old = recorded_ids(state.path());
    assert_eq!(old.len(), REPLACED.len() + UPDATED.len(), "{old:?}");
    // Every kind of the registry is in the stack.
    let kinds: std::collections::BTreeSet<&str> = old.keys().map(|a| kind_of(a)).collect();
    assert_eq!(
        kinds.len(),
        strata::aws::registry().names().count(),
        "{kinds:?}"
    );

    std::fs::write(&stack_file, stack(2)).unwrap();
    let plan = run(project.path(), state.path(), &moto, &["plan", "-o", "json"])
        .expect_code(0)
        .json();
    let actions: BTreeMap<String, (String, usize)> = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                (
                    c["action"].as_str().unwrap_or_default().to_string(),
                    c["replace_because"].as_array().map_or(0, Vec::len),
                ),
            )
        })
        .collect();
    for address in REPLACED {
        let (action, because) = &actions[address];
        assert_eq!(action, "replace", "{address}: {actions:?}");
        assert!(*because > 0, "{address} says why it is replaced");
    }
    for address in UPDATED {
        assert_eq!(actions[address].0, "update", "{address}: {actions:?}");
    }

    run(project.path(), state.path(), &moto, &["apply", "--yes"]).expect_code(0);
    let new = recorded_ids(state.path());
    let expected = |address: &str| -> String {
        match address {
            "vpc.main" => "10.62.0.0/16".into(),
            "subnet.a" => "10.62.1.0/24".into(),
            "subnet.b" => "10.62.2.0/24".into(),
            "route_table.public" | "internet_gateway.main" => new["vpc.main"].clone(),
            "security_group.host" | "iam_role.host" | "instance_profile.host" => "rp-host-2".into(),
            "key_pair.admin" => "rp-admin-2".into(),
            "instance.host" => "t3.small".into(),
            "elastic_ip.host" => new["instance.host"].clone(),
            "volume.data" => "true".into(),
            "volume_attachment.data" => "/dev/sdg".into(),
            "efs_file_system.shared" => "rp-fs-2".into(),
            "efs_mount_target.a" => new["subnet.b"].clone(),
            "load_balancer.front" => "rp-front-2".into(),
            "target_group.web" => "8080".into(),
            "target_attachment.web" => "8081".into(),
            "listener.http" => new["load_balancer.front"].clone(),
            "distribution.cdn" => "rp-cdn-2".into(),
            "nat_gateway.private" => new["subnet.b"].clone(),
            "cloudwatch_log_group.app" => "rp-logs-2".into(),
            "secretsmanager_secret.app" => "rp-secret-2".into(),
            "ecs_cluster.main" => "rp-cluster-2".into(),
            "ecs_task_definition.app" => "512".into(),
            "ecs_service.app" => new["ecs_cluster.main"].clone(),
            "appautoscaling_target.app" | "appautoscaling_policy.cpu" => {
                "service/rp-cluster-2/rp-svc".into()
            }
            "db_subnet_group.main" | "db_instance.main" => "rp-db-2".into(),
            "elasticache_subnet_group.main" => "rp-cache-2".into(),
            "elasticache_replication_group.main" => "rp-redis-2".into(),
            "wafv2_web_acl.main" | "wafv2_web_acl_association.main" => "rp-acl-2".into(),
            "budgets_budget.main" => "rp-budget-2".into(),
            other => panic!("no expectation for {other}"),
        }
    };
    for address in REPLACED {
        let kind = kind_of(address);
        assert_ne!(old[address], new[address], "{address} has a new id");
        assert_eq!(
            probe(&moto, kind, &new[address]).await,
            Some(expected(address)),
            "{address} ({}) has the changed value",
            new[address]
        );
        assert_eq!(
            probe(&moto, kind, &old[address]).await,
            None,
            "{address}: the old {} is gone",
            old[address]
        );
    }
    for address in UPDATED {
        assert_eq!(old[address], new[address], "{address} keeps its id");
        assert_eq!(
            probe(&moto, kind_of(address), &new[address]).await,
            Some(expected(address)),
            "{address} follows what it references"
        );
    }
    // The account now matches the configuration.
    run(
        project.path(),
        state.path(),
        &moto,
        &["plan", "--detailed-exitcode"],
    )
    .expect_code(0);
}
