//! The `vpc` kind against the AWS emulator, through the real SDK: create, read back, update in
//! place, find by tags, delete, and read again to prove it is gone.

use crate::support::kinds::strata_tags;
use crate::support::moto::moto;
use std::collections::BTreeMap;
use strata::provider::{Attrs, CreateRequest, UpdateRequest};
use strata::{Address, Value};

#[tokio::test]
async fn vpc_create_read_update_delete() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("vpc").expect("vpc kind");
    let address = Address::new("vpc", "main");
    let attrs = Attrs::from([
        ("cidr_block".to_string(), Value::str("10.7.0.0/16")),
        ("enable_dns_hostnames".to_string(), Value::Bool(true)),
    ]);
    let wanted_tags = strata_tags("vpc.main");
    let created = kind
        .create(&CreateRequest {
            address: &address,
            deployment: "test-dev",
            attrs: &attrs,
            tags: &wanted_tags,
            token: "tok-1",
        })
        .await
        .expect("create");
    assert!(created.id.starts_with("vpc-"), "{created:?}");
    assert_eq!(created.attrs["cidr_block"], Value::str("10.7.0.0/16"));
    assert!(created.attrs.contains_key("main_route_table_id"));
    assert!(created.attrs.contains_key("default_security_group_id"));

    // Behind strata's back, through the SDK: the VPC exists with its tags and DNS setting.
    let ec2 = moto.ec2();
    let described = ec2
        .describe_vpcs()
        .vpc_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let vpc = &described.vpcs()[0];
    assert_eq!(vpc.cidr_block(), Some("10.7.0.0/16"));
    let sdk_tags: BTreeMap<_, _> = vpc
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
        .collect();
    assert_eq!(sdk_tags.get("strata:address"), Some(&"vpc.main"));
    let dns = ec2
        .describe_vpc_attribute()
        .vpc_id(&created.id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("attribute");
    assert_eq!(
        dns.enable_dns_hostnames().and_then(|v| v.value()),
        Some(true)
    );

    // Batched read returns what was created; an unknown id is simply absent.
    let read = kind
        .read(&[created.id.clone(), "vpc-00000000deadbeef".to_string()])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].attrs["cidr_block"], Value::str("10.7.0.0/16"));
    assert_eq!(read[0].tags, wanted_tags);

    // Update in place: DNS hostnames off, one tag changed.
    let mut after = attrs.clone();
    after.insert("enable_dns_hostnames".into(), Value::Bool(false));
    let mut new_tags = wanted_tags.clone();
    new_tags.insert("Project".into(), "renamed".into());
    kind.update(&UpdateRequest {
        address: &address,
        id: &created.id,
        before: &attrs,
        after: &after,
        changed: &["enable_dns_hostnames".to_string(), "tags".to_string()],
        tags: &new_tags,
    })
    .await
    .expect("update");
    let dns = ec2
        .describe_vpc_attribute()
        .vpc_id(&created.id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("attribute");
    assert_eq!(
        dns.enable_dns_hostnames().and_then(|v| v.value()),
        Some(false)
    );
    let found = kind
        .find_tagged(&BTreeMap::from([(
            "strata:deployment".to_string(),
            "test-dev".to_string(),
        )]))
        .await
        .expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags.get("Project"), Some(&"renamed".to_string()));

    // Delete, twice (the second is a no-op), then it is gone.
    kind.delete(&created.id, &attrs).await.expect("delete");
    kind.delete(&created.id, &attrs)
        .await
        .expect("second delete is a no-op");
    assert!(kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read")
        .is_empty());

    let stats = registry.stats().snapshot();
    assert!(stats.get("ec2:CreateVpc") == Some(&1), "{stats:?}");
}

/// `assign_generated_ipv6_cidr_block` changes in place: AssociateVpcCidrBlock with an
/// Amazon-provided block, then DisassociateVpcCidrBlock; the VPC keeps its id.
#[tokio::test]
async fn vpc_ipv6_block_is_associated_and_released_in_place() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("vpc").expect("vpc kind");
    let address = Address::new("vpc", "v6");
    let wanted_tags = strata_tags("vpc.v6");
    let before = Attrs::from([("cidr_block".to_string(), Value::str("10.8.0.0/16"))]);
    let created = kind
        .create(&CreateRequest {
            address: &address,
            deployment: "test-dev",
            attrs: &before,
            tags: &wanted_tags,
            token: "tok-v6",
        })
        .await
        .expect("create");
    assert!(
        !created.attrs.contains_key("ipv6_cidr_block"),
        "{created:?}"
    );

    let ec2 = moto.ec2();
    let live_blocks = |id: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_vpcs()
                .vpc_ids(id)
                .send()
                .await
                .expect("describe")
                .vpcs()[0]
                .ipv6_cidr_block_association_set()
                .iter()
                .filter(|a| {
                    a.ipv6_cidr_block_state()
                        .and_then(|s| s.state())
                        .is_some_and(|s| s.as_str() == "associated")
                })
                .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
                .collect::<Vec<_>>()
        }
    };
    let update = |after: Attrs| {
        let kind = kind.clone();
        let (address, id, before, tags) = (
            address.clone(),
            created.id.clone(),
            created.attrs.clone(),
            wanted_tags.clone(),
        );
        async move {
            kind.update(&UpdateRequest {
                address: &address,
                id: &id,
                before: &before,
                after: &after,
                changed: &["assign_generated_ipv6_cidr_block".to_string()],
                tags: &tags,
            })
            .await
        }
    };

    let mut with_v6 = before.clone();
    with_v6.insert("assign_generated_ipv6_cidr_block".into(), Value::Bool(true));
    let updated = update(with_v6.clone()).await.expect("associate");
    assert_eq!(updated.id, created.id);
    let blocks = live_blocks(created.id.clone()).await;
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert!(blocks[0].ends_with("/56"), "{blocks:?}");
    assert_eq!(updated.attrs["ipv6_cidr_block"], Value::str(&blocks[0]));
    // Asking again is a no-op: still one block.
    update(with_v6).await.expect("idempotent");
    assert_eq!(live_blocks(created.id.clone()).await.len(), 1);

    let mut without_v6 = before.clone();
    without_v6.insert(
        "assign_generated_ipv6_cidr_block".into(),
        Value::Bool(false),
    );
    let released = update(without_v6).await.expect("disassociate");
    assert!(live_blocks(created.id.clone()).await.is_empty());
    assert!(
        !released.attrs.contains_key("ipv6_cidr_block"),
        "{released:?}"
    );
    kind.delete(&created.id, &before).await.expect("delete");
}
