//! Bounds on what the loader accepts: nesting depth, string length and file size.
//!
//! Everything that walks configuration (the `${...}` parser, the evaluator, template blocks,
//! the TOML tree) recurses, and an input file is read whole: without bounds a hostile or
//! broken file aborts the process with a stack overflow or fills memory instead of getting a
//! diagnostic.

use super::diagnostic::codes;
use std::io::Read;
use std::path::Path;

/// The deepest a `${...}` expression nests (parentheses, `!`, calls, chained operators) and
/// the deepest `{{ if }}` blocks of a template nest.
pub const MAX_DEPTH: usize = 64;

/// How deep TOML arrays, inline tables and dotted keys nest: the limit of the TOML parser
/// (`toml-span`), which reports deeper input itself.
pub const MAX_TOML_DEPTH: usize = 128;

/// The longest string an expression may evaluate to (a rendered template, a `join`).
pub const MAX_STRING_BYTES: usize = 1024 * 1024;

/// The largest stack or tier file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Which bound an input exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Nesting deeper than [`MAX_DEPTH`] (or [`MAX_TOML_DEPTH`] in TOML).
    Depth,
    /// A string longer than [`MAX_STRING_BYTES`].
    StringBytes,
}

impl Limit {
    /// The diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            Limit::Depth => codes::TOO_DEEP,
            Limit::StringBytes => codes::TOO_LARGE,
        }
    }

    /// What to do about it.
    pub fn help(self) -> String {
        match self {
            Limit::Depth => format!(
                "expressions and `{{{{ if }}}}` blocks nest at most {MAX_DEPTH} levels, TOML values at most {MAX_TOML_DEPTH}: flatten it, or compute parts in variables"
            ),
            Limit::StringBytes => format!(
                "a string may be at most {MAX_STRING_BYTES} bytes (1 MiB): shrink the template or the values joined into it"
            ),
        }
    }
}

/// Read a text file of at most `max` bytes. A larger file (also an endless one such as
/// `/dev/zero`) is an error of kind `FileTooLarge`, and bytes that are not UTF-8 one of kind
/// `InvalidData`, without reading more than `max + 1` bytes.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {max} bytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_bound_and_refuses_more() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f.toml");
        std::fs::write(&path, "a = 1\n").expect("write");
        assert_eq!(read_bounded(&path, 6).expect("fits"), "a = 1\n");
        let err = read_bounded(&path, 5).expect_err("too large");
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        std::fs::write(&path, b"a = \"\xff\"\n").expect("write");
        let err = read_bounded(&path, 100).expect_err("not UTF-8");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_too_large_not_a_hang() {
        let err = read_bounded(Path::new("/dev/zero"), 1024).expect_err("endless");
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    }
}
