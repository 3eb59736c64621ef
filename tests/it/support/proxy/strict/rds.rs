//! RDS refusals moto forgives: deleting a DB subnet group that an instance still uses
//! (AWS: `InvalidDBSubnetGroupStateFault`).

use super::checks::Ctx;
use super::params;
use super::xml;
use crate::support::moto::http;

/// Ask moto's RDS `action` directly (never through the proxy), in the judged call's region.
fn rds(ctx: &Ctx, action: &str) -> Result<xml::Element, String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/rds/aws4_request, SignedHeaders=host, Signature=0",
        ctx.upstream.region
    );
    let (status, text) = http(
        ctx.upstream.port,
        "POST",
        "/",
        &format!("Action={action}&Version=2014-10-31"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    )?;
    if status != 200 {
        return Err(format!("rds:{action} answered {status}: {text}"));
    }
    Ok(xml::parse(&text))
}

/// A DB subnet group still holding a DB instance (moto deletes it anyway).
pub fn db_subnet_group_in_use(ctx: &Ctx) -> super::checks::Verdict {
    let name = params::first(&ctx.fields, "DBSubnetGroupName").ok_or("no DBSubnetGroupName")?;
    let root = rds(ctx, "DescribeDBInstances")?;
    let users: Vec<String> = root
        .descendants("DBInstance")
        .into_iter()
        .filter(|db| {
            db.child("DBSubnetGroup")
                .is_some_and(|g| g.child_text("DBSubnetGroupName").eq_ignore_ascii_case(name))
        })
        .map(|db| format!("DB instance {}", db.child_text("DBInstanceIdentifier")))
        .collect();
    if users.is_empty() {
        Ok(None)
    } else {
        Ok(Some(format!(
            "Cannot delete the subnet group '{name}' because at least one database instance: {} is still using it. (strict test proxy)",
            users.join(", ")
        )))
    }
}
