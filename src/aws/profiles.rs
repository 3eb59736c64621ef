//! Checking that a named AWS profile exists before the SDK is asked to use it.
//!
//! The SDK reports a missing profile only on the first call, and every later call that shares
//! the credentials provider says "initialization error already taken", which names neither the
//! profile nor where profiles come from. Checking up front gives one clear error instead.

use crate::provider::{ErrorClass, ProviderError};
use std::path::PathBuf;

/// A shared AWS file: where it is, and which variable chose that place.
struct ProfileFile {
    path: PathBuf,
    variable: &'static str,
    default: &'static str,
    /// The config file writes `[profile NAME]` (except `[default]`); credentials write `[NAME]`.
    prefixed: bool,
}

impl ProfileFile {
    fn locate(variable: &'static str, default: &'static str, prefixed: bool) -> Self {
        let path = std::env::var_os(variable)
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(default.trim_start_matches("~/"))))
            .unwrap_or_else(|| PathBuf::from(default));
        ProfileFile {
            path,
            variable,
            default,
            prefixed,
        }
    }

    /// Whether the file declares `name`. A missing or unreadable file declares nothing.
    fn declares(&self, name: &str) -> bool {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return false;
        };
        text.lines()
            .filter_map(|line| line.trim().strip_prefix('[')?.strip_suffix(']'))
            .map(str::trim)
            .any(|section| {
                let section = if self.prefixed {
                    section
                        .strip_prefix("profile")
                        .filter(|rest| rest.starts_with(char::is_whitespace))
                        .map(str::trim)
                        .unwrap_or(section)
                } else {
                    section
                };
                section == name
            })
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

/// Fail with a readable error when `name` is declared in neither the shared config file nor the
/// shared credentials file.
pub fn check_profile(name: &str) -> Result<(), ProviderError> {
    let files = [
        ProfileFile::locate("AWS_CONFIG_FILE", "~/.aws/config", true),
        ProfileFile::locate("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", false),
    ];
    if files.iter().any(|f| f.declares(name)) {
        return Ok(());
    }
    let searched: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{} (from {}, default {})",
                f.path.display(),
                f.variable,
                f.default
            )
        })
        .collect();
    Err(ProviderError::new(
        ErrorClass::AccessDenied,
        "connect",
        format!(
            "AWS profile `{name}` (from --profile) is not defined; profiles come from {}",
            searched.join(" and ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str, prefixed: bool) -> (tempfile::TempDir, ProfileFile) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, text).expect("write");
        (
            dir,
            ProfileFile {
                path,
                variable: "X",
                default: "~/x",
                prefixed,
            },
        )
    }

    #[test]
    fn config_sections_need_the_profile_prefix_except_default() {
        let (_d, f) = file(
            "[default]\nregion=x\n[profile work]\n[ profile  spaced ]\n",
            true,
        );
        assert!(f.declares("default"));
        assert!(f.declares("work"));
        assert!(f.declares("spaced"));
        assert!(!f.declares("profile"));
        assert!(!f.declares("nope"));
    }

    #[test]
    fn credentials_sections_are_bare_names() {
        let (_d, f) = file("[work]\naws_access_key_id=a\n", false);
        assert!(f.declares("work"));
        assert!(!f.declares("profile work"));
        assert!(!f.declares("nope"));
    }

    #[test]
    fn a_missing_file_declares_nothing() {
        let f = ProfileFile {
            path: PathBuf::from("/nonexistent/strata/config"),
            variable: "X",
            default: "~/x",
            prefixed: true,
        };
        assert!(!f.declares("default"));
    }
}
