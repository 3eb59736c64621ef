//! The simulated AWS delays: ids not yet visible after their create, instance profiles not yet
//! propagated, and network interfaces still draining after a delete.

use super::*;

#[tokio::test]
async fn new_ids_are_not_found_for_a_while_after_their_create() {
    let moto = moto();
    let proxy = Proxy::start_strict(moto.port);
    let window = Duration::from_millis(400);
    proxy.strict().not_found_after_create(window);
    let ec2: aws_sdk_ec2::Client = through(&proxy);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("create vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("id")
        .to_string();
    let describe = ec2.describe_vpcs().vpc_ids(&vpc).send().await;
    let err = describe.expect_err("not visible yet");
    assert_eq!(err.code(), Some("InvalidVpcID.NotFound"));
    assert_eq!(
        classify("ec2:DescribeVpcs", err).class,
        ErrorClass::EventualConsistency,
        "strata retries what strict mode answers"
    );
    let (code, _) = refused(
        ec2.create_security_group()
            .vpc_id(&vpc)
            .group_name("g")
            .description("g")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidVpcID.NotFound");
    // Filters never fail on unknown ids, on AWS either.
    ec2.describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc)
                .build(),
        )
        .send()
        .await
        .expect("a filtered describe is forwarded");
    tokio::time::sleep(window).await;
    let group = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("g")
        .description("g")
        .send()
        .await
        .expect("visible after the window")
        .group_id()
        .expect("group id")
        .to_string();
    let (code, _) = refused(
        ec2.authorize_security_group_ingress()
            .group_id(&group)
            .ip_permissions(from_group(&group))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        proxy
            .refusals()
            .iter()
            .map(|(op, _)| op.as_str())
            .collect::<Vec<_>>(),
        [
            "ec2:DescribeVpcs",
            "ec2:CreateSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress"
        ]
    );
}

#[tokio::test]
async fn a_new_instance_profile_is_refused_by_run_instances_for_a_while() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let image = ami(&moto).await;
    let proxy = Proxy::start_strict(moto.port);
    let window = Duration::from_millis(400);
    proxy.strict().profile_propagation(window);
    let iam: aws_sdk_iam::Client = through(&proxy);
    iam.create_instance_profile()
        .instance_profile_name("fresh")
        .send()
        .await
        .expect("profile");
    let ec2: aws_sdk_ec2::Client = through(&proxy);
    let run = || {
        ec2.run_instances()
            .image_id(&image)
            .instance_type(InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .subnet_id(&subnets[0])
            .iam_instance_profile(
                aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                    .name("fresh")
                    .build(),
            )
            .send()
    };
    let err = run().await.expect_err("not propagated yet");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    assert_eq!(
        err.message(),
        Some("Value (fresh) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")
    );
    assert_eq!(
        classify("ec2:RunInstances", err).class,
        ErrorClass::EventualConsistency,
        "strata recognises the propagation error"
    );
    tokio::time::sleep(window).await;
    run()
        .await
        .expect("launched once the profile has propagated");
    assert_eq!(
        proxy.refusals(),
        [(
            "ec2:RunInstances".to_string(),
            "InvalidParameterValue".to_string()
        )]
    );
}

#[tokio::test]
async fn deleted_load_balancer_and_mount_target_keep_their_network_busy_while_draining() {
    let moto = moto();
    let Network {
        subnets,
        security_groups,
        ..
    } = network(&moto).await;
    let elb = moto.elbv2();
    let balancer = elb
        .create_load_balancer()
        .name("draining")
        .set_subnets(Some(subnets.clone()))
        .security_groups(&security_groups[0])
        .send()
        .await
        .expect("load balancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_string();
    let (_, target) =
        mounted_file_system(&moto, "draining", &subnets[1], &[&security_groups[1]]).await;

    let proxy = Proxy::start_strict(moto.port);
    let window = Duration::from_millis(600);
    proxy.strict().interfaces_drain(window);
    let strict_elb: aws_sdk_elasticloadbalancingv2::Client = through(&proxy);
    let strict_efs: aws_sdk_efs::Client = through(&proxy);
    let ec2: aws_sdk_ec2::Client = through(&proxy);
    strict_elb
        .delete_load_balancer()
        .load_balancer_arn(&balancer)
        .send()
        .await
        .expect("delete load balancer");
    strict_efs
        .delete_mount_target()
        .mount_target_id(&target)
        .send()
        .await
        .expect("delete mount target");
    let (code, message) = refused(
        ec2.delete_security_group()
            .group_id(&security_groups[0])
            .send()
            .await,
    );
    assert_eq!(code, "DependencyViolation");
    assert!(message.contains(&balancer), "{message}");
    let (code, message) = refused(ec2.delete_subnet().subnet_id(&subnets[1]).send().await);
    assert_eq!(code, "DependencyViolation");
    assert!(message.contains(&target), "{message}");
    tokio::time::sleep(window).await;
    for group in &security_groups {
        ec2.delete_security_group()
            .group_id(group)
            .send()
            .await
            .expect("free once drained");
    }
    for subnet in &subnets {
        ec2.delete_subnet()
            .subnet_id(subnet)
            .send()
            .await
            .expect("free once drained");
    }
    assert_eq!(proxy.refusals().len(), 2, "{:?}", proxy.refusals());
}
