//! The value type shared by configuration, state and plans.
//!
//! Two variants exist beyond JSON's: `Unknown` (a value only apply can tell, shown as
//! "(known after apply)") and `Redacted` (a secret replaced by its digest so that state and plan
//! files can detect a change without ever holding the secret).
//!
//! A digest is plain (sha256 of the value) when computed from configuration, and keyed
//! (`hmac-sha256:` of the plain digest under the state's secret key) once written to state or a
//! saved plan, so that neither file can be dictionary-attacked without the key. Comparisons
//! bring both sides under the key first ([`Value::keyed`]). How a `Redacted` value is written
//! depends on where it goes ([`SensitiveForm`]); a JSON render shows only `"(sensitive)"`.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A configuration, state or plan value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (JSON null).
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// An ordered list.
    List(Vec<Value>),
    /// A map with sorted keys, so that rendering is deterministic.
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
    /// A sensitive value, kept as the hex sha256 of its canonical JSON, or as
    /// `hmac-sha256:<hex>` once keyed for a saved plan.
    Redacted(String),
}

const UNKNOWN_KEY: &str = "$unknown";
const SENSITIVE_KEY: &str = "$sensitive";
/// Prefix of a plain digest in the written form.
const PLAIN_PREFIX: &str = "sha256:";
/// Prefix of a keyed digest, both written and held in `Value::Redacted`.
const KEYED_PREFIX: &str = "hmac-sha256:";
/// What a JSON render shows instead of a sensitive value.
pub const SENSITIVE_TEXT: &str = "(sensitive)";

/// A noun with its indefinite article: "an integer", "a string", "an instance".
pub fn with_article(noun: &str) -> String {
    let article = match noun.chars().next() {
        Some(c) if "aeiouAEIOU".contains(c) => "an",
        _ => "a",
    };
    format!("{article} {noun}")
}

/// How serialization writes a `Value::Redacted`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensitiveForm {
    /// `{"$sensitive": "sha256:<hex>"}` (a keyed digest as it is): the value as held, which
    /// is what the state writes once [`Value::keyed`] has keyed its digests.
    Digest,
    /// `{"$sensitive": "hmac-sha256:<hex>"}`, HMAC-SHA256 of the digest under this key: a saved
    /// plan's form; still detects a change, but useless for guessing without the key.
    Keyed(Vec<u8>),
    /// The string `"(sensitive)"`: what renders show.
    Hidden,
}

thread_local! {
    // Serde gives `Serialize` no context; the form is set around one serialization call.
    static SENSITIVE_FORM: RefCell<SensitiveForm> = const { RefCell::new(SensitiveForm::Digest) };
}

/// Run `f` (a serialization) with `Value::Redacted` written in `form`, then restore the form.
pub fn with_sensitive_form<R>(form: SensitiveForm, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<SensitiveForm>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                SENSITIVE_FORM.with(|cell| *cell.borrow_mut() = previous);
            }
        }
    }
    let previous = SENSITIVE_FORM.with(|cell| cell.replace(form));
    let _restore = Restore(Some(previous));
    f()
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, as hex.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// The written digest of a redacted value in the current [`SensitiveForm`]; `None` when hidden.
fn written_digest(digest: &str) -> Option<String> {
    if digest.starts_with(KEYED_PREFIX) {
        // Keyed already (read from a saved plan): the key is not at hand and not needed.
        return SENSITIVE_FORM.with(|cell| match &*cell.borrow() {
            SensitiveForm::Hidden => None,
            _ => Some(digest.to_string()),
        });
    }
    SENSITIVE_FORM.with(|cell| match &*cell.borrow() {
        SensitiveForm::Digest => Some(format!("{PLAIN_PREFIX}{digest}")),
        SensitiveForm::Keyed(key) => Some(format!(
            "{KEYED_PREFIX}{}",
            hmac_sha256_hex(key, digest.as_bytes())
        )),
        SensitiveForm::Hidden => None,
    })
}

impl Value {
    /// Convenience constructor for a string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "table",
            Value::Unknown => "unknown",
            Value::Redacted(_) => "sensitive",
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// True when no part of the value is `Unknown`.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Map(map) => map.values().all(Value::is_known),
            _ => true,
        }
    }

    /// Replace the value by its digest; unknown values stay unknown.
    pub fn redact(&self) -> Value {
        match self {
            Value::Redacted(_) | Value::Unknown => self.clone(),
            other => Value::Redacted(other.digest()),
        }
    }

    /// The value with every plain digest inside keyed under `key` (keyed ones are kept), so
    /// that a configuration's digest compares equal to the state's for the same secret.
    /// Borrowed when there is nothing to key (no key, or no plain digest inside).
    pub fn keyed(&self, key: Option<&[u8]>) -> Cow<'_, Value> {
        match key {
            Some(key) if self.has_plain_digest() => Cow::Owned(self.keyed_with(key)),
            _ => Cow::Borrowed(self),
        }
    }

    fn keyed_with(&self, key: &[u8]) -> Value {
        match self {
            Value::Redacted(d) if !d.starts_with(KEYED_PREFIX) => Value::Redacted(format!(
                "{KEYED_PREFIX}{}",
                hmac_sha256_hex(key, d.as_bytes())
            )),
            Value::List(items) => Value::List(items.iter().map(|v| v.keyed_with(key)).collect()),
            Value::Map(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.keyed_with(key)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// True when a plain (unkeyed) digest is somewhere inside: what an older state holds.
    pub fn has_plain_digest(&self) -> bool {
        match self {
            Value::Redacted(d) => !d.starts_with(KEYED_PREFIX),
            Value::List(items) => items.iter().any(Value::has_plain_digest),
            Value::Map(map) => map.values().any(Value::has_plain_digest),
            _ => false,
        }
    }

    /// Hex sha256 of the canonical JSON of the value.
    pub fn digest(&self) -> String {
        let json = serde_json::to_string(&self.to_json()).unwrap_or_default();
        hex::encode(Sha256::digest(json.as_bytes()))
    }

    /// Truthiness for `enabled` expressions: only `true` is true.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Convert to plain JSON, encoding the two extra variants as marker objects.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(map) => {
                J::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Unknown => {
                let mut m = serde_json::Map::new();
                m.insert(UNKNOWN_KEY.into(), J::Bool(true));
                J::Object(m)
            }
            Value::Redacted(d) => {
                // Always the plain form: `digest` hashes this, and must not depend on context.
                let written = if d.starts_with(KEYED_PREFIX) {
                    d.clone()
                } else {
                    format!("{PLAIN_PREFIX}{d}")
                };
                let mut m = serde_json::Map::new();
                m.insert(SENSITIVE_KEY.into(), J::String(written));
                J::Object(m)
            }
        }
    }

    /// Convert from plain JSON, decoding the marker objects written by [`Value::to_json`].
    pub fn from_json(json: serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::String(s),
            J::Array(items) => Value::List(items.into_iter().map(Value::from_json).collect()),
            J::Object(map) => {
                if map.len() == 1 {
                    if let Some(J::Bool(true)) = map.get(UNKNOWN_KEY) {
                        return Value::Unknown;
                    }
                    if let Some(J::String(d)) = map.get(SENSITIVE_KEY) {
                        return Value::Redacted(d.trim_start_matches(PLAIN_PREFIX).to_string());
                    }
                }
                Value::Map(
                    map.into_iter()
                        .map(|(k, v)| (k, Value::from_json(v)))
                        .collect(),
                )
            }
        }
    }

    /// Render on one line the way plans show values: strings quoted, lists in brackets,
    /// tables in braces, `(known after apply)` and `(sensitive)` for the special variants.
    pub fn render_inline(&self) -> String {
        let mut out = String::new();
        self.write_inline(&mut out);
        out
    }

    fn write_inline(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Value::String(s) => {
                out.push_str(&serde_json::to_string(s).unwrap_or_default());
            }
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_inline(out);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_key(out, k);
                    out.push_str(" = ");
                    v.write_inline(out);
                }
                out.push('}');
            }
            Value::Unknown => out.push_str("(known after apply)"),
            Value::Redacted(_) => out.push_str("(sensitive)"),
        }
    }
}

impl Value {
    /// Whether `self` (recorded or live) already is what `wanted` asks for. Nested tables only
    /// need the keys `wanted` sets: AWS fills in defaults for the others (a health check's
    /// thresholds, an origin's timeouts), which must not show as a change forever.
    pub fn covers(&self, wanted: &Value) -> bool {
        match (self, wanted) {
            (_, Value::Unknown) => false,
            (Value::Map(have), Value::Map(want)) => want
                .iter()
                .all(|(k, w)| have.get(k).is_some_and(|h| h.covers(w))),
            (Value::List(have), Value::List(want)) => {
                have.len() == want.len() && have.iter().zip(want).all(|(h, w)| h.covers(w))
            }
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                (*a as f64) == *b
            }
            (h, w) => h == w,
        }
    }
}

/// Nested values whose one-line form is at most this long stay on one line in pretty output.
const PRETTY_INLINE_CHARS: usize = 60;

impl Value {
    /// Render over several lines, one table entry or list item per line, nested blocks
    /// indented by two spaces; short nested values stay inline. Plans show long tables and
    /// lists this way so that a change reads as a line diff.
    pub fn render_pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent + 2);
        match self {
            Value::Map(map) if !map.is_empty() => {
                out.push_str("{\n");
                for (k, v) in map {
                    out.push_str(&pad);
                    write_key(out, k);
                    out.push_str(" = ");
                    v.write_nested(out, indent + 2);
                    out.push('\n');
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
            }
            Value::List(items) if !items.is_empty() => {
                out.push_str("[\n");
                for item in items {
                    out.push_str(&pad);
                    item.write_nested(out, indent + 2);
                    out.push_str(",\n");
                }
                out.push_str(&" ".repeat(indent));
                out.push(']');
            }
            other => other.write_inline(out),
        }
    }

    fn write_nested(&self, out: &mut String, indent: usize) {
        let inline = self.render_inline();
        if inline.chars().count() <= PRETTY_INLINE_CHARS {
            out.push_str(&inline);
        } else {
            self.write_pretty(out, indent);
        }
    }
}

/// Table keys print bare when they are plain identifiers, quoted otherwise (`"strata:address"`).
fn write_key(out: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        out.push_str(key);
    } else {
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
    }
}

impl Serialize for Value {
    // Written out by hand rather than through `to_json`, so that large plans and states are
    // serialized without building a temporary JSON tree.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(_) => serializer.serialize_unit(),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Unknown => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry(UNKNOWN_KEY, &true)?;
                m.end()
            }
            Value::Redacted(d) => match written_digest(d) {
                Some(written) => {
                    let mut m = serializer.serialize_map(Some(1))?;
                    m.serialize_entry(SENSITIVE_KEY, &written)?;
                    m.end()
                }
                None => serializer.serialize_str(SENSITIVE_TEXT),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Value::from_json)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_variants_round_trip_through_json() {
        let v = Value::Map(BTreeMap::from([
            ("ip".to_string(), Value::Unknown),
            ("secret".to_string(), Value::str("hunter2").redact()),
            ("n".to_string(), Value::Int(3)),
        ]));
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("hunter2"));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn direct_serialization_matches_the_json_form() {
        let v = Value::List(vec![
            Value::Null,
            Value::Float(1.5),
            Value::Map(BTreeMap::from([("k".to_string(), Value::Unknown)])),
            Value::Redacted("ab".into()),
        ]);
        assert_eq!(serde_json::to_value(&v).unwrap(), v.to_json());
    }

    #[test]
    fn redaction_is_stable_and_distinguishes_values() {
        assert_eq!(Value::str("a").redact(), Value::str("a").redact());
        assert_ne!(Value::str("a").redact(), Value::str("b").redact());
        assert_eq!(Value::Unknown.redact(), Value::Unknown);
    }

    #[test]
    fn articles_follow_the_first_sound() {
        assert_eq!(with_article(Value::Int(1).type_name()), "an integer");
        assert_eq!(with_article(Value::str("x").type_name()), "a string");
        assert_eq!(with_article("instance"), "an instance");
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn sensitive_forms_write_digest_keyed_digest_or_nothing() {
        let v = Value::str("hunter2").redact();
        let Value::Redacted(plain) = &v else {
            panic!("redact gives Redacted")
        };
        let digest = serde_json::to_string(&v).unwrap();
        assert_eq!(digest, format!(r#"{{"$sensitive":"sha256:{plain}"}}"#));
        let keyed = with_sensitive_form(SensitiveForm::Keyed(b"k".to_vec()), || {
            serde_json::to_string(&v).unwrap()
        });
        let expected = hmac_sha256_hex(b"k", plain.as_bytes());
        assert_eq!(
            keyed,
            format!(r#"{{"$sensitive":"hmac-sha256:{expected}"}}"#)
        );
        assert!(!keyed.contains(plain.as_str()));
        let other_key = with_sensitive_form(SensitiveForm::Keyed(b"j".to_vec()), || {
            serde_json::to_string(&v).unwrap()
        });
        assert_ne!(keyed, other_key);
        let hidden =
            with_sensitive_form(SensitiveForm::Hidden, || serde_json::to_string(&v).unwrap());
        assert_eq!(hidden, r#""(sensitive)""#);
        // The form is restored afterwards.
        assert_eq!(serde_json::to_string(&v).unwrap(), digest);
        // A keyed digest read back keeps its form and is never keyed twice.
        let back: Value = serde_json::from_str(&keyed).unwrap();
        let again = with_sensitive_form(SensitiveForm::Keyed(b"k".to_vec()), || {
            serde_json::to_string(&back).unwrap()
        });
        assert_eq!(again, keyed);
    }

    #[test]
    fn keying_matches_the_saved_plan_form_and_is_idempotent() {
        let v = Value::List(vec![Value::str("hunter2").redact(), Value::Int(1)]);
        assert!(v.has_plain_digest());
        let keyed = v.keyed(Some(b"k")).into_owned();
        assert!(!keyed.has_plain_digest());
        // The state's keyed digest is what a saved plan writes for the same value and key.
        let in_plan = with_sensitive_form(SensitiveForm::Keyed(b"k".to_vec()), || {
            serde_json::to_string(&v).unwrap()
        });
        assert_eq!(serde_json::to_string(&keyed).unwrap(), in_plan);
        assert_eq!(keyed.keyed(Some(b"k")).into_owned(), keyed);
        assert_eq!(keyed.keyed(Some(b"j")).into_owned(), keyed);
        assert_ne!(v.keyed(Some(b"j")).into_owned(), keyed);
        assert!(matches!(v.keyed(None), Cow::Borrowed(_)));
        assert!(matches!(Value::Int(1).keyed(Some(b"k")), Cow::Borrowed(_)));
    }

    #[test]
    fn pretty_rendering_breaks_long_tables() {
        let v = Value::Map(BTreeMap::from([
            ("strata:address".to_string(), Value::str("vpc.main")),
            ("Project".to_string(), Value::str("ai-stack")),
            (
                "list".to_string(),
                Value::List(vec![Value::Int(1), Value::Int(2)]),
            ),
        ]));
        assert_eq!(
            v.render_pretty(),
            "{\n  Project = \"ai-stack\"\n  list = [1, 2]\n  \"strata:address\" = \"vpc.main\"\n}"
        );
        assert_eq!(
            v.render_inline(),
            "{Project = \"ai-stack\", list = [1, 2], \"strata:address\" = \"vpc.main\"}"
        );
    }

    #[test]
    fn inline_rendering() {
        let v = Value::List(vec![Value::str("a\"b"), Value::Int(1), Value::Unknown]);
        assert_eq!(v.render_inline(), r#"["a\"b", 1, (known after apply)]"#);
    }
}
