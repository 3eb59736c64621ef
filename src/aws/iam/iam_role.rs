//! `iam_role`: an IAM role with its trust policy and permissions.
//!
//! The id is the role name. IAM has no multi-get, so `describe` lists the account's roles and keeps
//! the wanted ones: `GetAccountAuthorizationDetails` (filter `Role`) gives trust policy, tags,
//! inline and attached managed policies in one call per page, and `ListRoles` adds the
//! description and session duration, also one call per page. Neither costs a call per role.
//!
//! Attributes equal to IAM's defaults (path `/`, no policies, one-hour sessions, no
//! description) are left out of what is read, so that a configuration that does not set them
//! shows no drift.

use super::common::{ok_if_gone, policy_json, policy_value, PAGE, PAGE_LIMITS};
use crate::aws::attrs::{int_of, put_int, put_str, put_str_list, str_list, str_of, table};
use crate::aws::errors::classify;
use crate::aws::names;
use crate::aws::paging::each_page;
use crate::aws::shapes::string_list;
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_iam::types::EntityType;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// IAM role names are at most 64 characters.
const NAME_MAX: usize = 64;
/// IAM's default session duration, left out of reads.
const DEFAULT_SESSION: i64 = 3600;

/// An IAM role (`CreateRole`, `PutRolePolicy`, `AttachRolePolicy`).
pub struct IamRole {
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
        string_list("managed_policy_arns").unordered()
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
            .range(3600, 43200)
            .doc("Longest session, in seconds, for assumed-role credentials (3600 to 43200)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the role"))
    .attr(
        AttrSchema::computed("unique_id", AttrType::String)
            .doc("Stable unique id of the role (AROA...)"),
    )
});

#[async_trait]
impl ResourceKind for IamRole {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    /// Every selected role: one `GetAccountAuthorizationDetails` call per page (IAM has no
    /// batch get by name nor a tag filter, so the roles are listed and the selected kept), then
    /// one `ListRoles` call per page when anything was kept.
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let wanted: BTreeSet<&str> = match selector {
            Selector::Ids(ids) => ids.iter().map(String::as_str).collect(),
            Selector::Tags(_) => BTreeSet::new(),
        };
        let keep = |name: &str, tags: &BTreeMap<String, String>| match selector {
            Selector::Ids(_) => wanted.contains(name),
            Selector::Tags(want) => want.iter().all(|(k, v)| tags.get(k) == Some(v)),
        };
        let iam = self.aws.iam().await?;
        let mut found: BTreeMap<String, LiveResource> = BTreeMap::new();
        let pages = iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .set_max_items(self.aws.page_size(Some(PAGE), PAGE_LIMITS))
            .into_paginator()
            .send();
        each_page("iam:GetAccountAuthorizationDetails", pages, |page| {
            for role in page.role_detail_list() {
                let Some(name) = role.role_name() else {
                    continue;
                };
                let tags = tag_map(role.tags());
                if keep(name, &tags) {
                    found.insert(name.to_string(), live_of(role, name, tags));
                }
            }
        })
        .await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        // Description and session duration are only in ListRoles (and GetRole, per role).
        let pages = iam
            .list_roles()
            .set_max_items(self.aws.page_size(Some(PAGE), PAGE_LIMITS))
            .into_paginator()
            .send();
        each_page("iam:ListRoles", pages, |page| {
            for role in page.roles() {
                let Some(live) = found.get_mut(role.role_name()) else {
                    continue;
                };
                put_str(
                    &mut live.attrs,
                    "description",
                    role.description().filter(|d| !d.is_empty()),
                );
                put_int(
                    &mut live.attrs,
                    "max_session_duration",
                    role.max_session_duration()
                        .map(i64::from)
                        .filter(|s| *s != DEFAULT_SESSION),
                );
            }
        })
        .await?;
        Ok(found.into_values().collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "iam:CreateRole";
        let iam = self.aws.iam().await?;
        let attrs = req.attrs;
        let name = match str_of(attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, NAME_MAX),
        };
        let trust = attrs.get("assume_role_policy").ok_or_else(|| {
            ProviderError::invalid(OP, "`assume_role_policy` must be set").at(req.address)
        })?;
        let mut call = iam
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(
                policy_json(trust, "assume_role_policy", OP).map_err(|e| e.at(req.address))?,
            )
            .set_tags(Some(tag_list(req.tags)));
        if let Some(p) = str_of(attrs, "path") {
            call = call.path(p);
        }
        if let Some(d) = str_of(attrs, "description") {
            call = call.description(d);
        }
        if let Some(s) = int_of(attrs, "max_session_duration") {
            call = call.max_session_duration(session_i32(s, OP)?);
        }
        if let Err(e) = call.send().await {
            let err = classify(OP, e).at(req.address);
            // No idempotency token exists for roles: a run killed right after CreateRole finds
            // the role on its retry, and adopts it only when it carries this resource's tags.
            if err.code.as_deref() != Some("EntityAlreadyExists") || !self.ours(&name, req).await? {
                return Err(err);
            }
        }
        for (policy, doc) in table(attrs, "inline_policies").into_iter().flatten() {
            self.put_inline(&name, policy, doc)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        for arn in str_list(attrs, "managed_policy_arns") {
            self.attach(&name, &arn)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut live = self.read(std::slice::from_ref(&name)).await?;
        Ok(live.pop().unwrap_or_else(|| LiveResource {
            id: name.clone(),
            attrs: Attrs::from([("name".to_string(), Value::str(&name))]),
            tags: req.tags.clone(),
        }))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let iam = self.aws.iam().await?;
        let name = req.id;
        let mut role_fields = false;
        for attr in req.changed {
            match attr.as_str() {
                "assume_role_policy" => {
                    const OP: &str = "iam:UpdateAssumeRolePolicy";
                    let doc = req.after.get(attr).ok_or_else(|| {
                        ProviderError::invalid(OP, "`assume_role_policy` must be set")
                    })?;
                    iam.update_assume_role_policy()
                        .role_name(name)
                        .policy_document(policy_json(doc, attr, OP)?)
                        .send()
                        .await
                        .map_err(|e| classify(OP, e).at(req.address))?;
                }
                "description" | "max_session_duration" => role_fields = true,
                "inline_policies" => self
                    .sync_inline(name, req.before, req.after)
                    .await
                    .map_err(|e| e.at(req.address))?,
                "managed_policy_arns" => self
                    .sync_managed(name, req.before, req.after)
                    .await
                    .map_err(|e| e.at(req.address))?,
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "iam:UpdateRole",
                        format!("changing `{other}` of an IAM role in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        if role_fields {
            const OP: &str = "iam:UpdateRole";
            // An empty description clears it; an unset session duration goes back to IAM's default.
            let session = int_of(req.after, "max_session_duration").unwrap_or(DEFAULT_SESSION);
            iam.update_role()
                .role_name(name)
                .description(str_of(req.after, "description").unwrap_or(""))
                .max_session_duration(session_i32(session, OP)?)
                .send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
        }
        let have = self
            .read(&[name.to_string()])
            .await?
            .pop()
            .map(|l| l.tags)
            .unwrap_or_default();
        self.sync_tags(name, &have, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        let mut resource = self.read(&[name.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "iam:ListRoles",
                "the role disappeared during the update",
            )
            .at(req.address)
        })?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    /// IAM refuses to delete a role that still has policies or sits in an instance profile
    /// (`DeleteConflict`), so those are detached first, as AWS requires.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let iam = self.aws.iam().await?;
        ok_if_gone(self.detach_everything(id).await)?;
        ok_if_gone(
            iam.delete_role()
                .role_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("iam:DeleteRole", e)),
        )
    }
}

impl IamRole {
    /// Whether the existing role `name` carries this resource's `strata:*` tags.
    async fn ours(&self, name: &str, req: &CreateRequest<'_>) -> Result<bool, ProviderError> {
        let live = self.read(&[name.to_string()]).await?;
        let same = |tags: &BTreeMap<String, String>, key: &str| tags.get(key) == req.tags.get(key);
        Ok(live.first().is_some_and(|l| {
            same(&l.tags, "strata:deployment")
                && same(&l.tags, "strata:address")
                && same(&l.tags, "strata:lineage")
        }))
    }

    async fn put_inline(&self, role: &str, policy: &str, doc: &Value) -> Result<(), ProviderError> {
        const OP: &str = "iam:PutRolePolicy";
        let iam = self.aws.iam().await?;
        iam.put_role_policy()
            .role_name(role)
            .policy_name(policy)
            .policy_document(policy_json(doc, &format!("inline_policies.{policy}"), OP)?)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(())
    }

    async fn attach(&self, role: &str, arn: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:AttachRolePolicy";
        let iam = self.aws.iam().await?;
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(())
    }

    async fn detach(&self, role: &str, arn: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:DetachRolePolicy";
        let iam = self.aws.iam().await?;
        ok_if_gone(
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify(OP, e)),
        )
    }

    async fn delete_inline(&self, role: &str, policy: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:DeleteRolePolicy";
        let iam = self.aws.iam().await?;
        ok_if_gone(
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify(OP, e)),
        )
    }

    /// Put new and changed inline policies, delete the ones no longer wanted.
    async fn sync_inline(
        &self,
        role: &str,
        before: &Attrs,
        after: &Attrs,
    ) -> Result<(), ProviderError> {
        let old = table(before, "inline_policies")
            .cloned()
            .unwrap_or_default();
        let new = table(after, "inline_policies").cloned().unwrap_or_default();
        for (policy, doc) in &new {
            if old.get(policy) != Some(doc) {
                self.put_inline(role, policy, doc).await?;
            }
        }
        for policy in old.keys().filter(|p| !new.contains_key(*p)) {
            self.delete_inline(role, policy).await?;
        }
        Ok(())
    }

    /// Attach new managed policies, detach the ones no longer wanted.
    async fn sync_managed(
        &self,
        role: &str,
        before: &Attrs,
        after: &Attrs,
    ) -> Result<(), ProviderError> {
        let old: BTreeSet<String> = str_list(before, "managed_policy_arns")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = str_list(after, "managed_policy_arns").into_iter().collect();
        for arn in new.difference(&old) {
            self.attach(role, arn).await?;
        }
        for arn in old.difference(&new) {
            self.detach(role, arn).await?;
        }
        Ok(())
    }

    async fn sync_tags(
        &self,
        role: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let iam = self.aws.iam().await?;
        let (set, remove) = tag_changes(have, want);
        if !set.is_empty() {
            const OP: &str = "iam:TagRole";
            iam.tag_role()
                .role_name(role)
                .set_tags(Some(tag_list(&set)))
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        }
        if !remove.is_empty() {
            iam.untag_role()
                .role_name(role)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| classify("iam:UntagRole", e))?;
        }
        Ok(())
    }

    /// Detach managed policies, delete inline ones and take the role out of its instance
    /// profiles. What is attached is listed live (the recorded attributes may be stale).
    async fn detach_everything(&self, role: &str) -> Result<(), ProviderError> {
        let iam = self.aws.iam().await?;
        let pages = iam
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .send();
        let mut managed = Vec::new();
        each_page("iam:ListAttachedRolePolicies", pages, |page| {
            managed.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            )
        })
        .await?;
        for arn in managed {
            self.detach(role, &arn).await?;
        }
        let pages = iam
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .send();
        let mut inline = Vec::new();
        each_page("iam:ListRolePolicies", pages, |page| {
            inline.extend(page.policy_names().iter().cloned())
        })
        .await?;
        for policy in inline {
            self.delete_inline(role, &policy).await?;
        }
        let pages = iam
            .list_instance_profiles_for_role()
            .role_name(role)
            .into_paginator()
            .send();
        let mut profiles = Vec::new();
        each_page("iam:ListInstanceProfilesForRole", pages, |page| {
            profiles.extend(
                page.instance_profiles()
                    .iter()
                    .map(|p| p.instance_profile_name().to_string()),
            )
        })
        .await?;
        for profile in profiles {
            ok_if_gone(
                iam.remove_role_from_instance_profile()
                    .instance_profile_name(&profile)
                    .role_name(role)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify("iam:RemoveRoleFromInstanceProfile", e)),
            )?;
        }
        Ok(())
    }
}

/// A session duration as IAM's 32-bit integer.
fn session_i32(seconds: i64, op: &str) -> Result<i32, ProviderError> {
    i32::try_from(seconds).map_err(|_| {
        ProviderError::invalid(
            op,
            format!("`max_session_duration` {seconds} is out of range (3600 to 43200)"),
        )
    })
}

/// A role as `GetAccountAuthorizationDetails` reports it (description and session duration
/// come from `ListRoles`).
fn live_of(
    role: &aws_sdk_iam::types::RoleDetail,
    name: &str,
    tags: BTreeMap<String, String>,
) -> LiveResource {
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(name));
    put_str(&mut attrs, "arn", role.arn());
    put_str(&mut attrs, "unique_id", role.role_id());
    put_str(&mut attrs, "path", role.path().filter(|p| *p != "/"));
    if let Some(doc) = role.assume_role_policy_document() {
        attrs.insert("assume_role_policy".into(), policy_value(doc));
    }
    let inline: BTreeMap<String, Value> = role
        .role_policy_list()
        .iter()
        .filter_map(|p| {
            Some((
                p.policy_name()?.to_string(),
                policy_value(p.policy_document()?),
            ))
        })
        .collect();
    // Empty is a value, not an attribute the read cannot return: policies removed
    // outside strata (or never attached) show as a change.
    attrs.insert("inline_policies".into(), Value::Map(inline));
    let managed: Vec<String> = role
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    put_str_list(&mut attrs, "managed_policy_arns", managed, true);
    LiveResource {
        id: name.to_string(),
        attrs,
        tags,
    }
}
