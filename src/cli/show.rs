//! `strata show`: one deployment from its state alone — status, resources with ids, ARNs and
//! provenance, outputs (sensitive ones hidden), endpoints, the SSH command, cost, recent runs.

use super::args::ShowArgs;
use super::diagnostics::pretty;
use super::error::CliError;
use super::exit::ExitStatus;
use super::inventory::{self, DeploymentRecord};
use super::show_text;
use super::summary::Summary;
use super::target;
use super::ui::Ui;
use crate::state::{LocalBackend, LockHolder, Provenance, RunOutcome, State};
use crate::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// The outputs that may hold the SSH command, by preference: the AI stack's `ssh_command`,
/// and the `ssh` of stacks written before it.
const SSH_OUTPUTS: [&str; 2] = ["ssh_command", "ssh"];
/// Outputs whose names end so are endpoints.
const ENDPOINT_SUFFIX: &str = "_url";

/// Everything `strata show` prints (also its JSON document).
#[derive(Debug, Serialize)]
pub struct ShowView<'a> {
    /// The list row: name, stack, tier, region, status, created, resource count, cost.
    #[serde(flatten)]
    pub summary: Summary,
    /// Who holds the lock, when a live process does.
    pub lock_holder: Option<&'a LockHolder>,
    /// Journal intents without a commit.
    pub pending_intents: usize,
    /// The newest archive `strata destroy` left.
    pub archive: Option<String>,
    /// Recorded resources, by address.
    pub resources: Vec<ResourceRow<'a>>,
    /// Outputs by name.
    pub outputs: BTreeMap<&'a str, OutputRow>,
    /// Outputs named `*_url` that are not sensitive: name → URL.
    pub endpoints: BTreeMap<&'a str, String>,
    /// The `ssh_command` (else `ssh`) output, when recorded and not sensitive.
    pub ssh_command: Option<String>,
    /// Recorded runs, newest first.
    pub runs: Vec<RunRow<'a>>,
}

/// One resource as `show` lists it.
#[derive(Debug, Serialize)]
pub struct ResourceRow<'a> {
    /// `kind.name`.
    pub address: String,
    /// Resource kind.
    pub kind: &'a str,
    /// Provider id, when known.
    pub id: Option<&'a str>,
    /// Created, reused or imported.
    pub provenance: Provenance,
    /// The `arn` attribute, when recorded.
    pub arn: Option<&'a str>,
    /// When it was created or adopted.
    pub created_at: &'a str,
}

/// One output as `show` lists it.
#[derive(Debug, Serialize)]
pub struct OutputRow {
    /// The value as JSON; `null` when sensitive.
    pub value: Option<serde_json::Value>,
    /// Whether the output is sensitive.
    pub sensitive: bool,
    /// The value on one line, `(sensitive)` when hidden.
    #[serde(skip)]
    pub text: String,
}

/// One recorded run.
#[derive(Debug, Serialize)]
pub struct RunRow<'a> {
    /// When it ended.
    pub at: &'a str,
    /// `apply`, `rollback`, ….
    pub command: &'a str,
    /// How it ended.
    pub outcome: RunOutcome,
}

/// Run the command.
pub fn run(ui: &Ui, args: &ShowArgs) -> ExitStatus {
    let name = match target::deployment_name(ui, &args.target) {
        Ok(n) => n,
        Err(status) => return status,
    };
    let backend = inventory::backend(ui, &args.state);
    let record = match inventory::read_one(&backend, &name) {
        Ok(Some(r)) => r,
        Ok(None) => return unknown_deployment(ui, &backend, &name),
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(problem) = &record.problem {
        return target::fail(ui, problem);
    }
    let view = ShowView::of(&record);
    if ui.json() {
        ui.print(&pretty(&serde_json::to_value(&view).unwrap_or_default()));
    } else {
        ui.print(&show_text::render(ui, &view));
    }
    ExitStatus::Ok
}

impl<'a> ShowView<'a> {
    /// The view of a deployment found in the backend.
    pub fn of(record: &'a DeploymentRecord) -> ShowView<'a> {
        let current = record.state.as_ref();
        let outputs: BTreeMap<&str, OutputRow> = current
            .into_iter()
            .flat_map(|s| &s.outputs)
            .map(|(name, o)| {
                let hidden = o.sensitive || matches!(o.value, Value::Redacted(_));
                let row = OutputRow {
                    value: (!hidden).then(|| o.value.to_json()),
                    sensitive: hidden,
                    text: if hidden {
                        Value::Redacted(String::new()).render_inline()
                    } else {
                        o.value.render_inline()
                    },
                };
                (name.as_str(), row)
            })
            .collect();
        let plain = |name: &str| {
            current
                .and_then(|s| s.outputs.get(name))
                .filter(|o| !o.sensitive)
                .and_then(|o| match &o.value {
                    Value::String(s) => Some(s.clone()),
                    Value::Redacted(_) => None,
                    other => Some(other.render_inline()),
                })
        };
        let endpoints = outputs
            .keys()
            .filter(|n| n.ends_with(ENDPOINT_SUFFIX))
            .filter_map(|n| plain(n).map(|url| (*n, url)))
            .collect();
        ShowView {
            summary: Summary::of(record),
            lock_holder: record.lock_holder(),
            pending_intents: record.pending_intents,
            archive: record
                .archive
                .as_ref()
                .map(|a| a.path.display().to_string()),
            resources: current.map(resource_rows).unwrap_or_default(),
            ssh_command: SSH_OUTPUTS.into_iter().find_map(plain),
            outputs,
            endpoints,
            runs: record
                .latest_state()
                .map(|s| {
                    s.history
                        .iter()
                        .rev()
                        .map(|h| RunRow {
                            at: &h.at,
                            command: &h.command,
                            outcome: h.outcome,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

fn resource_rows(state: &State) -> Vec<ResourceRow<'_>> {
    state
        .resources
        .values()
        .map(|r| ResourceRow {
            address: r.address.to_string(),
            kind: &r.kind,
            id: r.id.as_deref(),
            provenance: r.provenance,
            arn: r.attributes.get("arn").and_then(Value::as_str),
            created_at: &r.created_at,
        })
        .collect()
}

/// No trace of the deployment: say which ones exist instead.
fn unknown_deployment(ui: &Ui, backend: &LocalBackend, name: &str) -> ExitStatus {
    let known: Vec<String> = inventory::read_all(backend)
        .map(|records| records.into_iter().map(|r| r.name).collect())
        .unwrap_or_default();
    let help = match crate::config::diagnostic::did_you_mean(name, known.iter().map(String::as_str))
    {
        Some(close) => format!("did you mean `{close}`? `strata list` shows every deployment"),
        None if known.is_empty() => {
            "nothing has been applied here yet: `strata apply` creates the deployment".to_string()
        }
        None => format!(
            "`strata list` shows the {} deployment(s) there; `strata apply` creates this one",
            known.len()
        ),
    };
    target::fail(
        ui,
        &CliError::new(
            "strata::show::unknown_deployment",
            format!(
                "no deployment `{name}` in {} (no state, no archive, no lock)",
                backend.root().display()
            ),
            help,
        ),
    )
}
