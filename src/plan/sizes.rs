//! Size limits of attributes at plan time: a value known only once state is read (a template
//! naming a resource that exists) is checked here, the same way the loader checks the rest.

use super::diff::PlanError;
use crate::address::Address;
use crate::config::eval::Evaluated;
use crate::provider::{Fit, KindSchema};
use crate::value::Value;
use std::collections::BTreeMap;

/// A refusal for the first known value over its kind's limit, else a note per value that
/// will be sent gzip-compressed (sizes left out for sensitive values).
pub fn check(
    address: &Address,
    schema: &KindSchema,
    desired: &BTreeMap<String, Evaluated>,
) -> Result<Vec<String>, PlanError> {
    let mut notes = Vec::new();
    for attr in &schema.attrs {
        let (Some(limit), Some(v)) = (attr.size_limit, desired.get(attr.name)) else {
            continue;
        };
        let Value::String(text) = &v.value else {
            continue;
        };
        let fit = limit.fit(text);
        if let Some(why) = fit.refusal(&limit) {
            return Err(PlanError::TooLarge {
                address: address.to_string(),
                attribute: attr.name.to_string(),
                why: if v.sensitive {
                    format!("more than the {} bytes accepted", limit.max_bytes)
                } else {
                    why
                },
            });
        }
        if let Fit::Gzipped { bytes, .. } = fit {
            // The compressed size is left out on purpose: it depends on the compressor's
            // version, and the plan must read the same for the same inputs.
            notes.push(if v.sensitive {
                format!("`{}` is sent gzip-compressed", attr.name)
            } else {
                format!(
                    "`{}` is sent gzip-compressed ({bytes} bytes of text, over the {} accepted)",
                    attr.name, limit.max_bytes
                )
            });
        }
    }
    Ok(notes)
}
