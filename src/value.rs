//! The value type shared by configuration, state and plans.
//!
//! Two variants exist beyond JSON's: `Unknown` (a value only apply can tell, shown as
//! "(known after apply)") and `Redacted` (a secret replaced by its digest so that state and plan
//! files can detect a change without ever holding the secret).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
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
    /// A sensitive value, kept as the hex sha256 of its canonical JSON.
    Redacted(String),
}

const UNKNOWN_KEY: &str = "$unknown";
const SENSITIVE_KEY: &str = "$sensitive";

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
                let mut m = serde_json::Map::new();
                m.insert(SENSITIVE_KEY.into(), J::String(format!("sha256:{d}")));
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
                        return Value::Redacted(d.trim_start_matches("sha256:").to_string());
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
            Value::Redacted(d) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry(SENSITIVE_KEY, &format!("sha256:{d}"))?;
                m.end()
            }
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
