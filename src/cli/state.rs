//! `strata state ...`: inspect and repair recorded state.

use super::args::{StateCommand, StateCommandArgs};
use super::diagnostics::pretty;
use super::error::CliError;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use crate::address::Address;
use crate::state::{LocalBackend, LockStatus, LooseMode, State};
use serde_json::json;

/// Run the command.
pub fn run(ui: &Ui, args: &StateCommandArgs) -> ExitStatus {
    let name = match target::deployment_name(ui, &args.target) {
        Ok(n) => n,
        Err(status) => return status,
    };
    let backend = target::backend(ui, &args.state);
    match &args.command {
        StateCommand::List => with_state(ui, &backend, &name, |s| list(ui, s)),
        StateCommand::Show { address } => with_state(ui, &backend, &name, |s| show(ui, s, address)),
        StateCommand::Export { include_secret_key } => with_state(ui, &backend, &name, |s| {
            let mut exported = s.clone();
            if !include_secret_key {
                // The digests stay keyed: without the key they still show a change, not a guess.
                exported.secret_key.clear();
            }
            ui.print(&pretty(
                &serde_json::to_value(&exported).unwrap_or_default(),
            ));
            ExitStatus::Ok
        }),
        StateCommand::Verify => verify(ui, &backend, &name),
        StateCommand::Backups => backups(ui, &backend, &name),
        StateCommand::Restore { backup } => restore(ui, &backend, &name, backup, args),
        StateCommand::Unlock => unlock(ui, &backend, &name),
        StateCommand::Forget { address } => forget(ui, &backend, &name, address, args),
    }
}

fn with_state(
    ui: &Ui,
    backend: &LocalBackend,
    name: &str,
    f: impl FnOnce(&State) -> ExitStatus,
) -> ExitStatus {
    match backend.load(name) {
        Ok(Some(state)) => f(&state),
        Ok(None) => {
            if ui.json() {
                ui.print(&pretty(&json!({ "deployment": name, "exists": false })));
            } else {
                ui.note(&format!(
                    "No state for deployment `{name}` in {} (nothing applied yet).",
                    backend.root().display()
                ));
            }
            ExitStatus::Ok
        }
        Err(e) => target::fail(ui, &e),
    }
}

fn list(ui: &Ui, state: &State) -> ExitStatus {
    if ui.json() {
        let rows: Vec<_> = state
            .resources
            .values()
            .map(|r| {
                json!({
                    "address": r.address.to_string(),
                    "kind": r.kind,
                    "id": r.id,
                    "provenance": r.provenance,
                    "created_at": r.created_at,
                    "updated_at": r.updated_at,
                })
            })
            .collect();
        ui.print(&pretty(&json!({
            "deployment": state.deployment,
            "serial": state.serial,
            "lineage": state.lineage,
            "resources": rows,
        })));
        return ExitStatus::Ok;
    }
    let rows: Vec<[String; 4]> = state
        .resources
        .values()
        .map(|r| {
            [
                r.address.to_string(),
                r.kind.clone(),
                r.id.clone().unwrap_or_else(|| "-".into()),
                r.provenance.to_string(),
            ]
        })
        .collect();
    ui.print(&table(&["ADDRESS", "KIND", "ID", "PROVENANCE"], &rows));
    ui.note(&format!(
        "{} resource(s); serial {}, lineage {}.",
        rows.len(),
        state.serial,
        state.lineage
    ));
    ExitStatus::Ok
}

fn show(ui: &Ui, state: &State, address: &str) -> ExitStatus {
    let found = address
        .parse::<Address>()
        .ok()
        .and_then(|a| state.resources.get(&a));
    let Some(r) = found else {
        return no_such_resource(ui, state, address);
    };
    if ui.json() {
        ui.print(&pretty(&serde_json::to_value(r).unwrap_or_default()));
        return ExitStatus::Ok;
    }
    let mut out = format!(
        "{}\n  kind        {}\n  id          {}\n  provenance  {}\n  created     {}\n  updated     {}\n",
        r.address,
        r.kind,
        r.id.as_deref().unwrap_or("-"),
        r.provenance,
        r.created_at,
        r.updated_at
    );
    if !r.dependencies.is_empty() {
        out.push_str(&format!(
            "  depends on  {}\n",
            r.dependencies
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str("  attributes\n");
    let width = r.attributes.keys().map(|k| k.len()).max().unwrap_or(0);
    for (k, v) in &r.attributes {
        out.push_str(&format!("    {k:width$} = {}\n", v.render_inline()));
    }
    ui.print(&out);
    ExitStatus::Ok
}

/// `address` is not recorded: say so, with the closest recorded address.
fn no_such_resource(ui: &Ui, state: &State, address: &str) -> ExitStatus {
    let known: Vec<String> = state.resources.keys().map(|a| a.to_string()).collect();
    let hint = crate::config::diagnostic::did_you_mean(address, known.iter().map(String::as_str))
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    target::fail(
        ui,
        &CliError::new(
            "strata::state::no_such_resource",
            format!(
                "the state of `{}` has no resource `{address}`",
                state.deployment
            ),
            format!("{hint}`strata state list` shows what is recorded")
                .trim_start()
                .to_string(),
        ),
    )
}

fn verify(ui: &Ui, backend: &LocalBackend, name: &str) -> ExitStatus {
    let report = match backend.verify(name) {
        Ok(r) => r,
        Err(e) => return target::fail(ui, &e),
    };
    let (lock, holder) = match &report.lock {
        LockStatus::Free => ("free", None),
        LockStatus::Held(h) => ("held", Some(h)),
        LockStatus::Stale(h) => ("stale", Some(h)),
        LockStatus::Unreadable => ("unreadable", None),
    };
    for loose in &report.loose_modes {
        warn_loose(ui, loose);
    }
    if ui.json() {
        let loose: Vec<_> = report
            .loose_modes
            .iter()
            .map(|l| {
                json!({
                    "path": l.path.display().to_string(),
                    "mode": format!("{:04o}", l.mode),
                    "wanted": format!("{:04o}", l.wanted()),
                })
            })
            .collect();
        ui.print(&pretty(&json!({
            "deployment": report.deployment,
            "path": report.path.display().to_string(),
            "ok": true,
            "loose_modes": loose,
            "format_version": report.format_version,
            "checksum": report.checksum,
            "serial": report.serial,
            "lineage": report.lineage,
            "resources": report.resources,
            "outputs": report.outputs,
            "lock": lock,
            "lock_holder": holder.map(|h| serde_json::to_value(h).unwrap_or_default()),
            "backups": report.backups,
            "invalid_backups": report.invalid_backups,
        })));
        return ExitStatus::Ok;
    }
    let lock_line = match holder {
        Some(h) => format!("{lock}, by {h}"),
        None => lock.to_string(),
    };
    ui.print(&format!(
        "{} state of `{}` verifies: {}\n  format version  {}\n  checksum        {}\n  serial          {}\n  lineage         {}\n  resources       {}\n  outputs         {}\n  lock            {}\n  backups         {} ({} unusable)",
        ui.paint("32", "✓"),
        report.deployment,
        report.path.display(),
        report.format_version,
        report.checksum.as_deref().unwrap_or("(none: older format)"),
        report.serial,
        report.lineage,
        report.resources,
        report.outputs,
        lock_line,
        report.backups,
        report.invalid_backups,
    ));
    ExitStatus::Ok
}

/// A warning on stderr (it does not fail verify: the state itself is sound).
fn warn_loose(ui: &Ui, loose: &LooseMode) {
    let what = if loose.is_dir { "folder" } else { "file" };
    let path = loose.path.display();
    ui.note(&format!(
        "warning [strata::state::loose_mode]: state {what} {path} has mode {:04o}: others than its owner can {}\n  help: run `chmod {:o} {path}` (strata creates state files 0600 and folders 0700)",
        loose.mode,
        if loose.mode & 0o022 != 0 { "read or change it" } else { "read it" },
        loose.wanted(),
    ));
}

fn backups(ui: &Ui, backend: &LocalBackend, name: &str) -> ExitStatus {
    match backend.backups(name) {
        Ok(list) => {
            if ui.json() {
                let rows: Vec<_> = list
                    .iter()
                    .map(|b| {
                        json!({
                            "name": b.name,
                            "path": b.path.display().to_string(),
                            "serial": b.serial,
                            "lineage": b.lineage,
                            "format_version": b.format_version,
                            "written_at": b.written_at,
                            "size": b.size,
                            "valid": b.is_valid(),
                            "problem": b.problem,
                        })
                    })
                    .collect();
                ui.print(&pretty(&json!({ "deployment": name, "backups": rows })));
                return ExitStatus::Ok;
            }
            if list.is_empty() {
                ui.note(&format!("No backups for deployment `{name}`."));
                return ExitStatus::Ok;
            }
            let rows: Vec<[String; 4]> = list
                .iter()
                .map(|b| {
                    [
                        b.name.clone(),
                        b.serial.map_or("-".into(), |s| s.to_string()),
                        b.written_at.clone(),
                        match &b.problem {
                            None => "ok".into(),
                            Some(p) => format!("unusable: {p}"),
                        },
                    ]
                })
                .collect();
            ui.print(&table(&["BACKUP", "SERIAL", "WRITTEN", "STATUS"], &rows));
            ui.note(&format!(
                "Restore one with `strata state restore BACKUP --name {name}`."
            ));
            ExitStatus::Ok
        }
        Err(e) => target::fail(ui, &e),
    }
}

fn restore(
    ui: &Ui,
    backend: &LocalBackend,
    name: &str,
    backup: &str,
    args: &StateCommandArgs,
) -> ExitStatus {
    let lock = match backend.lock(name, "strata state restore", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(warning) = lock.takeover_warning() {
        ui.note(&format!("warning: {warning}"));
    }
    match backend.restore(&lock, backup) {
        Ok(state) => {
            if ui.json() {
                ui.print(&pretty(&json!({
                    "restored": backup,
                    "deployment": name,
                    "serial": state.serial,
                    "resources": state.resources.len(),
                })));
            } else {
                ui.print(&format!(
                    "Restored `{backup}` as the state of `{name}` (now serial {}, {} resource(s)). The previous state was kept as a backup.",
                    state.serial,
                    state.resources.len()
                ));
            }
            ExitStatus::Ok
        }
        Err(e) => target::fail(ui, &e),
    }
}

/// Remove `address` from the state, under the lock; AWS is not contacted.
fn forget(
    ui: &Ui,
    backend: &LocalBackend,
    name: &str,
    address: &str,
    args: &StateCommandArgs,
) -> ExitStatus {
    let lock = match backend.lock(name, "strata state forget", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    let mut state = match backend.load(name) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return target::fail(
                ui,
                &CliError::new(
                    "strata::state::no_state",
                    format!("deployment `{name}` has no state: there is nothing to forget"),
                    "check `--tier`/`--stack`/`--name` and `--state-dir`".into(),
                ),
            )
        }
        Err(e) => return target::fail(ui, &e),
    };
    let removed = address
        .parse::<Address>()
        .ok()
        .and_then(|a| state.resources.remove(&a));
    let Some(gone) = removed else {
        return no_such_resource(ui, &state, address);
    };
    if let Err(e) = backend.save(&lock, &mut state) {
        return target::fail(ui, &e);
    }
    let id = gone.id.as_deref().unwrap_or("-");
    if ui.json() {
        ui.print(&pretty(&json!({
            "deployment": name,
            "forgotten": gone.address.to_string(),
            "id": gone.id,
            "provenance": gone.provenance,
            "serial": state.serial,
        })));
    } else {
        ui.print(&format!(
            "Forgot `{}` ({id}, {}): the state no longer records it; nothing in AWS was changed.",
            gone.address, gone.provenance
        ));
    }
    ExitStatus::Ok
}

fn unlock(ui: &Ui, backend: &LocalBackend, name: &str) -> ExitStatus {
    match backend.force_unlock(name) {
        Ok(Some(holder)) => {
            if ui.json() {
                ui.print(&pretty(&json!({
                    "deployment": name,
                    "was_locked": true,
                    "holder": serde_json::to_value(&holder).unwrap_or_default(),
                })));
            } else {
                ui.print(&format!("Removed the lock held by {holder}."));
            }
            ExitStatus::Ok
        }
        Ok(None) => {
            if ui.json() {
                ui.print(&pretty(&json!({ "deployment": name, "was_locked": false })));
            } else {
                ui.print(&format!("Deployment `{name}` was not locked."));
            }
            ExitStatus::Ok
        }
        Err(e) => target::fail(ui, &e),
    }
}

/// A plain left-aligned table.
fn table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
