//! `strata health`: request each service's `[health.*]` URL (resolved against recorded state,
//! no AWS call) and print a pass/fail table with what to do about each failure.
//! `strata apply --wait-healthy` ends with [`after_apply`].

use super::args::{HealthArgs, HealthCheckArgs};
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::live;
use super::target;
use super::ui::Ui;
use crate::config::Deployment;
use crate::health::{wait_healthy, CheckOptions, Outcome, Report, ServiceResult};
use crate::provider::Registry;
use crate::state::State;

/// Run the command.
pub fn run(ui: &Ui, args: &HealthArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    // Reading needs no lock: state is replaced atomically, so a concurrent apply is seen
    // before or after its last save, never half-written.
    let state = match target::backend(ui, &args.state).load(&deployment.name) {
        Ok(s) => s,
        Err(e) => return target::fail(ui, &e),
    };
    if deployment.health.is_empty() && !ui.json() {
        ui.note(&format!(
            "No health checks: the stack declares no `[health.<service>]` tables for `{}`.",
            deployment.name
        ));
        return ExitStatus::Ok;
    }
    let runtime = match live::runtime() {
        Ok(r) => r,
        Err(status) => return status,
    };
    let opts = options(&args.checks);
    let report = match runtime.block_on(wait_healthy(&deployment, state.as_ref(), &registry, &opts))
    {
        Ok(r) => r,
        Err(e) => return target::fail(ui, &e),
    };
    if state.is_none()
        && report
            .results
            .iter()
            .any(|r| r.outcome == Outcome::UnknownUrl)
    {
        ui.note(&format!(
            "No state for deployment `{}`: nothing is applied yet, so URLs naming resources are unknown.",
            deployment.name
        ));
    }
    if ui.json() {
        ui.print(&pretty(&report.to_json()));
    } else {
        print_text(ui, &report);
    }
    status_of(&report)
}

/// The end of `strata apply --wait-healthy`: check every service of the deployment just
/// applied, print the table (in JSON mode one `{"event":"health",...}` line, matching apply's
/// event stream) and return `Ok` when all pass, `Error` otherwise. Nothing is rolled back.
pub async fn after_apply(
    ui: &Ui,
    deployment: &Deployment,
    state: &State,
    registry: &Registry,
    args: &HealthCheckArgs,
) -> ExitStatus {
    let report = match wait_healthy(deployment, Some(state), registry, &options(args)).await {
        Ok(r) => r,
        Err(e) => return target::fail(ui, &e),
    };
    if ui.json() {
        let mut event = serde_json::json!({ "event": "health" });
        if let (Some(map), serde_json::Value::Object(body)) =
            (event.as_object_mut(), report.to_json())
        {
            map.extend(body);
        }
        ui.print(&event.to_string());
    } else {
        print_text(ui, &report);
    }
    if !report.healthy() {
        ui.note("The deployment stays in place (health failures are not rolled back); fix the services and run `strata health` again.");
    }
    status_of(&report)
}

/// Library options from the command line.
pub fn options(args: &HealthCheckArgs) -> CheckOptions {
    CheckOptions {
        timeout: args.timeout,
        retries: args.retries,
        interval: args.interval,
        deadline: args.deadline,
        concurrency: usize::from(args.concurrency),
    }
}

fn status_of(report: &Report) -> ExitStatus {
    if report.healthy() {
        ExitStatus::Ok
    } else {
        ExitStatus::Error
    }
}

fn print_text(ui: &Ui, report: &Report) {
    if !report.skipped.is_empty() {
        ui.detail(&format!(
            "Not checked (disabled in this deployment): {}",
            report.skipped.join(", ")
        ));
    }
    if ui.quiet {
        return;
    }
    ui.print(&render_table(report, &|style, text| ui.paint(style, text)));
}

/// The pass/fail table: service, URL, result, latency, then the hints under each failure.
fn render_table(report: &Report, paint: &dyn Fn(&str, &str) -> String) -> String {
    let headers = ["SERVICE", "URL", "RESULT", "LATENCY"];
    let rows: Vec<[String; 4]> = report
        .results
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.url.clone(),
                result_text(r),
                latency_text(r),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4], style: Option<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let padded = format!("{cell:w$}");
            // Only the result column is coloured; padding is computed before painting.
            match (i, style) {
                (2, Some(s)) => out.push_str(&paint(s, &padded)),
                _ => out.push_str(&padded),
            }
            out.push_str("  ");
        }
        format!("{}\n", out.trim_end())
    };
    let mut out = line(headers, None);
    for (row, r) in rows.iter().zip(&report.results) {
        let style = if r.outcome.is_healthy() { "32" } else { "31" };
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3]], Some(style)));
        for hint in r.hints() {
            out.push_str(&format!(
                "{:indent$}hint: {hint}\n",
                "",
                indent = widths[0] + 2
            ));
        }
    }
    let total = report.results.len();
    out.push_str(&format!(
        "\n{} of {total} service(s) healthy.\n",
        report.healthy_count()
    ));
    out
}

fn result_text(r: &ServiceResult) -> String {
    let base = match &r.outcome {
        Outcome::Healthy { status } => format!("✓ {status}"),
        Outcome::Unhealthy { status } => format!("✗ HTTP {status}"),
        Outcome::Timeout => "✗ timeout".into(),
        Outcome::Refused => "✗ refused".into(),
        Outcome::BadUrl { reason, .. } => format!("✗ bad URL: {reason}"),
        Outcome::UnknownUrl => "? unknown URL".into(),
        Outcome::Failed { reason } => format!("✗ {reason}"),
    };
    if r.attempts > 1 {
        format!("{base} ({} attempts)", r.attempts)
    } else {
        base
    }
}

fn latency_text(r: &ServiceResult) -> String {
    r.latency
        .map_or_else(|| "-".into(), |l| format!("{} ms", l.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(name: &str, outcome: Outcome, attempts: u32, hint: Option<&str>) -> ServiceResult {
        ServiceResult {
            name: name.into(),
            url: format!("http://127.0.0.1:9/{name}"),
            outcome,
            latency: (attempts > 0).then(|| Duration::from_millis(7)),
            attempts,
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn table_lists_services_and_hints_under_failures() {
        let report = Report {
            deployment: "d".into(),
            results: vec![
                result("n8n", Outcome::Healthy { status: 200 }, 1, Some("unused")),
                result("qdrant", Outcome::Refused, 3, Some("read the compose logs")),
                result("ollama", Outcome::UnknownUrl, 0, None),
            ],
            skipped: vec![],
        };
        let text = render_table(&report, &|_, t| t.to_string());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("SERVICE  URL"), "{text}");
        assert!(
            lines[1].contains("✓ 200") && lines[1].ends_with("7 ms"),
            "{text}"
        );
        assert!(
            !text.contains("unused"),
            "healthy rows get no hint:\n{text}"
        );
        assert!(lines[2].contains("✗ refused (3 attempts)"), "{text}");
        assert_eq!(
            lines[3].trim_start(),
            "hint: read the compose logs",
            "{text}"
        );
        assert!(lines[4].contains("re-run `strata health`"), "{text}");
        assert!(
            lines[5].contains("? unknown URL") && lines[5].ends_with('-'),
            "{text}"
        );
        assert!(text.ends_with("1 of 3 service(s) healthy.\n"), "{text}");
        // Columns line up: every row's URL starts where the header's does.
        let url_col = lines[0].find("URL").unwrap();
        assert_eq!(lines[1].find("http").unwrap(), url_col);
        assert_eq!(lines[2].find("http").unwrap(), url_col);
    }

    #[test]
    fn only_the_result_column_is_painted() {
        let report = Report {
            deployment: "d".into(),
            results: vec![result("a", Outcome::Timeout, 1, None)],
            skipped: vec![],
        };
        let text = render_table(&report, &|s, t| format!("<{s}>{t}</>"));
        assert_eq!(text.matches("<31>").count(), 1, "{text}");
        assert!(text.contains("<31>✗ timeout"), "{text}");
    }
}
