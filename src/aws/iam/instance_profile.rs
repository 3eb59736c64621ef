//! `instance_profile`: the container that hands an IAM role to EC2 instances.
//!
//! The id is the profile name. IAM has no multi-get: `describe` lists the account's profiles
//! (`ListInstanceProfiles`, one call per page) and keeps the wanted ones. That listing carries
//! no tags on AWS (moto returns them there; AWS documents that it does not), so the tags come
//! from `GetInstanceProfile`, one call per profile that was asked for and exists. IAM has
//! no batched tag read; finding by tags must therefore ask for the tags of every profile in the
//! account, a cost that grows with the account's profiles, not with the stack.

use super::common::{is_gone, ok_if_gone, PAGE, PAGE_LIMITS};
use crate::aws::attrs::{put_str, str_of};
use crate::aws::errors::classify;
use crate::aws::names;
use crate::aws::paging::each_page;
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// Instance profile names are at most 128 characters.
const NAME_MAX: usize = 128;

/// An instance profile (`CreateInstanceProfile`, `AddRoleToInstanceProfile`).
pub struct InstanceProfile {
    aws: Arc<Aws>,
}

impl InstanceProfile {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        InstanceProfile { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "instance_profile",
        "An instance profile: passes an IAM role to EC2 instances",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Profile name, unique in the account; derived from the deployment and resource names when unset"),
    )
    // The role is removed from and added to the live profile.
    .attr(AttrSchema::string("role")
            .refers_to(&["iam_role"]).doc("Name of the IAM role in the profile"))
    .attr(
        AttrSchema::string("path")
            .replace()
            .doc("Path of the profile (default /)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the instance profile"))
    .attr(
        AttrSchema::computed("unique_id", AttrType::String)
            .doc("Stable unique id of the profile (AIPA...)"),
    )
});

#[async_trait]
impl ResourceKind for InstanceProfile {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    /// The listing, then the tags of each kept profile (see the module doc for the cost).
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let wanted: BTreeSet<&str> = match selector {
            Selector::Ids(ids) => ids.iter().map(String::as_str).collect(),
            Selector::Tags(_) => BTreeSet::new(),
        };
        let iam = self.aws.iam().await?;
        let mut found = BTreeMap::new();
        let pages = iam
            .list_instance_profiles()
            .set_max_items(self.aws.page_size(Some(PAGE), PAGE_LIMITS))
            .into_paginator()
            .send();
        each_page("iam:ListInstanceProfiles", pages, |page| {
            for profile in page.instance_profiles() {
                let name = profile.instance_profile_name();
                if matches!(selector, Selector::Tags(_)) || wanted.contains(name) {
                    found.insert(name.to_string(), live_of(profile));
                }
            }
        })
        .await?;
        let mut out = Vec::new();
        for mut profile in found.into_values() {
            profile.tags = self.tags_of(&profile.id).await?;
            if selector.matches(&profile) {
                out.push(profile);
            }
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "iam:CreateInstanceProfile";
        let iam = self.aws.iam().await?;
        let attrs = req.attrs;
        let name = match str_of(attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, NAME_MAX),
        };
        let mut call = iam
            .create_instance_profile()
            .instance_profile_name(&name)
            .set_tags(Some(tag_list(req.tags)));
        if let Some(p) = str_of(attrs, "path") {
            call = call.path(p);
        }
        let mut adopted = false;
        if let Err(e) = call.send().await {
            let err = classify(OP, e).at(req.address);
            // No idempotency token: a retried create adopts the profile a killed run left,
            // but only when it carries this resource's tags.
            let existing = if err.code.as_deref() == Some("EntityAlreadyExists") {
                self.read(std::slice::from_ref(&name)).await?.pop()
            } else {
                None
            };
            let same = |l: &LiveResource, key: &str| l.tags.get(key) == req.tags.get(key);
            match existing {
                Some(l)
                    if same(&l, "strata:deployment")
                        && same(&l, "strata:address")
                        && same(&l, "strata:lineage") =>
                {
                    adopted = str_of(&l.attrs, "role") == str_of(attrs, "role");
                }
                _ => return Err(err),
            }
        }
        if let (Some(role), false) = (str_of(attrs, "role"), adopted) {
            self.add_role(&name, role)
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
        let name = req.id;
        let live = self.read(&[name.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "iam:ListInstanceProfiles",
                "the instance profile no longer exists",
            )
            .at(req.address)
        })?;
        for attr in req.changed {
            match attr.as_str() {
                // A profile holds at most one role: take the current one out, put the new in.
                "role" => {
                    if let Some(old) = str_of(&live.attrs, "role") {
                        self.remove_role(name, old)
                            .await
                            .map_err(|e| e.at(req.address))?;
                    }
                    if let Some(new) = str_of(req.after, "role") {
                        self.add_role(name, new)
                            .await
                            .map_err(|e| e.at(req.address))?;
                    }
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "iam:UpdateInstanceProfile",
                        format!(
                            "changing `{other}` of an instance profile in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        self.sync_tags(name, &live.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        let mut resource = self.read(&[name.to_string()]).await?.pop().unwrap_or(live);
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    /// IAM refuses to delete a profile that still holds a role (`DeleteConflict`): the role is
    /// taken out first, as AWS requires.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let iam = self.aws.iam().await?;
        let got = iam
            .get_instance_profile()
            .instance_profile_name(id)
            .send()
            .await;
        let profile = match got {
            Ok(out) => out,
            Err(e) => return ok_if_gone(Err(classify("iam:GetInstanceProfile", e))),
        };
        let roles: Vec<String> = profile
            .instance_profile()
            .map(|p| {
                p.roles()
                    .iter()
                    .map(|r| r.role_name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for role in roles {
            self.remove_role(id, &role).await?;
        }
        ok_if_gone(
            iam.delete_instance_profile()
                .instance_profile_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("iam:DeleteInstanceProfile", e)),
        )
    }
}

impl InstanceProfile {
    /// The tags of one profile, from `GetInstanceProfile` (one call), which returns them on
    /// AWS; `ListInstanceProfileTags` would too, but moto 5.2 does not implement it. A profile
    /// deleted meanwhile has none.
    async fn tags_of(&self, profile: &str) -> Result<BTreeMap<String, String>, ProviderError> {
        const OP: &str = "iam:GetInstanceProfile";
        let iam = self.aws.iam().await?;
        match iam
            .get_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .instance_profile()
                .map(|p| tag_map(p.tags()))
                .unwrap_or_default()),
            Err(e) => {
                let err = classify(OP, e);
                if is_gone(&err) {
                    Ok(BTreeMap::new())
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn add_role(&self, profile: &str, role: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:AddRoleToInstanceProfile";
        let iam = self.aws.iam().await?;
        iam.add_role_to_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(())
    }

    async fn remove_role(&self, profile: &str, role: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:RemoveRoleFromInstanceProfile";
        let iam = self.aws.iam().await?;
        ok_if_gone(
            iam.remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify(OP, e)),
        )
    }

    async fn sync_tags(
        &self,
        profile: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let iam = self.aws.iam().await?;
        let (set, remove) = tag_changes(have, want);
        if !set.is_empty() {
            const OP: &str = "iam:TagInstanceProfile";
            iam.tag_instance_profile()
                .instance_profile_name(profile)
                .set_tags(Some(tag_list(&set)))
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        }
        if !remove.is_empty() {
            iam.untag_instance_profile()
                .instance_profile_name(profile)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| classify("iam:UntagInstanceProfile", e))?;
        }
        Ok(())
    }
}

/// A profile as `ListInstanceProfiles` reports it, without its tags (see `tags_of`).
fn live_of(profile: &aws_sdk_iam::types::InstanceProfile) -> LiveResource {
    let name = profile.instance_profile_name();
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(name));
    put_str(&mut attrs, "arn", Some(profile.arn()));
    put_str(&mut attrs, "unique_id", Some(profile.instance_profile_id()));
    put_str(
        &mut attrs,
        "path",
        Some(profile.path()).filter(|p| *p != "/"),
    );
    put_str(
        &mut attrs,
        "role",
        profile.roles().first().map(|r| r.role_name()),
    );
    LiveResource {
        id: name.to_string(),
        attrs,
        tags: BTreeMap::new(),
    }
}
