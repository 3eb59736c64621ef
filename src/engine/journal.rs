//! The journal: before every mutating call its intent is appended (and fsynced) beside the
//! state; its outcome right after; and once the state holding the result is saved, the entry
//! is committed. A run killed at any instant leaves intents without a commit, which the next
//! run reconciles through the resources' `strata:*` tags.

use crate::address::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The mutating operations journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// A create call.
    Create,
    /// An update call.
    Update,
    /// A delete call.
    Delete,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "lowercase")]
pub enum Entry {
    /// About to call.
    Intent {
        /// Sequence number, unique in the journal.
        seq: u64,
        /// Operation.
        op: Op,
        /// Resource address.
        address: Address,
        /// Resource kind.
        kind: String,
        /// Provider id (update and delete).
        id: Option<String>,
        /// Idempotency token sent with the call.
        token: String,
        /// Tags the resource is created with.
        tags: BTreeMap<String, String>,
        /// When.
        at: String,
    },
    /// The call returned.
    Outcome {
        /// Sequence number of the intent.
        seq: u64,
        /// Success.
        ok: bool,
        /// Provider id on success.
        id: Option<String>,
    },
    /// The state holding the result is saved.
    Committed {
        /// Sequence number of the intent.
        seq: u64,
    },
}

/// An intent whose result may not be in the state.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The intent.
    pub op: Op,
    /// Resource address.
    pub address: Address,
    /// Resource kind.
    pub kind: String,
    /// Provider id known for it (recorded for update/delete, returned for a create).
    pub id: Option<String>,
    /// Tags it was created with.
    pub tags: BTreeMap<String, String>,
    /// Whether the call is known to have failed (nothing to find).
    pub failed: bool,
    /// Whether the call's answer was recorded (otherwise it may still be on its way).
    pub answered: bool,
    /// When the intent was written (RFC 3339).
    pub at: String,
}

/// An open journal.
pub struct Journal {
    path: PathBuf,
    file: File,
    next: u64,
}

/// The journal file of a deployment folder.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("journal.jsonl")
}

impl Journal {
    /// Open (creating) the journal in a deployment's state folder, for appending.
    pub fn open(dir: &Path) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let path = path_in(dir);
        let next = read(&path)?
            .iter()
            .filter_map(|e| match e {
                Entry::Intent { seq, .. } => Some(*seq),
                _ => None,
            })
            .max()
            .map_or(1, |m| m + 1);
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        // A line torn by a kill would swallow the next entry: start on a fresh line.
        let len = file.metadata()?.len();
        if len > 0 {
            let bytes = std::fs::read(&path)?;
            if bytes.last() != Some(&b'\n') {
                file.write_all(b"\n")?;
            }
        }
        Ok(Journal { path, file, next })
    }

    fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Append entries with one write and one sync.
    fn append_all(&mut self, entries: &[Entry]) -> std::io::Result<()> {
        let mut lines = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut lines, entry).map_err(std::io::Error::other)?;
            lines.push(b'\n');
        }
        self.file.write_all(&lines)?;
        // The point of a journal: the line is on disk before the call it announces.
        self.file.sync_data()
    }

    /// Record an intent; returns its sequence number.
    pub fn intent(
        &mut self,
        op: Op,
        address: &Address,
        kind: &str,
        id: Option<&str>,
        token: &str,
        tags: &BTreeMap<String, String>,
    ) -> std::io::Result<u64> {
        let seq = self.next;
        self.next += 1;
        self.append(&Entry::Intent {
            seq,
            op,
            address: address.clone(),
            kind: kind.to_string(),
            id: id.map(str::to_string),
            token: token.to_string(),
            tags: tags.clone(),
            at: crate::state::now_rfc3339(),
        })?;
        Ok(seq)
    }

    /// Record a call's outcome.
    pub fn outcome(&mut self, seq: u64, ok: bool, id: Option<&str>) -> std::io::Result<()> {
        self.append(&Entry::Outcome {
            seq,
            ok,
            id: id.map(str::to_string),
        })
    }

    /// Record that the state holding the result is saved.
    pub fn committed(&mut self, seq: u64) -> std::io::Result<()> {
        self.committed_all(&[seq])
    }

    /// Record that the state holding these results is saved (one sync for all of them).
    pub fn committed_all(&mut self, seqs: &[u64]) -> std::io::Result<()> {
        let entries: Vec<Entry> = seqs.iter().map(|&seq| Entry::Committed { seq }).collect();
        self.append_all(&entries)
    }

    /// Empty the journal (every intent is settled in the saved state).
    pub fn clear(&mut self) -> std::io::Result<()> {
        self.file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.path)?;
        self.file.sync_all()?;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }
}

/// Every entry of a journal file (a torn last line, from a kill mid-write, is ignored: its
/// intent was never acted upon, since the call comes after the fsync).
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Ok(entry) = serde_json::from_str::<Entry>(&line) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// Intents without a commit, in order.
pub fn pending(dir: &Path) -> std::io::Result<Vec<Pending>> {
    let entries = read(&path_in(dir))?;
    let mut open: BTreeMap<u64, Pending> = BTreeMap::new();
    for e in entries {
        match e {
            Entry::Intent {
                seq,
                op,
                address,
                kind,
                id,
                tags,
                at,
                ..
            } => {
                open.insert(
                    seq,
                    Pending {
                        op,
                        address,
                        kind,
                        id,
                        tags,
                        failed: false,
                        answered: false,
                        at,
                    },
                );
            }
            Entry::Outcome { seq, ok, id } => {
                if let Some(p) = open.get_mut(&seq) {
                    p.answered = true;
                    p.failed = !ok;
                    if id.is_some() {
                        p.id = id;
                    }
                }
            }
            Entry::Committed { seq } => {
                open.remove(&seq);
            }
        }
    }
    Ok(open.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_intents_are_pending_and_torn_lines_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let a = Address::new("vpc", "a");
        let b = Address::new("vpc", "b");
        let tags = BTreeMap::new();
        let s1 = j.intent(Op::Create, &a, "vpc", None, "t1", &tags).unwrap();
        j.outcome(s1, true, Some("vpc-1")).unwrap();
        j.committed(s1).unwrap();
        let s2 = j.intent(Op::Create, &b, "vpc", None, "t2", &tags).unwrap();
        j.outcome(s2, true, Some("vpc-2")).unwrap();
        drop(j);
        // A kill in the middle of a line.
        let mut f = OpenOptions::new()
            .append(true)
            .open(path_in(dir.path()))
            .unwrap();
        f.write_all(b"{\"entry\":\"intent\",\"seq\":3,\"op\"")
            .unwrap();
        let p = pending(dir.path()).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].address, b);
        assert_eq!(p[0].id.as_deref(), Some("vpc-2"));
        let mut j = Journal::open(dir.path()).unwrap();
        let s = j
            .intent(Op::Delete, &a, "vpc", Some("vpc-1"), "t", &tags)
            .unwrap();
        assert_eq!(s, 3);
        j.clear().unwrap();
        assert!(pending(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn one_commit_settles_every_intent_of_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let tags = BTreeMap::new();
        let mut seqs = Vec::new();
        for name in ["a", "b", "c"] {
            let a = Address::new("vpc", name);
            let s = j.intent(Op::Create, &a, "vpc", None, name, &tags).unwrap();
            j.outcome(s, true, Some(name)).unwrap();
            seqs.push(s);
        }
        j.committed_all(&seqs[..2]).unwrap();
        let p = pending(dir.path()).unwrap();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].address, Address::new("vpc", "c"));
        let commits = read(&path_in(dir.path()))
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e, Entry::Committed { .. }))
            .count();
        assert_eq!(commits, 2);
    }
}
