//! What an API token or session may do.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::AuthError;

/// One permission a token can carry; the access policy still applies on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
    Ingest,
    Audit,
    Admin,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::Read,
        Scope::Write,
        Scope::Ingest,
        Scope::Audit,
        Scope::Admin,
    ];

    /// The name used in configuration, storage and serde.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Ingest => "ingest",
            Scope::Audit => "audit",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = AuthError;

    /// Exact lower-case names only: a misspelt scope is refused rather than guessed.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == name)
            .ok_or_else(|| AuthError::UnknownScope(name.to_owned()))
    }
}

/// Parses scope names (surrounding whitespace ignored, duplicates merged); the first
/// unknown name fails the whole list, so a token never silently loses a scope.
pub fn parse_scopes(list: &[String]) -> Result<BTreeSet<Scope>, AuthError> {
    list.iter().map(|name| name.trim().parse()).collect()
}
