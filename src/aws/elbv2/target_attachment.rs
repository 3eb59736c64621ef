//! `target_attachment`: one target registered in a target group.

use crate::aws::Aws;
use crate::provider::{AttrSchema, KindSchema};
use std::sync::{Arc, LazyLock};

/// A registered target (`RegisterTargets`). It has no AWS id of its own; `id` is
/// `TARGET_GROUP_ARN:TARGET_ID:PORT`. Registrations cannot be modified, only replaced.
pub struct TargetAttachment {
    #[allow(dead_code)] // used once the kind's AWS calls are written
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
            .required()
            .replace()
            .doc("ARN of the target group"),
    )
    .attr(
        AttrSchema::string("target_id")
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

crate::pending_kind!(TargetAttachment, SCHEMA);
