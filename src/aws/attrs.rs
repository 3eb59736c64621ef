//! Reading typed values out of attribute maps and writing them back, for request builders.

use crate::provider::{Attrs, ProviderError};
use crate::value::Value;

/// A string attribute, if set.
pub fn str_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A required string attribute, or an `InvalidInput` error naming it.
pub fn required_str<'a>(attrs: &'a Attrs, name: &str, op: &str) -> Result<&'a str, ProviderError> {
    str_of(attrs, name)
        .ok_or_else(|| ProviderError::invalid(op, format!("`{name}` must be set to a string")))
}

/// A boolean attribute, if set.
pub fn bool_of(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

/// An integer attribute, if set (floats with no fraction accepted).
pub fn int_of(attrs: &Attrs, name: &str) -> Option<i64> {
    match attrs.get(name) {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Float(f)) if f.fract() == 0.0 => Some(*f as i64),
        _ => None,
    }
}

/// A list of strings, if set (non-string items are skipped).
pub fn str_list(attrs: &Attrs, name: &str) -> Vec<String> {
    match attrs.get(name) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// A nested table, if set.
pub fn table<'a>(
    attrs: &'a Attrs,
    name: &str,
) -> Option<&'a std::collections::BTreeMap<String, Value>> {
    match attrs.get(name) {
        Some(Value::Map(m)) => Some(m),
        _ => None,
    }
}

/// A list of nested tables (rules, routes…), if set.
pub fn table_list<'a>(
    attrs: &'a Attrs,
    name: &str,
) -> Vec<&'a std::collections::BTreeMap<String, Value>> {
    match attrs.get(name) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::Map(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Insert a string when present.
pub fn put_str(attrs: &mut Attrs, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        attrs.insert(name.to_string(), Value::String(v.to_string()));
    }
}

/// Insert a boolean when present.
pub fn put_bool(attrs: &mut Attrs, name: &str, value: Option<bool>) {
    if let Some(v) = value {
        attrs.insert(name.to_string(), Value::Bool(v));
    }
}

/// Insert an integer when present.
pub fn put_int(attrs: &mut Attrs, name: &str, value: Option<i64>) {
    if let Some(v) = value {
        attrs.insert(name.to_string(), Value::Int(v));
    }
}

/// Insert a list of strings (sorted when `sort`, for attributes AWS returns in any order).
pub fn put_str_list(attrs: &mut Attrs, name: &str, mut values: Vec<String>, sort: bool) {
    if sort {
        values.sort();
    }
    attrs.insert(
        name.to_string(),
        Value::List(values.into_iter().map(Value::String).collect()),
    );
}
