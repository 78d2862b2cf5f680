//! The errors of the graph crate: bad input (user errors) apart from failed computations.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// A row of an edge-list file that cannot be read.
    #[error("{file}:{line}: field `{field}`: {reason}")]
    BadRow {
        file: PathBuf,
        line: u64,
        field: String,
        reason: String,
    },
    /// The edge-list file lacks a column it needs.
    #[error("{file}: missing column `{column}` (header: {header})")]
    MissingColumn {
        file: PathBuf,
        column: String,
        header: String,
    },
    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    Csv {
        file: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// An edge weight that is not a positive finite number.
    #[error("edge {source_id} -> {target_id}: weight {weight} is not a positive finite number")]
    BadWeight {
        source_id: String,
        target_id: String,
        weight: f64,
    },
    #[error("unknown node `{0}`")]
    UnknownNode(String),
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    /// An iterative method that did not reach its tolerance.
    #[error("{method} did not converge within {iterations} iterations")]
    NotConverged {
        method: &'static str,
        iterations: usize,
    },
    #[error("writing export: {0}")]
    Write(#[from] std::io::Error),
}
