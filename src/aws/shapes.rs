//! Attribute shapes shared by several kinds.
//!
//! The provider schema has no typed nested records, so a nested block (a rule, a route, a health
//! check) is a table of any values; its keys are listed in the attribute's description and
//! checked by the kind's own code when it builds the API request.

use crate::provider::{AttrSchema, AttrType};

/// An optional list of strings (ids, ARNs, CIDR blocks).
pub(crate) fn string_list(name: &'static str) -> AttrSchema {
    AttrSchema::list(name, AttrType::String)
}

/// An optional nested block: a table of free-form values.
pub(crate) fn block(name: &'static str) -> AttrSchema {
    AttrSchema::map(name, AttrType::Any)
}

/// An optional list of nested blocks (repeated blocks such as rules or routes).
pub(crate) fn block_list(name: &'static str) -> AttrSchema {
    AttrSchema::list(name, AttrType::Map(Box::new(AttrType::Any)))
}
