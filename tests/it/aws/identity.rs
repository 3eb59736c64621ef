//! Kinds whose resources cannot carry tags say what identifies one (`identity`) and find it by
//! that (`find_by_identity`), so that a create interrupted by a kill is found again instead of
//! made twice: each is created through the kind, found by its identity, and a different
//! identity finds nothing.

use crate::support::fixtures::{network, AMI_PARAMETER};
use crate::support::kinds::{attrs, create, ip_target_group, kind, owner};
use crate::support::moto::moto;
use std::collections::BTreeMap;
use strata::provider::{Attrs, ResourceKind};
use strata::Value;

/// `identity` of `attrs` finds exactly `id`; `other` (a changed identity) finds nothing.
async fn found_by_identity_alone(
    kind: &dyn ResourceKind,
    attrs: &Attrs,
    id: &str,
    other: impl FnOnce(&mut BTreeMap<String, String>),
) {
    let name = kind.schema().kind;
    // These kinds' identities come from their attributes alone: any owner will do.
    let address = strata::Address::new(name, "x");
    let identity = kind
        .identity(attrs, owner(&address))
        .unwrap_or_else(|| panic!("{name} has an identity"));
    let found = kind.find_by_identity(&identity).await.expect("find");
    let ids: Vec<&str> = found.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, [id], "{name}: {identity:?}");
    let mut changed = identity.clone();
    other(&mut changed);
    assert_ne!(changed, identity);
    let found = kind.find_by_identity(&changed).await.expect("find");
    assert!(found.is_empty(), "{name}: {changed:?} found {found:?}");
}

#[test]
fn every_untaggable_kind_has_an_identity() {
    let registry = strata::aws::registry();
    for name in registry.names() {
        let schema = registry.schema(name).expect("schema");
        if schema.taggable {
            continue;
        }
        // Every required attribute set: the identity is built from them.
        let full: Attrs = schema
            .attrs
            .iter()
            .filter(|a| a.required)
            .map(|a| (a.name.to_string(), Value::str("x")))
            .collect();
        let kind = registry.get(name).expect("kind");
        let address = strata::Address::new(name, "x");
        assert!(
            kind.identity(&full, owner(&address)).is_some(),
            "`{name}` cannot be tagged and has no identity"
        );
    }
}

#[tokio::test]
async fn volume_attachment_is_found_by_volume_instance_and_device() {
    let moto = moto();
    let registry = moto.registry();
    let host = create(
        kind(&registry, "instance"),
        "instance.host",
        &attrs(&[
            ("ami_ssm_parameter", Value::str(AMI_PARAMETER)),
            ("instance_type", Value::str("t3.micro")),
        ]),
    )
    .await;
    let volume = create(
        kind(&registry, "volume"),
        "volume.data",
        &attrs(&[
            ("availability_zone", host.attrs["availability_zone"].clone()),
            ("size_gb", Value::Int(8)),
        ]),
    )
    .await;
    let kind = kind(&registry, "volume_attachment");
    let desired = attrs(&[
        ("volume_id", Value::str(&volume.id)),
        ("instance_id", Value::str(&host.id)),
        ("device_name", Value::str("/dev/sdf")),
    ]);
    let created = create(kind, "volume_attachment.data", &desired).await;
    found_by_identity_alone(kind, &desired, &created.id, |i| {
        i.insert("device_name".into(), "/dev/sdg".into());
    })
    .await;
    found_by_identity_alone(kind, &desired, &created.id, |i| {
        i.insert("instance_id".into(), "i-00000000deadbeef0".into());
    })
    .await;
}

#[tokio::test]
async fn target_attachment_is_found_by_group_target_and_port() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let group = create(
        kind(&registry, "target_group"),
        "target_group.ips",
        &ip_target_group(&net.vpc),
    )
    .await;
    let kind = kind(&registry, "target_attachment");
    let on_port = attrs(&[
        ("target_group_arn", Value::str(&group.id)),
        ("target_id", Value::str("10.9.1.10")),
        ("port", Value::Int(9000)),
    ]);
    let created = create(kind, "target_attachment.a", &on_port).await;
    // A second registration on the group, so finding the first is not merely "the only one".
    let group_port = attrs(&[
        ("target_group_arn", Value::str(&group.id)),
        ("target_id", Value::str("10.9.1.11")),
    ]);
    let other = create(kind, "target_attachment.b", &group_port).await;
    found_by_identity_alone(kind, &on_port, &created.id, |i| {
        i.insert("port".into(), "9001".into());
    })
    .await;
    found_by_identity_alone(kind, &group_port, &other.id, |i| {
        i.insert("target_id".into(), "10.9.1.12".into());
    })
    .await;
}

#[tokio::test]
async fn efs_mount_target_is_found_by_file_system_and_subnet() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let fs = create(
        kind(&registry, "efs_file_system"),
        "efs_file_system.shared",
        &attrs(&[]),
    )
    .await;
    let kind = kind(&registry, "efs_mount_target");
    let mut created = Vec::new();
    for (i, subnet) in net.subnets.iter().enumerate() {
        let desired = attrs(&[
            ("file_system_id", Value::str(&fs.id)),
            ("subnet_id", Value::str(subnet)),
        ]);
        let live = create(kind, &format!("efs_mount_target.m{i}"), &desired).await;
        created.push((desired, live.id));
    }
    let (desired, id) = &created[0];
    found_by_identity_alone(kind, desired, id, |i| {
        i.insert("subnet_id".into(), "subnet-00000000deadbeef".into());
    })
    .await;
    found_by_identity_alone(kind, desired, id, |i| {
        i.insert("file_system_id".into(), "fs-00000000".into());
    })
    .await;
    let (desired, id) = &created[1];
    found_by_identity_alone(kind, desired, id, |i| {
        i.remove("subnet_id");
    })
    .await;
}
