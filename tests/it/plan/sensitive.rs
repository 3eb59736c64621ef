//! Sensitive values end to end, offline: an attribute a kind marks sensitive (a test-only kind)
//! and a `sensitive` variable never show in any render nor in clear in a saved plan, while a
//! change of the secret is still planned and a saved plan still goes stale.

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use strata::config::{load, Deployment, LoadRequest};
use strata::plan::diff::plan;
use strata::plan::render::{render_json, render_markdown, render_text, RenderOptions};
use strata::plan::saved::{hash_input, read_plan, staleness, write_plan};
use strata::plan::{Action, Plan};
use strata::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, KindSchema, LiveResource, ProviderError, Registry,
    ResourceKind, Selector, UpdateRequest,
};
use strata::state::{Provenance, ResourceState, State};
use strata::{Address, Value};

/// The secret in clear: weak on purpose, as a dictionary would guess it.
const SECRET: &str = "hunter2";

/// A kind whose `value` attribute is sensitive by schema, whatever the configuration says.
struct SecretKind(KindSchema);

#[async_trait]
impl ResourceKind for SecretKind {
    fn schema(&self) -> &KindSchema {
        &self.0
    }
    async fn describe(&self, _selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        unreachable!("offline tests never read")
    }
    async fn create(&self, _req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        unreachable!("offline tests never apply")
    }
    async fn update(&self, _req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        unreachable!("offline tests never apply")
    }
    async fn delete(&self, _id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        unreachable!("offline tests never apply")
    }
}

fn registry() -> Registry {
    let mut registry = strata::aws::registry();
    registry.register(Arc::new(SecretKind(
        KindSchema::new("test_secret", "a secret held by a test-only service")
            .attr(AttrSchema::string("name").required())
            .attr(AttrSchema::string("value").sensitive())
            .attr(AttrSchema::computed("arn", AttrType::String)),
    )));
    registry
}

const STACK: &str = r#"
[stack]
name = "sec"

[vars]
token = { default = "tok-3n", sensitive = true }

[resource.test_secret.db]
name = "db"
value = "hunter2"

[resource.test_secret.api]
name = "${var.token}-api"

[output]
api = "${test_secret.api.name}"
"#;

fn project(stack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stacks/sec.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, stack).unwrap();
    dir
}

fn load_in(dir: &Path) -> Deployment {
    let req = LoadRequest {
        stack: Some("sec".into()),
        project_dir: dir.to_path_buf(),
        ..Default::default()
    };
    match load(&req, &registry()) {
        Ok(d) => d,
        Err(e) => panic!(
            "{:#?}",
            e.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ),
    }
}

fn change<'a>(p: &'a Plan, address: &str) -> &'a strata::plan::ResourceChange {
    p.resource_changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

/// A state recording `test_secret.db` with `value` as the digest of `recorded`.
fn state_with(recorded: &str) -> State {
    let mut state = State::new("sec", "sec", None);
    let address = Address::new("test_secret", "db");
    state.resources.insert(
        address.clone(),
        ResourceState {
            address: address.clone(),
            kind: "test_secret".into(),
            id: Some("sec-1".into()),
            attributes: BTreeMap::from([
                ("name".to_string(), Value::str("db")),
                ("value".to_string(), Value::str(recorded).redact()),
                ("arn".to_string(), Value::str("arn:sec-1")),
            ]),
            dependencies: Vec::new(),
            provenance: Provenance::Created,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    state
}

#[test]
fn an_attribute_the_kind_marks_sensitive_is_hidden_in_every_render() {
    let dir = project(STACK);
    let d = load_in(dir.path());
    let p = plan(&d, None, &registry(), false).unwrap();
    let db = change(&p, "test_secret.db");
    assert_eq!(db.action, Action::Create);
    let value = db.changes.iter().find(|c| c.name == "value").unwrap();
    assert!(value.sensitive, "the kind marks `value` sensitive");
    assert!(matches!(value.after, Some(Value::Redacted(_))));
    // `name` is not sensitive by schema: shown.
    assert_eq!(
        db.changes.iter().find(|c| c.name == "name").unwrap().after,
        Some(Value::str("db"))
    );

    let text = render_text(&p, &RenderOptions::default());
    let markdown = render_markdown(&p);
    let json = render_json(&p);
    for (what, out) in [("text", &text), ("markdown", &markdown), ("json", &json)] {
        assert!(!out.contains(SECRET), "{what} shows the secret:\n{out}");
        assert!(!out.contains("tok-3n"), "{what} shows the variable:\n{out}");
        assert!(out.contains("(sensitive)"), "{what}:\n{out}");
    }
    assert!(
        text.contains("value") && text.contains("= (sensitive)"),
        "{text}"
    );
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    let db = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "test_secret.db")
        .unwrap();
    assert_eq!(db["after"]["value"], "(sensitive)");
    // Derived from a sensitive variable: sensitive too, in the resource and in the output.
    let api = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "test_secret.api")
        .unwrap();
    assert_eq!(api["after"]["name"], "(sensitive)");
    assert_eq!(j["output_changes"][0]["after"], "(sensitive)");
}

#[test]
fn a_saved_plan_holds_neither_the_secret_nor_its_plain_digest() {
    let dir = project(STACK);
    let d = load_in(dir.path());
    let state = state_with("old-secret");
    let p = plan(&d, Some(&state), &registry(), false).unwrap();
    let file = dir.path().join("sec.plan");
    write_plan(&file, &p, &State::plan_key(Some(&state))).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(SECRET), "{text}");
    for guess in [SECRET, "old-secret", "tok-3n", "tok-3n-api"] {
        let Value::Redacted(plain) = Value::str(guess).redact() else {
            panic!("redact gives Redacted")
        };
        assert!(
            !text.contains(&plain),
            "the plain digest of {guess} is in the plan"
        );
    }
    assert!(text.contains("hmac-sha256:"), "{text}");
    // The plan file still reads, and still says what changes.
    let back = read_plan(&file).unwrap();
    assert_eq!(change(&back, "test_secret.db").action, Action::Update);
}

#[test]
fn a_changed_secret_is_still_planned_and_an_unchanged_one_is_not() {
    let dir = project(STACK);
    let d = load_in(dir.path());
    let same = plan(&d, Some(&state_with(SECRET)), &registry(), false).unwrap();
    assert_eq!(change(&same, "test_secret.db").action, Action::NoOp);
    let changed = plan(&d, Some(&state_with("old-secret")), &registry(), false).unwrap();
    let db = change(&changed, "test_secret.db");
    assert_eq!(db.action, Action::Update);
    assert_eq!(
        db.changes
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["value"]
    );
    let text = render_text(&changed, &RenderOptions::default());
    assert!(text.contains("(sensitive) -> (sensitive)"), "{text}");
}

#[test]
fn changing_a_sensitive_variable_makes_a_saved_plan_stale() {
    let dir = project(STACK);
    let d = load_in(dir.path());
    let p = plan(&d, None, &registry(), false).unwrap();
    let stack_file = dir.path().join("stacks/sec.toml");
    let now = || vec![hash_input(&stack_file).unwrap()];
    let version = env!("CARGO_PKG_VERSION");
    // Inputs are recorded as loaded: compare with the same path spelling.
    let mut saved = p.clone();
    saved.inputs = now();
    assert!(staleness(&saved, &now(), None, version).is_empty());
    std::fs::write(&stack_file, STACK.replace("tok-3n", "tok-4x")).unwrap();
    let reasons = staleness(&saved, &now(), None, version);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].to_string().contains("changed"), "{}", reasons[0]);
}
