//! A throwaway project directory per stack size, removed when dropped.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use strata::synth::SynthStack;

/// `<tmp>/strata-bench-<pid>-<nanos>/`, holding one project per size.
pub struct Workspace {
    root: PathBuf,
    keep: bool,
}

impl Workspace {
    /// Create a fresh, uniquely named folder under the system temp directory; `keep` leaves it
    /// in place when dropped.
    pub fn create(keep: bool) -> io::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let root =
            std::env::temp_dir().join(format!("strata-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&root)?;
        Ok(Workspace { root, keep })
    }

    /// Write `stack` as a project (`stacks/synth.toml`, `tiers/bench.toml`) in its own folder.
    pub fn write_project(&self, name: &str, stack: &SynthStack) -> io::Result<Project> {
        let dir = self.root.join(name);
        std::fs::create_dir_all(dir.join("stacks"))?;
        std::fs::create_dir_all(dir.join("tiers"))?;
        std::fs::write(dir.join("stacks/synth.toml"), &stack.stack_toml)?;
        std::fs::write(dir.join("tiers/bench.toml"), &stack.tier_toml)?;
        Ok(Project { dir })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.keep {
            println!("\nKept the generated projects in {}", self.root.display());
            return;
        }
        if let Err(e) = std::fs::remove_dir_all(&self.root) {
            eprintln!("could not remove {}: {e}", self.root.display());
        }
    }
}

/// One generated project on disk.
pub struct Project {
    dir: PathBuf,
}

impl Project {
    /// The project folder (`stacks/` and `tiers/` live here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A state root that never gets a state file: the first-plan scenario.
    pub fn empty_state_root(&self) -> PathBuf {
        self.dir.join("state-empty")
    }

    /// The state root holding the state that matches the configuration: the no-op scenario.
    pub fn matching_state_root(&self) -> PathBuf {
        self.dir.join("state-matching")
    }
}
