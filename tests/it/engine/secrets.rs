//! Sensitive values at rest: every file of the state folder (state, backups, journal) holds
//! a sensitive value only as a digest keyed with the state's secret key, never the plain
//! sha256 a dictionary attack would compute; the next plan still sees no change, also
//! against a state written before digests were keyed.

use super::{opts, Harness};
use crate::support::fake_kind::FakeKind;
use std::path::Path;
use strata::engine::OnFailure;
use strata::plan::Plan;
use strata::provider::{AttrSchema, AttrType, KindSchema, Registry};
use strata::state::{checksum, State};
use strata::value::hmac_sha256_hex;
use strata::{Address, Value};

/// Weak on purpose: what a dictionary would guess.
const SECRET: &str = "hunter2";

const STACK: &str = "\n[resource.fake_thing.a]\nname = \"a\"\nsecret = \"hunter2\"\n";

fn harness() -> Harness {
    let kind = FakeKind::with_schema(
        KindSchema::new("fake_thing", "A fake holding a secret")
            .taggable()
            .attr(AttrSchema::string("name").required().doc("Name"))
            .attr(AttrSchema::string("secret").sensitive().doc("A secret"))
            .attr(AttrSchema::computed("arn", AttrType::String).doc("Assigned on create")),
    );
    let mut registry = Registry::new();
    registry.register(kind.clone());
    Harness::with_kind(STACK, kind, registry)
}

/// The plain digest of the secret, as `Value::redact` computes it.
fn plain_digest() -> String {
    match Value::str(SECRET).redact() {
        Value::Redacted(d) => d,
        other => panic!("redact gives Redacted, not {other:?}"),
    }
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder lists") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("reads")).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

fn assert_no_plain_digest(dir: &Path) {
    let plain = plain_digest();
    for (path, text) in files(dir) {
        assert!(
            !text.contains(&plain),
            "{path} holds the plain digest:\n{text}"
        );
        assert!(!text.contains(SECRET), "{path} holds the secret");
    }
}

fn changes(plan: &Plan) -> Vec<String> {
    plan.resource_changes
        .iter()
        .filter(|c| c.action.is_change())
        .map(|c| format!("{} {:?} {:?}", c.address, c.action, c.changes))
        .collect()
}

#[tokio::test]
async fn state_backups_and_journal_hold_only_keyed_digests_and_the_next_plan_is_empty() {
    let h = harness();
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let dir = h.dir();
    assert!(dir.join("backups").is_dir(), "a save kept a backup");
    assert_no_plain_digest(&dir);
    let saved = h.saved();
    let key = saved.digest_key().expect("the state has a key");
    let keyed = format!(
        "hmac-sha256:{}",
        hmac_sha256_hex(&key, plain_digest().as_bytes())
    );
    let text = std::fs::read_to_string(dir.join("state.json")).expect("the state reads");
    assert!(text.contains(&keyed), "{text}");
    // The configuration's plain digest compares equal to the recorded keyed one.
    h.assert_converged(&state).await;
    h.assert_converged(&saved).await;
    assert_eq!(changes(&h.plan(Some(&saved))), Vec::<String>::new());
    // A changed secret still shows.
    let mut changed = saved.clone();
    let a = Address::new("fake_thing", "a");
    changed
        .resources
        .get_mut(&a)
        .expect("recorded")
        .attributes
        .insert(
            "secret".into(),
            Value::str("other").redact().keyed(Some(&key)).into_owned(),
        );
    assert_eq!(changes(&h.plan(Some(&changed))).len(), 1);
}

/// Write `state` as a document the way a build before keyed digests did: plain `sha256:`.
fn write_unkeyed(path: &Path, state: &State) {
    let mut doc = serde_json::to_value(state).expect("serializes");
    doc["checksum"] = serde_json::Value::String(checksum(state));
    std::fs::write(path, serde_json::to_vec_pretty(&doc).expect("json")).expect("writes");
}

#[tokio::test]
async fn a_state_with_plain_digests_still_compares_and_is_keyed_on_its_next_save() {
    let h = harness();
    let (report, _) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let a = Address::new("fake_thing", "a");
    let mut old = h.saved();
    old.resources
        .get_mut(&a)
        .expect("recorded")
        .attributes
        .insert("secret".into(), Value::str(SECRET).redact());
    let dir = h.dir();
    write_unkeyed(&dir.join("state.json"), &old);
    // An older backup too, as a build before keyed digests left them.
    let mut older = old.clone();
    older.serial -= 1;
    write_unkeyed(&dir.join("backups/state.000001.json"), &older);
    let plain = plain_digest();
    assert!(std::fs::read_to_string(dir.join("state.json"))
        .expect("reads")
        .contains(&plain));

    let mut loaded = h.saved();
    assert!(loaded.has_plain_digests());
    assert_eq!(changes(&h.plan(Some(&loaded))), Vec::<String>::new());
    h.assert_converged(&loaded).await;
    h.backend.save(&h.lock, &mut loaded).expect("saves");
    assert!(
        !loaded.has_plain_digests(),
        "the saved state is keyed in memory too"
    );
    assert_no_plain_digest(&dir);
    assert_eq!(changes(&h.plan(Some(&h.saved()))), Vec::<String>::new());
    for backup in h.backend.backups(&h.deployment.name).expect("backups list") {
        assert!(backup.is_valid(), "{backup:?}");
    }
}
