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
        /// For a create of a kind that cannot be tagged: what identifies the resource (a
        /// volume attachment's volume and instance), so the next run can look it up.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        identity: BTreeMap<String, String>,
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
    /// What identifies a resource of an untaggable kind (empty otherwise).
    pub identity: BTreeMap<String, String>,
    /// The idempotency token the call was sent with.
    pub token: String,
    /// Whether the call is known to have failed (nothing to find).
    pub failed: bool,
    /// Whether the call's answer was recorded (otherwise it may still be on its way).
    pub answered: bool,
    /// When the intent was written (RFC 3339).
    pub at: String,
}

/// What an intent announces.
#[derive(Debug, Clone, Copy)]
pub struct Announce<'a> {
    /// Operation.
    pub op: Op,
    /// Resource address.
    pub address: &'a Address,
    /// Resource kind.
    pub kind: &'a str,
    /// Provider id (update and delete).
    pub id: Option<&'a str>,
    /// Idempotency token sent with the call.
    pub token: &'a str,
    /// Tags the resource is created with.
    pub tags: &'a BTreeMap<String, String>,
    /// Identity of a resource of an untaggable kind (empty otherwise).
    pub identity: &'a BTreeMap<String, String>,
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
        crate::state::private::create_dir_all(dir)?;
        let path = path_in(dir);
        let next = read(&path)?
            .iter()
            .filter_map(|e| match e {
                Entry::Intent { seq, .. } => Some(*seq),
                _ => None,
            })
            .max()
            .map_or(1, |m| m + 1);
        let mut file = crate::state::private::options()
            .create(true)
            .append(true)
            .open(&path)?;
        tighten(&file)?;
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
        self.announce(Announce {
            op,
            address,
            kind,
            id,
            token,
            tags,
            identity: &BTreeMap::new(),
        })
    }

    /// Record an intent with everything it announces; returns its sequence number.
    pub fn announce(&mut self, a: Announce<'_>) -> std::io::Result<u64> {
        let seq = self.next;
        self.next += 1;
        self.append(&Entry::Intent {
            seq,
            op: a.op,
            address: a.address.clone(),
            kind: a.kind.to_string(),
            id: a.id.map(str::to_string),
            token: a.token.to_string(),
            tags: a.tags.clone(),
            identity: a.identity.clone(),
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
        self.file = crate::state::private::options()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.path)?;
        self.file.sync_all()?;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }

    /// Empty the journal but for `keep`: intents the state does not settle yet (a create
    /// that could not be looked up), written again as they were, answers included.
    pub fn retain(&mut self, keep: &[Pending]) -> std::io::Result<()> {
        self.clear()?;
        let mut entries = Vec::new();
        for p in keep {
            let seq = self.next;
            self.next += 1;
            entries.push(Entry::Intent {
                seq,
                op: p.op,
                address: p.address.clone(),
                kind: p.kind.clone(),
                id: if p.answered { None } else { p.id.clone() },
                token: p.token.clone(),
                tags: p.tags.clone(),
                identity: p.identity.clone(),
                at: p.at.clone(),
            });
            if p.answered {
                entries.push(Entry::Outcome {
                    seq,
                    ok: !p.failed,
                    id: p.id.clone(),
                });
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        self.append_all(&entries)
    }
}

/// A journal written by a build that created it with the umask's mode is made private: it
/// names every resource and its tags.
fn tighten(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(
                crate::state::private::FILE_MODE,
            ))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
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
                identity,
                token,
                at,
            } => {
                open.insert(
                    seq,
                    Pending {
                        op,
                        address,
                        kind,
                        id,
                        tags,
                        identity,
                        token,
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

    #[test]
    fn retained_intents_survive_a_clear_with_their_token_identity_and_answer() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let a = Address::new("volume_attachment", "a");
        let identity = BTreeMap::from([("volume".to_string(), "vol-1".to_string())]);
        let s = j
            .announce(Announce {
                op: Op::Create,
                address: &a,
                kind: "volume_attachment",
                id: None,
                token: "tok",
                tags: &BTreeMap::new(),
                identity: &identity,
            })
            .unwrap();
        j.outcome(s, false, None).unwrap();
        let kept = pending(dir.path()).unwrap();
        j.retain(&kept).unwrap();
        j.retain(&pending(dir.path()).unwrap()).unwrap();
        let again = pending(dir.path()).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].token, "tok");
        assert_eq!(again[0].identity, identity);
        assert!(again[0].answered && again[0].failed);
        j.retain(&[]).unwrap();
        assert!(pending(dir.path()).unwrap().is_empty());
    }
}
