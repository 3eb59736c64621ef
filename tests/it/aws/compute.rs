//! The EC2 compute kinds (`key_pair`, `instance`, `volume`, `volume_attachment`, `elastic_ip`)
//! against the AWS emulator, through the real SDK: create, read back behind strata's back,
//! update in place, find by tags, delete twice, read again to prove it is gone, and batched
//! reads that make one describe call per 200 ids.

use crate::support::fixtures as sdk;
use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, strata_tags, tag_map, update,
};
use crate::support::moto::{moto, MotoSession};
use std::collections::BTreeMap;
use strata::provider::OnChange;
use strata::provider::{Attrs, CreateRequest, ErrorClass, LiveResource, ResourceKind};
use strata::{Address, Value};

async fn launch(moto: &MotoSession, kind: &dyn ResourceKind, name: &str) -> LiveResource {
    let _ = moto;
    create(
        kind,
        &format!("instance.{name}"),
        &attrs(&[
            ("ami_ssm_parameter", Value::str(sdk::AMI_PARAMETER)),
            ("instance_type", Value::str("t3.micro")),
        ]),
    )
    .await
}

#[tokio::test]
async fn key_pair_import_read_update_delete() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("key_pair").expect("key_pair kind");
    let desired = attrs(&[("public_key", Value::str(sdk::PUBLIC_KEY))]);
    let created = create(kind.as_ref(), "key_pair.admin", &desired).await;
    assert!(created.id.starts_with("key-"), "{created:?}");
    // No name configured: derived from deployment and resource name.
    assert_eq!(created.attrs["key_name"], Value::str("test-dev-admin"));
    assert!(created.attrs.contains_key("fingerprint"), "{created:?}");
    assert!(
        !created.attrs.contains_key("public_key"),
        "the public key is not readable back"
    );

    let ec2 = moto.ec2();
    let described = ec2
        .describe_key_pairs()
        .key_pair_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let key = &described.key_pairs()[0];
    assert_eq!(key.key_name(), Some("test-dev-admin"));
    assert_eq!(tag_map(key.tags()), strata_tags("key_pair.admin"));
    assert_eq!(
        created.attrs["fingerprint"],
        Value::str(key.key_fingerprint().expect("fingerprint"))
    );

    let read = kind
        .read(&[created.id.clone(), "key-00000000deadbeef0".to_string()])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].attrs["key_name"], Value::str("test-dev-admin"));
    assert_eq!(read[0].tags, strata_tags("key_pair.admin"));

    // Tags update in place; anything else is refused and the schema says it replaces.
    let mut tags = strata_tags("key_pair.admin");
    tags.insert("Owner".into(), "ops".into());
    tags.remove("Project");
    update(
        kind.as_ref(),
        "key_pair.admin",
        &created.id,
        &desired,
        &desired,
        &["tags"],
        &tags,
    )
    .await
    .expect("tag update");
    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags, tags);
    let refused = update(
        kind.as_ref(),
        "key_pair.admin",
        &created.id,
        &desired,
        &desired,
        &["public_key"],
        &tags,
    )
    .await
    .expect_err("public key cannot change in place");
    assert_eq!(refused.class, ErrorClass::Unsupported);
    assert!(refused.message.contains("public_key"), "{refused}");
    let schema = kind.schema();
    assert_eq!(
        schema.get("public_key").expect("attr").on_change,
        OnChange::Replace
    );

    delete_twice(kind.as_ref(), &created.id, &created.attrs).await;
}

#[tokio::test]
async fn volume_create_modify_delete() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("volume").expect("volume kind");
    let desired = attrs(&[
        ("availability_zone", Value::str("us-east-1a")),
        ("size_gb", Value::Int(10)),
        ("type", Value::str("gp3")),
        ("encrypted", Value::Bool(true)),
    ]);
    let created = create(kind.as_ref(), "volume.data", &desired).await;
    assert!(created.id.starts_with("vol-"), "{created:?}");
    assert_eq!(created.attrs["size_gb"], Value::Int(10));

    let ec2 = moto.ec2();
    let sdk_volume = |id: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_volumes()
                .volume_ids(id)
                .send()
                .await
                .expect("describe")
                .volumes()[0]
                .clone()
        }
    };
    let v = sdk_volume(created.id.clone()).await;
    assert_eq!(v.size(), Some(10));
    assert_eq!(v.volume_type().map(|t| t.as_str()), Some("gp3"));
    assert_eq!(v.encrypted(), Some(true));
    assert_eq!(v.availability_zone(), Some("us-east-1a"));
    assert_eq!(tag_map(v.tags()), strata_tags("volume.data"));

    // Grow and change type in place (ModifyVolume), retag.
    let after = attrs(&[
        ("availability_zone", Value::str("us-east-1a")),
        ("size_gb", Value::Int(20)),
        ("type", Value::str("gp2")),
        ("encrypted", Value::Bool(true)),
    ]);
    let mut tags = strata_tags("volume.data");
    tags.insert("Backup".into(), "daily".into());
    let updated = update(
        kind.as_ref(),
        "volume.data",
        &created.id,
        &desired,
        &after,
        &["size_gb", "type", "tags"],
        &tags,
    )
    .await
    .expect("update");
    assert_eq!(updated.attrs["size_gb"], Value::Int(20));
    let v = sdk_volume(created.id.clone()).await;
    assert_eq!(v.size(), Some(20));
    assert_eq!(v.volume_type().map(|t| t.as_str()), Some("gp2"));
    assert_eq!(tag_map(v.tags()), tags);

    // Moving zones or encryption is not in place: the schema forces a replacement and
    // update refuses it.
    for name in ["availability_zone", "encrypted"] {
        assert_eq!(
            kind.schema().get(name).expect("attr").on_change,
            OnChange::Replace,
            "{name}"
        );
    }
    let refused = update(
        kind.as_ref(),
        "volume.data",
        &created.id,
        &after,
        &after,
        &["availability_zone"],
        &tags,
    )
    .await
    .expect_err("zone cannot change in place");
    assert_eq!(refused.class, ErrorClass::Unsupported);

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(
        found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        [created.id.as_str()]
    );
    delete_twice(kind.as_ref(), &created.id, &after).await;
}

#[tokio::test]
async fn instance_spot_launch_update_terminate() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("instance").expect("instance kind");
    let ec2 = moto.ec2();
    sdk::instance_profile(&moto, "test-host-profile").await;
    sdk::instance_profile(&moto, "test-other-profile").await;
    let default_sg = ec2
        .describe_security_groups()
        .group_names("default")
        .send()
        .await
        .expect("default group")
        .security_groups()[0]
        .group_id()
        .expect("id")
        .to_string();
    let extra_sg = ec2
        .create_security_group()
        .group_name("extra")
        .description("extra")
        .send()
        .await
        .expect("create group")
        .group_id()
        .expect("id")
        .to_string();

    let script = "#!/bin/sh\necho strata\n";
    let desired = attrs(&[
        ("ami_ssm_parameter", Value::str(sdk::AMI_PARAMETER)),
        ("instance_type", Value::str("t3.large")),
        ("market", Value::str("spot")),
        ("user_data", Value::str(script)),
        ("metadata_http_put_response_hop_limit", Value::Int(1)),
        ("iam_instance_profile", Value::str("test-host-profile")),
        (
            "vpc_security_group_ids",
            Value::List(vec![Value::str(&default_sg)]),
        ),
        (
            "root_volume",
            Value::Map(BTreeMap::from([
                ("size_gb".to_string(), Value::Int(30)),
                ("type".to_string(), Value::str("gp3")),
            ])),
        ),
        (
            "volume_tags",
            Value::Map(BTreeMap::from([("Backup".to_string(), Value::str("yes"))])),
        ),
    ]);
    let created = create(kind.as_ref(), "instance.host", &desired).await;
    assert!(created.id.starts_with("i-"), "{created:?}");
    for computed in ["arn", "private_ip", "availability_zone"] {
        assert!(
            created.attrs.contains_key(computed),
            "{computed}: {created:?}"
        );
    }
    kind.wait_ready(&created.id).await.expect("running");

    // Behind strata's back: the AMI from SSM, spot, IMDSv2, profile, tags on instance and
    // root volume, an encrypted gp3 root of 30 GiB, the user data as sent.
    let described = ec2
        .describe_instances()
        .instance_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let i = &described.reservations()[0].instances()[0];
    assert_eq!(i.image_id(), Some(sdk::ami(&moto).await.as_str()));
    assert_eq!(i.instance_type().map(|t| t.as_str()), Some("t3.large"));
    assert_eq!(i.instance_lifecycle().map(|l| l.as_str()), Some("spot"));
    assert_eq!(
        i.state().and_then(|s| s.name()).map(|n| n.as_str()),
        Some("running")
    );
    assert_eq!(
        i.metadata_options()
            .and_then(|m| m.http_tokens())
            .map(|t| t.as_str()),
        Some("required")
    );
    assert_eq!(
        i.metadata_options()
            .and_then(|m| m.http_put_response_hop_limit()),
        Some(1)
    );
    assert!(i
        .iam_instance_profile()
        .and_then(|p| p.arn())
        .is_some_and(|a| a.ends_with("/test-host-profile")));
    assert_eq!(tag_map(i.tags()), strata_tags("instance.host"));
    let root_volume = i
        .block_device_mappings()
        .iter()
        .find(|m| m.device_name() == i.root_device_name())
        .and_then(|m| m.ebs())
        .and_then(|e| e.volume_id())
        .expect("root volume")
        .to_string();
    let root = ec2
        .describe_volumes()
        .volume_ids(&root_volume)
        .send()
        .await
        .expect("volume")
        .volumes()[0]
        .clone();
    assert_eq!(root.encrypted(), Some(true));
    assert_eq!(root.size(), Some(30));
    let mut want_volume_tags = strata_tags("instance.host");
    want_volume_tags.insert("Backup".into(), "yes".into());
    assert_eq!(tag_map(root.tags()), want_volume_tags);
    let user_data = ec2
        .describe_instance_attribute()
        .instance_id(&created.id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .expect("user data");
    let encoded = user_data
        .user_data()
        .and_then(|u| u.value())
        .expect("user data value");
    let decoded = aws_smithy_types::base64::decode(encoded).expect("base64");
    assert_eq!(String::from_utf8_lossy(&decoded), script);

    // Batched read: ids in one call, an unknown one absent.
    let read = kind
        .read(&[created.id.clone(), "i-00000000deadbeef0".to_string()])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].attrs["instance_type"], Value::str("t3.large"));
    assert_eq!(
        read[0].attrs["iam_instance_profile"],
        Value::str("test-host-profile")
    );
    assert_eq!(
        read[0].attrs["vpc_security_group_ids"],
        Value::List(vec![Value::str(&default_sg)])
    );
    assert_eq!(read[0].tags, strata_tags("instance.host"));

    // In place: groups, profile, IMDS tokens and hop limit, tags (which reach the root volume
    // too).
    let mut after = desired.clone();
    after.insert(
        "vpc_security_group_ids".into(),
        Value::List(vec![Value::str(&default_sg), Value::str(&extra_sg)]),
    );
    after.insert(
        "iam_instance_profile".into(),
        Value::str("test-other-profile"),
    );
    after.insert("metadata_http_tokens".into(), Value::str("optional"));
    after.insert("metadata_http_put_response_hop_limit".into(), Value::Int(3));
    let mut tags = strata_tags("instance.host");
    tags.insert("Role".into(), "gpu".into());
    let updated = update(
        kind.as_ref(),
        "instance.host",
        &created.id,
        &desired,
        &after,
        &[
            "vpc_security_group_ids",
            "iam_instance_profile",
            "metadata_http_tokens",
            "metadata_http_put_response_hop_limit",
            "tags",
        ],
        &tags,
    )
    .await
    .expect("update");
    let mut groups = vec![Value::str(&default_sg), Value::str(&extra_sg)];
    groups.sort_by_key(|v| v.as_str().unwrap_or_default().to_string());
    assert_eq!(updated.attrs["vpc_security_group_ids"], Value::List(groups));
    // Both metadata options changed at once: the one call that sends the full set has both.
    assert_eq!(
        updated.attrs["metadata_http_tokens"],
        Value::str("optional")
    );
    assert_eq!(
        updated.attrs["metadata_http_put_response_hop_limit"],
        Value::Int(3)
    );
    // The association now names the other profile. (moto's Replace does not update what
    // DescribeInstances shows, so the association is checked instead.)
    let associations = ec2
        .describe_iam_instance_profile_associations()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-id")
                .values(&created.id)
                .build(),
        )
        .send()
        .await
        .expect("associations");
    let profiles: Vec<_> = associations
        .iam_instance_profile_associations()
        .iter()
        .filter_map(|a| a.iam_instance_profile().and_then(|p| p.arn()))
        .collect();
    assert_eq!(profiles.len(), 1, "{profiles:?}");
    assert!(profiles[0].ends_with("/test-other-profile"), "{profiles:?}");
    let root = ec2
        .describe_volumes()
        .volume_ids(&root_volume)
        .send()
        .await
        .expect("volume")
        .volumes()[0]
        .clone();
    assert_eq!(tag_map(root.tags()).get("Role"), Some(&"gpu".to_string()));
    assert_eq!(tag_map(root.tags()).get("Backup"), Some(&"yes".to_string()));

    // A new instance type means a new instance: the schema says so and update refuses.
    assert_eq!(
        kind.schema().get("instance_type").expect("attr").on_change,
        OnChange::Replace
    );
    let refused = update(
        kind.as_ref(),
        "instance.host",
        &created.id,
        &after,
        &after,
        &["instance_type"],
        &tags,
    )
    .await
    .expect_err("type cannot change in place");
    assert_eq!(refused.class, ErrorClass::Unsupported);

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags, tags);

    delete_twice(kind.as_ref(), &created.id, &after).await;
    let state = ec2
        .describe_instances()
        .instance_ids(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        state.reservations()[0].instances()[0]
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str()),
        Some("terminated")
    );
    assert!(kind
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());
}

#[tokio::test]
async fn instance_needs_exactly_one_image_source() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("instance").expect("instance kind");
    let address: Address = "instance.bad".parse().expect("address");
    let tags = strata_tags("instance.bad");
    for desired in [
        attrs(&[("instance_type", Value::str("t3.micro"))]),
        attrs(&[
            ("ami", Value::str(sdk::ami(&moto).await)),
            ("ami_ssm_parameter", Value::str(sdk::AMI_PARAMETER)),
        ]),
        attrs(&[
            ("ami_ssm_parameter", Value::str(sdk::AMI_PARAMETER)),
            ("market", Value::str("reserved")),
        ]),
    ] {
        let err = kind
            .create(&CreateRequest {
                address: &address,
                deployment: "test-dev",
                attrs: &desired,
                tags: &tags,
                token: "tok",
            })
            .await
            .expect_err("refused");
        assert_eq!(err.class, ErrorClass::InvalidInput, "{err}");
    }
    let stats = registry.stats().snapshot();
    assert_eq!(stats.get("ec2:RunInstances"), None, "{stats:?}");
}

#[tokio::test]
async fn elastic_ip_associate_move_release() {
    let moto = moto();
    let registry = moto.registry();
    let instances = registry.get("instance").expect("instance kind");
    let kind = registry.get("elastic_ip").expect("elastic_ip kind");
    let first = launch(&moto, instances.as_ref(), "a").await;
    let second = launch(&moto, instances.as_ref(), "b").await;

    let desired = attrs(&[("instance_id", Value::str(&first.id))]);
    let created = create(kind.as_ref(), "elastic_ip.front", &desired).await;
    assert!(created.id.starts_with("eipalloc-"), "{created:?}");
    assert_eq!(created.attrs["instance_id"], Value::str(&first.id));
    assert!(created.attrs.contains_key("association_id"), "{created:?}");

    let ec2 = moto.ec2();
    let sdk_address = |id: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_addresses()
                .allocation_ids(id)
                .send()
                .await
                .expect("describe")
                .addresses()[0]
                .clone()
        }
    };
    let a = sdk_address(created.id.clone()).await;
    assert_eq!(a.instance_id(), Some(first.id.as_str()));
    assert_eq!(a.domain().map(|d| d.as_str()), Some("vpc"));
    assert_eq!(tag_map(a.tags()), strata_tags("elastic_ip.front"));
    assert_eq!(
        created.attrs["public_ip"],
        Value::str(a.public_ip().expect("ip"))
    );

    // Move to the second instance in place, then unassociate.
    let moved = attrs(&[("instance_id", Value::str(&second.id))]);
    let tags = strata_tags("elastic_ip.front");
    update(
        kind.as_ref(),
        "elastic_ip.front",
        &created.id,
        &desired,
        &moved,
        &["instance_id"],
        &tags,
    )
    .await
    .expect("move");
    assert_eq!(
        sdk_address(created.id.clone()).await.instance_id(),
        Some(second.id.as_str())
    );
    let read = kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read[0].attrs["instance_id"], Value::str(&second.id));
    assert_eq!(read[0].attrs["public_ip"], created.attrs["public_ip"]);
    let loose = update(
        kind.as_ref(),
        "elastic_ip.front",
        &created.id,
        &moved,
        &Attrs::new(),
        &["instance_id"],
        &tags,
    )
    .await
    .expect("unassociate");
    assert!(!loose.attrs.contains_key("instance_id"), "{loose:?}");
    // moto answers "" where AWS leaves the field out.
    let unassociated = sdk_address(created.id.clone()).await;
    assert_eq!(unassociated.instance_id().filter(|i| !i.is_empty()), None);
    assert_eq!(
        unassociated.association_id().filter(|i| !i.is_empty()),
        None
    );

    // Associated again, then deleted: disassociated and released.
    update(
        kind.as_ref(),
        "elastic_ip.front",
        &created.id,
        &Attrs::new(),
        &desired,
        &["instance_id"],
        &tags,
    )
    .await
    .expect("associate again");
    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    delete_twice(kind.as_ref(), &created.id, &desired).await;
    let stats = registry.stats().snapshot();
    assert!(
        stats
            .get("ec2:DisassociateAddress")
            .is_some_and(|n| *n >= 2),
        "{stats:?}"
    );
}

#[tokio::test]
async fn volume_attachment_attach_read_detach() {
    let moto = moto();
    let registry = moto.registry();
    let instances = registry.get("instance").expect("instance kind");
    let volumes = registry.get("volume").expect("volume kind");
    let kind = registry.get("volume_attachment").expect("attachment kind");
    let host = launch(&moto, instances.as_ref(), "host").await;
    let zone = host.attrs["availability_zone"].clone();
    let volume = create(
        volumes.as_ref(),
        "volume.data",
        &attrs(&[("availability_zone", zone), ("size_gb", Value::Int(8))]),
    )
    .await;

    let desired = attrs(&[
        ("volume_id", Value::str(&volume.id)),
        ("instance_id", Value::str(&host.id)),
        ("device_name", Value::str("/dev/sdf")),
    ]);
    let created = create(kind.as_ref(), "volume_attachment.data", &desired).await;
    assert_eq!(created.id, format!("{}:{}", volume.id, host.id));
    kind.wait_ready(&created.id).await.expect("attached");

    let ec2 = moto.ec2();
    let v = ec2
        .describe_volumes()
        .volume_ids(&volume.id)
        .send()
        .await
        .expect("describe")
        .volumes()[0]
        .clone();
    let a = &v.attachments()[0];
    assert_eq!(a.instance_id(), Some(host.id.as_str()));
    assert_eq!(a.device(), Some("/dev/sdf"));

    let read = kind
        .read(&[
            created.id.clone(),
            format!("vol-00000000deadbeef0:{}", host.id),
        ])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].attrs, desired);

    let refused = update(
        kind.as_ref(),
        "volume_attachment.data",
        &created.id,
        &desired,
        &desired,
        &["device_name"],
        &BTreeMap::new(),
    )
    .await
    .expect_err("attachments do not change in place");
    assert_eq!(refused.class, ErrorClass::Unsupported);
    assert!(kind
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());

    delete_twice(kind.as_ref(), &created.id, &desired).await;
    let v = ec2
        .describe_volumes()
        .volume_ids(&volume.id)
        .send()
        .await
        .expect("describe")
        .volumes()[0]
        .clone();
    assert!(v.attachments().is_empty(), "{v:?}");
    // Detached, the volume can go.
    delete_twice(volumes.as_ref(), &volume.id, &volume.attrs).await;
}

/// Refresh is batched: reading n resources costs ceil(n/200) describe calls.
#[tokio::test]
async fn reads_are_batched_by_200_ids() {
    let moto = moto();
    let registry = moto.registry();
    let volumes = registry.get("volume").expect("volume kind");
    let desired = attrs(&[
        ("availability_zone", Value::str("us-east-1a")),
        ("size_gb", Value::Int(1)),
    ]);
    let mut ids = Vec::new();
    for n in 0..205 {
        ids.push(
            create(volumes.as_ref(), &format!("volume.v{n}"), &desired)
                .await
                .id,
        );
    }
    let before = registry.stats().snapshot();
    let read = volumes.read(&ids).await.expect("read");
    let after = registry.stats().snapshot();
    assert_eq!(read.len(), ids.len());
    let calls =
        |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert_eq!(calls("ec2:DescribeVolumes"), 2, "{after:?}");

    let instances = registry.get("instance").expect("instance kind");
    let mut ids = Vec::new();
    for n in 0..55 {
        ids.push(launch(&moto, instances.as_ref(), &format!("i{n}")).await.id);
    }
    let before = registry.stats().snapshot();
    let read = instances.read(&ids).await.expect("read");
    let after = registry.stats().snapshot();
    assert_eq!(read.len(), ids.len());
    let calls =
        |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert_eq!(calls("ec2:DescribeInstances"), 1, "{after:?}");
    let total = |m: &BTreeMap<String, u64>| m.values().sum::<u64>();
    assert_eq!(total(&after) - total(&before), 1, "no other call was made");
}

/// `spot-or-on-demand` asks for spot first and keeps it when granted (moto always grants spot,
/// so the fallback itself is tested on `Market::falls_back_after`); the token is sent.
#[tokio::test]
async fn spot_or_on_demand_takes_spot_when_available() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("instance").expect("instance kind");
    let desired = attrs(&[
        ("ami", Value::str(sdk::ami(&moto).await)),
        ("instance_type", Value::str("t3.micro")),
        ("market", Value::str("spot-or-on-demand")),
        ("spot_max_price", Value::Float(0.05)),
    ]);
    let created = create(kind.as_ref(), "instance.flex", &desired).await;
    let stats = registry.stats().snapshot();
    assert_eq!(stats.get("ec2:RunInstances"), Some(&1), "{stats:?}");
    assert_eq!(stats.get("ssm:GetParameter"), None, "ami given: no lookup");
    let described = moto
        .ec2()
        .describe_instances()
        .instance_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let i = &described.reservations()[0].instances()[0];
    assert_eq!(i.instance_lifecycle().map(|l| l.as_str()), Some("spot"));
    assert_eq!(i.client_token(), Some("tok-instance.flex"));
    kind.delete(&created.id, &desired).await.expect("delete");
}

fn instance_lifecycle(i: &aws_sdk_ec2::types::Instance) -> Option<&str> {
    i.instance_lifecycle().map(|l| l.as_str())
}

/// Whether a RunInstances request (EC2 query protocol) asked for spot capacity.
fn asks_for_spot(request: &crate::support::proxy::Request) -> bool {
    String::from_utf8_lossy(&request.body).contains("InstanceMarketOptions.MarketType=spot")
}

/// `spot-or-on-demand` under a spot capacity refusal: a second RunInstances without market
/// options, with its own token, and the instance runs on demand.
#[tokio::test]
async fn spot_or_on_demand_falls_back_when_spot_capacity_is_refused() {
    let moto = moto();
    let proxy = crate::support::proxy::Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let kind = registry.get("instance").expect("instance kind");
    let ami = sdk::ami(&moto).await;
    proxy.fail("ec2:RunInstances", 1, "InsufficientInstanceCapacity", 500);
    let desired = attrs(&[
        ("ami", Value::str(&ami)),
        ("instance_type", Value::str("t3.micro")),
        ("market", Value::str("spot-or-on-demand")),
    ]);
    let created = create(kind.as_ref(), "instance.flex", &desired).await;

    let runs: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|(op, _)| op == "ec2:RunInstances")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(runs.len(), 2, "one spot attempt, one on-demand attempt");
    assert!(asks_for_spot(&runs[0]), "the first attempt asks for spot");
    assert!(
        !String::from_utf8_lossy(&runs[1].body).contains("InstanceMarketOptions"),
        "the fallback sends no market options: {}",
        String::from_utf8_lossy(&runs[1].body)
    );
    assert!(
        String::from_utf8_lossy(&runs[1].body).contains("ClientToken=tok-instance.flex-od"),
        "the fallback has its own token"
    );
    let faulted: Vec<bool> = proxy
        .record()
        .iter()
        .filter(|c| c.operation == "ec2:RunInstances")
        .map(|c| c.faulted())
        .collect();
    assert_eq!(faulted, [true, false]);

    let described = moto
        .ec2()
        .describe_instances()
        .instance_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let i = &described.reservations()[0].instances()[0];
    assert_eq!(
        instance_lifecycle(i),
        None,
        "on-demand instances have no lifecycle"
    );
    assert_eq!(i.image_id(), Some(ami.as_str()));
    kind.delete(&created.id, &desired).await.expect("delete");
}

/// `market = "spot"` under the same refusal fails with the capacity class and makes no
/// on-demand attempt.
#[tokio::test]
async fn spot_only_fails_with_capacity_when_spot_is_refused() {
    let moto = moto();
    let proxy = crate::support::proxy::Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let kind = registry.get("instance").expect("instance kind");
    let ami = sdk::ami(&moto).await;
    proxy.fail("ec2:RunInstances", 1, "InsufficientInstanceCapacity", 500);
    let address: Address = "instance.spotty".parse().expect("address");
    let tags = strata_tags("instance.spotty");
    let desired = attrs(&[
        ("ami", Value::str(&ami)),
        ("instance_type", Value::str("t3.micro")),
        ("market", Value::str("spot")),
    ]);
    let err = kind
        .create(&CreateRequest {
            address: &address,
            deployment: "test-dev",
            attrs: &desired,
            tags: &tags,
            token: "tok-spotty",
        })
        .await
        .expect_err("no spot capacity");
    assert_eq!(err.class, ErrorClass::Capacity, "{err}");
    assert_eq!(err.diagnostic_code(), "strata::aws::capacity");
    assert_eq!(err.code.as_deref(), Some("InsufficientInstanceCapacity"));
    assert_eq!(err.operation, "ec2:RunInstances");
    assert_eq!(proxy.operations_matching("ec2:RunInstances").len(), 1);
    let running = moto
        .ec2()
        .describe_instances()
        .send()
        .await
        .expect("describe");
    assert!(
        running.reservations().is_empty(),
        "nothing was launched: {running:?}"
    );
}

/// A new volume is waited for until DescribeVolumes says `available`: the wait polls through
/// failures worth retrying (two injected 500s), stops at once on one that is not, and is
/// bounded by `Poll::VOLUME`.
#[tokio::test]
async fn volume_wait_ready_polls_until_available() {
    let moto = moto();
    let proxy = crate::support::proxy::Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let kind = registry.get("volume").expect("volume kind");
    let desired = attrs(&[
        ("availability_zone", Value::str("us-east-1a")),
        ("size_gb", Value::Int(8)),
    ]);
    let created = create(kind.as_ref(), "volume.waited", &desired).await;

    proxy.clear_record();
    kind.wait_ready(&created.id).await.expect("available");
    assert_eq!(
        proxy.operations(),
        ["ec2:DescribeVolumes"],
        "one look when it is already available"
    );

    proxy.clear_record();
    proxy.fail("ec2:DescribeVolumes", 2, "InternalError", 500);
    let started = std::time::Instant::now();
    kind.wait_ready(&created.id)
        .await
        .expect("available after two failed looks");
    let looks = proxy.record();
    assert_eq!(looks.len(), 3, "{looks:?}");
    assert_eq!(
        looks.iter().map(|c| c.faulted()).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    proxy.clear_record();
    proxy.fail("ec2:DescribeVolumes", 1, "UnauthorizedOperation", 403);
    let err = kind
        .wait_ready(&created.id)
        .await
        .expect_err("not retryable");
    assert_eq!(err.class, ErrorClass::AccessDenied);
    assert_eq!(proxy.operations().len(), 1);
    proxy.clear_faults();
    kind.delete(&created.id, &desired).await.expect("delete");
}
