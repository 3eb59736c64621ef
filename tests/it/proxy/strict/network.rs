//! Refusals of deleting EC2 network resources that something still uses.

use super::*;

#[tokio::test]
async fn security_group_in_use_is_refused_until_its_last_dependent_is_gone() {
    let moto = moto();
    let Network {
        subnets,
        security_groups,
        ..
    } = network(&moto).await;
    let (used, other) = (security_groups[0].as_str(), security_groups[1].as_str());
    let host = instance(&moto, &subnets[0], &[used]).await;
    let eni = interface(&moto, &subnets[1], &[used]).await;
    let ec2 = moto.ec2();
    ec2.authorize_security_group_ingress()
        .group_id(other)
        .ip_permissions(from_group(used))
        .send()
        .await
        .expect("rule naming the group");

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_ec2::Client = through(&proxy);
    let delete = || strict.delete_security_group().group_id(used).send();
    let (code, message) = refused(delete().await);
    assert_eq!(code, "DependencyViolation");
    for dependent in [host.as_str(), eni.as_str(), other] {
        assert!(message.contains(dependent), "{message}");
    }
    // Each dependent alone keeps the group: the instance, then the interface, then the rule.
    ec2.terminate_instances()
        .instance_ids(&host)
        .send()
        .await
        .expect("terminate");
    let (_, message) = refused(delete().await);
    assert!(!message.contains(&host), "{message}");
    assert!(message.contains(&eni), "{message}");
    ec2.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .expect("delete eni");
    let (_, message) = refused(delete().await);
    assert!(
        !message.contains(&eni) && message.contains(other),
        "{message}"
    );
    ec2.revoke_security_group_ingress()
        .group_id(other)
        .ip_permissions(from_group(used))
        .send()
        .await
        .expect("revoke");
    delete()
        .await
        .expect("forwarded once nothing uses the group");
    let record = proxy.record();
    assert_eq!(
        proxy.refusals(),
        vec![
            (
                "ec2:DeleteSecurityGroup".to_string(),
                "DependencyViolation".to_string()
            );
            3
        ]
    );
    let last = record.last().expect("calls recorded");
    assert_eq!((last.fault.clone(), last.status), (None, Some(200)));
    let first = record[0].fault.clone().expect("refused");
    assert_eq!((first.kind, first.status), (FaultKind::Strict, 400));

    // moto alone deletes a group an interface still uses.
    let eni = interface(&moto, &subnets[1], &[other]).await;
    let plain_proxy = Proxy::start(moto.port);
    let plain: aws_sdk_ec2::Client = through(&plain_proxy);
    plain
        .delete_security_group()
        .group_id(other)
        .send()
        .await
        .unwrap_or_else(|e| panic!("moto forgives the in-use group ({eni}): {e:?}"));
}

#[tokio::test]
async fn subnet_vpc_and_gateway_with_dependents_are_refused() {
    let moto = moto();
    let Network {
        vpc,
        subnets,
        security_groups,
    } = network(&moto).await;
    let ec2 = moto.ec2();
    let eni = interface(&moto, &subnets[0], &[]).await;
    let table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("route table")
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("rtb id")
        .to_string();
    let gateway = attached_gateway(&moto, &vpc).await;

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_ec2::Client = through(&proxy);
    let delete_subnet = || strict.delete_subnet().subnet_id(&subnets[0]).send();
    let delete_vpc = || strict.delete_vpc().vpc_id(&vpc).send();
    let (code, message) = refused(delete_subnet().await);
    assert_eq!(code, "DependencyViolation");
    assert!(message.contains(&eni), "{message}");
    let (code, message) = refused(delete_vpc().await);
    assert_eq!(code, "DependencyViolation");
    for dependent in subnets
        .iter()
        .chain(&security_groups)
        .chain([&table, &gateway])
    {
        assert!(message.contains(dependent.as_str()), "{message}");
    }
    assert!(!message.contains("default"), "{message}");
    let (code, _) = refused(
        strict
            .delete_internet_gateway()
            .internet_gateway_id(&gateway)
            .send()
            .await,
    );
    assert_eq!(code, "DependencyViolation");

    ec2.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .expect("delete eni");
    delete_subnet().await.expect("an empty subnet is deleted");
    strict
        .delete_subnet()
        .subnet_id(&subnets[1])
        .send()
        .await
        .expect("the other subnet too");
    for group in &security_groups {
        strict
            .delete_security_group()
            .group_id(group)
            .send()
            .await
            .expect("unused group");
    }
    strict
        .delete_route_table()
        .route_table_id(&table)
        .send()
        .await
        .expect("route table");
    let (_, message) = refused(delete_vpc().await);
    assert!(
        message.contains(&gateway),
        "only the gateway is left: {message}"
    );
    strict
        .detach_internet_gateway()
        .internet_gateway_id(&gateway)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("detach");
    strict
        .delete_internet_gateway()
        .internet_gateway_id(&gateway)
        .send()
        .await
        .expect("a detached gateway is deleted");
    delete_vpc().await.expect("an empty VPC is deleted");
    assert_eq!(proxy.refusals().len(), 4, "{:?}", proxy.refusals());

    // moto alone deletes a subnet with an interface, and a VPC with a group and a gateway.
    let Network { vpc, subnets, .. } = network(&moto).await;
    interface(&moto, &subnets[0], &[]).await;
    attached_gateway(&moto, &vpc).await;
    let plain_proxy = Proxy::start(moto.port);
    let plain: aws_sdk_ec2::Client = through(&plain_proxy);
    for subnet in &subnets {
        plain
            .delete_subnet()
            .subnet_id(subnet)
            .send()
            .await
            .expect("moto forgives a subnet in use");
    }
    plain
        .delete_vpc()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("moto forgives a VPC with groups and a gateway");
}
