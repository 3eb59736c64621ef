//! Engine tests over the fake kind: a [`Harness`] holds a temp project with one stack, the
//! fake kind in a registry, a real `LocalBackend` in a temp folder with its lock, and a
//! collecting event sink; each area's tests live in their own module.

mod converge;
mod destroy;
mod identity;
mod journal;
mod reconcile;
mod replace;
mod requests;
mod retry;
mod rollback;
mod schedule;
mod secrets;

use crate::support::fake_kind::FakeKind;
use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strata::config::{load, Deployment, LoadRequest};
use strata::engine::events::{Event, EventSink};
use strata::engine::journal::{self as journal_file, Entry};
use strata::engine::{apply, ApplyOptions, EngineError, OnFailure, Report, RunContext};
use strata::plan::diff::plan;
use strata::plan::Plan;
use strata::provider::retry::RetryPolicy;
use strata::provider::Registry;
use strata::state::{LocalBackend, State, StateLock};
use strata::Address;

/// The fake kind's name in the stacks below.
pub const KIND: &str = "fake_thing";

/// The stack (and so deployment) name.
pub const STACK: &str = "fk";

/// The address `fake_thing.<name>`.
pub fn addr(name: &str) -> Address {
    Address::new(KIND, name)
}

/// The addresses `fake_thing.<name>` as strings, as the call log and the cloud give them.
pub fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| format!("{KIND}.{n}")).collect()
}

/// The addresses of a report list as strings.
pub fn listed(addresses: &[Address]) -> Vec<String> {
    addresses.iter().map(|a| a.to_string()).collect()
}

/// A stack of fake resources, each `(name, dependencies)`: `name = "<name>"`, and the
/// dependencies as `depends_on`.
pub fn stack(resources: &[(&str, &[&str])]) -> String {
    let mut out = String::new();
    for (name, deps) in resources {
        out.push_str(&format!("\n[resource.{KIND}.{name}]\nname = \"{name}\"\n"));
        if !deps.is_empty() {
            let deps: Vec<String> = deps.iter().map(|d| format!("\"{KIND}.{d}\"")).collect();
            out.push_str(&format!("depends_on = [{}]\n", deps.join(", ")));
        }
    }
    out
}

/// Apply options with fast retries (3 attempts, ms delays) and the given parallelism.
pub fn opts(parallelism: usize, on_failure: OnFailure) -> ApplyOptions {
    ApplyOptions {
        parallelism,
        on_failure,
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            consistency_budget: Duration::ZERO,
            dependency_budget: Duration::ZERO,
        },
    }
}

/// A hook an event sink runs on each event, e.g. to break something at a precise moment.
pub type Hook = Box<dyn Fn(&Event) + Send + Sync>;

/// Collects events, and runs a hook on each if one is set.
#[derive(Default)]
pub struct Sink {
    events: Mutex<Vec<Event>>,
    hook: Mutex<Option<Hook>>,
}

impl Sink {
    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().expect("sink lock").clone()
    }

    /// Run `hook` on every later event (before it is stored).
    pub fn set_hook(&self, hook: impl Fn(&Event) + Send + Sync + 'static) {
        *self.hook.lock().expect("sink lock") = Some(Box::new(hook));
    }

    /// The addresses of the `RolledBack` events, in order.
    pub fn rolled_back(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::RolledBack { address } => Some(address),
                _ => None,
            })
            .collect()
    }

    /// The `(address, id)` of the `Adopted` events, in order.
    pub fn adopted(&self) -> Vec<(String, String)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Adopted { address, id } => Some((address, id)),
                _ => None,
            })
            .collect()
    }
}

impl EventSink for Sink {
    fn emit(&self, event: &Event) {
        if let Some(hook) = self.hook.lock().expect("sink lock").as_ref() {
            hook(event);
        }
        self.events.lock().expect("sink lock").push(event.clone());
    }
}

/// Everything a run needs, around one stack of fake resources.
pub struct Harness {
    /// The fake kind (also registered in `registry`).
    pub fake: Arc<FakeKind>,
    /// A registry holding only the fake kind.
    pub registry: Registry,
    /// The deployment loaded from the stack.
    pub deployment: Deployment,
    /// The state backend, in `state_root`.
    pub backend: LocalBackend,
    /// The deployment's state lock, held for the whole test.
    pub lock: StateLock,
    /// Events of every run.
    pub events: Arc<Sink>,
    /// The runs' Ctrl-C flag.
    pub cancel: Arc<AtomicBool>,
    project: tempfile::TempDir,
    _state_root: tempfile::TempDir,
}

impl Harness {
    /// A project whose only stack declares `resources` (TOML after the `[stack]` table).
    pub fn new(resources: &str) -> Self {
        let fake = FakeKind::new(KIND);
        let mut registry = Registry::new();
        registry.register(fake.clone());
        Self::with_kind(resources, fake, registry)
    }

    /// Like [`Harness::new`], with a fake kind of another schema (registered in `registry`).
    pub fn with_kind(resources: &str, fake: Arc<FakeKind>, registry: Registry) -> Self {
        let project = tempfile::tempdir().expect("a temp project");
        write_stack(project.path(), resources);
        let deployment = load_stack(project.path(), &registry);
        let state_root = tempfile::tempdir().expect("a temp state root");
        let backend = LocalBackend::new(state_root.path());
        let lock = backend
            .lock(&deployment.name, "engine test", Duration::ZERO)
            .expect("the state lock");
        Harness {
            fake,
            registry,
            deployment,
            backend,
            lock,
            events: Arc::new(Sink::default()),
            cancel: Arc::new(AtomicBool::new(false)),
            project,
            _state_root: state_root,
        }
    }

    /// Replace the stack's resources and load the deployment again.
    pub fn rewrite(&mut self, resources: &str) {
        write_stack(self.project.path(), resources);
        self.deployment = load_stack(self.project.path(), &self.registry);
    }

    /// The context of a run.
    pub fn ctx(&self) -> RunContext<'_> {
        RunContext {
            deployment: &self.deployment,
            registry: &self.registry,
            backend: &self.backend,
            lock: &self.lock,
            events: self.events.clone(),
            cancel: self.cancel.clone(),
        }
    }

    /// A fresh state for the deployment (what a first apply starts from).
    pub fn fresh_state(&self) -> State {
        State::new(&self.deployment.name, &self.deployment.stack.name, None)
    }

    /// The offline plan of the deployment against `state`.
    pub fn plan(&self, state: Option<&State>) -> Plan {
        plan(&self.deployment, state, &self.registry, false).expect("the stack plans")
    }

    /// The plan `strata plan` would make against `state`: refreshed from the fake account.
    pub async fn refreshed_plan(&self, state: &State) -> Plan {
        let refreshed =
            strata::plan::refresh::refresh(&self.deployment, Some(state), &self.registry, 4)
                .await
                .expect("the refresh reads the account");
        strata::plan::diff::plan_refreshed(
            &self.deployment,
            Some(state),
            &self.registry,
            &refreshed,
        )
        .expect("the stack plans")
    }

    /// The convergence property: after an apply, the next refreshed plan changes nothing and
    /// finds nothing changed outside strata (`plan --detailed-exitcode` would exit 0).
    pub async fn assert_converged(&self, state: &State) {
        let plan = self.refreshed_plan(state).await;
        let changes: Vec<String> = plan
            .resource_changes
            .iter()
            .filter(|c| c.action.is_change() || c.drift.is_some())
            .map(|c| {
                format!(
                    "{} {:?} {:?} drift={:?}",
                    c.address, c.action, c.changes, c.drift
                )
            })
            .collect();
        assert!(
            changes.is_empty(),
            "the next plan is not empty: {changes:#?}"
        );
    }

    /// Plan against `state` and apply.
    pub async fn apply_from(
        &self,
        state: State,
        opts: &ApplyOptions,
    ) -> Result<(Report, State), EngineError> {
        let p = self.plan(Some(&state));
        apply(&self.ctx(), &p, state, opts).await
    }

    /// A first deployment: plan against nothing and apply from a fresh state.
    pub async fn apply_fresh(&self, opts: &ApplyOptions) -> Result<(Report, State), EngineError> {
        let p = self.plan(None);
        apply(&self.ctx(), &p, self.fresh_state(), opts).await
    }

    /// The deployment's folder in the state root (state, backups, journal).
    pub fn dir(&self) -> PathBuf {
        self.backend
            .deployment_dir(&self.deployment.name)
            .expect("a plain deployment name")
    }

    /// The state as saved on disk.
    pub fn saved(&self) -> State {
        self.backend
            .load(&self.deployment.name)
            .expect("the saved state reads")
            .expect("a state was saved")
    }

    /// Every entry of the journal on disk.
    pub fn journal(&self) -> Vec<Entry> {
        journal_file::read(&journal_file::path_in(&self.dir())).expect("the journal reads")
    }
}

fn write_stack(project: &Path, resources: &str) {
    let path = project.join(format!("stacks/{STACK}.toml"));
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("stacks/");
    std::fs::write(path, format!("[stack]\nname = \"{STACK}\"\n{resources}")).expect("stack");
}

fn load_stack(project: &Path, registry: &Registry) -> Deployment {
    let req = LoadRequest {
        stack: Some(STACK.into()),
        project_dir: project.to_path_buf(),
        ..Default::default()
    };
    match load(&req, registry) {
        Ok(d) => d,
        Err(e) => panic!(
            "the test stack should load: {:#?}",
            e.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ),
    }
}

/// The state's resources as `address → id`.
pub fn ids(state: &State) -> BTreeMap<String, String> {
    state
        .resources
        .values()
        .map(|r| (r.address.to_string(), r.id.clone().unwrap_or_default()))
        .collect()
}

/// The cloud's resources as `address → id` (by their `strata:address` tags).
pub fn cloud_ids(fake: &FakeKind) -> BTreeMap<String, String> {
    fake.cloud()
        .resources()
        .into_values()
        .filter_map(|r| {
            r.tags
                .get(crate::support::fake_kind::ADDRESS_TAG)
                .map(|a| (a.clone(), r.id))
        })
        .collect()
}

/// Make every later write to the journal open in this process at `dir` fail as on a full disk:
/// its file descriptor is pointed at `/dev/full`. The journal keeps its file open for the
/// whole run, so changing the file's mode or replacing it on disk would not reach the run.
/// Returns how many descriptors were redirected.
pub fn fill_journal_disk(dir: &Path) -> usize {
    let target = std::fs::canonicalize(journal_file::path_in(dir)).expect("the journal exists");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    let mut redirected = 0;
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd lists") {
        let Ok(entry) = entry else { continue };
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if std::fs::read_link(entry.path()).ok().as_deref() != Some(target.as_path()) {
            continue;
        }
        // SAFETY: `fd` is the journal's own descriptor (its link names the journal, and only
        // the run under test, suspended in this call, can close it); dup2 replaces it
        // atomically with a descriptor of /dev/full, closing nothing else.
        let done = unsafe { libc::dup2(full.as_raw_fd(), fd) };
        assert_eq!(done, fd, "dup2 onto the journal's descriptor");
        redirected += 1;
    }
    redirected
}
