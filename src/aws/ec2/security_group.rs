//! `security_group`: a stateful firewall for instances, load balancers and mount targets.

mod rules;

use super::tags;
use crate::address::Address;
use crate::aws::attrs::{put_str, str_of, table_list};
use crate::aws::errors::classify;
use crate::aws::names;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block_list, int, text, texts};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, ResourceType};
use rules::{Permission, Permissions};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A security group with its rules (`CreateSecurityGroup`, `AuthorizeSecurityGroupIngress`,
/// `AuthorizeSecurityGroupEgress`).
pub struct SecurityGroup {
    aws: Arc<Aws>,
}

impl SecurityGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        SecurityGroup { aws }
    }
}

/// The keys of an ingress or egress rule.
fn rule_fields() -> Vec<crate::provider::BlockField> {
    vec![
        text("protocol").required(),
        int("from_port"),
        int("to_port"),
        texts("cidr_blocks"),
        texts("ipv6_cidr_blocks"),
        text("source_security_group_id"),
        text("prefix_list_name"),
        text("description"),
    ]
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "security_group",
        "A security group: stateful allow rules for inbound and outbound traffic",
    )
    .taggable()
    // CreateSecurityGroup requires a name; the provider derives one when unset.
    // Neither the name nor the description of a live group can be changed.
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Group name, unique in the VPC; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("description")
            .replace()
            .doc("Group description (default \"Managed by strata\")"),
    )
    .attr(
        AttrSchema::string("vpc_id")
            .refers_to(&["vpc"])
            .replace()
            .doc("Id of the VPC; the region's default VPC when unset"),
    )
    // Rules are authorized and revoked one by one on the live group.
    .attr(block_list("ingress", rule_fields()).unordered().doc(
        "Inbound rules, each a table: protocol (tcp, udp, icmp or -1), from_port, to_port, one or \
         more sources (cidr_blocks, ipv6_cidr_blocks, source_security_group_id, prefix_list_name: \
         a managed prefix list looked up by name, e.g. \
         com.amazonaws.global.cloudfront.origin-facing) and description",
    ))
    .attr(block_list("egress", rule_fields()).unordered().doc(
        "Outbound rules, same keys as ingress (the sources become destinations); unset keeps \
         AWS's default allow-all rule",
    ))
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the security group"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String)
            .doc("Account id of the group's owner"),
    )
});

/// The description AWS requires when the configuration gives none.
const DEFAULT_DESCRIPTION: &str = "Managed by strata";

/// EC2's limit on group names.
const NAME_MAX: usize = 255;

/// The code EC2 answers for a group that does not exist.
const NOT_FOUND: &str = "InvalidGroup.NotFound";

/// Which rule list: the API calls differ, the logic does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn attr(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// Managed prefix lists of the region, both ways.
#[derive(Debug, Default)]
struct PrefixLists {
    /// id → name.
    names: BTreeMap<String, String>,
    /// name → id.
    ids: BTreeMap<String, String>,
}

/// A group as read, with its permissions taken apart for diffing.
struct Group {
    live: LiveResource,
    ingress: Permissions,
    egress: Permissions,
}

#[async_trait]
impl ResourceKind for SecurityGroup {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        Ok(self
            .groups(selector)
            .await?
            .into_iter()
            .map(|g| g.live)
            .collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateSecurityGroup";
        // Check the rules and resolve prefix lists before creating anything, so a typo leaves
        // no half-made group behind.
        let ingress = self
            .desired(req.attrs, Direction::Ingress, OP)
            .map_err(|e| e.at(req.address))?;
        let egress = match req.attrs.contains_key("egress") {
            true => Some(
                self.desired(req.attrs, Direction::Egress, OP)
                    .map_err(|e| e.at(req.address))?,
            ),
            false => None,
        };
        let needs_lists = rules::uses_prefix_lists(&ingress)
            || egress.as_ref().is_some_and(rules::uses_prefix_lists);
        let lists = self.prefix_lists(needs_lists).await?;
        for perms in std::iter::once(&ingress).chain(egress.as_ref()) {
            rules::check_prefix_lists(perms, &lists.ids, OP).map_err(|e| e.at(req.address))?;
        }
        let name = str_of(req.attrs, "name")
            .map(str::to_string)
            .unwrap_or_else(|| names::derived(req.deployment, req.address, NAME_MAX));
        let ec2 = self.aws.ec2().await?;
        let created = ec2
            .create_security_group()
            .group_name(&name)
            .description(str_of(req.attrs, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_vpc_id(str_of(req.attrs, "vpc_id").map(str::to_string))
            .tag_specifications(tags::spec(ResourceType::SecurityGroup, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = created
            .group_id()
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no group id in the response")
            })?
            .to_string();
        // A new group has no inbound rule and one allow-all outbound rule.
        let all_out = Permissions::from([(
            Permission {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                peer: rules::Peer::Cidr("0.0.0.0/0".into()),
            },
            None,
        )]);
        self.apply(
            &id,
            Direction::Ingress,
            &Permissions::new(),
            &ingress,
            &lists,
        )
        .await
        .map_err(|e| e.at(req.address))?;
        if let Some(egress) = &egress {
            self.apply(&id, Direction::Egress, &all_out, egress, &lists)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        Ok(self.read_one(&id, req.address).await?.live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:AuthorizeSecurityGroupIngress";
        let mut directions = Vec::new();
        for name in req.changed {
            match name.as_str() {
                "ingress" => directions.push(Direction::Ingress),
                "egress" => directions.push(Direction::Egress),
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:ModifySecurityGroupRules",
                        format!("changing `{other}` of a security group in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        let group = self.read_one(req.id, req.address).await?;
        let mut wanted = Vec::new();
        for direction in directions {
            // Removing `egress` from the configuration hands it back to AWS's default
            // rather than revoking everything.
            if direction == Direction::Egress && !req.after.contains_key("egress") {
                continue;
            }
            let want = self
                .desired(req.after, direction, OP)
                .map_err(|e| e.at(req.address))?;
            wanted.push((direction, want));
        }
        // Prefix lists are needed to authorize desired ones and to revoke live ones.
        let needs_lists = wanted.iter().any(|(direction, want)| {
            let live = match direction {
                Direction::Ingress => &group.ingress,
                Direction::Egress => &group.egress,
            };
            rules::uses_prefix_lists(want) || rules::uses_prefix_lists(live)
        });
        let lists = self.prefix_lists(needs_lists).await?;
        for (_, want) in &wanted {
            rules::check_prefix_lists(want, &lists.ids, OP).map_err(|e| e.at(req.address))?;
        }
        for (direction, want) in &wanted {
            let live = match direction {
                Direction::Ingress => &group.ingress,
                Direction::Egress => &group.egress,
            };
            self.apply(req.id, *direction, live, want, &lists)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let ec2 = self.aws.ec2().await?;
        tags::sync(ec2, req.id, &group.live.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        Ok(self.read_one(req.id, req.address).await?.live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        match ec2.delete_security_group().group_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify("ec2:DeleteSecurityGroup", e);
                if err.code.as_deref() == Some(NOT_FOUND) {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }
}

impl SecurityGroup {
    /// The selected groups in strata's shape, in one `DescribeSecurityGroups` call per page:
    /// the one read path, behind `describe` and what updates need.
    async fn groups(&self, selector: Selector<'_>) -> Result<Vec<Group>, ProviderError> {
        const OP: &str = "ec2:DescribeSecurityGroups";
        let ec2 = self.aws.ec2().await?;
        let mut raw = Vec::new();
        for filters in tags::selection(selector, "group-id") {
            let pages = ec2
                .describe_security_groups()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                raw.extend(page.security_groups().iter().cloned())
            })
            .await?;
        }
        self.groups_of(&raw).await
    }

    /// Groups in strata's shape; prefix lists are named with one lookup for all of them, and
    /// only when some rule uses one.
    async fn groups_of(
        &self,
        raw: &[aws_sdk_ec2::types::SecurityGroup],
    ) -> Result<Vec<Group>, ProviderError> {
        let needs_lists = raw.iter().any(|g| {
            rules::ec2_uses_prefix_lists(g.ip_permissions())
                || rules::ec2_uses_prefix_lists(g.ip_permissions_egress())
        });
        let lists = self.prefix_lists(needs_lists).await?;
        let region = self.aws.region().await?;
        Ok(raw
            .iter()
            .filter_map(|g| group_of(g, &lists, &region))
            .collect())
    }

    async fn read_one(&self, id: &str, address: &Address) -> Result<Group, ProviderError> {
        let ids = [id.to_string()];
        self.groups(Selector::Ids(&ids))
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::EventualConsistency,
                    "ec2:DescribeSecurityGroups",
                    format!("security group {id} is not visible"),
                )
                .at(address)
            })
    }

    /// The region's managed prefix lists (one `DescribeManagedPrefixLists` call per page), or
    /// none when `needed` is false.
    async fn prefix_lists(&self, needed: bool) -> Result<PrefixLists, ProviderError> {
        const OP: &str = "ec2:DescribeManagedPrefixLists";
        let mut out = PrefixLists::default();
        if !needed {
            return Ok(out);
        }
        let ec2 = self.aws.ec2().await?;
        let pages = ec2.describe_managed_prefix_lists().into_paginator().send();
        each_page(OP, pages, |page| {
            for list in page.prefix_lists() {
                if let (Some(id), Some(name)) = (list.prefix_list_id(), list.prefix_list_name()) {
                    out.names.insert(id.to_string(), name.to_string());
                    out.ids.insert(name.to_string(), id.to_string());
                }
            }
        })
        .await?;
        Ok(out)
    }

    fn desired(
        &self,
        attrs: &Attrs,
        direction: Direction,
        op: &str,
    ) -> Result<Permissions, ProviderError> {
        rules::desired(&table_list(attrs, direction.attr()), direction.attr(), op)
    }

    /// Bring one direction's live permissions to `want`: revoke first (so a replaced rule
    /// never exceeds AWS's per-group rule limit), then authorize, then fix descriptions.
    async fn apply(
        &self,
        id: &str,
        direction: Direction,
        live: &Permissions,
        want: &Permissions,
        lists: &PrefixLists,
    ) -> Result<(), ProviderError> {
        let changes = rules::changes(live, want);
        if changes.is_empty() {
            return Ok(());
        }
        let ec2 = self.aws.ec2().await?;
        let (revoke_op, authorize_op, describe_op) = match direction {
            Direction::Ingress => (
                "ec2:RevokeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
            ),
            Direction::Egress => (
                "ec2:RevokeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
            ),
        };
        // Revoking needs the live prefix list ids, which the live names map back to.
        let live_ids = &lists.ids;
        let to_ec2 = |list: &[(Permission, Option<String>)],
                      op: &str|
         -> Result<Vec<IpPermission>, ProviderError> {
            list.iter()
                .map(|(p, d)| rules::to_ec2(p, d.as_deref(), live_ids, op))
                .collect()
        };
        if !changes.revoke.is_empty() {
            let revoke: Vec<_> = changes.revoke.iter().map(|p| (p.clone(), None)).collect();
            let perms = to_ec2(&revoke, revoke_op)?;
            let sent = match direction {
                Direction::Ingress => ec2
                    .revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(revoke_op, e)),
                Direction::Egress => ec2
                    .revoke_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(revoke_op, e)),
            };
            sent?;
        }
        if !changes.authorize.is_empty() {
            let perms = to_ec2(&changes.authorize, authorize_op)?;
            let sent = match direction {
                Direction::Ingress => ec2
                    .authorize_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(authorize_op, e)),
                Direction::Egress => ec2
                    .authorize_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(authorize_op, e)),
            };
            sent?;
        }
        if !changes.redescribe.is_empty() {
            let perms = to_ec2(&changes.redescribe, describe_op)?;
            let sent = match direction {
                Direction::Ingress => ec2
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(describe_op, e)),
                Direction::Egress => ec2
                    .update_security_group_rule_descriptions_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(describe_op, e)),
            };
            sent?;
        }
        Ok(())
    }
}

/// A group as the provider reports it.
fn group_of(
    group: &aws_sdk_ec2::types::SecurityGroup,
    lists: &PrefixLists,
    region: &str,
) -> Option<Group> {
    let id = group.group_id()?;
    let ingress = rules::from_ec2(group.ip_permissions(), &lists.names);
    let egress = rules::from_ec2(group.ip_permissions_egress(), &lists.names);
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", group.group_name());
    put_str(&mut attrs, "description", group.description());
    put_str(&mut attrs, "vpc_id", group.vpc_id());
    attrs.insert("ingress".into(), rules::to_tables(&ingress));
    attrs.insert("egress".into(), rules::to_tables(&egress));
    put_str(&mut attrs, "owner_id", group.owner_id());
    let arn = match (group.security_group_arn(), group.owner_id()) {
        (Some(arn), _) => Some(arn.to_string()),
        (None, Some(owner)) => Some(format!("arn:aws:ec2:{region}:{owner}:security-group/{id}")),
        (None, None) => None,
    };
    put_str(&mut attrs, "arn", arn.as_deref());
    Some(Group {
        live: LiveResource {
            id: id.to_string(),
            attrs,
            tags: tags::from_ec2(group.tags()),
        },
        ingress,
        egress,
    })
}
