//! What strict mode has learnt from the calls it let through: ids created a moment ago, instance
//! profiles IAM has not propagated yet, subnets and groups still held by the network interfaces
//! of a deleted load balancer or mount target, and the ETag, switch and status of each
//! CloudFront distribution.

use super::super::http::{Request, Response};
use super::super::operation::Operation;
use super::params;
use super::xml;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The id element of each EC2 create answer whose id strict mode keeps invisible for a while.
#[rustfmt::skip]
const CREATED_ID: &[(&str, &str)] = &[
    ("CreateVpc", "vpcId"),
    ("CreateSubnet", "subnetId"),
    ("CreateSecurityGroup", "groupId"),
    ("CreateRouteTable", "routeTableId"),
    ("CreateInternetGateway", "internetGatewayId"),
    ("RunInstances", "instanceId"),
    ("CreateVolume", "volumeId"),
    ("AllocateAddress", "allocationId"),
    ("CreateNetworkInterface", "networkInterfaceId"),
];

/// How long each simulated delay lasts; zero turns that delay off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delays {
    /// An EC2 id answers `*.NotFound` for this long after the call that created it.
    pub not_found_after_create: Duration,
    /// `RunInstances` refuses an instance profile for this long after it was created or given
    /// its role.
    pub profile_propagation: Duration,
    /// The subnets, groups and VPC of a deleted load balancer or mount target stay in use
    /// (their network interfaces drain) for this long.
    pub interfaces_drain: Duration,
}

/// One CloudFront distribution as strict mode last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    /// Bumped by every accepted configuration change; the ETag is derived from it.
    pub version: u32,
    /// `DistributionConfig/Enabled` as last sent or read.
    pub enabled: Option<bool>,
    /// `Status` as last read (`InProgress`, `Deployed`).
    pub status: Option<String>,
}

/// A resource kept in use by something deleted a moment ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The subnet, security group or VPC id held.
    pub id: String,
    /// What holds it (`load balancer arn:...`).
    pub by: String,
    /// When the hold ends.
    pub until: Instant,
}

/// Everything learnt so far.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// EC2 ids by the instant they were created.
    pub created: BTreeMap<String, Instant>,
    /// Instance profile names by the instant they were created or last given a role.
    pub profiles: BTreeMap<String, Instant>,
    /// Resources still held by draining network interfaces.
    pub holds: Vec<Hold>,
    /// CloudFront distributions by id.
    pub distributions: BTreeMap<String, Distribution>,
    /// ElastiCache deletions moto lacks, and who uses which subnet group.
    pub elasticache: super::elasticache::Model,
    /// Budget notifications' subscribers (moto cannot tell them).
    pub budgets: super::budgets::Subscribers,
}

impl Memory {
    /// Whether `id` was created less than `window` before `now`.
    pub fn fresh(&self, id: &str, window: Duration, now: Instant) -> bool {
        self.created
            .get(id)
            .is_some_and(|at| now.duration_since(*at) < window)
    }

    /// Whether instance profile `name` is younger than `window`.
    pub fn profile_fresh(&self, name: &str, window: Duration, now: Instant) -> bool {
        self.profiles
            .get(name)
            .is_some_and(|at| now.duration_since(*at) < window)
    }

    /// What still holds `id` at `now`.
    pub fn holders(&self, id: &str, now: Instant) -> Vec<String> {
        self.holds
            .iter()
            .filter(|h| h.id == id && h.until > now)
            .map(|h| h.by.clone())
            .collect()
    }

    /// The ETag strict mode answers for distribution `id` at `version`.
    pub fn etag(id: &str, version: u32) -> String {
        format!("E{version}V{id}")
    }

    /// The current ETag of distribution `id`, when strict mode has seen it.
    pub fn current_etag(&self, id: &str) -> Option<String> {
        self.distributions
            .get(id)
            .map(|d| Memory::etag(id, d.version))
    }

    /// Learn from a forwarded call of `op` and its `response`, and give CloudFront answers the
    /// distribution's strict ETag. `holds` are what the call frees once it succeeds.
    pub fn observe(
        &mut self,
        op: &Operation,
        request: &Request,
        response: &mut Response,
        holds: Vec<Hold>,
        delays: &Delays,
        now: Instant,
    ) {
        if !(200..300).contains(&response.status) {
            return;
        }
        self.holds.retain(|h| h.until > now);
        self.holds.extend(holds);
        match op.service.as_str() {
            "ec2" if !delays.not_found_after_create.is_zero() => {
                if let Some((_, element)) = CREATED_ID.iter().find(|(name, _)| *name == op.name) {
                    let body = String::from_utf8_lossy(&response.body);
                    let root = xml::parse(&body);
                    let ids = if op.name == "RunInstances" {
                        items_text(&root, "instancesSet", element)
                    } else {
                        root.descendants(element)
                            .first()
                            .map(|e| vec![e.text.clone()])
                            .unwrap_or_default()
                    };
                    for id in ids {
                        self.created.insert(id, now);
                    }
                }
            }
            "iam"
                if matches!(
                    op.name.as_str(),
                    "CreateInstanceProfile" | "AddRoleToInstanceProfile"
                ) =>
            {
                let fields = params::form(request);
                if let Some(name) = params::first(&fields, "InstanceProfileName") {
                    self.profiles.insert(name.to_string(), now);
                }
            }
            "cloudfront" => self.observe_distribution(op, request, response),
            "budgets" => super::budgets::observe(&mut self.budgets, op, request),
            _ => {}
        }
    }

    /// Track a distribution's version, switch and status, and answer its strict ETag.
    fn observe_distribution(&mut self, op: &Operation, request: &Request, response: &mut Response) {
        let body = String::from_utf8_lossy(&response.body).into_owned();
        let root = xml::parse(&body);
        let id = params::path_segment_after(request, "distribution")
            .map(str::to_string)
            .or_else(|| {
                root.descendants("Distribution")
                    .first()
                    .map(|d| d.child_text("Id").to_string())
            })
            .filter(|id| !id.is_empty());
        let Some(id) = id else { return };
        if op.name == "DeleteDistribution" {
            self.distributions.remove(&id);
            return;
        }
        let config = if root.child("DistributionConfig").is_some() {
            root.child("DistributionConfig")
        } else {
            root.descendants("Distribution")
                .first()
                .and_then(|d| d.child("DistributionConfig"))
        };
        let enabled = config
            .map(|c| c.child_text("Enabled"))
            .filter(|t| !t.is_empty())
            .map(|t| t == "true");
        let status = root
            .descendants("Distribution")
            .first()
            .map(|d| d.child_text("Status").to_string())
            .filter(|s| !s.is_empty());
        let entry = self
            .distributions
            .entry(id.clone())
            .or_insert(Distribution {
                version: 1,
                enabled: None,
                status: None,
            });
        if op.name == "UpdateDistribution" {
            entry.version += 1;
        }
        if enabled.is_some() {
            entry.enabled = enabled;
        }
        if status.is_some() {
            entry.status = status;
        }
        let etag = Memory::etag(&id, entry.version);
        for (name, value) in response.headers.iter_mut() {
            if name.eq_ignore_ascii_case("etag") {
                *value = etag.clone();
            }
        }
    }
}

/// The `element` texts of the items of every `set` in `root` (`instancesSet/item/instanceId`).
pub fn items_text(root: &xml::Element, set: &str, element: &str) -> Vec<String> {
    root.items(set)
        .map(|item| item.child_text(element).to_string())
        .filter(|t| !t.is_empty())
        .collect()
}
