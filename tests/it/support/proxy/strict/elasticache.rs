//! ElastiCache as strict mode models it where moto falls short.
//!
//! moto 5.2 has no `DeleteCacheSubnetGroup`, and keeps a deleted replication group as
//! `deleting` for ever. Strict mode therefore:
//! - refuses `DeleteCacheSubnetGroup` with `CacheSubnetGroupNotFoundFault` for a group moto
//!   does not hold (or one strict mode deleted), and with `CacheSubnetGroupInUse` while a
//!   replication group created through it (and not deleted since) names the group;
//! - otherwise answers the delete itself (moto's "not implemented" becomes a success) and from
//!   then on hides the group: `DescribeCacheSubnetGroups` leaves it out of lists and answers
//!   `CacheSubnetGroupNotFoundFault` when it is asked for by name;
//! - hides a replication group once `DeleteReplicationGroup` succeeded, the same way
//!   (`ReplicationGroupNotFoundFault`), as AWS does once the deletion finishes;
//! - gives a replication group without cluster mode the member clusters its create asked for:
//!   moto 5.2 makes only the primary (its replica loop reads `ReplicasPerNodeGroup`, not
//!   `NumCacheClusters`), AWS makes `NumCacheClusters` members, `ID-001` … `ID-00N`. Create
//!   and describe answers list them;
//! - answers `IncreaseReplicaCount` and `DecreaseReplicaCount` itself (moto lacks both) for a
//!   group it created, refusing a count that does not grow (or shrink) or exceeds 5 replicas
//!   with `InvalidParameterValue`, and a group it does not know with
//!   `ReplicationGroupNotFoundFault`; describes then list the new members.
//!
//! Not modelled: re-creating a deleted name (moto still holds it and refuses), the Resource
//! Groups Tagging API, which still lists deleted resources, and the replicas' own entries in
//! `NodeGroupMembers` and `DescribeCacheClusters`.

use super::super::faults::{error_response, FaultKind, Injected};
use super::super::http::{Request, Response};
use super::super::operation::Operation;
use super::checks::{Ctx, Verdict};
use super::params;
use super::xml;
use crate::support::moto::http;
use std::collections::{BTreeMap, BTreeSet};

/// What strict mode knows of ElastiCache.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Replication group id → the subnet group its create named.
    pub group_subnets: BTreeMap<String, String>,
    /// Replication groups deleted through the proxy.
    pub deleted_groups: BTreeSet<String>,
    /// Cache subnet groups deleted through the proxy.
    pub deleted_subnet_groups: BTreeSet<String>,
    /// Replication group id → its member clusters (primary and replicas), for the groups
    /// without cluster mode created through the proxy.
    pub members: BTreeMap<String, usize>,
}

/// Ask moto's ElastiCache `action` directly, in the judged call's region.
fn elasticache(ctx: &Ctx, action: &str, extra: &str) -> Result<(u16, String), String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/elasticache/aws4_request, SignedHeaders=host, Signature=0",
        ctx.upstream.region
    );
    http(
        ctx.upstream.port,
        "POST",
        "/",
        &format!("Action={action}&Version=2015-02-02{extra}"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    )
}

/// A cache subnet group that moto does not hold, or that strict mode deleted.
pub fn cache_subnet_group_missing(ctx: &Ctx) -> Verdict {
    let name =
        params::first(&ctx.fields, "CacheSubnetGroupName").ok_or("no CacheSubnetGroupName")?;
    let gone = ctx.memory.elasticache.deleted_subnet_groups.contains(name) || {
        let (status, _) = elasticache(
            ctx,
            "DescribeCacheSubnetGroups",
            &format!("&CacheSubnetGroupName={}", params::percent_encode(name)),
        )?;
        status != 200
    };
    Ok(gone.then(|| format!("CacheSubnetGroup {name} not found. (strict test proxy)")))
}

/// A cache subnet group named by a replication group that still exists.
pub fn cache_subnet_group_in_use(ctx: &Ctx) -> Verdict {
    let name =
        params::first(&ctx.fields, "CacheSubnetGroupName").ok_or("no CacheSubnetGroupName")?;
    let model = &ctx.memory.elasticache;
    let users: Vec<String> = model
        .group_subnets
        .iter()
        .filter(|(group, subnets)| *subnets == name && !model.deleted_groups.contains(*group))
        .map(|(group, _)| format!("replication group {group}"))
        .collect();
    if users.is_empty() {
        Ok(None)
    } else {
        Ok(Some(format!(
            "Cache subnet group {name} is currently in use by a cache cluster. (strict test proxy: still used by {})",
            users.join(", ")
        )))
    }
}

/// Learn from an ElastiCache call and rewrite its answer where moto falls short (see the
/// module's documentation).
pub fn observe(model: &mut Model, op: &Operation, request: &Request, response: &mut Response) {
    if op.service != "elasticache" {
        return;
    }
    let fields = params::form(request);
    let field = |key: &str| params::first(&fields, key).map(str::to_string);
    let ok = (200..300).contains(&response.status);
    match op.name.as_str() {
        "CreateReplicationGroup" if ok => {
            if let (Some(id), Some(subnets)) =
                (field("ReplicationGroupId"), field("CacheSubnetGroupName"))
            {
                model.group_subnets.insert(id, subnets);
            }
            let clustered =
                field("NumNodeGroups").is_some() || field("ReplicasPerNodeGroup").is_some();
            if let (Some(id), Some(n), false) = (
                field("ReplicationGroupId"),
                field("NumCacheClusters").and_then(|n| n.parse().ok()),
                clustered,
            ) {
                model.members.insert(id, n);
                list_members(response, &model.members);
            }
        }
        "IncreaseReplicaCount" | "DecreaseReplicaCount" if ok => {
            if let (Some(id), Some(replicas)) = (
                field("ReplicationGroupId"),
                field("NewReplicaCount").and_then(|n| n.parse::<usize>().ok()),
            ) {
                model.members.insert(id, replicas + 1);
            }
        }
        "DeleteReplicationGroup" if ok => {
            if let Some(id) = field("ReplicationGroupId") {
                model.deleted_groups.insert(id);
            }
        }
        "DeleteCacheSubnetGroup" => {
            // Reached only when the rules let it through: the group exists and is unused.
            if let Some(name) = field("CacheSubnetGroupName") {
                model.deleted_subnet_groups.insert(name);
                *response = Response::new(
                    200,
                    "text/xml",
                    format!(
                        "<DeleteCacheSubnetGroupResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>",
                        uuid::Uuid::new_v4()
                    ),
                );
            }
        }
        "DescribeCacheSubnetGroups" if ok => hide(
            op,
            response,
            field("CacheSubnetGroupName"),
            &model.deleted_subnet_groups,
            ("CacheSubnetGroup", "CacheSubnetGroupName"),
            "CacheSubnetGroupNotFoundFault",
        ),
        "DescribeReplicationGroups" if ok => {
            hide(
                op,
                response,
                field("ReplicationGroupId"),
                &model.deleted_groups,
                ("ReplicationGroup", "ReplicationGroupId"),
                "ReplicationGroupNotFoundFault",
            );
            if (200..300).contains(&response.status) {
                list_members(response, &model.members);
            }
        }
        _ => {}
    }
}

/// Strict mode's own answer to the replica-count calls moto lacks (see the module's
/// documentation); `None` for every other call.
pub fn answer(model: &Model, op: &Operation, request: &Request) -> Option<Response> {
    let growing = match op.name.as_str() {
        "IncreaseReplicaCount" => true,
        "DecreaseReplicaCount" => false,
        _ => return None,
    };
    let fields = params::form(request);
    let id = params::first(&fields, "ReplicationGroupId").unwrap_or("");
    let wanted = params::first(&fields, "NewReplicaCount").and_then(|n| n.parse::<usize>().ok());
    let refuse = |status: u16, code: &str, message: String| {
        Some(error_response(
            op,
            &Injected {
                kind: FaultKind::Strict,
                code: Some(code.to_string()),
                status,
                message: Some(format!("{message} (strict test proxy)")),
            },
        ))
    };
    let Some(&nodes) = model
        .members
        .get(id)
        .filter(|_| !model.deleted_groups.contains(id))
    else {
        return refuse(
            404,
            "ReplicationGroupNotFoundFault",
            format!("Replication group {id} not found."),
        );
    };
    let Some(replicas) = wanted else {
        return refuse(
            400,
            "InvalidParameterValue",
            "NewReplicaCount is required.".to_string(),
        );
    };
    let current = nodes - 1;
    let direction_ok = if growing {
        replicas > current
    } else {
        replicas < current
    };
    if replicas > 5 || !direction_ok {
        return refuse(
            400,
            "InvalidParameterValue",
            format!(
                "The new replica count {replicas} must be {} the current {current} and at most 5.",
                if growing { "above" } else { "below" }
            ),
        );
    }
    let action = op.name.as_str();
    Some(Response::new(
        200,
        "text/xml",
        format!(
            "<{action}Response xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><{action}Result><ReplicationGroup><ReplicationGroupId>{id}</ReplicationGroupId><Status>modifying</Status></ReplicationGroup></{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
            uuid::Uuid::new_v4()
        ),
    ))
}

/// In every `<ReplicationGroup>` of the answer whose members strict mode knows, list them
/// (`ID-001` … `ID-00N`) in `<MemberClusters>`.
fn list_members(response: &mut Response, members: &BTreeMap<String, usize>) {
    if members.is_empty() {
        return;
    }
    each_element(
        response,
        ("ReplicationGroup", "ReplicationGroupId"),
        |id, element| match members.get(id) {
            Some(&n) => Some(with_members(element, id, n)),
            None => Some(element.to_string()),
        },
    );
}

/// Rewrite each `<member>` element of the answer through `f` (given its `<key>` text and the
/// element's XML): its result replaces the element, `None` drops it.
fn each_element(
    response: &mut Response,
    (member, key): (&str, &str),
    f: impl Fn(&str, &str) -> Option<String>,
) {
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let (open, close) = (format!("<{member}>"), format!("</{member}>"));
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(start) = rest.find(&open) {
        let Some(len) = rest[start..].find(&close) else {
            break;
        };
        let end = start + len + close.len();
        let element = &rest[start..end];
        let id = xml::parse(element)
            .child(member)
            .map(|m| m.child_text(key).to_string())
            .unwrap_or_default();
        out.push_str(&rest[..start]);
        if let Some(kept) = f(&id, element) {
            out.push_str(&kept);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    set_body(response, out);
}

/// `element` with its `<MemberClusters>` (present, empty or missing) listing `n` members.
fn with_members(element: &str, id: &str, n: usize) -> String {
    let list: String = (1..=n)
        .map(|k| format!("<ClusterId>{id}-{k:03}</ClusterId>"))
        .collect();
    let listed = format!("<MemberClusters>{list}</MemberClusters>");
    if let Some(start) = element.find("<MemberClusters>") {
        if let Some(len) = element[start..].find("</MemberClusters>") {
            let end = start + len + "</MemberClusters>".len();
            return format!("{}{listed}{}", &element[..start], &element[end..]);
        }
    }
    if let Some(start) = element.find("<MemberClusters/>") {
        let end = start + "<MemberClusters/>".len();
        return format!("{}{listed}{}", &element[..start], &element[end..]);
    }
    let inner = element.len() - "</ReplicationGroup>".len();
    format!("{}{listed}</ReplicationGroup>", &element[..inner])
}

/// Replace the body of `response`, keeping its Content-Length true.
fn set_body(response: &mut Response, body: String) {
    response.body = body.into_bytes();
    for (name, value) in response.headers.iter_mut() {
        if name.eq_ignore_ascii_case("content-length") {
            *value = response.body.len().to_string();
        }
    }
}

/// Take the deleted `hidden` members (`<member>` elements whose `<key>` is hidden) out of a
/// describe answer; a describe asking for one of them by name answers `not_found`.
fn hide(
    op: &Operation,
    response: &mut Response,
    asked: Option<String>,
    hidden: &BTreeSet<String>,
    (member, key): (&str, &str),
    not_found: &str,
) {
    if hidden.is_empty() {
        return;
    }
    if let Some(name) = asked.filter(|n| hidden.contains(n)) {
        *response = error_response(
            op,
            &Injected {
                kind: FaultKind::Strict,
                code: Some(not_found.to_string()),
                status: 404,
                message: Some(format!("{name} not found (deleted; strict test proxy)")),
            },
        );
        return;
    }
    each_element(response, (member, key), |id, element| {
        (!hidden.contains(id)).then(|| element.to_string())
    });
}
