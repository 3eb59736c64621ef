//! An SDK interceptor that counts every API call by service and operation.

use crate::provider::CallStats;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts each operation once per call (the SDK's own retries are off, so a call is an attempt).
#[derive(Debug)]
pub struct CountCalls {
    stats: CallStats,
}

impl CountCalls {
    /// An interceptor counting into `stats`.
    pub fn new(stats: CallStats) -> Self {
        CountCalls { stats }
    }
}

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "strata::CountCalls"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(meta) => self.stats.record(&format!(
                "{}:{}",
                service_prefix(meta.service()),
                meta.name()
            )),
            None => self.stats.record("unknown:operation"),
        }
        Ok(())
    }
}

/// `EC2` → `ec2`, `Elastic Load Balancing v2` → `elbv2`: short prefixes for reports.
fn service_prefix(service: &str) -> String {
    match service.to_ascii_lowercase().as_str() {
        s if s.contains("elastic load balancing") || s.contains("elasticloadbalancing") => {
            "elbv2".into()
        }
        s if s.contains("cloudfront") => "cloudfront".into(),
        s if s.contains("efs") || s.contains("elastic file system") => "efs".into(),
        s if s.contains("resource groups tagging") => "tagging".into(),
        s => s.replace(' ', ""),
    }
}
