//! Upgrades of older state documents to the current [`FORMAT_VERSION`], in memory.
//!
//! Each step turns the JSON of version `n` into the JSON of version `n + 1`; [`migrate`] chains
//! them. The file on disk is never rewritten by a migration: the upgraded state is written only
//! by the next `save`, which first keeps the old bytes as a backup.
//!
//! ## Format v0 (pre-release)
//!
//! ```json
//! {
//!   "version": 0,
//!   "serial": 7,
//!   "lineage": "3b9d…",
//!   "deployment": "dev",
//!   "resources": [
//!     { "address": "vpc.main", "type": "vpc", "id": "vpc-0abc",
//!       "attrs": { "cidr_block": "10.42.0.0/16" }, "deps": [], "origin": "created" }
//!   ],
//!   "outputs": { "n8n_url": "http://203.0.113.7:5678" }
//! }
//! ```
//!
//! v0 had no checksum, no timestamps, no stack or tier, and outputs were bare values. The v0→v1
//! step sets `created_at`/`updated_at` to [`UNKNOWN_TIME`] (the Unix epoch) rather than guessing
//! from the file's modification time, which says when the file was last written, not when the
//! resource was created; `stack` becomes `""`, `tier` none, every output non-sensitive.

use super::clock::UNKNOWN_TIME;
use super::model::FORMAT_VERSION;
use crate::address::Address;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;

/// A migration step that could not handle its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("format_version {from} -> {to}: {reason}")]
pub struct MigrationError {
    /// Version the failing step started from.
    pub from: u32,
    /// Version it was producing.
    pub to: u32,
    /// What was wrong with the input.
    pub reason: String,
}

/// One step: the JSON of version `from` to the JSON of version `from + 1`.
type Step = fn(Map<String, Json>) -> Result<Map<String, Json>, String>;

/// The chain of steps, indexed by the version each one starts from.
const STEPS: &[(u32, Step)] = &[(0, v0_to_v1)];

/// Upgrade a document of version `from` to the JSON shape of [`FORMAT_VERSION`] (without the
/// checksum, which older formats did not have).
pub fn migrate(doc: Json, from: u32) -> Result<Json, MigrationError> {
    let mut version = from;
    let Json::Object(mut map) = doc else {
        return Err(MigrationError {
            from,
            to: from + 1,
            reason: "the document is not a JSON object".into(),
        });
    };
    while version < FORMAT_VERSION {
        let fail = |reason: String| MigrationError {
            from: version,
            to: version + 1,
            reason,
        };
        let step = STEPS
            .iter()
            .find(|(start, _)| *start == version)
            .map(|(_, step)| *step)
            .ok_or_else(|| fail(format!("no migration step starts at version {version}")))?;
        map = step(map).map_err(fail)?;
        version += 1;
    }
    Ok(Json::Object(map))
}

fn v0_to_v1(mut v0: Map<String, Json>) -> Result<Map<String, Json>, String> {
    let serial = v0
        .get("serial")
        .and_then(Json::as_u64)
        .ok_or("`serial` is missing or not a non-negative integer")?;
    let lineage = take_string(&mut v0, "lineage")?;
    let deployment = take_string(&mut v0, "deployment")?;

    let mut resources = Map::new();
    let mut seen = BTreeSet::new();
    let listed = match v0.remove("resources") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items,
        Some(_) => return Err("`resources` is not a list".into()),
    };
    for (index, item) in listed.into_iter().enumerate() {
        let Json::Object(mut res) = item else {
            return Err(format!("resources[{index}] is not an object"));
        };
        let at = |what: &str| format!("resources[{index}]: {what}");
        let address_text = take_string(&mut res, "address").map_err(|e| at(&e))?;
        let address: Address = address_text.parse().map_err(|e| at(&format!("{e}")))?;
        let kind = take_string(&mut res, "type").map_err(|e| at(&e))?;
        if kind != address.kind {
            return Err(at(&format!(
                "`type` is `{kind}` but the address `{address}` says `{}`",
                address.kind
            )));
        }
        if !seen.insert(address.clone()) {
            return Err(at(&format!("`{address}` is listed twice")));
        }
        let id = match res.remove("id") {
            None | Some(Json::Null) => Json::Null,
            Some(Json::String(s)) => Json::String(s),
            Some(_) => return Err(at("`id` is not a string")),
        };
        let attributes = match res.remove("attrs") {
            None | Some(Json::Null) => Json::Object(Map::new()),
            Some(Json::Object(attrs)) => Json::Object(attrs),
            Some(_) => return Err(at("`attrs` is not an object")),
        };
        let dependencies = match res.remove("deps") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(deps)) => deps,
            Some(_) => return Err(at("`deps` is not a list")),
        };
        for dep in &dependencies {
            let ok = dep.as_str().is_some_and(|d| d.parse::<Address>().is_ok());
            if !ok {
                return Err(at(&format!("dependency {dep} is not a resource address")));
            }
        }
        let provenance = take_string(&mut res, "origin").map_err(|e| at(&e))?;
        if !matches!(provenance.as_str(), "created" | "reused" | "imported") {
            return Err(at(&format!(
                "`origin` is `{provenance}`, expected created, reused or imported"
            )));
        }
        resources.insert(
            address.to_string(),
            json!({
                "address": address.to_string(),
                "kind": kind,
                "id": id,
                "attributes": attributes,
                "dependencies": dependencies,
                "provenance": provenance,
                "created_at": UNKNOWN_TIME,
                "updated_at": UNKNOWN_TIME,
            }),
        );
    }

    let outputs = match v0.remove("outputs") {
        None | Some(Json::Null) => Map::new(),
        Some(Json::Object(outputs)) => outputs
            .into_iter()
            .map(|(name, value)| (name, json!({ "value": value, "sensitive": false })))
            .collect(),
        Some(_) => return Err("`outputs` is not an object".into()),
    };

    let v1 = json!({
        "format_version": 1,
        "serial": serial,
        "lineage": lineage,
        "deployment": deployment,
        "stack": "",
        "tier": null,
        "resources": resources,
        "outputs": outputs,
    });
    match v1 {
        Json::Object(map) => Ok(map),
        _ => Err("internal: v1 document is not an object".into()),
    }
}

fn take_string(map: &mut Map<String, Json>, key: &str) -> Result<String, String> {
    match map.remove(key) {
        Some(Json::String(s)) => Ok(s),
        Some(_) => Err(format!("`{key}` is not a string")),
        None => Err(format!("`{key}` is missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::{Provenance, State};

    fn v0_doc() -> Json {
        json!({
            "version": 0,
            "serial": 3,
            "lineage": "l-1",
            "deployment": "dev",
            "resources": [
                {"address": "vpc.main", "type": "vpc", "id": "vpc-1",
                 "attrs": {"cidr_block": "10.0.0.0/16"}, "deps": [], "origin": "reused"},
                {"address": "subnet.a", "type": "subnet", "id": null,
                 "deps": ["vpc.main"], "origin": "created"}
            ],
            "outputs": {"url": "http://x"}
        })
    }

    #[test]
    fn v0_becomes_a_valid_v1_state() {
        let v1 = migrate(v0_doc(), 0).unwrap();
        let state: State = serde_json::from_value(v1).unwrap();
        assert_eq!(state.format_version, 1);
        assert_eq!(state.serial, 3);
        assert_eq!(state.lineage, "l-1");
        let vpc = &state.resources[&Address::new("vpc", "main")];
        assert_eq!(vpc.provenance, Provenance::Reused);
        assert_eq!(vpc.id.as_deref(), Some("vpc-1"));
        assert_eq!(vpc.created_at, UNKNOWN_TIME);
        let subnet = &state.resources[&Address::new("subnet", "a")];
        assert_eq!(subnet.id, None);
        assert_eq!(subnet.dependencies, vec![Address::new("vpc", "main")]);
        assert!(subnet.attributes.is_empty());
        assert_eq!(state.outputs["url"].value, crate::Value::str("http://x"));
        assert!(!state.outputs["url"].sensitive);
    }

    #[test]
    fn bad_v0_input_names_the_step_and_the_problem() {
        let mut doc = v0_doc();
        doc["resources"][1]["origin"] = json!("stolen");
        let err = migrate(doc, 0).unwrap_err();
        assert_eq!((err.from, err.to), (0, 1));
        assert!(err.reason.contains("resources[1]"), "{}", err.reason);
        assert!(err.reason.contains("stolen"), "{}", err.reason);

        let mut doc = v0_doc();
        doc["resources"][0]["type"] = json!("subnet");
        assert!(migrate(doc, 0).unwrap_err().reason.contains("says `vpc`"));

        let mut doc = v0_doc();
        doc.as_object_mut().unwrap().remove("lineage");
        assert!(migrate(doc, 0)
            .unwrap_err()
            .reason
            .contains("`lineage` is missing"));
    }

    #[test]
    fn current_version_passes_through_unchanged() {
        let doc = json!({"format_version": FORMAT_VERSION, "x": 1});
        assert_eq!(migrate(doc.clone(), FORMAT_VERSION).unwrap(), doc);
    }
}
