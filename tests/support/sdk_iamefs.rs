//! SDK clients for IAM and EFS pointed at the emulator, for checking behind strata's back.

use super::moto::MotoSession;

impl MotoSession {
    /// The SDK's IAM client pointed at the emulator.
    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::new()
                .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
                .region(aws_sdk_iam::config::Region::new("us-east-1"))
                .endpoint_url(&self.endpoint)
                .credentials_provider(aws_sdk_iam::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .build(),
        )
    }

    /// The SDK's EFS client pointed at the emulator.
    pub async fn efs(&self) -> aws_sdk_efs::Client {
        aws_sdk_efs::Client::from_conf(
            aws_sdk_efs::config::Builder::new()
                .behavior_version(aws_sdk_efs::config::BehaviorVersion::latest())
                .region(aws_sdk_efs::config::Region::new("us-east-1"))
                .endpoint_url(&self.endpoint)
                .credentials_provider(aws_sdk_efs::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .build(),
        )
    }
}
