//! The on-disk state document: the [`State`] fields plus a `checksum`, and the checks on load.
//!
//! The checksum is `sha256:<hex>` of `serde_json::to_vec(&state)`, the compact serialization of
//! the struct itself: field order is fixed by the struct and maps are sorted, so the digest does
//! not depend on whitespace or on how the file was pretty-printed, but any change to a value does
//! change it.

use super::error::StateError;
use super::migrate::migrate;
use super::model::{State, FORMAT_VERSION};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Prefix of the stored checksum, naming the algorithm.
pub const CHECKSUM_PREFIX: &str = "sha256:";

/// The checksum strata stores for a state: `sha256:<hex>` over its canonical serialization.
pub fn checksum(state: &State) -> String {
    // Streamed into the hash: a large state's canonical form is megabytes that need not exist
    // at once. Serializing a State cannot fail: all map keys are strings, values plain data.
    let mut hasher = HashWriter(Sha256::new());
    #[allow(
        clippy::let_underscore_must_use,
        reason = "serializing a State cannot fail (string keys, plain data) and the hasher never errors"
    )]
    let _ = serde_json::to_writer(&mut hasher, state);
    format!("{CHECKSUM_PREFIX}{}", hex::encode(hasher.0.finalize()))
}

/// Feeds written bytes to a SHA-256 hasher.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn digest(canonical: &[u8]) -> String {
    format!(
        "{CHECKSUM_PREFIX}{}",
        hex::encode(Sha256::digest(canonical))
    )
}

/// The document bytes for a state: pretty JSON with the checksum last and a trailing newline.
pub(crate) fn encode(state: &State) -> Vec<u8> {
    let value = serde_json::to_value(state).unwrap_or_default();
    // The compact form of the JSON tree is byte-for-byte `serde_json::to_vec(state)` (fields
    // keep their order with `preserve_order`), so the struct is serialized only once.
    let checksum = digest(&serde_json::to_vec(&value).unwrap_or_default());
    let mut doc = match value {
        Json::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    doc.insert("checksum".into(), Json::String(checksum));
    let mut bytes = serde_json::to_vec_pretty(&Json::Object(doc)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A state read from a document, with what the document itself said.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    /// The state, upgraded to the current format.
    pub state: State,
    /// The format version found in the file (before any migration).
    pub format_version: u32,
    /// The verified checksum; `None` for older formats that had none.
    pub checksum: Option<String>,
}

/// Read a document: parse, check the format version, migrate older ones, verify the checksum.
pub(crate) fn decode(bytes: &[u8], deployment: &str, path: &Path) -> Result<Decoded, StateError> {
    let corrupt = |reason: String| StateError::Corrupt {
        deployment: deployment.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(corrupt("the file is empty".into()));
    }
    // Current-format documents (the common case) are read straight into `State`: building a
    // JSON tree first would cost several times the file's size in memory.
    if let Ok(probe) = serde_json::from_slice::<Probe>(bytes) {
        if probe.format_version == Some(u64::from(FORMAT_VERSION)) {
            let stored = match probe.checksum {
                Some(Json::String(s)) => s,
                Some(_) => return Err(corrupt("the `checksum` field is not a string".into())),
                None => return Err(corrupt("the `checksum` field is missing".into())),
            };
            let state: State = serde_json::from_slice(bytes)
                .map_err(|e| corrupt(format!("not a state document: {e}")))?;
            return verified(state, stored, deployment, path);
        }
    }
    let doc: Json = serde_json::from_slice(bytes)
        .map_err(|e| corrupt(format!("not valid JSON ({e}); the file may be truncated")))?;
    let Json::Object(mut map) = doc else {
        return Err(corrupt("the document is not a JSON object".into()));
    };

    let version = read_version(&map).map_err(corrupt)?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(StateError::UnknownFormatVersion {
            deployment: deployment.to_string(),
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    // Checked against FORMAT_VERSION just above, so it fits.
    let version = version as u32;

    if version < FORMAT_VERSION {
        let upgraded =
            migrate(Json::Object(map), version).map_err(|e| StateError::MigrationFailed {
                deployment: deployment.to_string(),
                path: path.to_path_buf(),
                from: e.from,
                to: e.to,
                reason: e.reason,
            })?;
        let state: State =
            serde_json::from_value(upgraded).map_err(|e| StateError::MigrationFailed {
                deployment: deployment.to_string(),
                path: path.to_path_buf(),
                from: version,
                to: FORMAT_VERSION,
                reason: format!("the upgraded document is not a valid state: {e}"),
            })?;
        return Ok(Decoded {
            state,
            format_version: version,
            checksum: None,
        });
    }

    let stored = match map.remove("checksum") {
        Some(Json::String(s)) => s,
        Some(_) => return Err(corrupt("the `checksum` field is not a string".into())),
        None => return Err(corrupt("the `checksum` field is missing".into())),
    };
    let state: State = serde_json::from_value(Json::Object(map))
        .map_err(|e| corrupt(format!("not a state document: {e}")))?;
    verified(state, stored, deployment, path)
}

/// The two fields read before the rest of a document.
#[derive(serde::Deserialize)]
struct Probe {
    format_version: Option<u64>,
    checksum: Option<Json>,
}

/// The state, if its stored checksum matches its content.
fn verified(
    state: State,
    stored: String,
    deployment: &str,
    path: &Path,
) -> Result<Decoded, StateError> {
    let actual = checksum(&state);
    if stored != actual {
        return Err(StateError::ChecksumMismatch {
            deployment: deployment.to_string(),
            path: path.to_path_buf(),
            stored,
            actual,
        });
    }
    Ok(Decoded {
        state,
        format_version: FORMAT_VERSION,
        checksum: Some(actual),
    })
}

/// The document's format version: `format_version`, or the pre-release `version: 0`.
fn read_version(map: &serde_json::Map<String, Json>) -> Result<u64, String> {
    match (map.get("format_version"), map.get("version")) {
        (Some(v), _) => v
            .as_u64()
            .ok_or_else(|| format!("`format_version` is {v}, not a non-negative integer")),
        (None, Some(v)) if v.as_u64() == Some(0) => Ok(0),
        (None, Some(v)) => Err(format!(
            "`version` is {v}; only the pre-release format 0 used that key"
        )),
        (None, None) => Err("the `format_version` field is missing".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::error::codes;
    use std::path::PathBuf;

    fn sample() -> State {
        let mut s = State::new("dev", "ai-stack", Some("dev"));
        s.serial = 4;
        let vpc = crate::Address::new("vpc", "main");
        s.resources.insert(
            vpc.clone(),
            crate::state::ResourceState {
                address: vpc,
                kind: "vpc".into(),
                id: None,
                attributes: [
                    ("f".to_string(), crate::Value::Float(0.1)),
                    ("big".to_string(), crate::Value::Float(1e300)),
                    ("n".to_string(), crate::Value::Int(-3)),
                    ("u".to_string(), crate::Value::Unknown),
                    ("s".to_string(), crate::Value::str("é\"\n").redact()),
                ]
                .into_iter()
                .collect(),
                dependencies: vec![],
                provenance: crate::state::Provenance::Created,
                created_at: "t".into(),
                updated_at: "t".into(),
            },
        );
        s
    }

    #[test]
    fn tree_and_struct_serialize_to_the_same_canonical_bytes() {
        let s = sample();
        let tree = serde_json::to_value(&s).unwrap();
        assert_eq!(
            serde_json::to_vec(&tree).unwrap(),
            serde_json::to_vec(&s).unwrap()
        );
    }

    fn decode_here(bytes: &[u8]) -> Result<Decoded, StateError> {
        decode(bytes, "dev", &PathBuf::from("state/dev/state.json"))
    }

    #[test]
    fn encode_then_decode_round_trips_and_is_deterministic() {
        let s = sample();
        let bytes = encode(&s);
        assert_eq!(bytes, encode(&s));
        assert!(bytes.ends_with(b"}\n"));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("{\n  \"format_version\": 1,"), "{text}");
        assert!(text.contains(&format!("\"checksum\": \"{}\"", checksum(&s))));
        let back = decode_here(&bytes).unwrap();
        assert_eq!(back.state, s);
        assert_eq!(back.format_version, 1);
        assert_eq!(back.checksum, Some(checksum(&s)));
    }

    #[test]
    fn reformatting_keeps_the_checksum_valid_but_edits_do_not() {
        let s = sample();
        let compact: Json = serde_json::from_slice(&encode(&s)).unwrap();
        let compact = serde_json::to_vec(&compact).unwrap();
        assert!(decode_here(&compact).is_ok());
        let edited = String::from_utf8(encode(&s))
            .unwrap()
            .replace("\"serial\": 4", "\"serial\": 5");
        let err = decode_here(edited.as_bytes()).unwrap_err();
        assert_eq!(err.code(), codes::CHECKSUM_MISMATCH);
    }

    #[test]
    fn refusals_have_their_codes() {
        assert_eq!(decode_here(b"").unwrap_err().code(), codes::CORRUPT);
        assert_eq!(decode_here(b"[1]").unwrap_err().code(), codes::CORRUPT);
        let bytes = encode(&sample());
        let half = &bytes[..bytes.len() / 2];
        assert_eq!(decode_here(half).unwrap_err().code(), codes::CORRUPT);
        let no_sum = br#"{"format_version": 1, "serial": 1}"#;
        assert_eq!(decode_here(no_sum).unwrap_err().code(), codes::CORRUPT);
        let future = br#"{"format_version": 2, "anything": true}"#;
        let err = decode_here(future).unwrap_err();
        assert_eq!(err.code(), codes::UNKNOWN_FORMAT_VERSION);
        let bad_v0 = br#"{"version": 0, "serial": 1}"#;
        assert_eq!(
            decode_here(bad_v0).unwrap_err().code(),
            codes::MIGRATION_FAILED
        );
    }
}
