//! The local state backend end to end: round trips, refusals, backups, restore, locks, migration.

use miette::Diagnostic;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use strata::state::{
    codes, LocalBackend, LockHolder, LockStatus, OutputState, Provenance, ResourceState, State,
    StateError, UNKNOWN_TIME,
};
use strata::{Address, Value};

const NO_WAIT: Duration = Duration::ZERO;

fn sample_state(deployment: &str) -> State {
    let mut state = State::new(deployment, "ai-stack", Some("dev"));
    let vpc = Address::new("vpc", "main");
    let subnet = Address::new("subnet", "public_a");
    state.resources.insert(
        vpc.clone(),
        ResourceState {
            address: vpc.clone(),
            kind: "vpc".into(),
            id: Some("vpc-0abc".into()),
            attributes: BTreeMap::from([("cidr_block".into(), Value::str("10.42.0.0/16"))]),
            dependencies: vec![],
            provenance: Provenance::Reused,
            created_at: "2026-11-21T20:00:00Z".into(),
            updated_at: "2026-11-21T20:00:00Z".into(),
        },
    );
    state.resources.insert(
        subnet.clone(),
        ResourceState {
            address: subnet.clone(),
            kind: "subnet".into(),
            id: None,
            attributes: BTreeMap::from([
                ("cidr_block".into(), Value::str("10.42.1.0/24")),
                ("map_public_ip".into(), Value::Bool(true)),
                ("arn".into(), Value::Unknown),
                ("password".into(), Value::str("hunter2").redact()),
            ]),
            dependencies: vec![vpc],
            provenance: Provenance::Created,
            created_at: "2026-11-21T20:01:00Z".into(),
            updated_at: "2026-11-21T20:02:00Z".into(),
        },
    );
    state.outputs.insert(
        "n8n_url".into(),
        OutputState {
            value: Value::str("http://203.0.113.7:5678"),
            sensitive: false,
        },
    );
    state
}

/// A backend in a fresh temp dir holding a saved `dev` state (serial 1).
fn backend_with_state() -> (tempfile::TempDir, LocalBackend, State) {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().join("state"));
    let mut state = sample_state("dev");
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    backend.save(&lock, &mut state).unwrap();
    (dir, backend, state)
}

fn state_file(backend: &LocalBackend) -> PathBuf {
    backend.state_path("dev").unwrap()
}

/// The on-disk file is refused by `load`, `save` and `verify` with `code`, the help points at
/// backups/restore, and the file is byte-identical afterwards.
fn assert_refused_and_untouched(backend: &LocalBackend, code: &str) {
    let path = state_file(backend);
    let before = fs::read(&path).unwrap();

    let err = backend.load("dev").unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(
        Diagnostic::code(&err).map(|c| c.to_string()).as_deref(),
        Some(code)
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let help = err.help().map(|h| h.to_string()).unwrap_or_default();
    assert!(help.contains("strata state backups --name dev"), "{help}");
    assert!(
        help.contains("strata state restore <BACKUP> --name dev"),
        "{help}"
    );

    let mut other = sample_state("dev");
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    let err = backend.save(&lock, &mut other).unwrap_err();
    assert_eq!(err.code(), code, "save must refuse too: {err}");
    assert_eq!(other.serial, 0, "a refused save must not touch the serial");
    assert_eq!(backend.verify("dev").unwrap_err().code(), code);

    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the refused file was modified"
    );
}

#[test]
fn round_trip_preserves_everything() {
    let (_dir, backend, saved) = backend_with_state();
    assert_eq!(saved.serial, 1);
    let loaded = backend.load("dev").unwrap().unwrap();
    assert_eq!(loaded, saved);
    let text = fs::read_to_string(state_file(&backend)).unwrap();
    assert!(
        text.starts_with("{\n  \"format_version\": 1,\n  \"serial\": 1,"),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"checksum\": \"sha256:"));
    assert!(!text.contains("hunter2"));
    assert_eq!(backend.load("prod").unwrap(), None);
}

#[test]
fn saving_twice_writes_identical_documents_for_identical_states() {
    let dir = tempfile::tempdir().unwrap();
    let a = LocalBackend::new(dir.path().join("a"));
    let b = LocalBackend::new(dir.path().join("b"));
    let state = sample_state("dev");
    for backend in [&a, &b] {
        let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
        backend.save(&lock, &mut state.clone()).unwrap();
    }
    assert_eq!(
        fs::read(a.state_path("dev").unwrap()).unwrap(),
        fs::read(b.state_path("dev").unwrap()).unwrap()
    );
}

#[test]
fn serial_increments_and_lineage_stays() {
    let (_dir, backend, mut state) = backend_with_state();
    let lineage = state.lineage.clone();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    for expected in 2..=4 {
        backend.save(&lock, &mut state).unwrap();
        assert_eq!(state.serial, expected);
        let loaded = backend.load("dev").unwrap().unwrap();
        assert_eq!(loaded.serial, expected);
        assert_eq!(loaded.lineage, lineage);
    }
}

#[test]
fn flipped_byte_is_a_checksum_mismatch() {
    let (_dir, backend, _) = backend_with_state();
    let path = state_file(&backend);
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes
        .windows(8)
        .position(|w| w == b"vpc-0abc")
        .expect("id in file");
    bytes[at + 7] = b'd'; // vpc-0abc -> vpc-0abd: still valid JSON, different content
    fs::write(&path, &bytes).unwrap();
    assert_refused_and_untouched(&backend, codes::CHECKSUM_MISMATCH);
}

#[test]
fn truncated_file_is_corrupt() {
    let (_dir, backend, _) = backend_with_state();
    let path = state_file(&backend);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert_refused_and_untouched(&backend, codes::CORRUPT);
    fs::write(&path, b"").unwrap();
    assert_refused_and_untouched(&backend, codes::CORRUPT);
}

#[test]
fn newer_format_version_is_refused() {
    let (_dir, backend, _) = backend_with_state();
    let path = state_file(&backend);
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"format_version\": 1,", "\"format_version\": 99,");
    fs::write(&path, text).unwrap();
    assert_refused_and_untouched(&backend, codes::UNKNOWN_FORMAT_VERSION);
    let err = backend.load("dev").unwrap_err();
    assert!(err.to_string().contains("format_version 99"), "{err}");
    let help = err.help().map(|h| h.to_string()).unwrap_or_default();
    assert!(help.contains("upgrade strata"), "{help}");
}

#[test]
fn backups_rotate_to_the_limit_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path()).with_backup_limit(3);
    let mut state = sample_state("dev");
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    for _ in 0..6 {
        backend.save(&lock, &mut state).unwrap();
    }
    assert_eq!(state.serial, 6);
    let backups = backend.backups("dev").unwrap();
    let serials: Vec<_> = backups.iter().map(|b| b.serial).collect();
    assert_eq!(serials, vec![Some(5), Some(4), Some(3)]);
    assert_eq!(backups[0].name, "state.000005.json");
    assert!(backups.iter().all(|b| b.is_valid() && b.size > 0));
    assert!(backups
        .iter()
        .all(|b| b.lineage.as_deref() == Some(state.lineage.as_str())));
    assert_eq!(
        fs::read_dir(dir.path().join("dev/backups"))
            .unwrap()
            .count(),
        3
    );
}

#[test]
fn restore_brings_back_a_version_with_a_higher_serial() {
    let (_dir, backend, mut state) = backend_with_state();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    let at_serial_1 = state.clone();
    for n in 2..=3 {
        state.outputs.insert(
            format!("out{n}"),
            OutputState {
                value: Value::Int(n),
                sensitive: false,
            },
        );
        backend.save(&lock, &mut state).unwrap();
    }
    let at_serial_3 = backend.load("dev").unwrap().unwrap();

    let restored = backend.restore(&lock, "1").unwrap();
    assert_eq!(restored.serial, 4);
    assert_eq!(restored.outputs, at_serial_1.outputs);
    assert_eq!(restored.resources, at_serial_1.resources);
    assert_eq!(backend.load("dev").unwrap().unwrap(), restored);

    // The version that was current is kept, and can itself be restored by file name.
    let backups = backend.backups("dev").unwrap();
    assert_eq!(backups[0].name, "state.000003.json");
    let again = backend.restore(&lock, "state.000003.json").unwrap();
    assert_eq!(again.serial, 5);
    assert_eq!(again.outputs, at_serial_3.outputs);

    let err = backend.restore(&lock, "state.000099.json").unwrap_err();
    assert_eq!(err.code(), codes::NO_SUCH_BACKUP);
    assert!(err
        .help()
        .unwrap()
        .to_string()
        .contains("strata state backups --name dev"));
}

#[test]
fn restore_over_a_corrupt_state_keeps_the_corrupt_bytes() {
    let (_dir, backend, mut state) = backend_with_state();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    backend.save(&lock, &mut state).unwrap();
    let path = state_file(&backend);
    fs::write(&path, b"{\"format_version\": 1, \"ser").unwrap();

    let restored = backend.restore(&lock, "1").unwrap();
    assert_eq!(
        restored.serial, 2,
        "above every serial seen (backup 1, no readable current)"
    );
    assert_eq!(backend.load("dev").unwrap().unwrap().serial, 2);
    let backups = backend.backups("dev").unwrap();
    let kept = backups
        .iter()
        .find(|b| b.name.contains("unreadable"))
        .expect("corrupt file kept");
    assert!(!kept.is_valid());
    assert!(kept.problem.as_deref().unwrap().contains("corrupt"));
    assert_eq!(
        fs::read(&kept.path).unwrap(),
        b"{\"format_version\": 1, \"ser"
    );
}

#[test]
fn restoring_an_invalid_backup_is_refused() {
    let (_dir, backend, mut state) = backend_with_state();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    backend.save(&lock, &mut state).unwrap();
    let backup = backend.backups("dev").unwrap().remove(0);
    fs::write(&backup.path, b"not json").unwrap();
    let before = fs::read(state_file(&backend)).unwrap();
    let err = backend.restore(&lock, &backup.name).unwrap_err();
    assert_eq!(err.code(), codes::CORRUPT);
    assert_eq!(fs::read(state_file(&backend)).unwrap(), before);
}

#[test]
fn save_refuses_another_lineage_or_an_older_serial() {
    let (_dir, backend, state) = backend_with_state();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    let err = backend.save(&lock, &mut sample_state("dev")).unwrap_err();
    assert_eq!(err.code(), codes::CONFLICT);
    assert!(err.to_string().contains("lineage"), "{err}");

    let mut newer = state.clone();
    backend.save(&lock, &mut newer).unwrap();
    let mut stale = state;
    let err = backend.save(&lock, &mut stale).unwrap_err();
    assert_eq!(err.code(), codes::CONFLICT);
    assert!(err.to_string().contains("serial 2"), "{err}");

    let err = backend.save(&lock, &mut sample_state("prod")).unwrap_err();
    assert_eq!(err.code(), codes::CONFLICT);
}

#[test]
fn second_locker_is_refused_with_the_holder_named() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path());
    let first = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    assert_eq!(first.holder().pid, std::process::id());
    assert!(first.took_over_from().is_none());

    let err = backend.lock("dev", "strata destroy", NO_WAIT).unwrap_err();
    assert_eq!(err.code(), codes::LOCKED);
    let message = err.to_string();
    assert!(message.contains("`strata apply`"), "{message}");
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "{message}"
    );
    assert!(message.contains(&first.holder().host), "{message}");
    let help = err.help().unwrap().to_string();
    assert!(help.contains("strata state unlock --name dev"), "{help}");
    match err {
        StateError::Locked { holder, .. } => assert_eq!(*holder, *first.holder()),
        other => panic!("unexpected {other}"),
    }

    // Another deployment is independent.
    assert!(backend.lock("prod", "strata apply", NO_WAIT).is_ok());
    drop(first);
    assert!(backend.lock("dev", "strata destroy", NO_WAIT).is_ok());
}

#[test]
fn lock_waits_for_a_release_in_another_thread() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path());
    let first = backend.lock("dev", "strata apply", NO_WAIT).unwrap();

    let started = Instant::now();
    let err = backend
        .lock("dev", "strata plan", Duration::from_millis(300))
        .unwrap_err();
    assert_eq!(err.code(), codes::LOCK_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(err.to_string().contains("`strata apply`"), "{err}");

    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
    });
    let started = Instant::now();
    let second = backend
        .lock("dev", "strata plan", Duration::from_secs(10))
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(second.holder().command, "strata plan");
    releaser.join().unwrap();
}

#[test]
fn stale_lock_of_a_dead_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path());
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();

    let mut dead = LockHolder::current("strata apply");
    dead.pid = dead_pid;
    let lock_path = dir.path().join("dev/state.lock");
    fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    fs::write(&lock_path, serde_json::to_vec(&dead).unwrap()).unwrap();
    match backend.verify("dev") {
        Err(e) => assert_eq!(e.code(), codes::NO_STATE),
        Ok(r) => panic!("no state yet, got {r:?}"),
    }

    let lock = backend.lock("dev", "strata plan", NO_WAIT).unwrap();
    assert_eq!(lock.took_over_from(), Some(&dead));
    let warning = lock.takeover_warning().unwrap();
    assert!(warning.contains(&format!("pid {dead_pid}")), "{warning}");

    // A lock from another host cannot be checked and is never taken over.
    drop(lock);
    let mut remote = LockHolder::current("strata apply");
    remote.pid = dead_pid;
    remote.host = "some-other-host".into();
    fs::write(&lock_path, serde_json::to_vec(&remote).unwrap()).unwrap();
    let err = backend.lock("dev", "strata plan", NO_WAIT).unwrap_err();
    assert_eq!(err.code(), codes::LOCKED);
    assert!(err.to_string().contains("some-other-host"));
    assert_eq!(backend.force_unlock("dev").unwrap(), Some(remote));
    assert_eq!(backend.force_unlock("dev").unwrap(), None);
}

#[test]
fn save_refuses_after_the_lock_was_forcibly_removed() {
    let (_dir, backend, mut state) = backend_with_state();
    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    // `strata state unlock` refuses while we run; a hand removal is what is left.
    let err = backend.force_unlock("dev").unwrap_err();
    assert_eq!(err.code(), codes::LOCK_ALIVE);
    assert!(err.to_string().contains("`strata apply`"), "{err}");
    fs::remove_file(lock.path()).unwrap();
    let err = backend.lock("dev", "strata apply", NO_WAIT).unwrap_err();
    assert_eq!(
        err.code(),
        codes::LOCKED,
        "the OS lock still excludes: {err}"
    );
    let err = backend.save(&lock, &mut state).unwrap_err();
    assert_eq!(err.code(), codes::LOCK_LOST);
    assert_eq!(backend.load("dev").unwrap().unwrap().serial, 1);
}

#[test]
fn v0_fixture_is_migrated_and_the_v0_bytes_are_kept_on_save() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path());
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/state/v0.json");
    let v0_bytes = fs::read(&fixture).unwrap();
    fs::create_dir_all(dir.path().join("dev")).unwrap();
    fs::write(backend.state_path("dev").unwrap(), &v0_bytes).unwrap();

    let mut state = backend.load("dev").unwrap().unwrap();
    assert_eq!(state.format_version, 1);
    assert_eq!(state.serial, 7);
    assert_eq!(state.lineage, "0f6c2a8e-5b1d-4c3e-9a7f-2d8b4e6c1a90");
    assert_eq!(state.deployment, "dev");
    assert_eq!(state.stack, "");
    assert_eq!(state.tier, None);
    assert_eq!(state.resources.len(), 3);
    let vpc = &state.resources[&Address::new("vpc", "main")];
    assert_eq!(vpc.kind, "vpc");
    assert_eq!(vpc.provenance, Provenance::Reused);
    assert_eq!(vpc.id.as_deref(), Some("vpc-0abc1234"));
    assert_eq!(vpc.attributes["cidr_block"], Value::str("10.42.0.0/16"));
    assert_eq!(
        (vpc.created_at.as_str(), vpc.updated_at.as_str()),
        (UNKNOWN_TIME, UNKNOWN_TIME)
    );
    let subnet = &state.resources[&Address::new("subnet", "public_a")];
    assert_eq!(subnet.provenance, Provenance::Created);
    assert_eq!(subnet.dependencies, vec![Address::new("vpc", "main")]);
    let host = &state.resources[&Address::new("instance", "host")];
    assert_eq!(host.provenance, Provenance::Imported);
    assert_eq!(host.id, None);
    assert_eq!(host.attributes["root_volume_gb"], Value::Int(100));
    assert_eq!(
        state.outputs["n8n_url"],
        OutputState {
            value: Value::str("http://203.0.113.7:5678"),
            sensitive: false
        }
    );

    let report = backend.verify("dev").unwrap();
    assert_eq!((report.format_version, report.serial), (0, 7));
    assert_eq!(report.checksum, None);
    // Loading never rewrites the file.
    assert_eq!(
        fs::read(backend.state_path("dev").unwrap()).unwrap(),
        v0_bytes
    );

    let lock = backend.lock("dev", "strata apply", NO_WAIT).unwrap();
    backend.save(&lock, &mut state).unwrap();
    assert_eq!(state.serial, 8);
    let text = fs::read_to_string(backend.state_path("dev").unwrap()).unwrap();
    assert!(text.starts_with("{\n  \"format_version\": 1,"), "{text}");
    let backups = backend.backups("dev").unwrap();
    assert_eq!(backups.len(), 1);
    assert_eq!(backups[0].name, "state.000007.json");
    assert_eq!(backups[0].format_version, Some(0));
    assert_eq!(fs::read(&backups[0].path).unwrap(), v0_bytes);
    assert_eq!(backend.verify("dev").unwrap().format_version, 1);
}

#[test]
fn deployments_exists_and_verify() {
    let (dir, backend, state) = backend_with_state();
    let lock = backend.lock("prod", "strata apply", NO_WAIT).unwrap();
    backend.save(&lock, &mut sample_state("prod")).unwrap();
    fs::create_dir_all(dir.path().join("state/empty")).unwrap();
    assert_eq!(backend.deployments().unwrap(), vec!["dev", "prod"]);
    assert!(backend.exists("dev") && !backend.exists("empty") && !backend.exists("../x"));
    assert!(LocalBackend::new(dir.path().join("nowhere"))
        .deployments()
        .unwrap()
        .is_empty());

    let report = backend.verify("prod").unwrap();
    assert_eq!(report.serial, 1);
    assert_eq!((report.resources, report.outputs), (2, 1));
    assert_eq!(
        report.checksum,
        Some(strata::state::checksum(
            &backend.load("prod").unwrap().unwrap()
        ))
    );
    match &report.lock {
        LockStatus::Held(h) => assert_eq!(h, lock.holder()),
        other => panic!("expected held, got {other:?}"),
    }
    let report = backend.verify("dev").unwrap();
    assert_eq!(report.lineage, state.lineage);
    assert_eq!(report.lock, LockStatus::Free);
    assert_eq!((report.backups, report.invalid_backups), (0, 0));

    let err = backend.load("../etc").unwrap_err();
    assert_eq!(err.code(), codes::BAD_NAME);
}
