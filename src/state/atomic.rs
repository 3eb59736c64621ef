//! Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync directory.
//!
//! A reader (or a process started after a crash) sees either the old file or the new one, never
//! a mix: the rename is atomic, and the fsyncs make sure the new content is on disk before the
//! name points at it and that the rename itself survives a power loss.

use super::private;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Suffix of temp files; a leftover one is debris of a writer that died mid-write.
const TEMP_SUFFIX: &str = ".tmp";

/// Replace `path` with `bytes` atomically and durably.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    let temp = temp_path(path);
    let result = write_temp(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        // The temp file is ours and unused; its removal failing changes nothing for the caller.
        #[allow(
            clippy::let_underscore_must_use,
            reason = "the temp file is ours and unused; its removal failing changes nothing for the caller"
        )]
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Flush a directory's entries (new names, renames, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        // Directories cannot be opened for syncing on other platforms; rename is durable there.
        let _ = dir;
        Ok(())
    }
}

/// Remove temp files left beside `path` by writers that died mid-write. Only call this while
/// holding the lock, when no other writer can be using them. Returns how many were removed.
pub(crate) fn remove_leftover_temps(path: &Path) -> io::Result<usize> {
    let dir = parent_dir(path);
    let prefix = temp_prefix(path);
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn write_temp(temp: &Path, bytes: &[u8]) -> io::Result<()> {
    // Private from its creation: the rename keeps the mode, and a later chmod would leave a
    // window in which the content is readable.
    let mut file = private::options().write(true).create_new(true).open(temp)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.state.json.` for `…/state.json`: hidden, and never matching a real file's name.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

fn temp_path(path: &Path) -> PathBuf {
    // Unique per process and call, so concurrent writers (which the lock should prevent anyway)
    // can never write into each other's temp file.
    let unique = uuid::Uuid::new_v4().simple();
    parent_dir(path).join(format!(
        "{}{}.{unique}{TEMP_SUFFIX}",
        temp_prefix(path),
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftover_temps_are_recognised_and_only_they_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomically(&path, b"kept").unwrap();
        // What a writer killed between create and rename leaves behind.
        fs::write(temp_path(&path), b"half a sta").unwrap();
        fs::write(dir.path().join("other.tmp"), b"x").unwrap();
        assert_eq!(remove_leftover_temps(&path).unwrap(), 1);
        assert_eq!(fs::read(&path).unwrap(), b"kept");
        assert!(dir.path().join("other.tmp").exists());
        assert_eq!(remove_leftover_temps(&path).unwrap(), 0);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomically(&path, b"old").unwrap();
        // Renaming a file over a non-empty directory fails: the write must not damage anything.
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"x").unwrap();
        assert!(write_atomically(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(remove_leftover_temps(&blocked).unwrap(), 0);
    }
}
