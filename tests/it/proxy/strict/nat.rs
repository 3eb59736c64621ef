//! A NAT gateway holds its Elastic IP and its subnet until it is deleted.

use super::*;

#[tokio::test]
async fn a_nat_gateways_address_and_subnet_are_held_until_it_is_deleted() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let ec2 = moto.ec2();
    let eip = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate")
        .allocation_id()
        .expect("allocation id")
        .to_string();
    let gateway = ec2
        .create_nat_gateway()
        .subnet_id(&subnets[0])
        .allocation_id(&eip)
        .send()
        .await
        .expect("nat gateway")
        .nat_gateway()
        .and_then(|g| g.nat_gateway_id())
        .expect("id")
        .to_string();
    let association = ec2
        .describe_addresses()
        .allocation_ids(&eip)
        .send()
        .await
        .expect("describe")
        .addresses()[0]
        .association_id()
        .expect("associated with the gateway's interface")
        .to_string();

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_ec2::Client = through(&proxy);
    let (code, message) = refused(strict.release_address().allocation_id(&eip).send().await);
    assert_eq!(code, "AuthFailure");
    assert!(message.contains(&gateway), "{message}");
    let (code, _) = refused(
        strict
            .disassociate_address()
            .association_id(&association)
            .send()
            .await,
    );
    assert_eq!(code, "AuthFailure");
    let (code, _) = refused(strict.delete_subnet().subnet_id(&subnets[0]).send().await);
    assert_eq!(code, "DependencyViolation");

    strict
        .delete_nat_gateway()
        .nat_gateway_id(&gateway)
        .send()
        .await
        .expect("delete gateway");
    strict
        .release_address()
        .allocation_id(&eip)
        .send()
        .await
        .expect("released once the gateway is deleted");
    strict
        .delete_subnet()
        .subnet_id(&subnets[0])
        .send()
        .await
        .expect("the deleted gateway's interface no longer holds the subnet");
    let refusals: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.refused().is_some())
        .map(|c| c.operation)
        .collect();
    assert_eq!(
        refusals,
        [
            "ec2:ReleaseAddress",
            "ec2:DisassociateAddress",
            "ec2:DeleteSubnet"
        ]
    );
}

#[tokio::test]
async fn moto_alone_releases_an_address_a_nat_gateway_holds() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let ec2 = moto.ec2();
    let eip = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate")
        .allocation_id()
        .expect("allocation id")
        .to_string();
    ec2.create_nat_gateway()
        .subnet_id(&subnets[0])
        .allocation_id(&eip)
        .send()
        .await
        .expect("nat gateway");
    let plain = Proxy::start(moto.port);
    let client: aws_sdk_ec2::Client = through(&plain);
    client
        .release_address()
        .allocation_id(&eip)
        .send()
        .await
        .expect("moto forgives what AWS refuses");
}
