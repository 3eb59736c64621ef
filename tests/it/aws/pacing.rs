//! EC2 pacing through the real SDK against the AWS emulator: with a tiny bucket, calls beyond
//! the burst wait for the refill, and each call is paced under its operation's category.

use crate::support::moto::moto;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use strata::aws::pacing::{BucketConfig, Category, PacingConfig};
use strata::aws::Aws;
use strata::provider::CallStats;

#[tokio::test]
async fn describe_calls_beyond_the_burst_wait_for_the_refill() {
    let moto = moto();
    // Burst of 2, then 10 calls a second: 12 calls need at least 10 refills, so 1 s.
    let aws = Aws::new(moto.settings(), CallStats::default())
        .with_pacing(Some(PacingConfig::uniform(BucketConfig::new(2, 10.0))))
        .unwrap();
    let ec2 = aws.ec2().await.unwrap();
    let start = Instant::now();
    for _ in 0..12 {
        ec2.describe_vpcs().send().await.unwrap();
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1),
        "12 paced calls took only {elapsed:?}"
    );
    let pacer = aws.pacer().unwrap();
    assert_eq!(
        pacer.calls(),
        BTreeMap::from([(Category::NonMutating, 12)]),
        "every DescribeVpcs went through the pacer as non-mutating"
    );
    assert_eq!(aws.stats().snapshot().get("ec2:DescribeVpcs"), Some(&12));
}

#[tokio::test]
async fn mutating_calls_are_paced_in_their_own_category() {
    let moto = moto();
    let aws = Aws::new(moto.settings(), CallStats::default())
        .with_pacing(Some(PacingConfig::uniform(BucketConfig::new(1, 20.0))))
        .unwrap();
    let ec2 = aws.ec2().await.unwrap();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap();
    let id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    ec2.create_tags()
        .resources(&id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("paced")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.delete_vpc().vpc_id(&id).send().await.unwrap();
    assert_eq!(
        aws.pacer().unwrap().calls(),
        BTreeMap::from([(Category::Mutating, 2), (Category::CreateTags, 1)])
    );
}

#[tokio::test]
async fn pacing_can_be_switched_off() {
    let moto = moto();
    let aws = Aws::new(moto.settings(), CallStats::default())
        .with_pacing(None)
        .unwrap();
    assert!(aws.pacer().is_none());
    let ec2 = aws.ec2().await.unwrap();
    ec2.describe_vpcs().send().await.unwrap();
    assert_eq!(aws.stats().snapshot().get("ec2:DescribeVpcs"), Some(&1));
}

#[test]
fn pacing_is_on_by_default_with_aws_numbers() {
    let aws = Aws::new(Default::default(), CallStats::default());
    let pacer = aws.pacer().expect("pacing is on by default");
    assert_eq!(pacer.bucket(Category::Mutating).capacity(), 50);
    assert_eq!(pacer.bucket(Category::RunInstances).capacity(), 5);
}
