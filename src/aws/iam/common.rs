//! Helpers shared by the IAM kinds: page sizes, policy documents, and the "already gone" test.

use crate::provider::{ErrorClass, ProviderError};
use crate::value::Value;
use std::ops::RangeInclusive;

/// IAM list calls take at most 1000 items per page; asking for the maximum keeps refreshes to
/// one call for any normal account.
pub const PAGE: i32 = 1000;

/// The page sizes IAM list calls accept.
pub const PAGE_LIMITS: RangeInclusive<i32> = 1..=PAGE;

/// A policy document as IAM wants it: tables are serialised to JSON, strings sent as written.
pub fn policy_json(value: &Value, what: &str, op: &str) -> Result<String, ProviderError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Map(_) | Value::List(_) => serde_json::to_string(&value.to_json())
            .map_err(|e| ProviderError::invalid(op, format!("`{what}` is not valid JSON: {e}"))),
        other => Err(ProviderError::invalid(
            op,
            format!(
                "`{what}` must be a table or a JSON string, not a {}",
                other.type_name()
            ),
        )),
    }
}

/// A policy document as IAM returns it (URL-encoded JSON; moto sometimes sends it plain), as a
/// table. A document that does not parse is kept as the string AWS returned.
pub fn policy_value(doc: &str) -> Value {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(doc) {
        return Value::from_json(json);
    }
    let decoded = percent_decode(doc);
    match serde_json::from_str::<serde_json::Value>(&decoded) {
        Ok(json) => Value::from_json(json),
        Err(_) => Value::String(decoded),
    }
}

/// RFC 3986 percent-decoding (IAM encodes spaces as `%20`, so `+` stays a plus).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether an error says the entity is already gone (deletes treat that as success).
pub fn is_gone(err: &ProviderError) -> bool {
    err.class == ErrorClass::NotFound || err.code.as_deref() == Some("NoSuchEntity")
}

/// Ok when the call succeeded or the entity was already gone.
pub fn ok_if_gone(result: Result<(), ProviderError>) -> Result<(), ProviderError> {
    crate::aws::errors::absent_ok(result, &["NoSuchEntity"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_round_trip_through_url_encoding() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        assert_eq!(policy_value(encoded), policy_value(doc));
        let Value::Map(m) = policy_value(doc) else {
            panic!("not a table")
        };
        assert_eq!(m["Version"], Value::str("2012-10-17"));
        assert_eq!(percent_decode("a%20b+c%2"), "a b+c%2");
        let json = policy_json(&policy_value(doc), "p", "iam:X").expect("json");
        assert_eq!(policy_value(&json), policy_value(doc));
        assert!(policy_json(&Value::Int(3), "p", "iam:X").is_err());
    }
}
