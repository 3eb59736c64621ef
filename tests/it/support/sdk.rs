//! Any AWS SDK client pointed at the emulator (or at a proxy in front of it), built from one
//! shared configuration: fixed test credentials, no retries, a region that defaults to
//! us-east-1. Tests read the account through these behind strata's back.

use super::moto::MotoSession;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::{Credentials, SharedCredentialsProvider};

/// The region every test deploys to unless it says otherwise.
pub const REGION: &str = "us-east-1";

/// The shared SDK configuration for `endpoint` in `region`.
pub fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .build()
}

/// An SDK client that can be built from the shared configuration.
pub trait EmulatorClient {
    /// The client for `config`.
    fn from_sdk(config: &SdkConfig) -> Self;
}

macro_rules! emulator_clients {
    ($($krate:ident),* $(,)?) => {
        $(impl EmulatorClient for $krate::Client {
            fn from_sdk(config: &SdkConfig) -> Self {
                $krate::Client::new(config)
            }
        })*
    };
}

emulator_clients!(
    aws_sdk_ec2,
    aws_sdk_iam,
    aws_sdk_elasticloadbalancingv2,
    aws_sdk_cloudfront,
    aws_sdk_efs,
    aws_sdk_ssm,
    aws_sdk_ecs,
    aws_sdk_applicationautoscaling,
    aws_sdk_rds,
    aws_sdk_elasticache,
    aws_sdk_wafv2,
    aws_sdk_cloudwatchlogs,
    aws_sdk_secretsmanager,
    aws_sdk_budgets,
);

/// A client of type `C` talking to `endpoint` in `region`.
pub fn client_at<C: EmulatorClient>(endpoint: &str, region: &str) -> C {
    C::from_sdk(&sdk_config(endpoint, region))
}

impl MotoSession {
    /// A client of type `C` talking to the emulator in us-east-1.
    pub fn client<C: EmulatorClient>(&self) -> C {
        client_at(&self.endpoint, REGION)
    }

    /// The EC2 client.
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        self.client()
    }

    /// The IAM client.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.client()
    }

    /// The ELBv2 client.
    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        self.client()
    }

    /// The CloudFront client.
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        self.client()
    }

    /// The EFS client.
    pub fn efs(&self) -> aws_sdk_efs::Client {
        self.client()
    }

    /// The SSM client.
    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        self.client()
    }
}
