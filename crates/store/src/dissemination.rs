//! The dissemination log (28 CFR 23.20(g)): who received which records, why and when,
//! read from the audit log's `dissemination` entries.
//!
//! A dissemination entry's `target` follows one machine-readable form, written by
//! [`DisseminationTarget::to_target`] and read back by [`DisseminationTarget::parse`]:
//! `to=AGENCY;user=USER;records=HEX,HEX;via=TEXT` (fields in that order, `user` and
//! `records` may be empty; `via` is free text and comes last). Entries written before
//! this form (deconfliction notices, which name operations and no records) parse as
//! `None`; [`disseminations`] still lists them with their raw target.

use model::RecordId;
use serde::{Deserialize, Serialize};

use crate::{AuditAction, AuditEntry, AuditLog, AuditQuery, StoreResult};

/// Who received what, as the target of a dissemination entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisseminationTarget {
    /// The receiving agency.
    pub recipient_agency: String,
    /// The receiving user, when one.
    pub recipient_user: String,
    /// The records disseminated (or pointed to).
    pub records: Vec<RecordId>,
    /// Through what: `watch alert 3`, …
    pub via: String,
}

impl DisseminationTarget {
    /// The audit entry's target text.
    pub fn to_target(&self) -> String {
        let records: Vec<String> = self.records.iter().map(RecordId::to_hex).collect();
        format!(
            "to={};user={};records={};via={}",
            self.recipient_agency.replace(';', ","),
            self.recipient_user.replace(';', ","),
            records.join(","),
            self.via
        )
    }

    /// Reads a target written by [`DisseminationTarget::to_target`].
    pub fn parse(target: &str) -> Option<DisseminationTarget> {
        let rest = target.strip_prefix("to=")?;
        let (recipient_agency, rest) = rest.split_once(";user=")?;
        let (recipient_user, rest) = rest.split_once(";records=")?;
        let (records, via) = rest.split_once(";via=")?;
        let records = records
            .split(',')
            .filter(|hex| !hex.is_empty())
            .map(|hex| hex.parse().ok())
            .collect::<Option<Vec<RecordId>>>()?;
        Some(DisseminationTarget {
            recipient_agency: recipient_agency.to_string(),
            recipient_user: recipient_user.to_string(),
            records,
            via: via.to_string(),
        })
    }
}

/// One dissemination entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dissemination {
    pub entry: AuditEntry,
    /// The parsed target; `None` for entries in an older free-text form.
    pub target: Option<DisseminationTarget>,
}

impl Dissemination {
    /// Whether the entry names `record` (parsed, or its hex in a free-text target).
    pub fn names_record(&self, record: RecordId) -> bool {
        match &self.target {
            Some(target) => target.records.contains(&record),
            None => self.entry.entry.target.contains(&record.to_hex()),
        }
    }

    /// Whether `agency` received it (parsed, or named in a free-text target).
    pub fn received_by(&self, agency: &str) -> bool {
        match &self.target {
            Some(target) => target.recipient_agency == agency,
            None => self.entry.entry.target.contains(&format!("({agency})")),
        }
    }
}

/// Entries read per page.
const PAGE: u64 = 10_000;

/// Every dissemination entry of the log, oldest first, narrowed to those naming
/// `record` and received by `recipient` when given.
pub fn disseminations(
    log: &dyn AuditLog,
    record: Option<RecordId>,
    recipient: Option<&str>,
) -> StoreResult<Vec<Dissemination>> {
    let mut found = Vec::new();
    let mut after_sequence = None;
    loop {
        let page = log.entries(&AuditQuery {
            after_sequence,
            limit: PAGE,
            ..AuditQuery::default()
        })?;
        for entry in &page {
            if entry.entry.action != AuditAction::Dissemination {
                continue;
            }
            let dissemination = Dissemination {
                target: DisseminationTarget::parse(&entry.entry.target),
                entry: entry.clone(),
            };
            let record_matches = record.is_none_or(|record| dissemination.names_record(record));
            let recipient_matches =
                recipient.is_none_or(|agency| dissemination.received_by(agency));
            if record_matches && recipient_matches {
                found.push(dissemination);
            }
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after_sequence = Some(last.sequence),
            _ => break,
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_and_free_text_does_not_parse() {
        let target = DisseminationTarget {
            recipient_agency: "sheriff".to_string(),
            recipient_user: "sgt.lee".to_string(),
            records: vec![RecordId::from_bytes([7; 16]), RecordId::from_bytes([9; 16])],
            via: "watch alert 3; pointer".to_string(),
        };
        assert_eq!(
            DisseminationTarget::parse(&target.to_target()),
            Some(target)
        );
        let none = DisseminationTarget {
            records: Vec::new(),
            recipient_user: String::new(),
            ..DisseminationTarget::parse("to=dea;user=;records=;via=x").unwrap()
        };
        assert_eq!(none.recipient_agency, "dea");
        assert!(none.records.is_empty());
        assert_eq!(
            DisseminationTarget::parse("deconfliction notification 1: operation 1 (dea)"),
            None
        );
    }
}
