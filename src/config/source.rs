//! Input files kept in memory so that diagnostics can point into them.

use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A place in an input file: which file and which byte range.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// Byte range in the file's text.
    pub span: Range<usize>,
}

impl Origin {
    /// Build an origin.
    pub fn new(file: FileId, span: Range<usize>) -> Self {
        Origin { file, span }
    }
}

/// One input file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as it was opened (relative paths stay relative, so output does not depend on the cwd).
    pub path: PathBuf,
    /// Full text.
    pub text: String,
    /// Hex sha256 of the bytes.
    pub sha256: String,
    /// Given outside the project's files (`--var`, `--var-file`, `STRATA_VAR_*`): shown in
    /// diagnostics, never snapshotted into the state's history nor digested into a saved plan.
    pub outside: bool,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text, offset)
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// All input files of one load.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Add a file's text; returns its id.
    pub fn add(&mut self, path: &Path, text: String) -> FileId {
        self.push(path, text, false)
    }

    /// Add text given outside the project's files (see [`SourceFile::outside`]).
    pub fn add_outside(&mut self, path: &Path, text: String) -> FileId {
        self.push(path, text, true)
    }

    fn push(&mut self, path: &Path, text: String, outside: bool) -> FileId {
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
            sha256,
            outside,
        });
        FileId((self.files.len() - 1) as u32)
    }

    /// The project's own files (stack, tier, templates): what history and saved plans keep.
    pub fn kept(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.iter().filter(|(_, f)| !f.outside)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text under an origin.
    pub fn snippet(&self, origin: &Origin) -> &str {
        let text = &self.get(origin.file).text;
        text.get(origin.span.clone()).unwrap_or("")
    }
}
