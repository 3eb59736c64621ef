//! Kill a writer mid-save, again and again: the state on disk must always be the last completed
//! version or the next one, complete and verified, never torn and never refused.
//!
//! The test binary re-executes itself to run [`torture_writer`] as a child process (it does
//! nothing unless `STRATA_TORTURE_DIR` is set), and SIGKILLs it after varying delays.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use strata::state::{LocalBackend, Provenance, ResourceState, State};
use strata::{Address, Value};

const DIR_VAR: &str = "STRATA_TORTURE_DIR";
const LINEAGE_VAR: &str = "STRATA_TORTURE_LINEAGE";
const SERIAL_VAR: &str = "STRATA_TORTURE_SERIAL";
const DEPLOYMENT: &str = "big";
const MIN_KILLS: usize = 25;
const MAX_KILLS: usize = 40;
const TIME_BUDGET: Duration = Duration::from_secs(20);

/// The child: load the state and save it in a loop, reporting each completed save.
#[test]
fn torture_writer() {
    let Some(dir) = std::env::var_os(DIR_VAR) else {
        return;
    };
    let backend = LocalBackend::new(dir).with_backup_limit(3);
    let lock = backend
        .lock(DEPLOYMENT, "torture writer", Duration::from_secs(5))
        .unwrap();
    // Rebuilt rather than loaded, to spend the time on saves: the same content the parent
    // wrote, continuing from the serial and lineage the parent passes.
    let mut state = big_state();
    state.lineage = std::env::var(LINEAGE_VAR).unwrap();
    state.serial = std::env::var(SERIAL_VAR).unwrap().parse().unwrap();
    println!("TORTURE ready {}", state.serial);
    loop {
        let next = state.serial + 1;
        mark_generation(&mut state, next);
        backend.save(&lock, &mut state).unwrap();
        // Printed only once the save has returned, i.e. is durable.
        println!("TORTURE saved {}", state.serial);
    }
}

#[test]
fn killed_writer_never_leaves_a_torn_state() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path()).with_backup_limit(3);
    let mut state = big_state();
    mark_generation(&mut state, 1);
    let lock = backend
        .lock(DEPLOYMENT, "torture setup", Duration::ZERO)
        .unwrap();
    let started = Instant::now();
    backend.save(&lock, &mut state).unwrap();
    let save_time = started.elapsed();
    drop(lock);
    let size = fs::metadata(backend.state_path(DEPLOYMENT).unwrap())
        .unwrap()
        .len();
    assert!(
        size > 1_500_000,
        "state should be a few MB, is {size} bytes"
    );

    let mut last_serial = state.serial;
    let mut kills = 0;
    let mut mid_write = 0;
    let mut unreported = 0;
    let budget = Instant::now();
    while kills < MAX_KILLS && (kills < MIN_KILLS || budget.elapsed() < TIME_BUDGET) {
        let mut child = spawn_writer(dir.path(), &state.lineage, last_serial);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // The test harness prints its own lines first.
        let ready = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.rsplit_once("TORTURE ready ").map(|(_, n)| n.to_string()));
        assert_eq!(
            ready.as_deref(),
            Some(last_serial.to_string().as_str()),
            "writer did not start from the last state"
        );

        if kills % 2 == 0 {
            // Aim at the dangerous moment: the new document is being written (to a temp file,
            // or, were the write not atomic, to the state file itself).
            wait_for_write(&dir.path().join(DEPLOYMENT), save_time * 4);
            std::thread::sleep(Duration::from_micros(kills as u64 * 1777 % 4000));
        } else {
            // Anywhere in the first few saves (which also read and verify the current file, so
            // take about twice as long as the first one), so kills land in every phase.
            let fraction = (kills as u32 * 37 % 100) + 1;
            std::thread::sleep(save_time * fraction * 5 / 100);
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;

        let printed = lines
            .map_while(Result::ok)
            .filter_map(|l| {
                l.rsplit_once("TORTURE saved ")
                    .and_then(|(_, n)| n.parse::<u64>().ok())
            })
            .last();
        let completed = printed.unwrap_or(last_serial);
        if has_temp_files(&dir.path().join(DEPLOYMENT)) {
            mid_write += 1;
        }

        let holder = backend.force_unlock(DEPLOYMENT).unwrap();
        assert!(holder.is_some(), "the killed writer held the lock");
        let loaded = match backend.load(DEPLOYMENT) {
            Ok(Some(s)) => s,
            other => panic!("after kill {kills}: state not loadable: {other:?}"),
        };
        assert!(
            loaded.serial == completed || loaded.serial == completed + 1,
            "after kill {kills}: serial {} but the last completed save was {completed}",
            loaded.serial
        );
        let generations: Vec<_> = loaded
            .resources
            .values()
            .filter(|r| r.attributes.get("generation") != Some(&Value::Int(loaded.serial as i64)))
            .map(|r| r.address.to_string())
            .collect();
        assert!(
            generations.is_empty(),
            "mixed generations in {generations:?}"
        );
        assert_eq!(loaded.resources.len(), state.resources.len());
        if loaded.serial == completed + 1 {
            unreported += 1;
        }
        last_serial = loaded.serial;
    }
    eprintln!(
        "torture: {kills} kills, {mid_write} left a temp file behind, {unreported} after a save \
         landed but before it was reported, serial 1 -> {last_serial}, {size} bytes, first save \
         took {save_time:?}"
    );
    assert!(kills >= MIN_KILLS);
    assert!(
        mid_write > 0,
        "no kill landed while the new document was being written"
    );
    assert!(last_serial > 1, "the writer never completed a save");
    assert!(backend
        .backups(DEPLOYMENT)
        .unwrap()
        .iter()
        .all(|b| b.is_valid()));
}

fn spawn_writer(dir: &Path, lineage: &str, serial: u64) -> Child {
    // The test's full name inside the one integration binary (`state::torture::torture_writer`).
    let (_, module) = module_path!()
        .split_once("::")
        .expect("a module of the test crate");
    let writer = format!("{module}::torture_writer");
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            writer.as_str(),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR_VAR, dir)
        .env(LINEAGE_VAR, lineage)
        .env(SERIAL_VAR, serial.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for_write(dir: &Path, limit: Duration) {
    let state_file = dir.join("state.json");
    let before = file_identity(&state_file);
    let started = Instant::now();
    while !has_temp_files(dir) && file_identity(&state_file) == before && started.elapsed() < limit
    {
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Inode, size and modification time: changes when the file is replaced or written in place.
fn file_identity(path: &Path) -> Option<(u64, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).ok()?;
    Some((meta.ino(), meta.len(), meta.modified().ok()?))
}

fn has_temp_files(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().any(|e| {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        name.starts_with(".state.json.") && name.ends_with(".tmp")
    })
}

/// Stamp every resource with the serial the next save will give, so a torn or mixed state shows.
fn mark_generation(state: &mut State, generation: u64) {
    for resource in state.resources.values_mut() {
        resource
            .attributes
            .insert("generation".into(), Value::Int(generation as i64));
    }
}

/// About 2 MB of state: many resources with bulky attributes.
fn big_state() -> State {
    let mut state = State::new(DEPLOYMENT, "ai-stack", Some("gpu"));
    for i in 0..1500 {
        let address = Address::new("instance", format!("host_{i:05}"));
        let attributes: BTreeMap<String, Value> = (0..12)
            .map(|a| {
                (
                    format!("attr_{a:02}"),
                    Value::str(format!("{i:05}-{a:02}-{}", "x".repeat(64))),
                )
            })
            .collect();
        state.resources.insert(
            address.clone(),
            ResourceState {
                address,
                kind: "instance".into(),
                id: Some(format!("i-{i:017x}")),
                attributes,
                dependencies: vec![Address::new("subnet", "public_a")],
                provenance: Provenance::Created,
                created_at: "2026-11-21T20:00:00Z".into(),
                updated_at: "2026-11-21T20:00:00Z".into(),
            },
        );
    }
    state
}
