//! SDK clients and fixtures for the EC2 compute kinds' tests: an SSM and an IAM client pointed
//! at the emulator, an AMI moto knows, tags as maps, and a request builder.

use super::moto::MotoSession;
use std::collections::BTreeMap;

/// The Amazon Linux parameter moto serves (its Ubuntu ones do not exist).
pub const AMI_PARAMETER: &str =
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/// A real OpenSSH ed25519 public key (test material, no private key kept anywhere).
pub const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGXZLS9eQqY9hmfBdxPz1tJ265HtD8uNERex1IGg7wof strata-test";

/// The tags strata puts on everything it creates, plus one stack tag.
pub fn strata_tags(address: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("strata:deployment".to_string(), "test-dev".to_string()),
        ("strata:address".to_string(), address.to_string()),
        ("Project".to_string(), "strata-tests".to_string()),
    ])
}

/// The `strata:deployment` tag alone, for `find_tagged`.
pub fn deployment_tag() -> BTreeMap<String, String> {
    BTreeMap::from([("strata:deployment".to_string(), "test-dev".to_string())])
}

/// EC2 tags as a map.
pub fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// The SDK's SSM client pointed at the emulator.
pub fn ssm(moto: &MotoSession) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::new()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build(),
    )
}

/// The SDK's IAM client pointed at the emulator.
pub fn iam(moto: &MotoSession) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::new()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build(),
    )
}

/// The AMI id behind [`AMI_PARAMETER`], read through SSM behind strata's back.
pub async fn ami(moto: &MotoSession) -> String {
    ssm(moto)
        .get_parameter()
        .name(AMI_PARAMETER)
        .send()
        .await
        .expect("get AMI parameter")
        .parameter()
        .and_then(|p| p.value())
        .expect("AMI parameter value")
        .to_string()
}

/// An instance profile named `name` (with no role: moto does not need one).
pub async fn instance_profile(moto: &MotoSession, name: &str) {
    iam(moto)
        .create_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .expect("create instance profile");
}
