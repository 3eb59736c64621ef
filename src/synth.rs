//! Synthetic stacks of any size, for the offline-plan benchmark and for testing the loader at
//! scale.
//!
//! Resources are placed in `depth` levels. Level 0 holds VPCs and IAM roles; later levels mix
//! subnets, security groups and instances. Every resource above level 0 depends on one to three
//! resources below it, at least one of them on the level just below, so the longest chain has
//! exactly `depth` resources. Dependencies are real references where the kinds fit (a subnet
//! or security group names its VPC, an instance its subnet and security groups) and
//! `depends_on` entries otherwise.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use std::fmt::Write;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSpec {
    /// Number of resources.
    pub resources: usize,
    /// Resources on the longest dependency chain (clamped to `1..=resources`).
    pub depth: usize,
    /// PRNG seed: the same spec always gives the same text.
    pub seed: u64,
}

/// A generated stack and tier, with what they contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthStack {
    /// The stack file (`stacks/synth.toml`).
    pub stack_toml: String,
    /// The tier file (`tiers/bench.toml`).
    pub tier_toml: String,
    /// Number of resources declared.
    pub resources: usize,
    /// Number of distinct (dependent, dependency) pairs.
    pub edges: usize,
    /// Resources on the longest dependency chain.
    pub depth: usize,
}

/// Generate a stack and a tier for `spec`.
pub fn generate(spec: &SynthSpec) -> SynthStack {
    let resources = plan_resources(spec);
    let depth = resources.iter().map(|r| r.level + 1).max().unwrap_or(0);
    let edges = resources
        .iter()
        .map(|r| r.refs.len() + r.depends_on.len())
        .sum();
    SynthStack {
        stack_toml: render_stack(spec, &resources),
        tier_toml: TIER_TOML.to_string(),
        resources: resources.len(),
        edges,
        depth,
    }
}

const TIER_TOML: &str =
    "[tier]\nname = \"bench\"\nstack = \"synth\"\n\n[vars]\ninstance_type = \"t3.small\"\n";

/// The kinds the generator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Vpc,
    IamRole,
    Subnet,
    SecurityGroup,
    Instance,
}

impl Kind {
    /// The `[resource.KIND...]` spelling.
    fn name(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::IamRole => "iam_role",
            Kind::Subnet => "subnet",
            Kind::SecurityGroup => "security_group",
            Kind::Instance => "instance",
        }
    }

    /// First letter of resource names, so names are unique across kinds.
    fn prefix(self) -> char {
        match self {
            Kind::Vpc => 'v',
            Kind::IamRole => 'r',
            Kind::Subnet => 's',
            Kind::SecurityGroup => 'g',
            Kind::Instance => 'i',
        }
    }
}

/// One planned resource. References are indices of earlier resources.
#[derive(Debug, Clone)]
struct Planned {
    kind: Kind,
    level: usize,
    /// `vpc_id` (subnet, security group) or `subnet_id` (instance).
    parent: Option<usize>,
    /// Instance security groups.
    groups: Vec<usize>,
    /// Everything referenced in attributes (parent and groups).
    refs: Vec<usize>,
    /// Dependencies without a fitting attribute.
    depends_on: Vec<usize>,
}

impl Planned {
    fn root(kind: Kind) -> Self {
        Planned {
            kind,
            level: 0,
            parent: None,
            groups: Vec::new(),
            refs: Vec::new(),
            depends_on: Vec::new(),
        }
    }

    fn depends_on_any(&self, i: usize) -> bool {
        self.refs.contains(&i) || self.depends_on.contains(&i)
    }
}

/// xorshift64*: tiny, fast and good enough to scatter resources; fixed forever so generated
/// stacks (and benchmark inputs) never change for a given seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed: distinct seeds give unrelated streams and zero is allowed.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())])
        }
    }
}

/// How many resources go on each level: one each, the rest scattered at random.
fn level_sizes(resources: usize, depth: usize, rng: &mut Rng) -> Vec<usize> {
    let mut sizes = vec![1; depth];
    for _ in depth..resources {
        sizes[rng.below(depth)] += 1;
    }
    sizes
}

/// Decide every resource's kind and dependencies, in level order.
fn plan_resources(spec: &SynthSpec) -> Vec<Planned> {
    if spec.resources == 0 {
        return Vec::new();
    }
    let depth = spec.depth.clamp(1, spec.resources);
    let mut rng = Rng::new(spec.seed);
    let sizes = level_sizes(spec.resources, depth, &mut rng);
    let mut out: Vec<Planned> = Vec::with_capacity(spec.resources);

    // Level 0: at least one VPC first, since subnets and security groups need one.
    for i in 0..sizes[0] {
        let kind = if i == 0 || rng.below(2) == 0 {
            Kind::Vpc
        } else {
            Kind::IamRole
        };
        out.push(Planned::root(kind));
    }

    let mut previous_start = 0;
    for (level, &size) in sizes.iter().enumerate().skip(1) {
        let level_start = out.len();
        let kinds: Vec<Kind> = out.iter().map(|r| r.kind).collect();
        let of_kind =
            |k: Kind| -> Vec<usize> { (0..level_start).filter(|&i| kinds[i] == k).collect() };
        let vpcs = of_kind(Kind::Vpc);
        let subnets = of_kind(Kind::Subnet);
        let groups = of_kind(Kind::SecurityGroup);
        let previous: Vec<usize> = (previous_start..level_start).collect();
        for _ in 0..size {
            let anchor = rng.pick(&previous).unwrap_or(level_start - 1);
            let can_host = !subnets.is_empty() && !groups.is_empty();
            let kind = match rng.below(if can_host { 3 } else { 2 }) {
                0 => Kind::Subnet,
                1 => Kind::SecurityGroup,
                _ => Kind::Instance,
            };
            let mut r = Planned::root(kind);
            r.level = level;
            match kind {
                Kind::Instance => {
                    plan_instance(&mut r, anchor, kinds[anchor], &subnets, &groups, &mut rng)
                }
                _ => plan_networked(&mut r, anchor, kinds[anchor], &vpcs, &mut rng),
            }
            add_extra_depends_on(&mut r, level_start, &mut rng);
            out.push(r);
        }
        previous_start = level_start;
    }
    out
}

/// A subnet or security group: references a VPC (the anchor if it is one), and depends on the
/// anchor explicitly otherwise.
fn plan_networked(
    r: &mut Planned,
    anchor: usize,
    anchor_kind: Kind,
    vpcs: &[usize],
    rng: &mut Rng,
) {
    let vpc = if anchor_kind == Kind::Vpc {
        anchor
    } else {
        // Level 0 always starts with a VPC, so the list is never empty; fall back to it anyway.
        rng.pick(vpcs).unwrap_or(0)
    };
    r.parent = Some(vpc);
    r.refs.push(vpc);
    if vpc != anchor {
        r.depends_on.push(anchor);
    }
}

/// An instance: references a subnet and one or two security groups, preferring the anchor for
/// one of them; when the anchor fits neither, it becomes a `depends_on` entry.
fn plan_instance(
    r: &mut Planned,
    anchor: usize,
    anchor_kind: Kind,
    subnets: &[usize],
    groups: &[usize],
    rng: &mut Rng,
) {
    let subnet = if anchor_kind == Kind::Subnet {
        anchor
    } else {
        rng.pick(subnets).unwrap_or(anchor)
    };
    r.parent = Some(subnet);
    r.refs.push(subnet);
    let mut chosen = Vec::new();
    if anchor_kind == Kind::SecurityGroup {
        chosen.push(anchor);
    }
    let anchor_placed = anchor_kind == Kind::Subnet || anchor_kind == Kind::SecurityGroup;
    // Three dependencies at most: without the anchor in an attribute, it takes the third slot.
    let wanted = if anchor_placed { 1 + rng.below(2) } else { 1 };
    for _ in 0..4 {
        if chosen.len() >= wanted {
            break;
        }
        if let Some(g) = rng.pick(groups) {
            if !chosen.contains(&g) {
                chosen.push(g);
            }
        }
    }
    r.groups = chosen.clone();
    r.refs.extend(chosen);
    if !anchor_placed {
        r.depends_on.push(anchor);
    }
}

/// Top a resource up to one to three dependencies with random earlier resources.
fn add_extra_depends_on(r: &mut Planned, level_start: usize, rng: &mut Rng) {
    let have = r.refs.len() + r.depends_on.len();
    if have >= 3 {
        return;
    }
    let extra = rng.below(3 - have + 1);
    for _ in 0..extra {
        let candidate = rng.below(level_start);
        if !r.depends_on_any(candidate) {
            r.depends_on.push(candidate);
        }
    }
}

/// `kind.name` of a planned resource.
fn address(resources: &[Planned], i: usize) -> String {
    let r = &resources[i];
    format!("{}.{}{}", r.kind.name(), r.kind.prefix(), i)
}

/// The stack file's text.
fn render_stack(spec: &SynthSpec, resources: &[Planned]) -> String {
    let depth = resources.iter().map(|r| r.level + 1).max().unwrap_or(0);
    let mut out = String::new();
    let _ = write!(
        out,
        "[stack]\nname = \"synth\"\ndescription = \"generated: {} resources, depth {}, seed {}\"\n\n",
        resources.len(),
        depth,
        spec.seed
    );
    out.push_str("[vars]\nami = \"ami-0123456789abcdef0\"\ninstance_type = \"t3.micro\"\n\n");
    out.push_str("[tags]\nProject = \"synth\"\nEnvironment = \"${tier.name}\"\n");
    for i in 0..resources.len() {
        render_resource(&mut out, resources, i);
    }
    let first = |k: Kind| resources.iter().position(|r| r.kind == k);
    let mut outputs = String::new();
    if let Some(v) = first(Kind::Vpc) {
        let _ = writeln!(
            outputs,
            "first_vpc_id = \"${{{}.id}}\"",
            address(resources, v)
        );
    }
    if let Some(i) = first(Kind::Instance) {
        let _ = writeln!(
            outputs,
            "first_instance_ip = \"${{{}.public_ip}}\"",
            address(resources, i)
        );
    }
    if !outputs.is_empty() {
        out.push_str("\n[output]\n");
        out.push_str(&outputs);
    }
    out
}

fn render_resource(out: &mut String, resources: &[Planned], i: usize) {
    let r = &resources[i];
    let name = format!("{}{}", r.kind.prefix(), i);
    let reference = |j: usize| format!("\"${{{}.id}}\"", address(resources, j));
    let _ = writeln!(out, "\n[resource.{}.{name}]", r.kind.name());
    match r.kind {
        Kind::Vpc => {
            let _ = writeln!(out, "cidr_block = \"10.{}.0.0/16\"", i % 256);
        }
        Kind::IamRole => {
            let _ = writeln!(out, "name = \"{name}\"");
            out.push_str(
                "assume_role_policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", \
                 Principal = { Service = \"ec2.amazonaws.com\" }, Action = \"sts:AssumeRole\" }] }\n",
            );
        }
        Kind::Subnet => {
            let vpc = r.parent.unwrap_or(0);
            let _ = writeln!(out, "vpc_id = {}", reference(vpc));
            // Inside its VPC's /16 (VPC `vN` has 10.(N mod 256).0.0/16).
            let _ = writeln!(out, "cidr_block = \"10.{}.{}.0/24\"", vpc % 256, i % 256);
            let zone = ["a", "b", "c"][i % 3];
            let _ = writeln!(out, "availability_zone = \"us-east-1{zone}\"");
        }
        Kind::SecurityGroup => {
            if let Some(vpc) = r.parent {
                let _ = writeln!(out, "vpc_id = {}", reference(vpc));
            }
            let port = [22, 80, 443, 5432, 8080][i % 5];
            let _ = writeln!(out, "name = \"{name}\"\ndescription = \"generated\"");
            let _ = writeln!(
                out,
                "ingress = [{{ protocol = \"tcp\", from_port = {port}, to_port = {port}, \
                 cidr_blocks = [\"0.0.0.0/0\"] }}]"
            );
        }
        Kind::Instance => {
            out.push_str("ami = \"${var.ami}\"\ninstance_type = \"${var.instance_type}\"\n");
            if let Some(subnet) = r.parent {
                let _ = writeln!(out, "subnet_id = {}", reference(subnet));
            }
            let groups: Vec<String> = r.groups.iter().map(|&g| reference(g)).collect();
            let _ = writeln!(out, "vpc_security_group_ids = [{}]", groups.join(", "));
            let _ = writeln!(out, "user_data = \"#!/bin/bash\\necho {name}\\n\"");
        }
    }
    if !r.depends_on.is_empty() {
        let deps: Vec<String> = r
            .depends_on
            .iter()
            .map(|&d| format!("\"{}\"", address(resources, d)))
            .collect();
        let _ = writeln!(out, "depends_on = [{}]", deps.join(", "));
    }
}
