//! The IAM and EFS kinds against the AWS emulator, through the real SDK: create, read back
//! behind strata's back, update in place, find by tags, delete (twice), and batched reads.

use crate::support::kinds::{create_tagged, deployment_tag, strata_tags};
use crate::support::moto::moto;
use std::collections::BTreeMap;
use strata::provider::{Attrs, CreateRequest, ErrorClass, OnChange, UpdateRequest};
use strata::{Address, Value};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

fn json(text: &str) -> Value {
    Value::from_json(serde_json::from_str(text).expect("json"))
}

fn sdk_tags<'a>(keys: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    keys.map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn iam_role_create_read_update_delete() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("iam_role").expect("iam_role kind");
    let address = Address::new("iam_role", "host");
    let attrs = Attrs::from([
        ("assume_role_policy".to_string(), json(TRUST)),
        ("description".to_string(), Value::str("host role")),
        (
            "inline_policies".to_string(),
            Value::Map(BTreeMap::from([(
                "logs".to_string(),
                json(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}"#,
                ),
            )])),
        ),
        (
            "managed_policy_arns".to_string(),
            Value::List(vec![Value::str(READ_ONLY)]),
        ),
    ]);
    let wanted_tags = strata_tags("iam_role.host");
    let created = create_tagged(kind.as_ref(), &address, &attrs, &wanted_tags).await;
    // The name is derived from the deployment and the resource name, and is the id.
    assert_eq!(created.id, "test-dev-host");
    assert!(created.attrs["arn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":role/test-dev-host")));
    assert_eq!(created.attrs["assume_role_policy"], json(TRUST));
    assert_eq!(created.tags, wanted_tags);

    // Behind strata's back: role, tags, inline and managed policies are there.
    let iam = moto.iam();
    let role = iam
        .get_role()
        .role_name("test-dev-host")
        .send()
        .await
        .expect("get");
    let role = role.role().expect("role");
    assert_eq!(role.description(), Some("host role"));
    let got = sdk_tags(role.tags().iter().map(|t| (t.key(), t.value())));
    assert_eq!(got, wanted_tags);
    let inline = iam
        .list_role_policies()
        .role_name("test-dev-host")
        .send()
        .await
        .expect("list");
    assert_eq!(inline.policy_names(), ["logs".to_string()]);
    let managed = iam
        .list_attached_role_policies()
        .role_name("test-dev-host")
        .send()
        .await
        .expect("list");
    assert_eq!(managed.attached_policies()[0].policy_arn(), Some(READ_ONLY));

    // Batched read: what was created, policies included; an unknown name is simply absent.
    let read = kind
        .read(&[created.id.clone(), "no-such-role".to_string()])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0], created);
    assert_eq!(read[0].attrs["description"], Value::str("host role"));
    assert_eq!(
        read[0].attrs["managed_policy_arns"],
        Value::List(vec![Value::str(READ_ONLY)])
    );

    // The schema: name and path force a new role, the trust policy updates in place.
    let schema = kind.schema();
    assert_eq!(
        schema.get("name").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("path").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("assume_role_policy").map(|a| a.on_change),
        Some(OnChange::Update)
    );

    // Update in place: description, inline policy removed, managed policy swapped, tags.
    let mut after = attrs.clone();
    after.insert("description".into(), Value::str("renamed role"));
    after.remove("inline_policies");
    after.insert(
        "managed_policy_arns".into(),
        Value::List(vec![Value::str(
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        )]),
    );
    let mut new_tags = wanted_tags.clone();
    new_tags.insert("Project".into(), "renamed".into());
    new_tags.insert("Owner".into(), "ops".into());
    let changed: Vec<String> = [
        "description",
        "inline_policies",
        "managed_policy_arns",
        "tags",
    ]
    .map(String::from)
    .to_vec();
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &after,
            changed: &changed,
            tags: &new_tags,
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["description"], Value::str("renamed role"));
    // No inline policy left: read as an empty table, a value the plan can compare.
    assert_eq!(
        updated.attrs.get("inline_policies"),
        Some(&Value::Map(Default::default())),
        "{updated:?}"
    );
    let role = iam
        .get_role()
        .role_name("test-dev-host")
        .send()
        .await
        .expect("get");
    let role = role.role().expect("role");
    assert_eq!(role.description(), Some("renamed role"));
    assert_eq!(
        sdk_tags(role.tags().iter().map(|t| (t.key(), t.value()))),
        new_tags
    );
    let managed = iam
        .list_attached_role_policies()
        .role_name("test-dev-host")
        .send()
        .await
        .expect("list");
    let arns: Vec<_> = managed
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(arns, ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]);

    // Renaming in place is refused, naming the attribute.
    let err = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &after,
            changed: &["path".to_string()],
            tags: &new_tags,
        })
        .await
        .expect_err("path cannot change in place");
    assert_eq!(err.class, ErrorClass::Unsupported);
    assert!(err.message.contains("`path`"), "{err}");

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags.get("Owner"), Some(&"ops".to_string()));

    // Delete detaches the managed policy first (AWS refuses otherwise), then it is gone.
    kind.delete(&created.id, &after).await.expect("delete");
    kind.delete(&created.id, &after)
        .await
        .expect("second delete is a no-op");
    assert!(kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read")
        .is_empty());
    assert!(iam
        .get_role()
        .role_name("test-dev-host")
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn instance_profile_create_switch_role_delete() {
    let moto = moto();
    let registry = moto.registry();
    let roles = registry.get("iam_role").expect("iam_role kind");
    let kind = registry
        .get("instance_profile")
        .expect("instance_profile kind");
    let trust = Attrs::from([("assume_role_policy".to_string(), Value::str(TRUST))]);
    for name in ["a", "b"] {
        let address = Address::new("iam_role", name);
        create_tagged(
            roles.as_ref(),
            &address,
            &trust,
            &strata_tags(&address.to_string()),
        )
        .await;
    }
    let address = Address::new("instance_profile", "host");
    let attrs = Attrs::from([
        ("name".to_string(), Value::str("host-profile")),
        ("role".to_string(), Value::str("test-dev-a")),
        ("path".to_string(), Value::str("/strata/")),
    ]);
    let wanted_tags = strata_tags("instance_profile.host");
    let created = create_tagged(kind.as_ref(), &address, &attrs, &wanted_tags).await;
    assert_eq!(created.id, "host-profile");
    assert_eq!(created.attrs["role"], Value::str("test-dev-a"));
    assert_eq!(created.attrs["path"], Value::str("/strata/"));
    assert!(created.attrs["unique_id"].as_str().is_some());

    let iam = moto.iam();
    let got = iam
        .get_instance_profile()
        .instance_profile_name("host-profile")
        .send()
        .await
        .expect("get");
    let profile = got.instance_profile().expect("profile");
    assert_eq!(profile.roles()[0].role_name(), "test-dev-a");
    assert_eq!(
        sdk_tags(profile.tags().iter().map(|t| (t.key(), t.value()))),
        wanted_tags
    );
    let read = kind
        .read(&[created.id.clone(), "nope".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Switch the role in place: the old one comes out, the new one goes in.
    let mut after = attrs.clone();
    after.insert("role".into(), Value::str("test-dev-b"));
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &after,
            changed: &["role".to_string()],
            tags: &wanted_tags,
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["role"], Value::str("test-dev-b"));
    let got = iam
        .get_instance_profile()
        .instance_profile_name("host-profile")
        .send()
        .await
        .expect("get");
    let names: Vec<_> = got
        .instance_profile()
        .map(|p| p.roles().iter().map(|r| r.role_name()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["test-dev-b"]);

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "host-profile");

    // Deleting the role that sits in the profile takes it out first.
    roles
        .delete("test-dev-b", &trust)
        .await
        .expect("delete role in profile");
    kind.delete(&created.id, &after).await.expect("delete");
    kind.delete(&created.id, &after)
        .await
        .expect("second delete");
    assert!(kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read")
        .is_empty());
    roles
        .delete("test-dev-a", &trust)
        .await
        .expect("delete role");
}

#[tokio::test]
async fn efs_file_system_and_mount_target() {
    let moto = moto();
    let registry = moto.registry();
    let fs_kind = registry
        .get("efs_file_system")
        .expect("efs_file_system kind");
    let mt_kind = registry
        .get("efs_mount_target")
        .expect("efs_mount_target kind");
    let fs_address = Address::new("efs_file_system", "shared");
    let fs_attrs = Attrs::from([
        ("encrypted".to_string(), Value::Bool(true)),
        ("performance_mode".to_string(), Value::str("generalPurpose")),
    ]);
    let fs_tags = strata_tags("efs_file_system.shared");
    let fs = fs_kind
        .create(&CreateRequest {
            address: &fs_address,
            deployment: "test-dev",
            attrs: &fs_attrs,
            tags: &fs_tags,
            token: "fs-token-1",
        })
        .await
        .expect("create file system");
    assert!(fs.id.starts_with("fs-"), "{fs:?}");
    assert_eq!(fs.attrs["creation_token"], Value::str("fs-token-1"));
    assert_eq!(fs.attrs["encrypted"], Value::Bool(true));
    assert_eq!(
        fs.attrs["dns_name"],
        Value::String(format!("{}.efs.us-east-1.amazonaws.com", fs.id))
    );
    fs_kind.wait_ready(&fs.id).await.expect("available");

    // Same token again (a retry after a killed run): the same file system, not a second one.
    let again = fs_kind
        .create(&CreateRequest {
            address: &fs_address,
            deployment: "test-dev",
            attrs: &fs_attrs,
            tags: &fs_tags,
            token: "fs-token-1",
        })
        .await
        .expect("retried create");
    assert_eq!(again.id, fs.id);

    let efs = moto.efs();
    let described = efs
        .describe_file_systems()
        .file_system_id(&fs.id)
        .send()
        .await
        .expect("describe");
    let live = &described.file_systems()[0];
    assert_eq!(live.encrypted(), Some(true));
    assert_eq!(live.creation_token(), "fs-token-1");
    assert_eq!(
        sdk_tags(live.tags().iter().map(|t| (t.key(), t.value()))),
        fs_tags
    );
    let read = fs_kind
        .read(&[fs.id.clone(), "fs-00000000".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![fs.clone()]);
    assert_eq!(
        fs_kind.schema().get("encrypted").map(|a| a.on_change),
        Some(OnChange::Replace)
    );

    // A subnet for the mount target, made behind strata's back.
    let ec2 = moto.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.9.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("subnet");
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("id")
        .to_string();
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc_id)
                .build(),
        )
        .send()
        .await
        .expect("groups");
    let default_sg = groups.security_groups()[0]
        .group_id()
        .expect("sg")
        .to_string();
    let sg = ec2
        .create_security_group()
        .group_name("nfs")
        .description("nfs")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("sg");
    let nfs_sg = sg.group_id().expect("sg id").to_string();

    let mt_address = Address::new("efs_mount_target", "a");
    let mt_attrs = Attrs::from([
        ("file_system_id".to_string(), Value::String(fs.id.clone())),
        ("subnet_id".to_string(), Value::String(subnet_id.clone())),
        (
            "security_groups".to_string(),
            Value::List(vec![Value::String(default_sg.clone())]),
        ),
    ]);
    let mt = create_tagged(mt_kind.as_ref(), &mt_address, &mt_attrs, &BTreeMap::new()).await;
    assert!(mt.id.starts_with("fsmt-"), "{mt:?}");
    assert_eq!(mt.attrs["availability_zone_name"], Value::str("us-east-1a"));
    assert!(mt.attrs.contains_key("ip_address"));
    mt_kind.wait_ready(&mt.id).await.expect("available");

    // Batched read: one id reads directly (one call); a batch reads each id's file system
    // through one id of it, here the real one and the vanished one, one call each (a second
    // id on the same file system would come from one listing of it, see refresh_scale).
    let stats = registry.stats();
    let before = stats.snapshot();
    let one = mt_kind
        .read(std::slice::from_ref(&mt.id))
        .await
        .expect("read one");
    let many = mt_kind
        .read(&[mt.id.clone(), "fsmt-00000000".to_string()])
        .await
        .expect("read many");
    let after_stats = stats.snapshot();
    let calls =
        |op: &str| after_stats.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert_eq!(calls("efs:DescribeMountTargets"), 3, "{after_stats:?}");
    assert_eq!(calls("efs:DescribeFileSystems"), 0, "{after_stats:?}");
    assert_eq!(one.len(), 1);
    assert_eq!(many.len(), 1);
    assert_eq!(one[0].attrs["subnet_id"], Value::String(subnet_id.clone()));
    assert_eq!(one[0].attrs["file_system_id"], Value::String(fs.id.clone()));

    // The file system cannot go while a mount target exists: a dependency violation.
    let err = fs_kind.delete(&fs.id, &fs_attrs).await.expect_err("in use");
    assert_eq!(err.class, ErrorClass::DependencyViolation, "{err}");

    // Update in place: mount target security groups; file system throughput and tags.
    let mut mt_after = mt_attrs.clone();
    mt_after.insert(
        "security_groups".into(),
        Value::List(vec![Value::String(nfs_sg.clone())]),
    );
    mt_kind
        .update(&UpdateRequest {
            address: &mt_address,
            id: &mt.id,
            before: &mt.attrs,
            after: &mt_after,
            changed: &["security_groups".to_string()],
            tags: &BTreeMap::new(),
        })
        .await
        .expect("update mount target");
    let sgs = efs
        .describe_mount_target_security_groups()
        .mount_target_id(&mt.id)
        .send()
        .await
        .expect("groups");
    assert_eq!(sgs.security_groups(), std::slice::from_ref(&nfs_sg));

    // moto lacks UpdateFileSystem (throughput), so the in-place change shown here is the
    // lifecycle policy, with the tags.
    let mut fs_after = fs_attrs.clone();
    fs_after.insert("transition_to_ia".into(), Value::str("AFTER_30_DAYS"));
    let mut new_tags = fs_tags.clone();
    new_tags.remove("Project");
    new_tags.insert("Owner".into(), "ops".into());
    let updated = fs_kind
        .update(&UpdateRequest {
            address: &fs_address,
            id: &fs.id,
            before: &fs.attrs,
            after: &fs_after,
            changed: &["transition_to_ia".to_string(), "tags".to_string()],
            tags: &new_tags,
        })
        .await
        .expect("update file system");
    assert_eq!(
        updated.attrs["transition_to_ia"],
        Value::str("AFTER_30_DAYS")
    );
    let lifecycle = efs
        .describe_lifecycle_configuration()
        .file_system_id(&fs.id)
        .send()
        .await
        .expect("lifecycle");
    assert_eq!(
        lifecycle.lifecycle_policies()[0]
            .transition_to_ia()
            .map(|r| r.as_str()),
        Some("AFTER_30_DAYS")
    );
    let found = fs_kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags, new_tags);
    let err = fs_kind
        .update(&UpdateRequest {
            address: &fs_address,
            id: &fs.id,
            before: &fs.attrs,
            after: &fs_after,
            changed: &["encrypted".to_string()],
            tags: &new_tags,
        })
        .await
        .expect_err("encryption is fixed");
    assert_eq!(err.class, ErrorClass::Unsupported);

    // Mount target first, then the file system; each delete twice; both gone.
    mt_kind
        .delete(&mt.id, &mt_after)
        .await
        .expect("delete mount target");
    mt_kind
        .delete(&mt.id, &mt_after)
        .await
        .expect("second delete");
    assert!(mt_kind
        .read(std::slice::from_ref(&mt.id))
        .await
        .expect("read")
        .is_empty());
    fs_kind
        .delete(&fs.id, &fs_after)
        .await
        .expect("delete file system");
    fs_kind
        .delete(&fs.id, &fs_after)
        .await
        .expect("second delete");
    assert!(fs_kind
        .read(std::slice::from_ref(&fs.id))
        .await
        .expect("read")
        .is_empty());
}

#[tokio::test]
async fn reads_of_many_roles_and_file_systems_are_batched() {
    let moto = moto();
    let registry = moto.registry();
    let iam = moto.iam();
    let efs = moto.efs();
    const N: usize = 60;
    let mut roles = Vec::new();
    let mut file_systems = Vec::new();
    for i in 0..N {
        let name = format!("batch-{i:02}");
        iam.create_role()
            .role_name(&name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect("create role");
        roles.push(name);
        let fs = efs
            .create_file_system()
            .creation_token(format!("batch-{i}"))
            .send()
            .await
            .expect("create file system");
        file_systems.push(fs.file_system_id().to_string());
    }
    let stats = registry.stats();
    let limit = N.div_ceil(200) as u64;

    let before = stats.snapshot();
    let read = registry
        .get("iam_role")
        .expect("kind")
        .read(&roles)
        .await
        .expect("read");
    assert_eq!(read.len(), N);
    let after = stats.snapshot();
    let calls =
        |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert!(calls("iam:ListRoles") <= limit, "{after:?}");
    assert!(
        calls("iam:GetAccountAuthorizationDetails") <= limit,
        "{after:?}"
    );
    assert_eq!(
        after.values().sum::<u64>() - before.values().sum::<u64>(),
        2,
        "no call per role: {after:?}"
    );

    let before = stats.snapshot();
    let read = registry
        .get("efs_file_system")
        .expect("kind")
        .read(&file_systems)
        .await
        .expect("read");
    assert_eq!(read.len(), N);
    let after = stats.snapshot();
    let calls =
        |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert!(calls("efs:DescribeFileSystems") <= limit, "{after:?}");
    assert_eq!(
        after.values().sum::<u64>() - before.values().sum::<u64>(),
        1
    );
}

/// The trust policy changes in place (UpdateAssumeRolePolicy): same role, new principals.
#[tokio::test]
async fn iam_role_trust_policy_updates_in_place() {
    const TRUST_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("iam_role").expect("iam_role kind");
    let address = Address::new("iam_role", "trusty");
    let wanted_tags = strata_tags("iam_role.trusty");
    let before = Attrs::from([("assume_role_policy".to_string(), json(TRUST))]);
    let created = create_tagged(kind.as_ref(), &address, &before, &wanted_tags).await;
    let after = Attrs::from([("assume_role_policy".to_string(), json(TRUST_LAMBDA))]);
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &after,
            changed: &["assume_role_policy".to_string()],
            tags: &wanted_tags,
        })
        .await
        .expect("trust policy updates in place");
    assert_eq!(updated.id, created.id, "the same role");
    assert_eq!(updated.attrs["assume_role_policy"], json(TRUST_LAMBDA));

    let role = moto
        .iam()
        .get_role()
        .role_name(&created.id)
        .send()
        .await
        .expect("get");
    let document = role
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .expect("trust policy");
    assert!(document.contains("lambda.amazonaws.com"), "{document}");
    let read = kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read[0].attrs["assume_role_policy"], json(TRUST_LAMBDA));
    kind.delete(&created.id, &after).await.expect("delete");
}
