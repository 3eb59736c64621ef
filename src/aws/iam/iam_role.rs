//! `iam_role`: an IAM role with its trust policy and permissions.

use crate::aws::shapes::string_list;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An IAM role (`CreateRole`, `PutRolePolicy`, `AttachRolePolicy`).
pub struct IamRole {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl IamRole {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        IamRole { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "iam_role",
        "An IAM role: who may assume it and what it may do",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Role name, unique in the account; derived from the deployment and resource names when unset"),
    )
    // UpdateAssumeRolePolicy changes the trust policy of a live role.
    .attr(
        AttrSchema::any("assume_role_policy")
            .required()
            .doc("Trust policy document (a table in IAM policy JSON shape, or a JSON string)"),
    )
    .attr(
        AttrSchema::map("inline_policies", AttrType::Any)
            .doc("Inline policies: policy name -> policy document"),
    )
    .attr(
        string_list("managed_policy_arns")
            .doc("ARNs of managed policies attached to the role"),
    )
    // IAM has no API to move a role to another path.
    .attr(
        AttrSchema::string("path")
            .replace()
            .doc("Path of the role (default /)"),
    )
    .attr(AttrSchema::string("description").doc("Description of the role"))
    .attr(
        AttrSchema::int("max_session_duration")
            .doc("Longest session, in seconds, for assumed-role credentials (3600 to 43200)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the role"))
    .attr(
        AttrSchema::computed("unique_id", AttrType::String)
            .doc("Stable unique id of the role (AROA...)"),
    )
});

crate::pending_kind!(IamRole, SCHEMA);
