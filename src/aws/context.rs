//! The AWS session: settings from the command line and the environment, one SDK config and one
//! client per service, built lazily on first use and shared by every kind.
//!
//! Retries: the SDK's are switched off and the engine retries from classified errors
//! (`provider::retry`), so the two are never stacked. Timeouts are set so that a hung call
//! fails instead of stalling a run.
//!
//! Pacing: EC2 calls wait for a token of AWS's documented rate buckets before they are sent
//! (`aws::pacing`), so large applies slow down instead of being throttled. On by default with
//! AWS's numbers; [`Aws::with_pacing`] changes or disables it.

use super::pacing::transport::{sdk_http_client, NameOperation, PacedHttpClient};
use super::pacing::{Pacer, PacingConfig, PacingError};
use super::stats::CountCalls;
use crate::provider::{CallStats, ErrorClass, ProviderError};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `--profile` (else AWS_PROFILE / the default profile).
    pub profile: Option<String>,
    /// `--region`, else the tier's or stack's `region` (else AWS_REGION / the profile's).
    pub region: Option<String>,
    /// An endpoint for every service (moto in tests). Without it, `AWS_ENDPOINT_URL` from the
    /// environment is honoured by the SDK itself.
    pub endpoint_url: Option<String>,
    /// Fixed credentials (tests against moto); otherwise the standard chain: environment,
    /// shared profiles, SSO, process, instance metadata.
    pub static_credentials: Option<(String, String)>,
    /// Per-attempt timeout of one API call.
    pub call_timeout: Option<Duration>,
    /// Items per page of the paginated list/describe calls, instead of each call's default
    /// (a testing and tuning knob: small pages make the pagination loops run against moto).
    /// Clamped to what each API accepts.
    pub page_size: Option<i32>,
}

// The environment variable that sets `AwsSettings::page_size`.
const PAGE_SIZE_VAR: &str = "STRATA_AWS_PAGE_SIZE";

impl AwsSettings {
    /// Default settings, with the page size taken from `STRATA_AWS_PAGE_SIZE` when it holds a
    /// positive whole number (anything else leaves each call's default).
    pub fn from_environment() -> Self {
        AwsSettings {
            page_size: std::env::var(PAGE_SIZE_VAR)
                .ok()
                .and_then(|v| v.trim().parse::<i32>().ok())
                .filter(|n| *n > 0),
            ..AwsSettings::default()
        }
    }
}

/// A lazily connected AWS session shared by every resource kind.
#[derive(Debug)]
pub struct Aws {
    settings: Option<AwsSettings>,
    stats: CallStats,
    pacer: Option<Arc<Pacer>>,
    config: OnceCell<SdkConfig>,
    ec2: OnceCell<aws_sdk_ec2::Client>,
    iam: OnceCell<aws_sdk_iam::Client>,
    elbv2: OnceCell<aws_sdk_elasticloadbalancingv2::Client>,
    cloudfront: OnceCell<aws_sdk_cloudfront::Client>,
    efs: OnceCell<aws_sdk_efs::Client>,
    ssm: OnceCell<aws_sdk_ssm::Client>,
    ecs: OnceCell<aws_sdk_ecs::Client>,
    appautoscaling: OnceCell<aws_sdk_applicationautoscaling::Client>,
    rds: OnceCell<aws_sdk_rds::Client>,
    elasticache: OnceCell<aws_sdk_elasticache::Client>,
    wafv2: OnceCell<aws_sdk_wafv2::Client>,
    logs: OnceCell<aws_sdk_cloudwatchlogs::Client>,
    secretsmanager: OnceCell<aws_sdk_secretsmanager::Client>,
    budgets: OnceCell<aws_sdk_budgets::Client>,
    tagging: OnceCell<aws_sdk_resourcegroupstagging::Client>,
    global_tagging: OnceCell<aws_sdk_resourcegroupstagging::Client>,
    sts: OnceCell<aws_sdk_sts::Client>,
    /// The account of the credentials, asked once (STS GetCallerIdentity).
    account_id: OnceCell<String>,
    /// Set once the `--profile` named has been found in the shared files.
    profile_found: OnceCell<()>,
}

macro_rules! client {
    ($name:ident, $field:ident, $krate:ident) => {
        /// The shared client of this service, built on first use.
        pub async fn $name(&self) -> Result<&$krate::Client, ProviderError> {
            let config = self.sdk_config().await?;
            let stats = self.stats.clone();
            Ok(self
                .$field
                .get_or_init(|| async move {
                    let conf = $krate::config::Builder::from(config)
                        .interceptor(CountCalls::new(stats))
                        .build();
                    $krate::Client::from_conf(conf)
                })
                .await)
        }
    };
}

impl Aws {
    /// A session that will connect with these settings when first used.
    pub fn new(settings: AwsSettings, stats: CallStats) -> Self {
        Self::build(Some(settings), stats)
    }

    /// A session that never connects: every call fails with `Unsupported`. Used where only
    /// schemas are needed (validate, offline plans).
    pub fn offline() -> Self {
        Self::build(None, CallStats::default())
    }

    fn build(settings: Option<AwsSettings>, stats: CallStats) -> Self {
        Aws {
            settings,
            stats,
            pacer: Pacer::new(&PacingConfig::default()).ok().map(Arc::new),
            config: OnceCell::new(),
            ec2: OnceCell::new(),
            iam: OnceCell::new(),
            elbv2: OnceCell::new(),
            cloudfront: OnceCell::new(),
            efs: OnceCell::new(),
            ssm: OnceCell::new(),
            ecs: OnceCell::new(),
            appautoscaling: OnceCell::new(),
            rds: OnceCell::new(),
            elasticache: OnceCell::new(),
            wafv2: OnceCell::new(),
            logs: OnceCell::new(),
            secretsmanager: OnceCell::new(),
            budgets: OnceCell::new(),
            tagging: OnceCell::new(),
            global_tagging: OnceCell::new(),
            sts: OnceCell::new(),
            account_id: OnceCell::new(),
            profile_found: OnceCell::new(),
        }
    }

    /// The same session with EC2 calls paced by `config`'s buckets, or not paced at all (`None`;
    /// tests that must not wait). Call before the first AWS call: clients keep the pacer they
    /// were built with.
    pub fn with_pacing(mut self, config: Option<PacingConfig>) -> Result<Self, PacingError> {
        self.pacer = config.map(|c| Pacer::new(&c)).transpose()?.map(Arc::new);
        Ok(self)
    }

    /// The pacer of EC2 calls, unless pacing is off.
    pub fn pacer(&self) -> Option<&Pacer> {
        self.pacer.as_deref()
    }

    /// The shared EC2 client, built on first use, paced unless pacing is off.
    pub async fn ec2(&self) -> Result<&aws_sdk_ec2::Client, ProviderError> {
        let config = self.sdk_config().await?;
        let stats = self.stats.clone();
        let pacer = self.pacer.clone();
        Ok(self
            .ec2
            .get_or_init(|| async move {
                let mut conf =
                    aws_sdk_ec2::config::Builder::from(config).interceptor(CountCalls::new(stats));
                let http = match &pacer {
                    Some(_) => sdk_http_client(config).await,
                    None => None,
                };
                // Without an HTTP client there is nothing to wrap; the SDK then fails every call
                // with its own clear error anyway.
                if let (Some(pacer), Some(http)) = (pacer, http) {
                    conf = conf
                        .interceptor(NameOperation)
                        .http_client(PacedHttpClient::new(http, pacer));
                }
                aws_sdk_ec2::Client::from_conf(conf.build())
            })
            .await)
    }

    /// The page size of one paginated call: the `page_size` setting clamped to what the API
    /// accepts (`limits`), else the call's own `default` (`None`: let AWS choose).
    pub fn page_size(&self, default: Option<i32>, limits: RangeInclusive<i32>) -> Option<i32> {
        let setting = self.settings.as_ref().and_then(|s| s.page_size);
        setting
            .map(|n| n.clamp(*limits.start(), *limits.end()))
            .or(default)
    }

    /// The call counters.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// The region in use, once connected.
    pub async fn region(&self) -> Result<String, ProviderError> {
        let config = self.sdk_config().await?;
        Ok(config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into()))
    }

    /// The shared SDK configuration, loaded on first use (for clients built outside this
    /// file, such as Cost Explorer's fixed-region one).
    pub(crate) async fn sdk_config(&self) -> Result<&SdkConfig, ProviderError> {
        let Some(settings) = &self.settings else {
            return Err(ProviderError::new(
                ErrorClass::Unsupported,
                "connect",
                "this command runs offline and does not talk to AWS",
            ));
        };
        let config = self
            .config
            .get_or_init(|| async move {
                let timeout = settings.call_timeout.unwrap_or(Duration::from_secs(30));
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(RetryConfig::disabled())
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(10))
                            .operation_attempt_timeout(timeout)
                            .build(),
                    );
                if let Some(p) = &settings.profile {
                    loader = loader.profile_name(p);
                }
                if let Some(r) = &settings.region {
                    loader = loader.region(Region::new(r.clone()));
                }
                if let Some(url) = &settings.endpoint_url {
                    loader = loader.endpoint_url(url);
                }
                if let Some((key, secret)) = &settings.static_credentials {
                    loader = loader.credentials_provider(aws_sdk_ec2::config::Credentials::new(
                        key,
                        secret,
                        None,
                        None,
                        "strata-static",
                    ));
                }
                loader.load().await
            })
            .await;
        // Before the first call: the SDK's own report of a missing profile names neither it
        // nor where profiles come from.
        // Checked once per session: every client access comes through here.
        if let Some(profile) = &settings.profile {
            self.profile_found
                .get_or_try_init(|| async { super::profiles::check_profile(profile) })
                .await?;
        }
        if config.region().is_none() {
            return Err(ProviderError::new(
                ErrorClass::InvalidInput,
                "connect",
                "no AWS region: pass --region, set `region` in the stack or tier, or set AWS_REGION",
            ));
        }
        Ok(config)
    }

    client!(iam, iam, aws_sdk_iam);
    client!(elbv2, elbv2, aws_sdk_elasticloadbalancingv2);
    client!(cloudfront, cloudfront, aws_sdk_cloudfront);
    client!(efs, efs, aws_sdk_efs);
    client!(ssm, ssm, aws_sdk_ssm);
    client!(ecs, ecs, aws_sdk_ecs);
    client!(
        appautoscaling,
        appautoscaling,
        aws_sdk_applicationautoscaling
    );
    client!(rds, rds, aws_sdk_rds);
    client!(elasticache, elasticache, aws_sdk_elasticache);
    client!(wafv2, wafv2, aws_sdk_wafv2);
    client!(logs, logs, aws_sdk_cloudwatchlogs);
    client!(secretsmanager, secretsmanager, aws_sdk_secretsmanager);
    client!(budgets, budgets, aws_sdk_budgets);
    // The region's Resource Groups Tagging API: tags of many resources (by ARN list or tag
    // filter) in one call per page, for services whose describe omits tags.
    client!(tagging, tagging, aws_sdk_resourcegroupstagging);
    client!(sts, sts, aws_sdk_sts);

    /// The id of the account the credentials belong to (STS `GetCallerIdentity`, asked once
    /// per session): account-wide APIs such as Budgets take it in every call.
    pub async fn account_id(&self) -> Result<&str, ProviderError> {
        const OP: &str = "sts:GetCallerIdentity";
        let sts = self.sts().await?;
        self.account_id
            .get_or_try_init(|| async {
                let me = sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| super::errors::classify(OP, e))?;
                me.account().map(str::to_string).ok_or_else(|| {
                    ProviderError::new(ErrorClass::Other, OP, "no account id in the answer")
                })
            })
            .await
            .map(String::as_str)
    }

    /// The Resource Groups Tagging API client of `us-east-1`, built on first use: AWS reports
    /// CloudFront's global resources there only, whatever the session's region.
    pub async fn global_tagging(
        &self,
    ) -> Result<&aws_sdk_resourcegroupstagging::Client, ProviderError> {
        let config = self.sdk_config().await?;
        let stats = self.stats.clone();
        Ok(self
            .global_tagging
            .get_or_init(|| async move {
                let conf = aws_sdk_resourcegroupstagging::config::Builder::from(config)
                    .region(Region::new(GLOBAL_REGION))
                    .interceptor(CountCalls::new(stats))
                    .build();
                aws_sdk_resourcegroupstagging::Client::from_conf(conf)
            })
            .await)
    }
}

/// The region of AWS's global services (CloudFront, and the tagging API's view of it).
const GLOBAL_REGION: &str = "us-east-1";

#[cfg(test)]
mod tests {
    use super::*;

    fn with_page_size(page_size: Option<i32>) -> Aws {
        Aws::new(
            AwsSettings {
                page_size,
                ..AwsSettings::default()
            },
            CallStats::default(),
        )
    }

    #[test]
    fn page_size_is_the_setting_within_the_api_limits_else_the_default() {
        assert_eq!(
            with_page_size(None).page_size(Some(100), 1..=100),
            Some(100)
        );
        assert_eq!(with_page_size(None).page_size(None, 5..=1000), None);
        assert_eq!(with_page_size(Some(7)).page_size(None, 5..=1000), Some(7));
        assert_eq!(
            with_page_size(Some(7)).page_size(Some(1000), 1..=1000),
            Some(7)
        );
        // EC2 refuses fewer than 5, ELBv2 more than 400.
        assert_eq!(with_page_size(Some(2)).page_size(None, 5..=1000), Some(5));
        assert_eq!(
            with_page_size(Some(900)).page_size(Some(400), 1..=400),
            Some(400)
        );
        assert_eq!(Aws::offline().page_size(Some(400), 1..=400), Some(400));
    }
}
