//! Attribute shapes shared by several kinds.
//!
//! A nested block (a rule, a route, a health check) is typed by its keys
//! ([`AttrType::Block`]): `validate` checks them, and the JSON Schema and the docs list them.

use crate::provider::{AttrSchema, AttrType, BlockField};

/// An optional list of strings (ids, ARNs, CIDR blocks).
pub(crate) fn string_list(name: &'static str) -> AttrSchema {
    AttrSchema::list(name, AttrType::String)
}

/// An optional nested block with these keys.
pub(crate) fn block(name: &'static str, fields: Vec<BlockField>) -> AttrSchema {
    AttrSchema::block(name, fields)
}

/// An optional list of nested blocks with these keys (repeated blocks such as rules or routes).
pub(crate) fn block_list(name: &'static str, fields: Vec<BlockField>) -> AttrSchema {
    AttrSchema::list(name, AttrType::Block(fields))
}

/// An optional string key of a block.
pub(crate) fn text(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::String)
}

/// An optional integer key of a block.
pub(crate) fn int(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::Int)
}

/// An optional boolean key of a block.
pub(crate) fn flag(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::Bool)
}

/// An optional list-of-strings key of a block.
pub(crate) fn texts(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::List(Box::new(AttrType::String)))
}

/// A key of a block that takes a string or a number (a port written `443` or `"443"`).
pub(crate) fn loose(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::Any)
}
