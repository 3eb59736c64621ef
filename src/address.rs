//! Resource addresses: `kind.name`, the key of a resource in config, graph, state and plan.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The address of a resource: its kind and its name within the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address {
    /// Resource kind, e.g. `vpc`.
    pub kind: String,
    /// Name given in the stack, e.g. `main`.
    pub name: String,
}

impl Address {
    /// Build an address from its two parts.
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Self {
        Address {
            kind: kind.into(),
            name: name.into(),
        }
    }
}

/// What a replaced resource's name gets in state while its replacement exists and it waits to
/// be deleted (`vpc.main~replaced`). `~` never occurs in a configured name.
pub const REPLACED_SUFFIX: &str = "~replaced";

impl Address {
    /// The address the old half of a create-before-destroy replacement is kept under.
    pub fn replaced(&self) -> Address {
        Address::new(self.kind.clone(), format!("{}{REPLACED_SUFFIX}", self.name))
    }

    /// Whether this is the old half of a replacement, waiting to be deleted.
    pub fn is_replaced(&self) -> bool {
        self.name.ends_with(REPLACED_SUFFIX)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

/// Why a string is not an address.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a resource address (expected `kind.name`)")]
pub struct BadAddress(pub String);

impl FromStr for Address {
    type Err = BadAddress;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('.') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() && !name.contains('.') => {
                Ok(Address::new(kind, name))
            }
            _ => Err(BadAddress(s.to_string())),
        }
    }
}

impl TryFrom<String> for Address {
    type Error = BadAddress;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let a: Address = "vpc.main".parse().unwrap();
        assert_eq!(a, Address::new("vpc", "main"));
        assert_eq!(a.to_string(), "vpc.main");
        assert!("vpc".parse::<Address>().is_err());
        assert!("vpc.a.b".parse::<Address>().is_err());
        assert!(".a".parse::<Address>().is_err());
    }
}
