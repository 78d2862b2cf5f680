//! Decoding the column forms both backends store, so each backend only extracts columns.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::{CriminalPredicate, DataClass, SecurityLabels, Sensitivity};

use crate::{StoreError, StoreResult, StoreStatus};

/// A record's labels as stored in columns: names of the enums, caveats joined with `,`.
#[derive(Debug, Clone, Copy)]
pub struct StoredLabels<'a> {
    pub sensitivity: &'a str,
    pub caveats: &'a str,
    pub data_class: &'a str,
    pub predicate: Option<&'a str>,
    pub review_by: Option<NaiveDate>,
}

impl StoredLabels<'_> {
    /// The labels as they were written. Stored labels passed `SecurityLabels::new` on the
    /// way in, so they are rebuilt as stored, not checked against today's rules again.
    pub fn decode(&self) -> StoreResult<SecurityLabels> {
        let corrupt = |reason: String| StoreError::Corrupt {
            table: "records",
            reason,
        };
        Ok(SecurityLabels {
            sensitivity: self
                .sensitivity
                .parse::<Sensitivity>()
                .map_err(|error| corrupt(error.to_string()))?,
            caveats: self
                .caveats
                .split(',')
                .filter(|caveat| !caveat.is_empty())
                .map(str::to_string)
                .collect(),
            data_class: self
                .data_class
                .parse::<DataClass>()
                .map_err(|error| corrupt(error.to_string()))?,
            predicate: self
                .predicate
                .map(|text| {
                    CriminalPredicate::new(text).map_err(|error| corrupt(error.to_string()))
                })
                .transpose()?,
            review_by: self.review_by,
        })
    }
}

/// A record's properties from their stored JSON text.
pub fn decode_properties(json: &str) -> StoreResult<BTreeMap<String, Vec<String>>> {
    serde_json::from_str(json).map_err(|error| StoreError::Corrupt {
        table: "records",
        reason: format!("properties: {error}"),
    })
}

impl StoreStatus {
    /// Puts counts in the documented order, in Rust's byte order, so that every backend
    /// agrees whatever its collation.
    pub fn sorted(mut self) -> StoreStatus {
        self.records
            .sort_by(|left, right| (&left.kind, &left.agency).cmp(&(&right.kind, &right.agency)));
        self.quarantined
            .sort_by(|left, right| (&left.agency, &left.feed).cmp(&(&right.agency, &right.feed)));
        self
    }
}
