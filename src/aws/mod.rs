//! AWS resource kinds behind the provider boundary.

use crate::provider::Registry;

/// Every resource kind this build knows.
pub fn registry() -> Registry {
    Registry::new()
}
