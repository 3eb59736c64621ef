//! `target_attachment`: one target registered in a target group.

use crate::aws::attrs::{int_of, put_int, put_str, required_str, str_of};
use crate::aws::errors::classify;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource, Owner, ProviderError,
    ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthStateEnum};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A registered target (`RegisterTargets`). It has no AWS id of its own; `id` is
/// `TARGET_GROUP_ARN|TARGET_ID|PORT` (`|` because ARNs contain `:`; PORT is empty when the
/// target group's port is used). Registrations cannot be modified, only replaced.
pub struct TargetAttachment {
    aws: Arc<Aws>,
}

impl TargetAttachment {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        TargetAttachment { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "target_attachment",
        "A target (instance, IP or function) registered in a target group",
    )
    .attr(
        AttrSchema::string("target_group_arn")
            .refers_to(&["target_group"])
            .required()
            .replace()
            .doc("ARN of the target group"),
    )
    .attr(
        AttrSchema::string("target_id")
            .refers_to(&["instance"])
            .required()
            .replace()
            .doc("Instance id, IP address or Lambda ARN of the target"),
    )
    .attr(
        AttrSchema::int("port")
            .replace()
            .doc("Port on the target; the target group's port when unset"),
    )
});

/// The parts of an attachment id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentId {
    /// ARN of the target group.
    pub target_group_arn: String,
    /// Instance id, IP address or Lambda ARN.
    pub target_id: String,
    /// Port on the target, `None` for the target group's port.
    pub port: Option<i32>,
}

impl AttachmentId {
    /// Parse `TARGET_GROUP_ARN|TARGET_ID|PORT`.
    pub fn parse(id: &str) -> Option<Self> {
        let mut parts = id.split('|');
        let (tg, target, port) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || tg.is_empty() || target.is_empty() {
            return None;
        }
        let port = if port.is_empty() {
            None
        } else {
            Some(port.parse().ok()?)
        };
        Some(AttachmentId {
            target_group_arn: tg.to_string(),
            target_id: target.to_string(),
            port,
        })
    }

    /// The id string.
    pub fn render(&self) -> String {
        format!(
            "{}|{}|{}",
            self.target_group_arn,
            self.target_id,
            self.port.map(|p| p.to_string()).unwrap_or_default()
        )
    }

    fn description(&self) -> TargetDescription {
        TargetDescription::builder()
            .id(&self.target_id)
            .set_port(self.port)
            .build()
    }
}

#[async_trait]
impl ResourceKind for TargetAttachment {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "elbv2:DescribeTargetHealth";
        let ids = match selector {
            Selector::Ids(ids) => ids,
            // Registrations carry no tags: nothing can be found by them.
            Selector::Tags(_) => return Ok(Vec::new()),
        };
        let elb = self.aws.elbv2().await?;
        // One call per target group, however many attachments it has (DescribeTargetHealth
        // takes one group and does not paginate).
        let mut by_group: BTreeMap<String, Vec<(String, AttachmentId)>> = BTreeMap::new();
        for id in ids {
            if let Some(parsed) = AttachmentId::parse(id) {
                by_group
                    .entry(parsed.target_group_arn.clone())
                    .or_default()
                    .push((id.clone(), parsed));
            }
        }
        let mut out = Vec::new();
        for (group, wanted) in by_group {
            let answer = match elb
                .describe_target_health()
                .target_group_arn(&group)
                .send()
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    let err = classify(OP, e);
                    if err.class == ErrorClass::NotFound {
                        continue;
                    }
                    return Err(err);
                }
            };
            for (id, parsed) in wanted {
                let registered = answer.target_health_descriptions().iter().find(|d| {
                    let Some(t) = d.target() else { return false };
                    // A draining target is on its way out: it no longer counts as attached.
                    let draining = d
                        .target_health()
                        .and_then(|h| h.state())
                        .is_some_and(|s| *s == TargetHealthStateEnum::Draining);
                    t.id() == Some(parsed.target_id.as_str())
                        && (parsed.port.is_none() || t.port() == parsed.port)
                        && !draining
                });
                let Some(d) = registered else { continue };
                let mut attrs = Attrs::new();
                put_str(
                    &mut attrs,
                    "target_group_arn",
                    Some(&parsed.target_group_arn),
                );
                put_str(&mut attrs, "target_id", Some(&parsed.target_id));
                put_int(
                    &mut attrs,
                    "port",
                    d.target().and_then(|t| t.port()).map(i64::from),
                );
                out.push(LiveResource {
                    id,
                    attrs,
                    tags: BTreeMap::new(),
                });
            }
        }
        Ok(out)
    }

    /// The target group, the target and the port (empty for the group's port): what
    /// `RegisterTargets` registers, so at most one registration has it.
    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        let port = int_of(attrs, "port")
            .map(|p| p.to_string())
            .unwrap_or_default();
        Some(BTreeMap::from([
            (
                "target_group_arn".to_string(),
                str_of(attrs, "target_group_arn")?.to_string(),
            ),
            (
                "target_id".to_string(),
                str_of(attrs, "target_id")?.to_string(),
            ),
            ("port".to_string(), port),
        ]))
    }

    /// One `DescribeTargetHealth` call on the identity's target group.
    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let field = |name: &str| identity.get(name).map(String::as_str).unwrap_or_default();
        let rendered = format!(
            "{}|{}|{}",
            field("target_group_arn"),
            field("target_id"),
            field("port")
        );
        // Anything that is not an attachment identity names no attachment.
        if AttachmentId::parse(&rendered).is_none() {
            return Ok(Vec::new());
        }
        self.read(std::slice::from_ref(&rendered)).await
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:RegisterTargets";
        let elb = self.aws.elbv2().await?;
        let port = match int_of(req.attrs, "port") {
            Some(p) => Some(i32::try_from(p).map_err(|_| {
                ProviderError::invalid(OP, format!("`port` is out of range: {p}")).at(req.address)
            })?),
            None => None,
        };
        let id = AttachmentId {
            target_group_arn: required_str(req.attrs, "target_group_arn", OP)?.to_string(),
            target_id: required_str(req.attrs, "target_id", OP)?.to_string(),
            port,
        };
        // Registering an already registered target is a no-op for AWS: retries are safe.
        elb.register_targets()
            .target_group_arn(&id.target_group_arn)
            .targets(id.description())
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let rendered = id.render();
        Ok(self
            .read(std::slice::from_ref(&rendered))
            .await?
            .pop()
            .unwrap_or_else(|| LiveResource {
                id: rendered,
                attrs: req.attrs.clone(),
                tags: BTreeMap::new(),
            }))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let names = req.changed.join("`, `");
        Err(ProviderError::new(
            ErrorClass::Unsupported,
            "elbv2:RegisterTargets",
            format!("a target registration cannot change in place (`{names}`); it is replaced"),
        )
        .at(req.address))
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "elbv2:DeregisterTargets";
        let parsed = AttachmentId::parse(id).ok_or_else(|| {
            ProviderError::invalid(
                OP,
                format!("`{id}` is not a target attachment id (TARGET_GROUP_ARN|TARGET_ID|PORT)"),
            )
        })?;
        let elb = self.aws.elbv2().await?;
        match elb
            .deregister_targets()
            .target_group_arn(&parsed.target_group_arn)
            .targets(parsed.description())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify(OP, e);
                // Group gone, or the target no longer registered (or no longer existing).
                if err.class == ErrorClass::NotFound || err.code.as_deref() == Some("InvalidTarget")
                {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_with_and_without_port() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/abc";
        let with = AttachmentId::parse(&format!("{arn}|i-0abc|8080")).expect("parses");
        assert_eq!(with.target_group_arn, arn);
        assert_eq!(with.port, Some(8080));
        assert_eq!(with.render(), format!("{arn}|i-0abc|8080"));
        let without = AttachmentId::parse(&format!("{arn}|10.0.0.5|")).expect("parses");
        assert_eq!(without.port, None);
        assert_eq!(without.render(), format!("{arn}|10.0.0.5|"));
        assert!(AttachmentId::parse("no-pipes").is_none());
        assert!(AttachmentId::parse(&format!("{arn}|i-1|x")).is_none());
        assert!(AttachmentId::parse(&format!("{arn}|i-1|80|extra")).is_none());
    }
}
