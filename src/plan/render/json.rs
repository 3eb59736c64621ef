//! The JSON renderer: the plan's serde form, documented in `docs/plan-json.md`.

use crate::plan::model::Plan;
use crate::value::{with_sensitive_form, SensitiveForm, Value};

/// Render a plan as pretty JSON with a trailing newline.
pub(crate) fn render(plan: &Plan) -> String {
    // Plans arrive redacted; copy (a large plan is tens of MB) only when something is not.
    let redacted;
    let safe = if holds_clear_secret(plan) {
        redacted = redact_sensitive(plan);
        &redacted
    } else {
        plan
    };
    // A Plan holds only string-keyed maps and finite-or-null numbers, so serializing cannot fail.
    // Sensitive values show as "(sensitive)": not even a digest reaches a render.
    let mut out = with_sensitive_form(SensitiveForm::Hidden, || serde_json::to_string_pretty(safe))
        .expect("a Plan always serializes: every map key is a string");
    out.push('\n');
    out
}

/// A copy of the plan in which every value flagged sensitive is redacted, in the attribute
/// change and in the resource's full before/after maps alike.
///
/// Plans are built redacted already; this is a second line of defence so that a bug upstream
/// still cannot print a secret.
pub(crate) fn redact_sensitive(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    for rc in &mut plan.resource_changes {
        for attr in rc.changes.iter_mut().filter(|a| a.sensitive) {
            redact_in_place(&mut attr.before);
            redact_in_place(&mut attr.after);
            for map in [&mut rc.before, &mut rc.after].into_iter().flatten() {
                if let Some(v) = map.get_mut(&attr.name) {
                    *v = v.redact();
                }
            }
        }
    }
    for output in plan.output_changes.iter_mut().filter(|o| o.sensitive) {
        redact_in_place(&mut output.before);
        redact_in_place(&mut output.after);
    }
    plan
}

/// Whether any value flagged sensitive is still in clear.
fn holds_clear_secret(plan: &Plan) -> bool {
    let clear =
        |v: Option<&Value>| !matches!(v, None | Some(Value::Redacted(_)) | Some(Value::Unknown));
    plan.resource_changes.iter().any(|rc| {
        rc.changes.iter().filter(|a| a.sensitive).any(|a| {
            clear(a.before.as_ref())
                || clear(a.after.as_ref())
                || [&rc.before, &rc.after]
                    .into_iter()
                    .flatten()
                    .any(|m| clear(m.get(&a.name)))
        })
    }) || plan
        .output_changes
        .iter()
        .filter(|o| o.sensitive)
        .any(|o| clear(o.before.as_ref()) || clear(o.after.as_ref()))
}

fn redact_in_place(value: &mut Option<Value>) {
    if let Some(v) = value {
        *v = v.redact();
    }
}
