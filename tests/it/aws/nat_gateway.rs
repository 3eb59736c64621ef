//! The `nat_gateway` kind against the emulator through the strict proxy: create, read back
//! behind strata's back, tags updated in place, found by tags, a batched read in one call,
//! delete twice, and the Elastic IP and subnet free once the gateway is deleted.

use crate::support::fixtures::{network, Network};
use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, kind, strata_tags, update,
};
use crate::support::moto::{moto_strict, MotoSession};
use strata::provider::{ErrorClass, OnChange};
use strata::Value;

/// A fresh Elastic IP's allocation id, made behind strata's back.
async fn allocation(moto: &MotoSession) -> String {
    moto.ec2()
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate")
        .allocation_id()
        .expect("allocation id")
        .to_string()
}

/// How many times `operation` went through the strict proxy so far.
fn count(moto: &MotoSession, operation: &str) -> usize {
    moto.strict
        .as_ref()
        .expect("strict session")
        .operations_matching(operation)
        .len()
}

#[tokio::test]
async fn nat_gateway_create_read_update_find_delete() {
    let moto = moto_strict();
    let registry = moto.registry();
    let nat = kind(&registry, "nat_gateway");
    let Network { subnets, .. } = network(&moto).await;
    let eip = allocation(&moto).await;

    // Rules the schema cannot say: a public gateway needs an address, a private one takes none.
    let public_without = attrs(&[("subnet_id", Value::str(&subnets[0]))]);
    let broken = nat.validate(&public_without);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0].attr, Some("allocation_id"));
    let private_with = attrs(&[
        ("subnet_id", Value::str(&subnets[0])),
        ("allocation_id", Value::str(&eip)),
        ("connectivity_type", Value::str("private")),
    ]);
    assert_eq!(nat.validate(&private_with)[0].attr, Some("allocation_id"));
    let unknown = attrs(&[
        ("subnet_id", Value::str(&subnets[0])),
        ("allocation_id", Value::Unknown),
    ]);
    assert!(nat.validate(&unknown).is_empty());
    for attr in [
        "subnet_id",
        "allocation_id",
        "connectivity_type",
        "private_ip",
    ] {
        assert_eq!(
            nat.schema().get(attr).map(|a| a.on_change),
            Some(OnChange::Replace),
            "{attr}"
        );
    }

    let public = attrs(&[
        ("subnet_id", Value::str(&subnets[0])),
        ("allocation_id", Value::str(&eip)),
    ]);
    let created = create(nat, "nat_gateway.public", &public).await;
    nat.wait_ready(&created.id).await.expect("available");
    assert!(created.id.starts_with("nat-"), "{}", created.id);
    assert_eq!(created.attrs["subnet_id"], Value::str(&subnets[0]));
    assert_eq!(created.attrs["allocation_id"], Value::str(&eip));
    assert_eq!(created.attrs["connectivity_type"], Value::str("public"));
    assert!(created.attrs["public_ip"].as_str().is_some(), "{created:?}");
    let eni = created.attrs["network_interface_id"]
        .as_str()
        .expect("interface")
        .to_string();

    // Behind strata's back.
    let ec2 = moto.ec2();
    let described = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let gateway = &described.nat_gateways()[0];
    assert_eq!(gateway.subnet_id(), Some(subnets[0].as_str()));
    assert_eq!(
        gateway.nat_gateway_addresses()[0].allocation_id(),
        Some(eip.as_str())
    );
    assert_eq!(
        crate::support::kinds::tag_map(gateway.tags()),
        strata_tags("nat_gateway.public")
    );

    // A private one in the other subnet; both read in one call, an unknown id is absent.
    let private = attrs(&[
        ("subnet_id", Value::str(&subnets[1])),
        ("connectivity_type", Value::str("private")),
    ]);
    let other = create(nat, "nat_gateway.private", &private).await;
    assert_eq!(other.attrs["connectivity_type"], Value::str("private"));
    assert!(!other.attrs.contains_key("allocation_id"), "{other:?}");
    let before = count(&moto, "ec2:DescribeNatGateways");
    let read = nat
        .read(&[
            created.id.clone(),
            other.id.clone(),
            "nat-0000000000000000f".to_string(),
        ])
        .await
        .expect("read");
    assert_eq!(count(&moto, "ec2:DescribeNatGateways") - before, 1);
    let mut ids: Vec<&str> = read.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    let mut want = vec![created.id.as_str(), other.id.as_str()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(
        read.iter().find(|l| l.id == created.id).map(|l| &l.attrs),
        Some(&created.attrs)
    );

    // Tags update in place; anything else is refused in place, naming it.
    let mut tags = strata_tags("nat_gateway.public");
    tags.insert("Owner".into(), "net".into());
    tags.remove("Project");
    let updated = update(
        nat,
        "nat_gateway.public",
        &created.id,
        &public,
        &public,
        &["tags"],
        &tags,
    )
    .await
    .expect("update tags");
    assert_eq!(updated.tags, tags);
    let described = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        crate::support::kinds::tag_map(described.nat_gateways()[0].tags()),
        tags
    );
    let err = update(
        nat,
        "nat_gateway.public",
        &created.id,
        &public,
        &public,
        &["subnet_id"],
        &tags,
    )
    .await
    .expect_err("subnet cannot change in place");
    assert_eq!(err.class, ErrorClass::Unsupported);
    assert!(err.message.contains("`subnet_id`"), "{err}");

    // Found by tags: both, and only what carries all the tags asked for (moto ignores tag
    // filters on this call, the kind does not).
    let found = nat.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 2, "{found:?}");
    let owned = nat
        .find_tagged(&[("Owner".to_string(), "net".to_string())].into())
        .await
        .expect("find");
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].id, created.id);

    // While the gateway lives, its address cannot be released (strict rule, as on AWS).
    let held = ec2.release_address().allocation_id(&eip).send().await;
    assert!(held.is_err(), "released an address a NAT gateway holds");
    assert_eq!(
        moto.refusals().last().map(|r| r.1.as_str()),
        Some("AuthFailure")
    );

    // Delete waits for `deleted`; twice is fine; then nothing is read, the address is
    // released and the subnet deleted (the gateway's interface went with it).
    delete_twice(nat, &created.id, &updated.attrs).await;
    delete_twice(nat, &other.id, &other.attrs).await;
    let described = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described.nat_gateways()[0].state(),
        Some(&aws_sdk_ec2::types::NatGatewayState::Deleted)
    );
    assert!(nat
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());
    ec2.release_address()
        .allocation_id(&eip)
        .send()
        .await
        .expect("the address is free once the gateway is deleted");
    ec2.delete_subnet()
        .subnet_id(&subnets[0])
        .send()
        .await
        .unwrap_or_else(|e| panic!("subnet of the deleted gateway ({eni}) is free: {e:?}"));
}
