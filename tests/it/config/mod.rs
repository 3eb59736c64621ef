//! Configuration: broken fixtures and their diagnostics, tier overlays, the JSON Schema, kind
//! schemas, and a loader that never panics.

mod fixtures;
mod json_schema;
mod kind_schemas;
mod loader_never_panics;
mod overlay;
mod template_paths;
mod template_secrets;
