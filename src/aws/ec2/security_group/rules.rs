//! Security group rules, taken apart into single permissions (one protocol, port range and
//! source each) so that the live group can be brought to the desired one by authorizing and
//! revoking exactly the difference.
//!
//! Configuration writes a rule as a table that may name several sources
//! (`{ protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = [...],
//! prefix_list_name = "..." }`); EC2 reports permissions grouped its own way. Both sides are
//! flattened to [`Permission`]s, compared, and read back in one canonical shape
//! ([`to_tables`]).

use crate::aws::attrs::{int_of, str_list, str_of};
use crate::provider::ProviderError;
use crate::value::Value;
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use std::collections::BTreeMap;

/// Where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    /// An IPv4 CIDR block.
    Cidr(String),
    /// An IPv6 CIDR block.
    Ipv6(String),
    /// Another security group, by id.
    Group(String),
    /// A managed prefix list, by name (ids differ per region and, in the emulator, per run).
    PrefixList(String),
}

/// One permission: protocol, port range and one peer. The description is not part of it: AWS
/// identifies a rule without it, and changes it with a separate call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    /// `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all).
    pub protocol: String,
    /// First port (ICMP type); absent for all protocols.
    pub from_port: Option<i32>,
    /// Last port (ICMP code); absent for all protocols.
    pub to_port: Option<i32>,
    /// The peer.
    pub peer: Peer,
}

/// Permissions with their descriptions.
pub type Permissions = BTreeMap<Permission, Option<String>>;

/// The protocol as EC2 reports it: names for the common numbers, `-1` for all.
fn protocol(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// Ports mean nothing for "all protocols": EC2 drops them, so do we.
fn ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> (Option<i32>, Option<i32>) {
    if protocol == "-1" {
        (None, None)
    } else {
        (from, to)
    }
}

/// The desired permissions of a list of rule tables (`ingress` or `egress`).
pub fn desired(
    tables: &[&BTreeMap<String, Value>],
    attr: &str,
    op: &str,
) -> Result<Permissions, ProviderError> {
    // The keys a rule table may hold, as the schema declares them.
    let keys: Vec<&str> = super::rule_fields().iter().map(|f| f.name).collect();
    let mut out = Permissions::new();
    for table in tables {
        if let Some(unknown) = table.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "unknown key `{unknown}` in a `{attr}` rule; rules take {}",
                    keys.join(", ")
                ),
            ));
        }
        let proto = protocol(str_of(table, "protocol").ok_or_else(|| {
            ProviderError::invalid(op, format!("each `{attr}` rule needs a `protocol`"))
        })?);
        let port = |name: &str| -> Result<Option<i32>, ProviderError> {
            int_of(table, name)
                .map(|p| {
                    i32::try_from(p).map_err(|_| {
                        ProviderError::invalid(op, format!("`{name}` {p} is not a port"))
                    })
                })
                .transpose()
        };
        let (from_port, to_port) = ports(&proto, port("from_port")?, port("to_port")?);
        let mut peers: Vec<Peer> = str_list(table, "cidr_blocks")
            .into_iter()
            .map(Peer::Cidr)
            .collect();
        peers.extend(
            str_list(table, "ipv6_cidr_blocks")
                .into_iter()
                .map(Peer::Ipv6),
        );
        peers.extend(str_of(table, "source_security_group_id").map(|g| Peer::Group(g.to_string())));
        peers.extend(str_of(table, "prefix_list_name").map(|p| Peer::PrefixList(p.to_string())));
        if peers.is_empty() {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "a `{attr}` rule needs a peer: cidr_blocks, ipv6_cidr_blocks, \
                     source_security_group_id or prefix_list_name"
                ),
            ));
        }
        let description = str_of(table, "description").map(str::to_string);
        for peer in peers {
            out.insert(
                Permission {
                    protocol: proto.clone(),
                    from_port,
                    to_port,
                    peer,
                },
                description.clone(),
            );
        }
    }
    Ok(out)
}

/// The live permissions of a group, prefix lists named through `names` (id → name; an id it
/// does not know is kept as the id so that the rule is never silently dropped).
pub fn from_ec2(perms: &[IpPermission], names: &BTreeMap<String, String>) -> Permissions {
    let mut out = Permissions::new();
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    for p in perms {
        let proto = protocol(p.ip_protocol().unwrap_or("-1"));
        let (from_port, to_port) = ports(&proto, p.from_port(), p.to_port());
        let mut add = |peer: Peer, description: Option<String>| {
            out.insert(
                Permission {
                    protocol: proto.clone(),
                    from_port,
                    to_port,
                    peer,
                },
                description,
            );
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                add(Peer::Cidr(c.to_string()), text(r.description()));
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                add(Peer::Ipv6(c.to_string()), text(r.description()));
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                add(Peer::Group(id.to_string()), text(g.description()));
            }
        }
        for l in p.prefix_list_ids() {
            if let Some(id) = l.prefix_list_id() {
                let name = names.get(id).cloned().unwrap_or_else(|| id.to_string());
                add(Peer::PrefixList(name), text(l.description()));
            }
        }
    }
    out
}

/// Whether any permission names a prefix list (then its id must be looked up).
pub fn uses_prefix_lists(perms: &Permissions) -> bool {
    perms.keys().any(|p| matches!(p.peer, Peer::PrefixList(_)))
}

/// Check that every prefix list named in `perms` exists (`ids`: name → id), so that nothing
/// is created or changed when one would fail half-way.
pub fn check_prefix_lists(
    perms: &Permissions,
    ids: &BTreeMap<String, String>,
    op: &str,
) -> Result<(), ProviderError> {
    for p in perms.keys() {
        if let Peer::PrefixList(name) = &p.peer {
            if !ids.contains_key(name) && !name.starts_with("pl-") {
                return Err(unknown_list(name, op));
            }
        }
    }
    Ok(())
}

fn unknown_list(name: &str, op: &str) -> ProviderError {
    ProviderError::invalid(
        op,
        format!("no managed prefix list named `{name}` in this region"),
    )
}

/// Whether any live permission refers to a prefix list id.
pub fn ec2_uses_prefix_lists(perms: &[IpPermission]) -> bool {
    perms.iter().any(|p| !p.prefix_list_ids().is_empty())
}

/// One permission as an EC2 `IpPermission`, prefix list names resolved through `ids`
/// (name → id).
pub fn to_ec2(
    perm: &Permission,
    description: Option<&str>,
    ids: &BTreeMap<String, String>,
    op: &str,
) -> Result<IpPermission, ProviderError> {
    let call = IpPermission::builder()
        .ip_protocol(&perm.protocol)
        .set_from_port(perm.from_port)
        .set_to_port(perm.to_port);
    let desc = description.map(str::to_string);
    Ok(match &perm.peer {
        Peer::Cidr(c) => {
            call.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build())
        }
        Peer::Ipv6(c) => call.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(c)
                .set_description(desc)
                .build(),
        ),
        Peer::Group(g) => call.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(g)
                .set_description(desc)
                .build(),
        ),
        Peer::PrefixList(name) => {
            // A name that is already an id (a list this account cannot name) passes as is.
            let known = ids
                .get(name)
                .or_else(|| name.starts_with("pl-").then_some(name));
            let id = known.ok_or_else(|| unknown_list(name, op))?;
            call.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(id)
                    .set_description(desc)
                    .build(),
            )
        }
    }
    .build())
}

/// What to do to the live permissions to reach the desired ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RuleChanges {
    /// Permissions to revoke.
    pub revoke: Vec<Permission>,
    /// Permissions to authorize, with their descriptions.
    pub authorize: Vec<(Permission, Option<String>)>,
    /// Permissions kept whose description changes.
    pub redescribe: Vec<(Permission, Option<String>)>,
}

impl RuleChanges {
    /// Whether nothing needs doing.
    pub fn is_empty(&self) -> bool {
        self.revoke.is_empty() && self.authorize.is_empty() && self.redescribe.is_empty()
    }
}

/// The changes from `live` to `want`.
pub fn changes(live: &Permissions, want: &Permissions) -> RuleChanges {
    let mut out = RuleChanges {
        revoke: live
            .keys()
            .filter(|p| !want.contains_key(*p))
            .cloned()
            .collect(),
        ..RuleChanges::default()
    };
    for (perm, desc) in want {
        match live.get(perm) {
            None => out.authorize.push((perm.clone(), desc.clone())),
            Some(have) if have != desc => out.redescribe.push((perm.clone(), desc.clone())),
            Some(_) => {}
        }
    }
    out
}

/// The canonical rule tables of a set of permissions: CIDR peers of the same protocol, ports
/// and description share a table; each group and prefix-list peer has its own.
pub fn to_tables(perms: &Permissions) -> Value {
    type Head = (String, Option<i32>, Option<i32>, Option<String>);
    let mut cidrs: BTreeMap<Head, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut singles: Vec<(Head, &'static str, String)> = Vec::new();
    for (p, desc) in perms {
        let head = (p.protocol.clone(), p.from_port, p.to_port, desc.clone());
        match &p.peer {
            Peer::Cidr(c) => cidrs.entry(head).or_default().0.push(c.clone()),
            Peer::Ipv6(c) => cidrs.entry(head).or_default().1.push(c.clone()),
            Peer::Group(g) => singles.push((head, "source_security_group_id", g.clone())),
            Peer::PrefixList(n) => singles.push((head, "prefix_list_name", n.clone())),
        }
    }
    let base = |(protocol, from, to, desc): &Head| {
        let mut t = BTreeMap::new();
        t.insert("protocol".to_string(), Value::String(protocol.clone()));
        if let Some(f) = from {
            t.insert("from_port".to_string(), Value::Int(i64::from(*f)));
        }
        if let Some(f) = to {
            t.insert("to_port".to_string(), Value::Int(i64::from(*f)));
        }
        if let Some(d) = desc {
            t.insert("description".to_string(), Value::String(d.clone()));
        }
        t
    };
    let list = |items: &[String]| Value::List(items.iter().cloned().map(Value::String).collect());
    // (protocol and ports, then CIDR tables before single peers, then the peer) orders them.
    let mut tables: Vec<(Head, String, BTreeMap<String, Value>)> = Vec::new();
    for (head, (v4, v6)) in &cidrs {
        let mut t = base(head);
        if !v4.is_empty() {
            t.insert("cidr_blocks".to_string(), list(v4));
        }
        if !v6.is_empty() {
            t.insert("ipv6_cidr_blocks".to_string(), list(v6));
        }
        tables.push((head.clone(), String::new(), t));
    }
    for (head, key, value) in singles {
        let mut t = base(&head);
        t.insert(key.to_string(), Value::String(value.clone()));
        tables.push((head, format!("{key}={value}"), t));
    }
    // Sorted by protocol and ports first so that the list reads like a firewall listing.
    tables.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Value::List(tables.into_iter().map(|(_, _, t)| Value::Map(t)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn https() -> BTreeMap<String, Value> {
        rule(&[
            ("protocol", Value::str("tcp")),
            ("from_port", Value::Int(443)),
            ("to_port", Value::Int(443)),
            (
                "cidr_blocks",
                Value::List(vec![Value::str("10.0.0.0/8"), Value::str("192.168.0.0/16")]),
            ),
            (
                "prefix_list_name",
                Value::str("com.amazonaws.global.cloudfront.origin-facing"),
            ),
            ("description", Value::str("web")),
        ])
    }

    #[test]
    fn a_rule_with_several_peers_is_several_permissions() {
        let perms = desired(&[&https()], "ingress", "op").expect("valid");
        assert_eq!(perms.len(), 3);
        assert!(uses_prefix_lists(&perms));
        assert!(perms.values().all(|d| d.as_deref() == Some("web")));
    }

    #[test]
    fn canonical_tables_round_trip() {
        let perms = desired(&[&https()], "ingress", "op").expect("valid");
        let Value::List(tables) = to_tables(&perms) else {
            panic!("a list")
        };
        assert_eq!(tables.len(), 2, "cidrs together, the prefix list apart");
        let back: Vec<_> = tables
            .iter()
            .map(|t| match t {
                Value::Map(m) => m.clone(),
                _ => panic!("a table"),
            })
            .collect();
        let refs: Vec<_> = back.iter().collect();
        assert_eq!(desired(&refs, "ingress", "op").expect("valid"), perms);
    }

    #[test]
    fn all_protocols_drop_ports_and_bad_rules_are_refused() {
        let all = rule(&[
            ("protocol", Value::str("all")),
            ("from_port", Value::Int(0)),
            ("to_port", Value::Int(65535)),
            ("cidr_blocks", Value::List(vec![Value::str("0.0.0.0/0")])),
        ]);
        let perms = desired(&[&all], "egress", "op").expect("valid");
        let p = perms.keys().next().expect("one");
        assert_eq!(
            (p.protocol.as_str(), p.from_port, p.to_port),
            ("-1", None, None)
        );
        let no_peer = rule(&[("protocol", Value::str("tcp"))]);
        assert!(desired(&[&no_peer], "ingress", "op").is_err());
        let typo = rule(&[("protocol", Value::str("tcp")), ("cidr", Value::str("x"))]);
        let err = desired(&[&typo], "ingress", "op").expect_err("unknown key");
        assert!(err.message.contains("`cidr`"), "{err}");
    }

    #[test]
    fn changes_are_the_difference() {
        let perm = |cidr: &str| Permission {
            protocol: "tcp".into(),
            from_port: Some(22),
            to_port: Some(22),
            peer: Peer::Cidr(cidr.into()),
        };
        let live = Permissions::from([(perm("1.1.1.1/32"), None), (perm("2.2.2.2/32"), None)]);
        let want = Permissions::from([
            (perm("2.2.2.2/32"), Some("ops".into())),
            (perm("3.3.3.3/32"), None),
        ]);
        let c = changes(&live, &want);
        assert_eq!(c.revoke, vec![perm("1.1.1.1/32")]);
        assert_eq!(c.authorize, vec![(perm("3.3.3.3/32"), None)]);
        assert_eq!(c.redescribe, vec![(perm("2.2.2.2/32"), Some("ops".into()))]);
        assert!(changes(&want, &want).is_empty());
    }
}
