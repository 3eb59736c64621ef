//! The repository's project files, temporary copies to edit, and state written through the
//! library.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use strata::config::{load, Deployment, LoadRequest};
use strata::state::{LocalBackend, State};

/// The repository root: `stacks/`, `tiers/`, `fixtures/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary copy of the repository's `stacks/` and `tiers/`, safe to edit.
pub struct TempProject {
    dir: tempfile::TempDir,
}

impl TempProject {
    /// Copy `stacks/` and `tiers/` (with everything under them) into a new temp folder.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        for sub in ["stacks", "tiers"] {
            copy_tree(&repo_root().join(sub), &dir.path().join(sub));
        }
        TempProject { dir }
    }

    /// The project folder, for `--project-dir`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file of the project by relative path.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Replace the one occurrence of `from` by `to` in a project file (fails if `from` is not
    /// there exactly once, so a test never silently edits nothing).
    #[track_caller]
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.file(rel);
        let text = fs::read_to_string(&path).expect("project file readable");
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` should occur exactly once in {rel}"
        );
        fs::write(&path, text.replacen(from, to, 1)).expect("project file writable");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("readable dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Load the deployment of `tier` in `project` through the library (fails the test on errors).
#[track_caller]
pub fn load_deployment(project: &Path, tier: &str) -> Deployment {
    let req = LoadRequest {
        tier: Some(tier.to_string()),
        stack: None,
        name: None,
        project_dir: project.to_path_buf(),
        snapshot: None,
        ..Default::default()
    };
    match load(&req, &strata::aws::registry()) {
        Ok(d) => d,
        Err(e) => panic!(
            "{tier} should load: {:?}",
            e.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        ),
    }
}

/// Save `state` under `state_dir` as its deployment's current state, the way a command would:
/// take the lock, save (which increments the serial), release.
pub fn save_state(state_dir: &Path, state: &mut State) {
    let backend = LocalBackend::new(state_dir);
    let lock = backend
        .lock(&state.deployment, "test", Duration::ZERO)
        .expect("state lock");
    backend.save(&lock, state).expect("state saved");
}

/// Fake-apply `tier` of `project` and save the result under `state_dir`; returns the state as
/// saved (serial 1 on a fresh state dir).
pub fn apply_tier(project: &Path, tier: &str, state_dir: &Path) -> State {
    let deployment = load_deployment(project, tier);
    let mut state = super::fake_apply(&deployment, &strata::aws::registry());
    save_state(state_dir, &mut state);
    state
}

/// A temporary project holding one stack, `stacks/NAME.toml` with `text`, and a `dev` tier
/// over it: for tests that apply a small stack of their own with the binary.
pub fn stack_project(name: &str, text: &str) -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("a temp project");
    let write = |rel: &str, text: &str| {
        let path = project.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(&format!("stacks/{name}.toml"), text);
    write(
        "tiers/dev.toml",
        &format!("[tier]\nname = \"dev\"\nstack = \"{name}\"\n"),
    );
    project
}
