//! Locks held by other processes: a holder killed with SIGKILL is detected by its released OS
//! lock, even when its pid now names another live process; a live holder is never taken over,
//! whatever its holder file says. The holder is this test binary run again as a child
//! (`holder_child`, ignored unless asked for), which takes the lock and sleeps.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use strata::state::{codes, process, LocalBackend, LockHolder};

const NO_WAIT: Duration = Duration::ZERO;
const DIR_VAR: &str = "STRATA_TEST_LOCK_HOLDER_DIR";

/// Not a test of its own: the child process of the tests below.
#[test]
#[ignore = "run as a child by the lock tests"]
fn holder_child() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        return;
    };
    let _lock = LocalBackend::new(dir)
        .lock("dev", "strata apply (child)", NO_WAIT)
        .expect("the child takes the lock");
    println!("locked");
    std::thread::sleep(Duration::from_secs(120));
}

/// Run `holder_child` holding the lock of `dev` under `dir`; returns once it holds it.
fn spawn_holder(dir: &Path) -> Child {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "state::lock::holder_child",
            "--ignored",
            "--nocapture",
        ])
        .env(DIR_VAR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts");
    let stdout = child.stdout.take().expect("piped");
    let locked = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("locked"));
    assert!(locked, "the child did not take the lock");
    child
}

fn holder_file(dir: &Path) -> std::path::PathBuf {
    dir.join("dev/state.lock")
}

fn read_holder(dir: &Path) -> LockHolder {
    serde_json::from_slice(&std::fs::read(holder_file(dir)).expect("a holder file"))
        .expect("a holder record")
}

fn write_holder(dir: &Path, holder: &LockHolder) {
    std::fs::write(holder_file(dir), serde_json::to_vec(holder).expect("json")).expect("writes");
}

#[test]
fn a_killed_holder_whose_pid_now_names_a_live_process_is_taken_over() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let backend = LocalBackend::new(dir.path());
    let mut child = spawn_holder(dir.path());
    let err = backend.lock("dev", "strata plan", NO_WAIT).unwrap_err();
    assert_eq!(err.code(), codes::LOCKED, "{err}");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // The pid is reused by a live process (a stand-in: `sleep`), started at another time.
    let mut stand_in = Command::new("sleep").arg("30").spawn().expect("sleep");
    let mut left = read_holder(dir.path());
    assert!(left.os_lock, "the child held the OS lock: {left:?}");
    left.pid = stand_in.id();
    left.process_start = left.process_start.map(|t| t.saturating_sub(1));
    write_holder(dir.path(), &left);
    let lock = backend
        .lock("dev", "strata plan", NO_WAIT)
        .expect("taken over");
    assert_eq!(lock.took_over_from(), Some(&left));
    let warning = lock.takeover_warning().expect("a warning");
    assert!(warning.contains("strata apply (child)"), "{warning}");
    drop(lock);

    // A holder without an OS lock (a build before them): its start time tells the reused pid.
    if let Some(start) = process::start_ticks(stand_in.id()) {
        left.os_lock = false;
        left.process_start = Some(start);
        write_holder(dir.path(), &left);
        let err = backend.lock("dev", "strata plan", NO_WAIT).unwrap_err();
        assert_eq!(
            err.code(),
            codes::LOCKED,
            "the stand-in is that holder: {err}"
        );
        left.process_start = Some(start + 1);
        write_holder(dir.path(), &left);
        let lock = backend
            .lock("dev", "strata plan", NO_WAIT)
            .expect("taken over");
        assert_eq!(lock.took_over_from(), Some(&left));
    }
    stand_in.kill().expect("kill sleep");
    stand_in.wait().expect("reaped");
}

#[test]
fn a_live_holder_is_never_taken_over_whatever_its_file_names() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let backend = LocalBackend::new(dir.path());
    let mut child = spawn_holder(dir.path());
    let mut gone = Command::new("true").spawn().expect("true");
    let dead_pid = gone.id();
    gone.wait().expect("reaped");
    let original = read_holder(dir.path());
    for (pid, host) in [
        (dead_pid, original.host.clone()),
        (dead_pid, "another-host".to_string()),
    ] {
        let mut forged = original.clone();
        forged.pid = pid;
        forged.host = host;
        forged.process_start = None;
        write_holder(dir.path(), &forged);
        let err = backend.lock("dev", "strata plan", NO_WAIT).unwrap_err();
        assert_eq!(err.code(), codes::LOCKED, "{err}");
        assert_eq!(
            read_holder(dir.path()),
            forged,
            "the holder file is left alone"
        );
        let err = backend.force_unlock("dev").unwrap_err();
        assert_eq!(err.code(), codes::LOCK_ALIVE, "{err}");
    }
    // Even with no holder file at all.
    std::fs::remove_file(holder_file(dir.path())).expect("removed");
    let err = backend.lock("dev", "strata plan", NO_WAIT).unwrap_err();
    assert_eq!(err.code(), codes::LOCKED, "{err}");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(backend.lock("dev", "strata plan", NO_WAIT).is_ok());
}
