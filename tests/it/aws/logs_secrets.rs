//! The `cloudwatch_log_group` and `secretsmanager_secret` kinds against the emulator through the
//! strict proxy: create, read back behind strata's back, update in place, find by tags, batched
//! reads in one call per page, delete twice; for secrets, values never read back and a
//! destroyed secret restored when its resource is created again within the recovery window.

use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, kind, strata_tags, table, try_create, update,
};
use crate::support::moto::{moto_strict, MotoSession};
use std::collections::BTreeMap;
use strata::provider::{ErrorClass, OnChange};
use strata::Value;

/// How many times `operation` went through the strict proxy so far.
fn count(moto: &MotoSession, operation: &str) -> usize {
    moto.strict
        .as_ref()
        .expect("strict session")
        .operations_matching(operation)
        .len()
}

/// Calls that read secret values.
fn value_reads(moto: &MotoSession) -> usize {
    count(moto, "secretsmanager:GetSecretValue") + count(moto, "secretsmanager:BatchGetSecretValue")
}

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/0e6f2c1a-1111-2222-3333-444455556666";

async fn log_group_tags(moto: &MotoSession, arn: &str) -> BTreeMap<String, String> {
    let logs: aws_sdk_cloudwatchlogs::Client = moto.client();
    logs.list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("tags")
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn log_group_create_read_update_find_delete() {
    let moto = moto_strict();
    let registry = moto.registry();
    let groups = kind(&registry, "cloudwatch_log_group");

    // What CloudWatch Logs accepts.
    let bad = attrs(&[
        ("retention_in_days", Value::Int(8)),
        ("log_group_class", Value::str("COLD")),
    ]);
    let broken: Vec<_> = groups.validate(&bad).iter().map(|i| i.attr).collect();
    assert_eq!(broken, [Some("retention_in_days"), Some("log_group_class")]);
    assert!(groups
        .validate(&attrs(&[("retention_in_days", Value::Int(3653))]))
        .is_empty());
    let schema = groups.schema();
    assert_eq!(
        schema.get("name").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("log_group_class").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("retention_in_days").map(|a| a.on_change),
        Some(OnChange::Update)
    );

    let wanted = attrs(&[
        ("retention_in_days", Value::Int(7)),
        ("kms_key_id", Value::str(KEY)),
    ]);
    let created = create(groups, "cloudwatch_log_group.api", &wanted).await;
    // The name is derived and is the id.
    assert_eq!(created.id, "test-dev-api");
    let arn = created.attrs["arn"].as_str().expect("arn").to_string();
    assert!(arn.ends_with(":log-group:test-dev-api"), "{arn}");
    assert_eq!(created.tags, strata_tags("cloudwatch_log_group.api"));

    // Behind strata's back.
    let logs: aws_sdk_cloudwatchlogs::Client = moto.client();
    let listed = logs
        .describe_log_groups()
        .log_group_name_prefix("test-dev-api")
        .send()
        .await
        .expect("describe");
    let group = &listed.log_groups()[0];
    assert_eq!(group.retention_in_days(), Some(7));
    assert_eq!(group.kms_key_id(), Some(KEY));
    assert_eq!(
        log_group_tags(&moto, &arn).await,
        strata_tags("cloudwatch_log_group.api")
    );

    // Retention and tags change in place. (moto lacks AssociateKmsKey / DisassociateKmsKey:
    // changing `kms_key_id` in place is not exercised here.)
    let mut after = wanted.clone();
    after.insert("retention_in_days".into(), Value::Int(14));
    let mut tags = strata_tags("cloudwatch_log_group.api");
    tags.remove("Project");
    tags.insert("Team".into(), "platform".into());
    let updated = update(
        groups,
        "cloudwatch_log_group.api",
        &created.id,
        &created.attrs,
        &after,
        &["retention_in_days", "tags"],
        &tags,
    )
    .await
    .expect("update");
    assert_eq!(updated.attrs["retention_in_days"], Value::Int(14));
    assert_eq!(updated.tags, tags);
    let listed = logs
        .describe_log_groups()
        .log_group_name_prefix("test-dev-api")
        .send()
        .await
        .expect("describe");
    assert_eq!(listed.log_groups()[0].retention_in_days(), Some(14));
    assert_eq!(log_group_tags(&moto, &arn).await, tags);
    // Retention removed: kept forever again, read as unset.
    after.remove("retention_in_days");
    let kept = update(
        groups,
        "cloudwatch_log_group.api",
        &created.id,
        &updated.attrs,
        &after,
        &["retention_in_days"],
        &tags,
    )
    .await
    .expect("remove retention");
    assert_eq!(kept.attrs["retention_in_days"], Value::Null);

    // Two more groups, and one of the account's strata did not make; three read in one listing
    // and one tagging call; an unknown name is absent.
    let worker = create(groups, "cloudwatch_log_group.worker", &attrs(&[])).await;
    let named = create(
        groups,
        "cloudwatch_log_group.named",
        &attrs(&[("name", Value::str("test-dev-custom/ecs"))]),
    )
    .await;
    assert_eq!(named.id, "test-dev-custom/ecs");
    logs.create_log_group()
        .log_group_name("someone-else")
        .send()
        .await
        .expect("foreign group");
    let (describes, tagging) = (
        count(&moto, "logs:DescribeLogGroups"),
        count(&moto, "tagging:GetResources"),
    );
    let ids = [
        created.id.clone(),
        worker.id.clone(),
        named.id.clone(),
        "test-dev-gone".to_string(),
    ];
    let read = groups.read(&ids).await.expect("read");
    assert_eq!(count(&moto, "logs:DescribeLogGroups") - describes, 1);
    assert_eq!(count(&moto, "tagging:GetResources") - tagging, 1);
    let mut got: Vec<&str> = read.iter().map(|l| l.id.as_str()).collect();
    got.sort();
    assert_eq!(
        got,
        ["test-dev-api", "test-dev-custom/ecs", "test-dev-worker"]
    );
    assert_eq!(
        read.iter().find(|l| l.id == worker.id).map(|l| &l.tags),
        Some(&strata_tags("cloudwatch_log_group.worker"))
    );

    let found = groups.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 3, "{found:?}");
    let team = groups
        .find_tagged(&[("Team".to_string(), "platform".to_string())].into())
        .await
        .expect("find");
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].id, created.id);

    for live in [&created, &worker, &named] {
        delete_twice(groups, &live.id, &live.attrs).await;
    }
    assert!(groups
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());
}

async fn secret_value(moto: &MotoSession, arn: &str) -> String {
    let sm: aws_sdk_secretsmanager::Client = moto.client();
    sm.get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .expect("value")
        .secret_string()
        .expect("string")
        .to_string()
}

#[tokio::test]
async fn secret_create_read_update_find_delete_and_restore() {
    let moto = moto_strict();
    let registry = moto.registry();
    let secrets = kind(&registry, "secretsmanager_secret");

    // One value source at most, a window AWS accepts, a length GetRandomPassword accepts.
    let both = attrs(&[
        ("secret_string", Value::str("x")),
        ("generate_secret_string", table(&[])),
        ("recovery_window_in_days", Value::Int(3)),
    ]);
    let broken: Vec<_> = secrets.validate(&both).iter().map(|i| i.attr).collect();
    assert_eq!(
        broken,
        [
            Some("generate_secret_string"),
            Some("recovery_window_in_days")
        ]
    );
    let long = attrs(&[(
        "generate_secret_string",
        table(&[("length", Value::Int(5000))]),
    )]);
    assert_eq!(secrets.validate(&long).len(), 1);
    assert!(secrets
        .validate(&attrs(&[("recovery_window_in_days", Value::Int(0))]))
        .is_empty());
    assert!(secrets
        .schema()
        .get("secret_string")
        .is_some_and(|a| a.sensitive));

    // A given value: put, never read back, never in tags.
    let given = attrs(&[
        ("description", Value::str("database password")),
        ("secret_string", Value::str("hunter2-initial")),
        ("recovery_window_in_days", Value::Int(7)),
    ]);
    let db = create(secrets, "secretsmanager_secret.db", &given).await;
    assert!(db.id.contains(":secret:test-dev-db-"), "{}", db.id);
    assert_eq!(db.attrs["name"], Value::str("test-dev-db"));
    assert_eq!(db.attrs["description"], Value::str("database password"));
    assert!(!db.attrs.contains_key("secret_string"), "{db:?}");
    assert_eq!(secret_value(&moto, &db.id).await, "hunter2-initial");
    let sm: aws_sdk_secretsmanager::Client = moto.client();
    let described = sm
        .describe_secret()
        .secret_id(&db.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.description(), Some("database password"));
    let tags = strata::aws::tagging::tag_map(described.tags());
    assert_eq!(tags, strata_tags("secretsmanager_secret.db"));

    // A generated value: AWS makes it, strata never holds it in what it returns.
    let generated = attrs(&[(
        "generate_secret_string",
        table(&[
            ("length", Value::Int(20)),
            ("exclude_punctuation", Value::Bool(true)),
        ]),
    )]);
    let token = create(secrets, "secretsmanager_secret.token", &generated).await;
    let value = secret_value(&moto, &token.id).await;
    assert_eq!(value.len(), 20, "{value}");
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()), "{value}");
    let rendered = format!("{token:?}");
    assert!(
        !rendered.contains(&value),
        "the generated value leaked: {rendered}"
    );

    // Description, value and tags update in place.
    let mut after = given.clone();
    after.insert("description".into(), Value::str("rotated password"));
    after.insert("secret_string".into(), Value::str("hunter2-second"));
    let mut new_tags = strata_tags("secretsmanager_secret.db");
    new_tags.insert("Owner".into(), "data".into());
    let updated = update(
        secrets,
        "secretsmanager_secret.db",
        &db.id,
        &db.attrs,
        &after,
        &["description", "secret_string", "tags"],
        &new_tags,
    )
    .await
    .expect("update");
    assert_eq!(updated.attrs["description"], Value::str("rotated password"));
    assert_eq!(secret_value(&moto, &db.id).await, "hunter2-second");
    let described = sm
        .describe_secret()
        .secret_id(&db.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(strata::aws::tagging::tag_map(described.tags()), new_tags);

    // New generation settings generate and put a new value.
    let mut regenerated = generated.clone();
    regenerated.insert(
        "generate_secret_string".into(),
        table(&[("length", Value::Int(40))]),
    );
    update(
        secrets,
        "secretsmanager_secret.token",
        &token.id,
        &token.attrs,
        &regenerated,
        &["generate_secret_string"],
        &strata_tags("secretsmanager_secret.token"),
    )
    .await
    .expect("regenerate");
    assert_eq!(secret_value(&moto, &token.id).await.len(), 40);

    // Both read in one ListSecrets call; an unknown ARN is absent.
    let before = count(&moto, "secretsmanager:ListSecrets");
    // The test reads values itself; strata's read must add no value read.
    let values_before = value_reads(&moto);
    let read = secrets
        .read(&[
            db.id.clone(),
            token.id.clone(),
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:test-dev-gone-AbCdEf".into(),
        ])
        .await
        .expect("read");
    assert_eq!(count(&moto, "secretsmanager:ListSecrets") - before, 1);
    assert_eq!(read.len(), 2);
    assert!(read.iter().all(|l| !l.attrs.contains_key("secret_string")));
    assert_eq!(value_reads(&moto), values_before);

    let found = secrets.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 2);
    let owned = secrets
        .find_tagged(&[("Owner".to_string(), "data".to_string())].into())
        .await
        .expect("find");
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].id, db.id);

    // Deleted with its 7-day window (twice is fine): gone for strata, scheduled on AWS.
    delete_twice(secrets, &db.id, &after).await;
    let described = sm
        .describe_secret()
        .secret_id(&db.id)
        .send()
        .await
        .expect("describe");
    assert!(described.deleted_date().is_some());

    // Another resource wanting that name is told why it cannot have it.
    let err = try_create(
        secrets,
        "secretsmanager_secret.other",
        &attrs(&[("name", Value::str("test-dev-db"))]),
        &strata_tags("secretsmanager_secret.other"),
    )
    .await
    .expect_err("the name is scheduled for deletion");
    assert_eq!(err.class, ErrorClass::InvalidInput);
    assert!(err.message.contains("scheduled for deletion"), "{err}");

    // The same resource created again within the window gets its secret back, configured.
    let again = create(secrets, "secretsmanager_secret.db", &given).await;
    assert_eq!(again.id, db.id);
    assert_eq!(again.attrs["description"], Value::str("database password"));
    assert_eq!(secret_value(&moto, &db.id).await, "hunter2-initial");
    assert_eq!(again.tags, strata_tags("secretsmanager_secret.db"));
    assert!(
        moto.refusals()
            .iter()
            .any(|(op, code)| op == "secretsmanager:CreateSecret"
                && code == "InvalidRequestException")
    );

    // A window of 0 deletes at once: nothing left, even scheduled.
    let mut at_once = given.clone();
    at_once.insert("recovery_window_in_days".into(), Value::Int(0));
    delete_twice(secrets, &db.id, &at_once).await;
    delete_twice(
        secrets,
        &token.id,
        &attrs(&[("recovery_window_in_days", Value::Int(0))]),
    )
    .await;
    let left = sm
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .expect("list");
    assert!(left.secret_list().is_empty(), "{:?}", left.secret_list());
}
