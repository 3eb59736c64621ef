//! The one-sentence summary shared by the text and Markdown renderers.

use crate::plan::model::{Action, Plan, ResourceChange};

/// What a plan amounts to, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Resources change: the counts, e.g. `3 to add, 1 to change, 1 to replace, 0 to destroy.`
    Changes(String),
    /// No resource changes, but this many outputs change.
    OutputsOnly(usize),
    /// Nothing changes at all.
    Nothing,
}

/// The sentence shown when nothing changes.
pub(crate) const NO_CHANGES: &str = "The deployment matches the configuration.";

/// Summarise a plan.
pub(crate) fn outcome(plan: &Plan) -> Outcome {
    let s = &plan.summary;
    if s.has_changes() {
        return Outcome::Changes(format!(
            "{} to add, {} to change, {} to replace, {} to destroy.",
            s.add, s.change, s.replace, s.destroy
        ));
    }
    match changed_outputs(plan) {
        0 => Outcome::Nothing,
        n => Outcome::OutputsOnly(n),
    }
}

/// Number of outputs whose value changes.
pub(crate) fn changed_outputs(plan: &Plan) -> usize {
    plan.output_changes
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .count()
}

/// `1 output will change.` / `2 outputs will change.`
pub(crate) fn outputs_sentence(count: usize) -> String {
    if count == 1 {
        "1 output will change.".to_string()
    } else {
        format!("{count} outputs will change.")
    }
}

/// The note shown when the live account was not read.
pub(crate) const NOT_REFRESHED: &str =
    "planned against recorded state only; the live account was not read.";

/// The order in which resource groups are listed.
pub(crate) const GROUP_ORDER: [Action; 5] = [
    Action::Create,
    Action::Update,
    Action::Replace,
    Action::Delete,
    Action::Read,
];

/// Resources in listing order: grouped by action in [`GROUP_ORDER`], keeping the plan's
/// address order inside each group. No-op resources are left out.
pub(crate) fn listed_resources(plan: &Plan) -> Vec<&ResourceChange> {
    GROUP_ORDER
        .iter()
        .flat_map(|action| {
            plan.resource_changes
                .iter()
                .filter(move |rc| rc.action == *action)
        })
        .collect()
}

/// What the action implies beyond its symbol: `forces replacement: a, b` for replacements,
/// `reused, read only` for reads.
pub(crate) fn action_note(change: &ResourceChange) -> Option<String> {
    match change.action {
        Action::Replace if !change.replace_because.is_empty() => Some(format!(
            "forces replacement: {}",
            change.replace_because.join(", ")
        )),
        Action::Read => Some("reused, read only".to_string()),
        _ => None,
    }
}

/// "2 resources changed outside strata (1 deleted)." when the refresh found drift.
pub(crate) fn drift_sentence(plan: &Plan) -> Option<String> {
    let drifted: Vec<_> = plan
        .resource_changes
        .iter()
        .filter_map(|c| c.drift.as_ref())
        .collect();
    if drifted.is_empty() {
        return None;
    }
    let deleted = drifted.iter().filter(|d| d.deleted).count();
    let n = drifted.len();
    let noun = if n == 1 { "resource" } else { "resources" };
    Some(if deleted > 0 {
        format!("Drift: {n} {noun} changed outside strata ({deleted} deleted).")
    } else {
        format!("Drift: {n} {noun} changed outside strata.")
    })
}
