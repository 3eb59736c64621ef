//! Private files and folders. A state folder names every resource, its ARNs and the keyed
//! digests of its secrets, and the key itself: only its owner may read it. Files are created
//! 0600 and folders 0700 from the start (a temp file renamed into place carries the mode it was
//! created with), whatever the umask; `strata state verify` reports anything looser.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The mode of every file strata writes under the state folder.
pub const FILE_MODE: u32 = 0o600;
/// The mode of every folder strata creates there.
pub const DIR_MODE: u32 = 0o700;

/// Create `dir` and its missing parents, each 0700; existing ones are left as they are.
pub(crate) fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

/// Open options that create a file 0600.
pub(crate) fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options
}

/// A file or folder that others than its owner may read or write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseMode {
    /// The file or folder.
    pub path: PathBuf,
    /// Its permission bits, e.g. `0o644`.
    pub mode: u32,
    /// Whether it is a folder.
    pub is_dir: bool,
}

impl LooseMode {
    /// The mode strata gives such an entry: 0600 for a file, 0700 for a folder.
    pub fn wanted(&self) -> u32 {
        if self.is_dir {
            DIR_MODE
        } else {
            FILE_MODE
        }
    }
}

/// `dir` and everything under it that group or others may access (symbolic links are not
/// followed). Empty on platforms without unix modes.
pub(crate) fn loose_modes(dir: &Path) -> io::Result<Vec<LooseMode>> {
    let mut out = Vec::new();
    #[cfg(unix)]
    walk(dir, &mut out)?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(out)
}

#[cfg(unix)]
fn walk(path: &Path, out: &mut Vec<LooseMode>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        // Removed meanwhile (a lock released, a temp file renamed): nothing to report.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        out.push(LooseMode {
            path: path.to_path_buf(),
            mode,
            is_dir: meta.is_dir(),
        });
    }
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            walk(&entry, out)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_private_and_looser_entries_are_reported() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        let mut f = options().write(true).create_new(true).open(&file).unwrap();
        f.write_all(b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(loose_modes(&root.path().join("a")).unwrap(), vec![]);
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let loose = loose_modes(&root.path().join("a")).unwrap();
        assert_eq!(
            loose,
            vec![LooseMode {
                path: file,
                mode: 0o644,
                is_dir: false
            }]
        );
        assert_eq!(loose[0].wanted(), 0o600);
    }
}
