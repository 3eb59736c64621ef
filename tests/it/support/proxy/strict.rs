//! Strict mode: the proxy refuses what real AWS refuses and moto forgives.
//!
//! One table, [`RULES`]: an operation pattern, a check that decides from the request, from what
//! strict mode has learnt and from what moto holds right now whether AWS would refuse, and the
//! error code and HTTP status to answer (framed as the service frames errors). The first rule
//! that refuses answers; a call no rule refuses is forwarded, and strict mode learns from its
//! answer (ids just created, instance profiles just made, CloudFront ETags).
//!
//! Delays (eventual consistency, instance-profile propagation, interfaces draining after a
//! load balancer or mount target is deleted) are off until a test sets them, see [`Strict`].
//!
//! CloudFront ETags: with strict mode on, the proxy owns them. Each distribution has a version,
//! bumped by every accepted `UpdateDistribution`; every answer naming the distribution carries
//! the ETag of the current version, and an `UpdateDistribution` or `DeleteDistribution` whose
//! `If-Match` is another value is refused with `PreconditionFailed`. Reading twice gives the same
//! ETag, as on CloudFront. [`super::Proxy::vary_etags`] (a new ETag on every answer) is then
//! ignored: it cannot be combined with a check of the current ETag.

pub mod budgets;
mod checks;
mod ecs;
pub mod elasticache;
mod memory;
mod nat;
pub(super) mod params;
mod rds;
mod secrets;
mod upstream;
mod wafv2;
pub mod xml;

use super::faults::{matches, FaultKind, Injected};
use super::http::{Request, Response};
use super::operation::Operation;
pub use memory::{Delays, Hold, Memory};
use std::time::{Duration, Instant};
use upstream::Upstream;

/// How a rule decides.
#[derive(Clone, Copy)]
enum Check {
    /// Any EC2 field (filters aside) naming an id with this prefix created less than
    /// `Delays::not_found_after_create` ago; the noun names the kind in the message.
    Fresh {
        prefix: &'static str,
        noun: &'static str,
    },
    /// A check function.
    With(fn(&checks::Ctx) -> checks::Verdict),
}

/// One refusal AWS makes: which calls, how it decides, and what it answers.
struct Rule {
    operation: &'static str,
    check: Check,
    code: &'static str,
    status: u16,
}

use checks::*;
use elasticache::{cache_subnet_group_in_use, cache_subnet_group_missing};
use rds::db_subnet_group_in_use;
use Check::{Fresh, With};

/// Every refusal strict mode models, tried in order.
#[rustfmt::skip]
const RULES: &[Rule] = &[
    Rule { operation: "ec2:*", check: Fresh { prefix: "vpc-", noun: "vpc" }, code: "InvalidVpcID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "subnet-", noun: "subnet" }, code: "InvalidSubnetID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "sg-", noun: "security group" }, code: "InvalidGroup.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "rtb-", noun: "routeTable" }, code: "InvalidRouteTableID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "igw-", noun: "internetGateway" }, code: "InvalidInternetGatewayID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "i-", noun: "instance" }, code: "InvalidInstanceID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "vol-", noun: "volume" }, code: "InvalidVolume.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "eipalloc-", noun: "allocation" }, code: "InvalidAllocationID.NotFound", status: 400 },
    Rule { operation: "ec2:*", check: Fresh { prefix: "eni-", noun: "networkInterface" }, code: "InvalidNetworkInterfaceID.NotFound", status: 400 },
    Rule { operation: "ec2:RunInstances", check: With(profile_not_propagated), code: "InvalidParameterValue", status: 400 },
    Rule { operation: "ec2:DeleteSecurityGroup", check: With(security_group_in_use), code: "DependencyViolation", status: 400 },
    Rule { operation: "ec2:DeleteSubnet", check: With(subnet_in_use), code: "DependencyViolation", status: 400 },
    Rule { operation: "ec2:DeleteVpc", check: With(vpc_in_use), code: "DependencyViolation", status: 400 },
    Rule { operation: "ec2:DeleteInternetGateway", check: With(gateway_attached), code: "DependencyViolation", status: 400 },
    Rule { operation: "ec2:ReleaseAddress", check: With(nat::address_held_by_nat_gateway), code: "AuthFailure", status: 400 },
    Rule { operation: "ec2:DisassociateAddress", check: With(nat::address_held_by_nat_gateway), code: "AuthFailure", status: 400 },
    Rule { operation: "iam:DeleteRole", check: With(role_in_use), code: "DeleteConflict", status: 409 },
    Rule { operation: "iam:DeleteInstanceProfile", check: With(profile_has_role), code: "DeleteConflict", status: 409 },
    Rule { operation: "cloudfront:UpdateDistribution", check: With(stale_etag), code: "PreconditionFailed", status: 412 },
    Rule { operation: "cloudfront:DeleteDistribution", check: With(stale_etag), code: "PreconditionFailed", status: 412 },
    Rule { operation: "cloudfront:DeleteDistribution", check: With(distribution_enabled), code: "DistributionNotDisabled", status: 409 },
    Rule { operation: "efs:DeleteFileSystem", check: With(file_system_has_mount_targets), code: "FileSystemInUse", status: 409 },
    Rule { operation: "secretsmanager:CreateSecret", check: With(secrets::name_scheduled_for_deletion), code: "InvalidRequestException", status: 400 },
    Rule { operation: "ecs:DeleteCluster", check: With(ecs::cluster_has_services), code: "ClusterContainsServicesException", status: 400 },
    Rule { operation: "rds:DeleteDBSubnetGroup", check: With(db_subnet_group_in_use), code: "InvalidDBSubnetGroupStateFault", status: 400 },
    Rule { operation: "elasticache:DeleteCacheSubnetGroup", check: With(cache_subnet_group_missing), code: "CacheSubnetGroupNotFoundFault", status: 404 },
    Rule { operation: "elasticache:DeleteCacheSubnetGroup", check: With(cache_subnet_group_in_use), code: "CacheSubnetGroupInUse", status: 400 },
    Rule { operation: "wafv2:DeleteWebACL", check: With(wafv2::web_acl_associated), code: "WAFAssociatedItemException", status: 400 },
];

/// Strict mode's part of the proxy state: off until switched on.
#[derive(Debug, Default)]
pub struct StrictState {
    /// `Some` once strict mode is on.
    pub delays: Option<Delays>,
    /// What it has learnt.
    pub memory: Memory,
}

/// What strict mode decided about one call before it is forwarded.
#[derive(Debug, Default)]
pub struct Judgement {
    /// The refusal to answer instead of forwarding.
    pub refusal: Option<Injected>,
    /// What the call frees once it succeeds (draining interfaces).
    pub holds: Vec<Hold>,
}

/// Judge `request` (of `op`) against the rules, with a snapshot of what strict mode knows.
/// Runs without the proxy's lock held: checks ask moto on `upstream_port`.
pub fn judge(
    op: &Operation,
    request: &Request,
    delays: Delays,
    memory: &Memory,
    upstream_port: u16,
) -> Judgement {
    let name = op.full_name();
    let ctx = checks::Ctx {
        request,
        fields: if matches!(
            op.service.as_str(),
            "ec2" | "iam" | "elbv2" | "rds" | "elasticache"
        ) {
            params::form(request)
        } else {
            Vec::new()
        },
        upstream: Upstream {
            port: upstream_port,
            region: params::region(request),
        },
        memory,
        delays,
        now: Instant::now(),
    };
    for rule in RULES.iter().filter(|r| matches(r.operation, &name)) {
        let verdict = match rule.check {
            Fresh { prefix, noun } => Ok(fresh_id_named(&ctx, prefix, noun)),
            With(check) => check(&ctx),
        };
        match verdict {
            Ok(Some(message)) => {
                return Judgement {
                    refusal: Some(Injected {
                        kind: FaultKind::Strict,
                        code: Some(rule.code.to_string()),
                        status: rule.status,
                        message: Some(message),
                    }),
                    holds: Vec::new(),
                }
            }
            Ok(None) => {}
            Err(why) => eprintln!("strict test proxy: {name} not judged by its rule: {why}"),
        }
    }
    Judgement {
        refusal: None,
        holds: draining(&ctx, &name),
    }
}

/// The message for an EC2 call naming an id (`prefix…`) created too recently to be visible.
fn fresh_id_named(ctx: &checks::Ctx, prefix: &str, noun: &str) -> Option<String> {
    let window = ctx.delays.not_found_after_create;
    if window.is_zero() {
        return None;
    }
    ctx.fields
        .iter()
        .filter(|(key, _)| !key.starts_with("Filter."))
        .find(|(_, value)| value.starts_with(prefix) && ctx.memory.fresh(value, window, ctx.now))
        .map(|(_, id)| format!("The {noun} ID '{id}' does not exist"))
}

/// What deleting a load balancer or a mount target keeps busy while its interfaces drain.
fn draining(ctx: &checks::Ctx, name: &str) -> Vec<Hold> {
    let drain = ctx.delays.interfaces_drain;
    if drain.is_zero() {
        return Vec::new();
    }
    let held = match name {
        "elbv2:DeleteLoadBalancer" => load_balancer_network(ctx),
        "efs:DeleteMountTarget" => mount_target_network(ctx),
        _ => return Vec::new(),
    };
    match held {
        Ok((by, ids)) => ids
            .into_iter()
            .filter(|id| !id.is_empty())
            .map(|id| Hold {
                id,
                by: by.clone(),
                until: ctx.now + drain,
            })
            .collect(),
        Err(why) => {
            eprintln!("strict test proxy: {name}: cannot tell what it holds: {why}");
            Vec::new()
        }
    }
}

/// The subnets, groups and VPC of the load balancer being deleted.
fn load_balancer_network(ctx: &checks::Ctx) -> Result<(String, Vec<String>), String> {
    let arn = params::first(&ctx.fields, "LoadBalancerArn").ok_or("no LoadBalancerArn")?;
    let root = ctx.upstream.elbv2(
        "DescribeLoadBalancers",
        &[("LoadBalancerArns.member.1", arn)],
    )?;
    let mut ids = root.texts("SubnetId");
    ids.extend(
        root.descendants("SecurityGroups")
            .into_iter()
            .flat_map(|s| s.children.iter().map(|m| m.text.clone())),
    );
    ids.extend(root.texts("VpcId"));
    Ok((
        format!("the interfaces of deleted load balancer {arn}"),
        ids,
    ))
}

/// The subnet, groups and VPC of the mount target being deleted.
fn mount_target_network(ctx: &checks::Ctx) -> Result<(String, Vec<String>), String> {
    let id =
        params::path_segment_after(ctx.request, "mount-targets").ok_or("no mount target id")?;
    let answer = ctx
        .upstream
        .efs_get(&format!("/2015-02-01/mount-targets?MountTargetId={id}"))?;
    let target = &answer["MountTargets"][0];
    let mut ids: Vec<String> = ["SubnetId", "VpcId"]
        .iter()
        .filter_map(|k| target[*k].as_str().map(str::to_string))
        .collect();
    let groups = ctx
        .upstream
        .efs_get(&format!("/2015-02-01/mount-targets/{id}/security-groups"))?;
    if let Some(list) = groups["SecurityGroups"].as_array() {
        ids.extend(list.iter().filter_map(|g| g.as_str().map(str::to_string)));
    }
    Ok((format!("the interface of deleted mount target {id}"), ids))
}

/// The answer strict mode gives itself to a call moto cannot answer (see [`budgets`]).
pub fn answer(op: &Operation, request: &Request, memory: &Memory) -> Option<Response> {
    match op.service.as_str() {
        "budgets" => budgets::answer(&memory.budgets, op, request),
        "elasticache" => elasticache::answer(&memory.elasticache, op, request),
        _ => None,
    }
}

/// Learn from a forwarded call (see [`Memory::observe`]).
pub fn observe(
    state: &mut StrictState,
    op: &Operation,
    request: &Request,
    response: &mut Response,
    holds: Vec<Hold>,
) {
    if let Some(delays) = state.delays {
        elasticache::observe(&mut state.memory.elasticache, op, request, response);
        state
            .memory
            .observe(op, request, response, holds, &delays, Instant::now());
    }
}

/// Switches of a strict proxy, returned by [`super::Proxy::strict`]; each sets one delay.
pub struct Strict<'a> {
    pub(super) proxy: &'a super::Proxy,
}

impl Strict<'_> {
    /// For `window` after an EC2 create answers, calls naming the new id answer its
    /// `*.NotFound` code, as EC2's eventual consistency does. Zero (the default) turns it off.
    pub fn not_found_after_create(&self, window: Duration) -> &Self {
        self.set(|d| d.not_found_after_create = window)
    }

    /// For `window` after `CreateInstanceProfile` or `AddRoleToInstanceProfile`, `RunInstances`
    /// naming the profile is refused with `InvalidParameterValue` ("Invalid IAM Instance
    /// Profile name"). Zero (the default) turns it off.
    pub fn profile_propagation(&self, window: Duration) -> &Self {
        self.set(|d| d.profile_propagation = window)
    }

    /// For `window` after a load balancer or a mount target is deleted, its subnets, security
    /// groups and VPC stay in use (`DependencyViolation`), as on AWS while their network
    /// interfaces are released. Zero (the default) turns it off.
    pub fn interfaces_drain(&self, window: Duration) -> &Self {
        self.set(|d| d.interfaces_drain = window)
    }

    fn set(&self, change: impl FnOnce(&mut Delays)) -> &Self {
        let mut state = self.proxy.shared.state();
        change(state.strict.delays.get_or_insert_with(Delays::default));
        self
    }
}
