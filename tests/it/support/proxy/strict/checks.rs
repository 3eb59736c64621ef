//! The checks behind strict mode's rules. Each decides, from the request, from what strict mode
//! remembers and from what moto holds right now, whether AWS would refuse the call: `Ok(Some(
//! message))` refuses it, `Ok(None)` lets it through, and `Err` (moto could not be asked, or the
//! request names nothing to look up) lets it through too, for moto to answer as it does.

use super::memory::{items_text, Memory};
use super::params;
use super::upstream::Upstream;
use super::Delays;
use crate::support::proxy::http::Request;
use std::time::Instant;

/// What a check sees.
pub struct Ctx<'a> {
    /// The judged request.
    pub request: &'a Request,
    /// Its decoded form fields (empty for REST calls).
    pub fields: Vec<(String, String)>,
    /// moto, in the request's region.
    pub upstream: Upstream,
    /// What strict mode has learnt so far.
    pub memory: &'a Memory,
    /// The configured delays.
    pub delays: Delays,
    /// When the request is judged.
    pub now: Instant,
}

/// A check's answer: refuse with a message, or let through.
pub type Verdict = Result<Option<String>, String>;

impl Ctx<'_> {
    fn field(&self, key: &str) -> Result<&str, String> {
        params::first(&self.fields, key).ok_or_else(|| format!("no {key} in the request"))
    }
}

/// `Filter.1.Name=name`, `Filter.1.Value.1=value`, plus more filters numbered after it.
fn filters(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (n, (name, value)) in pairs.iter().enumerate() {
        fields.push((format!("Filter.{}.Name", n + 1), name.to_string()));
        fields.push((format!("Filter.{}.Value.1", n + 1), value.to_string()));
    }
    fields
}

/// Ask EC2 `action` with `filters` and collect `element` of the items of `set`.
fn ec2_items(
    ctx: &Ctx,
    action: &str,
    filter: &[(&str, &str)],
    set: &str,
    element: &str,
) -> Result<Vec<String>, String> {
    let root = ctx.upstream.ec2(action, &filters(filter))?;
    Ok(items_text(&root, set, element))
}

/// The instances in `filters` that still hold their network (anything but terminated).
fn live_instances(ctx: &Ctx, filter: &[(&str, &str)]) -> Result<Vec<String>, String> {
    let mut fields = filters(filter);
    let states = ["pending", "running", "shutting-down", "stopping", "stopped"];
    let n = filter.len() + 1;
    fields.push((
        format!("Filter.{n}.Name"),
        "instance-state-name".to_string(),
    ));
    for (i, state) in states.iter().enumerate() {
        fields.push((format!("Filter.{n}.Value.{}", i + 1), state.to_string()));
    }
    let root = ctx.upstream.ec2("DescribeInstances", &fields)?;
    Ok(items_text(&root, "instancesSet", "instanceId"))
}

/// The network interfaces in `filter` that still exist on AWS: moto keeps the interface of a
/// terminated instance, AWS deletes it with the instance.
fn live_interfaces(ctx: &Ctx, filter: (&str, &str)) -> Result<Vec<String>, String> {
    let root = ctx
        .upstream
        .ec2("DescribeNetworkInterfaces", &filters(&[filter]))?;
    let mut found = Vec::new();
    let gone = super::nat::deleted_gateway_interfaces(ctx)?;
    for item in root.items("networkInterfaceSet") {
        let id = item.child_text("networkInterfaceId");
        if gone.iter().any(|g| g == id) {
            continue;
        }
        let owner = item
            .child("attachment")
            .map(|a| a.child_text("instanceId"))
            .unwrap_or("");
        if owner.is_empty() || !live_instances(ctx, &[("instance-id", owner)])?.is_empty() {
            found.push(format!("network interface {id}"));
        }
    }
    Ok(found)
}

/// `message`, naming what was found, when anything was; `None` otherwise.
fn refuse_if_any(message: String, found: Vec<String>) -> Verdict {
    if found.is_empty() {
        Ok(None)
    } else {
        Ok(Some(format!(
            "{message} (strict test proxy: still used by {})",
            found.join(", ")
        )))
    }
}

/// A security group used by an instance, a network interface, another group's rule, or the
/// draining interfaces of something just deleted.
pub fn security_group_in_use(ctx: &Ctx) -> Verdict {
    let group = ctx.field("GroupId")?;
    let mut found: Vec<String> = live_instances(ctx, &[("instance.group-id", group)])?
        .into_iter()
        .map(|i| format!("instance {i}"))
        .collect();
    found.extend(live_interfaces(ctx, ("group-id", group))?);
    for filter in ["ip-permission.group-id", "egress.ip-permission.group-id"] {
        for other in ec2_items(
            ctx,
            "DescribeSecurityGroups",
            &[(filter, group)],
            "securityGroupInfo",
            "groupId",
        )? {
            // A group may reference itself and still be deleted.
            if other != group {
                found.push(format!("a rule of {other}"));
            }
        }
    }
    found.extend(ctx.memory.holders(group, ctx.now));
    found.dedup();
    refuse_if_any(format!("resource {group} has a dependent object"), found)
}

/// A subnet with instances or network interfaces in it, or draining interfaces.
pub fn subnet_in_use(ctx: &Ctx) -> Verdict {
    let subnet = ctx.field("SubnetId")?;
    let mut found: Vec<String> = live_instances(ctx, &[("subnet-id", subnet)])?
        .into_iter()
        .map(|i| format!("instance {i}"))
        .collect();
    found.extend(live_interfaces(ctx, ("subnet-id", subnet))?);
    found.extend(ctx.memory.holders(subnet, ctx.now));
    refuse_if_any(
        format!("The subnet '{subnet}' has dependencies and cannot be deleted."),
        found,
    )
}

/// A VPC with subnets, non-default groups, non-main route tables or an attached gateway.
pub fn vpc_in_use(ctx: &Ctx) -> Verdict {
    let vpc = ctx.field("VpcId")?;
    let by_vpc = [("vpc-id", vpc)];
    let mut found: Vec<String> =
        ec2_items(ctx, "DescribeSubnets", &by_vpc, "subnetSet", "subnetId")?
            .into_iter()
            .map(|s| format!("subnet {s}"))
            .collect();
    let groups = ctx
        .upstream
        .ec2("DescribeSecurityGroups", &filters(&by_vpc))?;
    for group in groups.items("securityGroupInfo") {
        if group.child_text("groupName") != "default" {
            found.push(format!("security group {}", group.child_text("groupId")));
        }
    }
    let tables = ctx.upstream.ec2("DescribeRouteTables", &filters(&by_vpc))?;
    for set in tables.descendants("routeTableSet") {
        for item in set.children.iter().filter(|c| c.name == "item") {
            let main = item.descendants("main").iter().any(|m| m.text == "true");
            if !main {
                found.push(format!("route table {}", item.child_text("routeTableId")));
            }
        }
    }
    for gateway in ec2_items(
        ctx,
        "DescribeInternetGateways",
        &[("attachment.vpc-id", vpc)],
        "internetGatewaySet",
        "internetGatewayId",
    )? {
        found.push(format!("internet gateway {gateway}"));
    }
    found.extend(ctx.memory.holders(vpc, ctx.now));
    refuse_if_any(
        format!("The vpc '{vpc}' has dependencies and cannot be deleted."),
        found,
    )
}

/// An internet gateway still attached to a VPC.
pub fn gateway_attached(ctx: &Ctx) -> Verdict {
    let gateway = ctx.field("InternetGatewayId")?;
    let root = ctx.upstream.ec2(
        "DescribeInternetGateways",
        &[("InternetGatewayId.1", gateway)],
    )?;
    let attached: Vec<String> = root
        .items("attachmentSet")
        .filter(|a| {
            matches!(
                a.child_text("state"),
                "available" | "attached" | "attaching"
            )
        })
        .map(|a| format!("vpc {}", a.child_text("vpcId")))
        .collect();
    refuse_if_any(
        format!("The internetGateway '{gateway}' has dependencies and cannot be deleted."),
        attached,
    )
}

/// A role with managed or inline policies, or in an instance profile.
pub fn role_in_use(ctx: &Ctx) -> Verdict {
    let role = ctx.field("RoleName")?;
    let by_role = [("RoleName", role)];
    let profiles = ctx
        .upstream
        .iam("ListInstanceProfilesForRole", &by_role)?
        .texts("InstanceProfileName");
    if !profiles.is_empty() {
        return refuse_if_any(
            "Cannot delete entity, must remove roles from instance profile first.".into(),
            profiles,
        );
    }
    let attached = ctx
        .upstream
        .iam("ListAttachedRolePolicies", &by_role)?
        .texts("PolicyArn");
    if !attached.is_empty() {
        return refuse_if_any(
            "Cannot delete entity, must detach all policies first.".into(),
            attached,
        );
    }
    let inline: Vec<String> = ctx
        .upstream
        .iam("ListRolePolicies", &by_role)?
        .descendants("PolicyNames")
        .into_iter()
        .flat_map(|p| p.children.iter().map(|m| m.text.clone()))
        .collect();
    refuse_if_any(
        "Cannot delete entity, must delete policies first.".into(),
        inline,
    )
}

/// An instance profile that still contains a role.
pub fn profile_has_role(ctx: &Ctx) -> Verdict {
    let profile = ctx.field("InstanceProfileName")?;
    let roles = ctx
        .upstream
        .iam("GetInstanceProfile", &[("InstanceProfileName", profile)])?
        .texts("RoleName");
    refuse_if_any(
        "Cannot delete entity, must remove roles from instance profile first.".into(),
        roles,
    )
}

/// `RunInstances` naming an instance profile IAM has not propagated to EC2 yet.
pub fn profile_not_propagated(ctx: &Ctx) -> Verdict {
    let window = ctx.delays.profile_propagation;
    if let Some(name) = params::first(&ctx.fields, "IamInstanceProfile.Name") {
        if ctx.memory.profile_fresh(name, window, ctx.now) {
            return Ok(Some(format!(
                "Value ({name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"
            )));
        }
    }
    if let Some(arn) = params::first(&ctx.fields, "IamInstanceProfile.Arn") {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        if ctx.memory.profile_fresh(name, window, ctx.now) {
            return Ok(Some(format!(
                "Value ({arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"
            )));
        }
    }
    Ok(None)
}

/// A CloudFront change whose `If-Match` is not the distribution's current ETag. A distribution
/// strict mode has never seen has no ETag of its own yet, so anything is accepted for it.
pub fn stale_etag(ctx: &Ctx) -> Verdict {
    let id = params::path_segment_after(ctx.request, "distribution")
        .ok_or("no distribution id in the path")?;
    let Some(current) = ctx.memory.current_etag(id) else {
        return Ok(None);
    };
    match ctx.request.header("if-match") {
        Some(sent) if sent == current => Ok(None),
        sent => Ok(Some(format!(
            "The If-Match version is missing or not valid for the resource. (strict test proxy: sent {sent:?}, current {current})"
        ))),
    }
}

/// Deleting a distribution that is enabled, or whose disabling has not deployed yet.
pub fn distribution_enabled(ctx: &Ctx) -> Verdict {
    let id = params::path_segment_after(ctx.request, "distribution")
        .ok_or("no distribution id in the path")?;
    let Some(seen) = ctx.memory.distributions.get(id) else {
        return Ok(None);
    };
    let busy = match (seen.enabled, seen.status.as_deref()) {
        (Some(true), _) => Some("it is enabled".to_string()),
        (_, Some(status)) if status != "Deployed" => Some(format!("its status is {status}")),
        _ => None,
    };
    Ok(busy.map(|why| {
        format!("The distribution you are trying to delete has not been disabled. (strict test proxy: {why})")
    }))
}

/// An EFS file system that still has mount targets.
pub fn file_system_has_mount_targets(ctx: &Ctx) -> Verdict {
    let id = params::path_segment_after(ctx.request, "file-systems")
        .ok_or("no file system id in the path")?;
    let answer = ctx
        .upstream
        .efs_get(&format!("/2015-02-01/mount-targets?FileSystemId={id}"))?;
    let targets: Vec<String> = answer["MountTargets"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["MountTargetId"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    refuse_if_any(
        format!("File system '{id}' has mount targets created in it. Delete the mount targets before deleting the file system."),
        targets,
    )
}
