//! Black-box tests of `strata state ...` against state written through the library into a
//! temp folder: list, show, export, verify, backups, restore, unlock, and lock contention.

use crate::support::{apply_tier, fake_id, repo_root, save_state, strata, Run, TempProject};
use std::path::Path;
use std::time::Duration;
use strata::state::{checksum, LocalBackend, State};
use tempfile::TempDir;

const DEPLOYMENT: &str = "ai-stack-dev";

/// `strata state --tier dev --state-dir DIR <sub...>` against the repository's project.
///
/// The target and state flags go before the subcommand: that is the order this build accepts
/// (see `state_flags_after_the_subcommand_are_accepted` for the order the contract promises).
fn state(dir: &Path, sub: &[&str]) -> Run {
    strata(&repo_root())
        .args(["state", "--tier", "dev"])
        .state_dir(dir)
        .args(sub)
        .run()
}

/// A temp state dir holding the fake-applied dev tier (serial 1).
fn applied() -> (TempDir, State) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let saved = apply_tier(&repo_root(), "dev", dir.path());
    (dir, saved)
}

#[test]
fn list_without_state_says_there_is_none() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let run = state(dir.path(), &["list"]).expect_code(0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("No state"), "{}", run.stderr);
    assert!(run.stderr.contains(DEPLOYMENT), "{}", run.stderr);
    let run = state(dir.path(), &["list", "-o", "json"]).expect_code(0);
    let j = run.json();
    assert_eq!(j["exists"], false);
    assert_eq!(j["deployment"], DEPLOYMENT);
    // Looking must not create anything.
    assert!(!dir.path().join(DEPLOYMENT).join("state.json").exists());
}

#[test]
fn list_shows_every_recorded_resource() {
    let (dir, saved) = applied();
    let run = state(dir.path(), &["list"]).expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ADDRESS"), "{}", run.stdout);
    assert_eq!(lines.len(), 1 + saved.resources.len(), "{}", run.stdout);
    for address in saved.resources.keys() {
        let row = lines
            .iter()
            .find(|l| l.starts_with(&format!("{address} ")))
            .unwrap_or_else(|| panic!("{address} not listed:\n{}", run.stdout));
        assert!(row.contains(&fake_id(address)), "{row}");
        assert!(row.contains("created"), "{row}");
    }

    let j = state(dir.path(), &["list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["deployment"], DEPLOYMENT);
    assert_eq!(j["serial"], saved.serial);
    assert_eq!(j["lineage"], saved.lineage.as_str());
    let rows = j["resources"].as_array().expect("resources");
    assert_eq!(rows.len(), 11);
    let vpc = rows
        .iter()
        .find(|r| r["address"] == "vpc.main")
        .expect("vpc.main listed");
    assert_eq!(vpc["kind"], "vpc");
    assert_eq!(vpc["id"], "vpc-fake-main");
    assert_eq!(vpc["provenance"], "created");
}

#[test]
fn show_prints_one_resource() {
    let (dir, _) = applied();
    let run = state(dir.path(), &["show", "subnet.public_a"]).expect_code(0);
    assert!(
        run.stdout.starts_with("subnet.public_a\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("subnet-fake-public_a"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"10.42.1.0/24\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("depends on  vpc.main"),
        "{}",
        run.stdout
    );

    let j = state(dir.path(), &["show", "vpc.main", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["address"], "vpc.main");
    assert_eq!(j["id"], "vpc-fake-main");
    assert_eq!(j["attributes"]["cidr_block"], "10.42.0.0/16");
}

#[test]
fn show_of_an_unknown_address_fails_with_a_suggestion() {
    let (dir, _) = applied();
    let run = state(dir.path(), &["show", "vpc.mian"]).expect_code(1);
    assert!(run.stderr.contains("vpc.mian"), "{}", run.stderr);
    assert!(run.stderr.contains("`vpc.main`"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    // Not even an address: still an error, not a crash.
    state(dir.path(), &["show", "nonsense"]).expect_code(1);
}

#[test]
fn export_leaves_the_secret_key_out_unless_asked() {
    let (dir, saved) = applied();
    assert!(!saved.secret_key.is_empty(), "the state has a key");
    let run = state(dir.path(), &["export"]).expect_code(0);
    assert!(!run.stdout.contains(&saved.secret_key), "{}", run.stdout);
    let exported: State = serde_json::from_str(&run.stdout).expect("export is a State document");
    assert_eq!(exported.secret_key, "");
    assert_eq!(exported.resources, saved.resources);
}

#[test]
fn export_is_the_state_and_matches_its_checksum() {
    let (dir, saved) = applied();
    let run = state(dir.path(), &["export", "--include-secret-key"]).expect_code(0);
    let exported: State = serde_json::from_str(&run.stdout).expect("export is a State document");
    assert_eq!(exported, saved);
    // The checksum on disk and the one verify reports are those of the exported document.
    let on_disk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(DEPLOYMENT).join("state.json")).expect("state.json"),
    )
    .expect("state.json is JSON");
    assert_eq!(on_disk["checksum"], checksum(&exported).as_str());
    let verify = state(dir.path(), &["verify", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(verify["checksum"], checksum(&exported).as_str());
}

#[test]
fn verify_reports_a_sound_state_and_refuses_a_tampered_one() {
    let (dir, saved) = applied();
    let run = state(dir.path(), &["verify"]).expect_code(0);
    assert!(run.stdout.contains("verifies"), "{}", run.stdout);
    assert!(run.stdout.contains(&saved.lineage), "{}", run.stdout);
    let j = state(dir.path(), &["verify", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["serial"], saved.serial);
    assert_eq!(j["resources"], 11);
    assert_eq!(j["outputs"], 8);
    assert_eq!(j["lock"], "free");

    let path = dir.path().join(DEPLOYMENT).join("state.json");
    let text = std::fs::read_to_string(&path).expect("state.json");
    assert_eq!(text.matches("10.42.0.0/16").count(), 1, "{text}");
    std::fs::write(&path, text.replace("10.42.0.0/16", "10.66.0.0/16")).expect("write");
    let run = state(dir.path(), &["verify"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::checksum_mismatch"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_without_state_fails() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let run = state(dir.path(), &["verify"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::no_state"),
        "{}",
        run.stderr
    );
}

#[test]
fn backups_list_previous_versions_and_restore_brings_one_back() {
    let (dir, mut saved) = applied();
    let run = state(dir.path(), &["backups"]).expect_code(0);
    assert_eq!(run.stdout, "", "no backup after the first save");

    // Second version: the instance is gone. Third: the subnet too.
    let instance = "instance.host".parse().expect("address");
    let subnet = "subnet.public_a".parse().expect("address");
    saved.resources.remove(&instance);
    save_state(dir.path(), &mut saved);
    saved.resources.remove(&subnet);
    save_state(dir.path(), &mut saved);
    assert_eq!(saved.serial, 3);

    let run = state(dir.path(), &["backups"]).expect_code(0);
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    // Newest first.
    assert!(rows[0].contains("state.000002"), "{}", run.stdout);
    assert!(rows[1].contains("state.000001"), "{}", run.stdout);
    assert!(rows.iter().all(|r| r.ends_with("ok")), "{}", run.stdout);
    let j = state(dir.path(), &["backups", "-o", "json"])
        .expect_code(0)
        .json();
    let list = j["backups"].as_array().expect("backups");
    assert_eq!(list.len(), 2);
    let oldest = list[1]["name"].as_str().expect("name").to_string();
    assert_eq!(list[1]["serial"], 1);
    assert_eq!(list[1]["valid"], true);

    let run = state(dir.path(), &["restore", &oldest]).expect_code(0);
    assert!(run.stdout.contains(&oldest), "{}", run.stdout);
    let j = state(dir.path(), &["list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["resources"].as_array().map(Vec::len), Some(11));
    assert!(
        j["serial"].as_u64().is_some_and(|s| s > 3),
        "restored state must get a serial above every earlier one: {j}"
    );
    // The state it replaced was kept.
    let j = state(dir.path(), &["backups", "-o", "json"])
        .expect_code(0)
        .json();
    assert!(
        j["backups"]
            .as_array()
            .expect("backups")
            .iter()
            .any(|b| b["serial"] == 3),
        "{j}"
    );

    // By serial, too; and an unknown backup is an error.
    state(dir.path(), &["restore", "2"]).expect_code(0);
    let j = state(dir.path(), &["list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["resources"].as_array().map(Vec::len), Some(10));
    let run = state(dir.path(), &["restore", "state.999999.json"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::no_such_backup"),
        "{}",
        run.stderr
    );
}

#[test]
fn restore_is_refused_while_another_process_holds_the_lock() {
    let (dir, _) = applied();
    let mut again = LocalBackend::new(dir.path())
        .load(DEPLOYMENT)
        .expect("loads")
        .expect("exists");
    save_state(dir.path(), &mut again);

    let backend = LocalBackend::new(dir.path());
    let lock = backend
        .lock(DEPLOYMENT, "strata apply (test)", Duration::ZERO)
        .expect("lock taken");
    let run = state(dir.path(), &["restore", "1"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::locked"),
        "{}",
        run.stderr
    );
    let pid = format!("pid {}", std::process::id());
    assert!(
        run.stderr.contains(&pid),
        "holder's pid not named: {}",
        run.stderr
    );
    // Nothing was restored.
    let current = backend.load(DEPLOYMENT).expect("loads").expect("exists");
    assert_eq!(current.serial, 2);

    // verify shows the lock as held, by us.
    let j = state(dir.path(), &["verify", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["lock"], "held");
    assert_eq!(j["lock_holder"]["pid"], std::process::id());

    drop(lock);
    state(dir.path(), &["restore", "1"]).expect_code(0);
}

#[test]
fn unlock_removes_a_lock_left_behind() {
    let (dir, _) = applied();
    let backend = LocalBackend::new(dir.path());
    let lock = backend
        .lock(DEPLOYMENT, "strata apply (test)", Duration::ZERO)
        .expect("lock taken");
    // While its holder runs, unlock refuses: the OS lock would keep everyone out anyway.
    let run = state(dir.path(), &["unlock"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::lock_alive"),
        "{}",
        run.stderr
    );
    assert!(lock.ensure_held().is_ok());
    // What a holder killed on another host leaves (its OS lock gone with it).
    let left = std::fs::read(lock.path()).expect("the holder file");
    drop(lock);
    std::fs::write(
        backend
            .deployment_dir(DEPLOYMENT)
            .expect("dir")
            .join("state.lock"),
        left,
    )
    .expect("writes");
    let run = state(dir.path(), &["unlock"]).expect_code(0);
    assert!(run.stdout.contains("Removed the lock"), "{}", run.stdout);
    assert!(run.stdout.contains("strata apply (test)"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("pid {}", std::process::id())),
        "{}",
        run.stdout
    );
    assert!(!backend
        .deployment_dir(DEPLOYMENT)
        .expect("dir")
        .join("state.lock")
        .exists());
    // Now another command may take it.
    let run = state(dir.path(), &["restore", "1"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::no_such_backup"),
        "the lock should be free now: {}",
        run.stderr
    );
    let run = state(dir.path(), &["unlock"]).expect_code(0);
    assert!(run.stdout.contains("was not locked"), "{}", run.stdout);
}

#[test]
fn state_commands_work_while_the_configuration_is_broken() {
    let project = TempProject::new();
    let dir = tempfile::tempdir().expect("a temp dir");
    apply_tier(project.path(), "dev", dir.path());
    project.edit(
        "stacks/ai-stack.toml",
        "[resource.vpc.main]",
        "[resource.nosuchkind.x]\n\n[resource.vpc.main]",
    );
    strata(project.path())
        .args(["validate", "--tier", "dev"])
        .run()
        .expect_code(1);
    let run = strata(project.path())
        .args(["state", "--tier", "dev"])
        .state_dir(dir.path())
        .args(["list"])
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("vpc.main"), "{}", run.stdout);
}

#[test]
fn state_uses_the_name_flag() {
    let (dir, _) = applied();
    let run = strata(&repo_root())
        .args(["state", "--tier", "dev", "--name", "other"])
        .state_dir(dir.path())
        .args(["list", "-o", "json"])
        .run()
        .expect_code(0);
    assert_eq!(run.json()["exists"], false);
    assert_eq!(run.json()["deployment"], "other");
}

#[test]
fn state_flags_after_the_subcommand_are_accepted() {
    let (dir, _) = applied();
    let run = strata(&repo_root())
        .args(["state", "list", "--tier", "dev"])
        .state_dir(dir.path())
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("vpc.main"), "{}", run.stdout);
    let run = strata(&repo_root())
        .args(["state", "show", "vpc.main", "--tier", "dev"])
        .state_dir(dir.path())
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("vpc-fake-main"), "{}", run.stdout);
}

#[test]
fn commands_suggested_in_hints_are_accepted() {
    let (dir, mut saved) = applied();
    save_state(dir.path(), &mut saved);
    let run = state(dir.path(), &["backups"]).expect_code(0);
    let hint = format!("strata state restore BACKUP --name {DEPLOYMENT}");
    assert!(run.stderr.contains(&hint), "{}", run.stderr);
    let backup = run
        .stdout
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("one backup listed")
        .to_string();
    strata(&repo_root())
        .args(["state", "restore", &backup, "--name", DEPLOYMENT])
        .state_dir(dir.path())
        .run()
        .expect_code(0);
    strata(&repo_root())
        .args(["state", "backups", "--name", DEPLOYMENT])
        .state_dir(dir.path())
        .run()
        .expect_code(0);
}

#[test]
fn json_output_of_state_commands_parses() {
    let (dir, mut saved) = applied();
    save_state(dir.path(), &mut saved);
    for sub in [
        &["list"][..],
        &["show", "vpc.main"],
        &["export"],
        &["verify"],
        &["backups"],
        &["restore", "1"],
    ] {
        let run = state(dir.path(), &[sub, &["-o", "json"]].concat()).expect_code(0);
        let j = run.json();
        assert!(j.is_object(), "{sub:?}: {j}");
    }
}

#[test]
fn unlock_prints_json_when_asked() {
    let (dir, _) = applied();
    let backend = LocalBackend::new(dir.path());
    let lock = backend
        .lock(DEPLOYMENT, "strata apply (test)", Duration::ZERO)
        .expect("lock taken");
    // Left behind: the holder file without its (live) OS lock.
    let left = std::fs::read(lock.path()).expect("the holder file");
    let path = lock.path().to_path_buf();
    drop(lock);
    std::fs::write(&path, left).expect("writes");
    let j = state(dir.path(), &["unlock", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["deployment"], DEPLOYMENT, "{j}");
    let j = state(dir.path(), &["unlock", "-o", "json"])
        .expect_code(0)
        .json();
    assert!(j.is_object(), "{j}");
}

#[test]
fn unknown_address_is_a_coded_diagnostic() {
    let (dir, _) = applied();
    let run = state(dir.path(), &["show", "vpc.mian"]).expect_code(1);
    assert!(run.stderr.contains("strata::state::"), "{}", run.stderr);
    let run = state(dir.path(), &["show", "vpc.mian", "-o", "json"]).expect_code(1);
    let j = run.json();
    assert!(
        j["error"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("strata::")),
        "{j}"
    );
}

#[test]
fn forget_removes_one_resource_from_the_state_and_nothing_else() {
    let (dir, saved) = applied();
    let run = state(dir.path(), &["forget", "subnet.public_a"]).expect_code(0);
    assert!(
        run.stdout.contains("Forgot `subnet.public_a`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("subnet-fake-public_a"),
        "{}",
        run.stdout
    );
    let after = LocalBackend::new(dir.path())
        .load(DEPLOYMENT)
        .expect("the state reads")
        .expect("a state");
    let mut expected = saved.resources.clone();
    expected.remove(
        &"subnet.public_a"
            .parse::<strata::Address>()
            .expect("an address"),
    );
    assert_eq!(after.resources, expected);
    assert_eq!(after.serial, saved.serial + 1);
    assert_eq!(after.lineage, saved.lineage);

    // Gone already, or never there: a coded error that changes nothing.
    let run = state(dir.path(), &["forget", "subnet.public_a", "-o", "json"]).expect_code(1);
    assert_eq!(
        run.json()["error"]["code"],
        "strata::state::no_such_resource"
    );
    let again = LocalBackend::new(dir.path())
        .load(DEPLOYMENT)
        .expect("the state reads")
        .expect("a state");
    assert_eq!(again.serial, after.serial);
}

/// The permission bits of `path`.
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Every file and folder under `dir` (itself included).
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).expect("lists") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(entries(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn state_files_are_private_whatever_the_umask_and_verify_warns_about_looser_ones() {
    // SAFETY: umask only sets this process's creation mask (nextest runs each test in its
    // own process); 022 is the common default that leaves files world-readable.
    unsafe { libc::umask(0o022) };
    let (dir, mut saved) = applied();
    let deployment = dir.path().join(DEPLOYMENT);
    save_state(dir.path(), &mut saved);
    let backend = LocalBackend::new(dir.path());
    drop(strata::engine::journal::Journal::open(&deployment).expect("the journal opens"));
    let lock = backend
        .lock(DEPLOYMENT, "strata apply (test)", Duration::ZERO)
        .expect("lock taken");
    for path in entries(&deployment) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode_of(&path), want, "{}", path.display());
    }
    for name in [
        "state.json",
        "journal.jsonl",
        "state.lock",
        "state.lock.os",
        "backups",
    ] {
        assert!(deployment.join(name).exists(), "{name} was written");
    }
    drop(lock);
    let j = state(dir.path(), &["verify", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["loose_modes"], serde_json::json!([]));

    let file = deployment.join("state.json");
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let run = state(dir.path(), &["verify"]).expect_code(0);
    let shown = file.display().to_string();
    assert!(
        run.stderr.contains("strata::state::loose_mode"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{shown} has mode 0644")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("chmod 600 {shown}")),
        "{}",
        run.stderr
    );
    let j = state(dir.path(), &["verify", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["loose_modes"][0]["path"], shown.as_str());
    assert_eq!(j["loose_modes"][0]["mode"], "0644");
}
