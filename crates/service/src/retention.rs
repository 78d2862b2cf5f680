//! 28 CFR Part 23 retention (C11) and the dissemination log, shared by every surface.
//!
//! Review: criminal-intelligence records whose *effective* review-by date (the earliest
//! of any version of the same entity key, purged versions included: edits do not reset
//! the clock, see `store::retention`) is reached or falls within a window. Purge:
//! removes a version with `store::Retention::purge_record`, audits it as a purge, and
//! lists for notice everyone the record was disseminated to (from the audit log's
//! dissemination entries) and the registered operations that name it (kept: an
//! agency's own registration, for it to withdraw). A purged record that a new file
//! sends again is purged again after the ingest ([`purge_again_after_ingest`]).

use std::collections::{BTreeMap, BTreeSet};

use access::Role;
use chrono::{Days, NaiveDate, Utc};
use model::{RecordId, SourceRecord};
use serde::{Deserialize, Serialize};
use store::{
    AuditAction, AuditOutcome, Dissemination, NewAuditEntry, PurgeRequest, Purged, ReviewItem,
    Store, Tombstone, disseminations as dissemination_log,
};

use crate::watches::find_records;
use crate::*;

/// One purged record: the tombstone, and whom to tell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgeReport {
    #[serde(flatten)]
    pub purged: Purged,
    /// Earlier disseminations of the record: their recipients get notice.
    pub notify: Vec<NoticeRecipient>,
    /// Registered operations naming the record (kept; their agency decides).
    pub operations_naming_it: Vec<u64>,
}

/// Someone who received a purged record earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRecipient {
    pub agency: String,
    pub user: String,
    pub disseminated_at: chrono::DateTime<Utc>,
    pub audit_entry: u64,
    pub via: String,
}

/// A purge through the façade.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgeBody {
    /// The record id (32 hex digits).
    pub record: String,
    pub reason: String,
}

/// A dissemination entry of the audit log as a supervisor or auditor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisseminationView {
    /// The audit entry's sequence number.
    pub sequence: u64,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub actor_agency: String,
    /// Empty for entries in an older free-text form (`target` says it).
    pub recipient_agency: String,
    pub recipient_user: String,
    pub records: Vec<String>,
    pub via: String,
    pub target: String,
    pub reason: String,
    pub case_number: Option<String>,
}

impl From<&Dissemination> for DisseminationView {
    fn from(dissemination: &Dissemination) -> DisseminationView {
        let entry = &dissemination.entry;
        let target = dissemination.target.as_ref();
        DisseminationView {
            sequence: entry.sequence,
            at: entry.recorded_at.to_rfc3339(),
            actor: entry.entry.actor.clone(),
            actor_agency: entry.entry.actor_agency.clone(),
            recipient_agency: target.map_or_else(String::new, |t| t.recipient_agency.clone()),
            recipient_user: target.map_or_else(String::new, |t| t.recipient_user.clone()),
            records: target.map_or_else(Vec::new, |t| {
                t.records.iter().map(RecordId::to_hex).collect()
            }),
            via: target.map_or_else(String::new, |t| t.via.clone()),
            target: entry.entry.target.clone(),
            reason: entry.entry.reason.clone(),
            case_number: entry.entry.case_number.clone(),
        }
    }
}

/// The date `within_days` from today (records due on or before it are listed).
pub fn due_by(within_days: u32) -> ServiceResult<NaiveDate> {
    Utc::now()
        .date_naive()
        .checked_add_days(Days::new(u64::from(within_days)))
        .ok_or_else(|| ServiceError::BadRequest("the review window is too far out".to_string()))
}

/// The tombstone of a purged record, if it was purged.
pub fn tombstone_of(store: &dyn Store, record: RecordId) -> ServiceResult<Option<Tombstone>> {
    Ok(store
        .retention()
        .tombstones()?
        .into_iter()
        .find(|tombstone| tombstone.record == record))
}

/// Why a reference names no stored record: purged (when and by whom), or unknown.
pub fn missing(store: &dyn Store, reference: &str) -> ServiceResult<ServiceError> {
    if let Ok(id) = reference.parse::<RecordId>()
        && let Some(tombstone) = tombstone_of(store, id)?
    {
        return Ok(ServiceError::NotFound(format!(
            "record {id} was purged at {} by {}",
            tombstone.purged_at, tombstone.purged_by
        )));
    }
    Ok(ServiceError::NotFound(format!(
        "no record {reference} in the store"
    )))
}

/// Purges one stored version: collects the recipients for notice and the operations
/// naming it, purges, and audits the purge (`by`, `source`, `case` for the entry).
pub fn purge_record(
    store: &dyn Store,
    record: &SourceRecord,
    by: &str,
    reason: &str,
    source: &str,
    case: Option<String>,
) -> ServiceResult<PurgeReport> {
    let notify = dissemination_log(store.audit(), Some(record.id), None)?
        .into_iter()
        .map(notice_recipient)
        .collect();
    let reference = format!("record:{}", record.id);
    let operations_naming_it = store
        .operations()
        .registered_operations()?
        .iter()
        .filter(|operation| {
            operation.operation.source.as_deref() == Some(reference.as_str())
                || operation.operation.targets.contains(&reference)
        })
        .map(|operation| operation.id)
        .collect();
    let purged = store.retention().purge_record(PurgeRequest {
        record: record.id,
        purged_by: by.to_string(),
        reason: reason.to_string(),
    })?;
    store.audit().append(NewAuditEntry {
        actor: by.to_string(),
        actor_agency: record.provenance.agency.clone(),
        action: AuditAction::Purge,
        target: format!(
            "record:{} ({}/{}; {} assignment rows, {} run pairs removed)",
            record.id,
            record.provenance.agency,
            record.provenance.feed,
            purged.assignments_removed,
            purged.run_pairs_removed
        ),
        reason: reason.to_string(),
        case_number: case,
        source: source.to_string(),
        outcome: AuditOutcome::Allowed,
    })?;
    Ok(PurgeReport {
        purged,
        notify,
        operations_naming_it,
    })
}

fn notice_recipient(dissemination: Dissemination) -> NoticeRecipient {
    let entry = &dissemination.entry;
    match dissemination.target {
        Some(target) => NoticeRecipient {
            agency: target.recipient_agency,
            user: target.recipient_user,
            disseminated_at: entry.recorded_at,
            audit_entry: entry.sequence,
            via: target.via,
        },
        None => NoticeRecipient {
            agency: String::new(),
            user: String::new(),
            disseminated_at: entry.recorded_at,
            audit_entry: entry.sequence,
            via: entry.entry.target.clone(),
        },
    }
}

/// The dissemination entries of the audit log naming any of `records` (all entries
/// when `None`) and received by `recipient` when given, oldest first, each once.
pub fn disseminations_of(
    store: &dyn Store,
    records: Option<&[RecordId]>,
    recipient: Option<&str>,
) -> ServiceResult<Vec<Dissemination>> {
    let Some(records) = records else {
        return Ok(dissemination_log(store.audit(), None, recipient)?);
    };
    let mut found: Vec<Dissemination> = Vec::new();
    for record in records {
        for dissemination in dissemination_log(store.audit(), Some(*record), recipient)? {
            if !found
                .iter()
                .any(|seen| seen.entry.sequence == dissemination.entry.sequence)
            {
                found.push(dissemination);
            }
        }
    }
    found.sort_by_key(|dissemination| dissemination.entry.sequence);
    Ok(found)
}

/// The record ids a reference names for the dissemination log: a record id as it is
/// (a purged record is named by its id; the log still names it), else every stored
/// version of `AGENCY/FEED/SOURCE_RECORD_ID`.
pub fn records_named(store: &dyn Store, reference: &str) -> ServiceResult<Vec<RecordId>> {
    match reference.trim().parse::<RecordId>() {
        Ok(id) => Ok(vec![id]),
        Err(_) => Ok(find_records(store, reference.trim())?
            .iter()
            .map(|record| record.id)
            .collect()),
    }
}

/// After an ingest's batches commit: a purged record that a new file sends again (the
/// same content, so the same id) is purged again at once, before any watch or reader
/// relies on it, and the purge is audited (`source`: where the ingest ran). The batch
/// writer knows nothing of tombstones; this keeps "purged stays purged" above it.
/// Returns how many records were purged again.
pub fn purge_again_after_ingest(
    store: &dyn Store,
    batches: &[model::BatchId],
    source: &str,
) -> ServiceResult<usize> {
    let tombstones: BTreeMap<RecordId, Tombstone> = store
        .retention()
        .tombstones()?
        .into_iter()
        .map(|tombstone| (tombstone.record, tombstone))
        .collect();
    if tombstones.is_empty() || batches.is_empty() {
        return Ok(0);
    }
    let mut again = Vec::new();
    for batch in batches {
        let mut after = None;
        loop {
            let page = store.records(&store::RecordQuery {
                batch_id: Some(*batch),
                after,
                limit: 10_000,
                ..store::RecordQuery::default()
            })?;
            again.extend(
                page.iter()
                    .filter(|record| tombstones.contains_key(&record.id))
                    .map(|record| record.id),
            );
            match page.last() {
                Some(last) if page.len() == 10_000 => after = Some(last.id),
                _ => break,
            }
        }
    }
    for record in &again {
        let earlier = &tombstones[record];
        let reason = format!("sent again after its purge: {}", earlier.reason);
        // The tombstone of the first purge stays; a record id has one tombstone, so this
        // removes the row and its derived rows without a second one.
        match store.retention().purge_record(PurgeRequest {
            record: *record,
            purged_by: earlier.purged_by.clone(),
            reason: reason.clone(),
        }) {
            Ok(_) | Err(store::StoreError::Refused(_)) => {}
            Err(other) => return Err(other.into()),
        }
        store.audit().append(NewAuditEntry {
            actor: "ingest".to_string(),
            actor_agency: earlier.agency.clone(),
            action: AuditAction::Purge,
            target: format!("record:{record} ({}/{})", earlier.agency, earlier.feed),
            reason,
            case_number: None,
            source: source.to_string(),
            outcome: AuditOutcome::Allowed,
        })?;
    }
    Ok(again.len())
}

impl Service {
    fn require_retention_supervisor(actor: &Actor, write: bool) -> ServiceResult<()> {
        if !actor.user.has_role(Role::Supervisor) {
            return Err(ServiceError::Forbidden(
                "only supervisors review and purge criminal intelligence".to_string(),
            ));
        }
        if write
            && let Some(scopes) = &actor.scopes
            && !scopes.contains(&auth::Scope::Write)
        {
            return Err(ServiceError::Forbidden(
                "this token has no write scope".to_string(),
            ));
        }
        Ok(())
    }

    /// The criminal intelligence of the actor's agency due for review within
    /// `within_days` (0: due now), with effective review-by dates (supervisors only).
    pub fn retention_due(&self, actor: &Actor, within_days: u32) -> ServiceResult<Vec<ReviewItem>> {
        Self::require_retention_supervisor(actor, false)?;
        let due_by = due_by(within_days)?;
        let due = store::review_due(self.store.as_ref(), due_by, Some(&actor.user.agency))?;
        self.audit(
            actor,
            AuditAction::Search,
            format!("retention review due by {due_by} ({} records)", due.len()),
            "28 CFR 23.54 review",
            AuditOutcome::Allowed,
        )?;
        Ok(due)
    }

    /// Purges a record of the actor's agency (supervisors only) and reloads the data;
    /// returns the tombstone and whom to notify.
    pub fn purge(&self, actor: &Actor, record: &str, reason: &str) -> ServiceResult<PurgeReport> {
        Self::require_retention_supervisor(actor, true)?;
        let reference = record.trim();
        let id: RecordId = reference
            .parse()
            .map_err(|_| ServiceError::BadRequest(format!("{reference:?} is not a record id")))?;
        if reason.trim().is_empty() {
            return Err(ServiceError::BadRequest(
                "say why: a purge needs a reason".to_string(),
            ));
        }
        let Some(stored) = self.store.record(id)? else {
            if let Some(tombstone) = tombstone_of(self.store.as_ref(), id)?
                && tombstone.agency == actor.user.agency
            {
                return Err(missing(self.store.as_ref(), reference)?);
            }
            return Err(ServiceError::NotFound(format!(
                "no record {reference} of your agency"
            )));
        };
        if stored.provenance.agency != actor.user.agency {
            return Err(ServiceError::NotFound(format!(
                "no record {reference} of your agency"
            )));
        }
        let report = purge_record(
            self.store.as_ref(),
            &stored,
            &actor.user.id,
            reason.trim(),
            &actor.source,
            actor.case.clone(),
        )?;
        self.reload()?;
        Ok(report)
    }

    /// Dissemination entries of the audit log, narrowed to a record (id or
    /// `AGENCY/FEED/SOURCE_RECORD_ID`) and a recipient agency when given: auditors see
    /// all; supervisors those naming a record of their agency.
    pub fn disseminations(
        &self,
        actor: &Actor,
        record: Option<&str>,
        recipient_agency: Option<&str>,
    ) -> ServiceResult<Vec<DisseminationView>> {
        let auditor = access::may_read_audit_log(&actor.user);
        if !auditor && !actor.user.has_role(Role::Supervisor) {
            return Err(ServiceError::Forbidden(
                "only auditors and supervisors read the dissemination log".to_string(),
            ));
        }
        let record = record.map(str::trim).filter(|text| !text.is_empty());
        let recipient = recipient_agency
            .map(str::trim)
            .filter(|text| !text.is_empty());
        let records = record
            .map(|reference| records_named(self.store.as_ref(), reference))
            .transpose()?;
        let mut found = disseminations_of(self.store.as_ref(), records.as_deref(), recipient)?;
        if !auditor {
            let snapshot = self.current();
            let purged: BTreeSet<RecordId> = self
                .store
                .retention()
                .tombstones()?
                .into_iter()
                .filter(|tombstone| tombstone.agency == actor.user.agency)
                .map(|tombstone| tombstone.record)
                .collect();
            let own = |id: &RecordId| {
                purged.contains(id)
                    || snapshot.index_of.get(id).is_some_and(|&index| {
                        snapshot.records[index as usize].provenance.agency == actor.user.agency
                    })
            };
            found.retain(|dissemination| {
                dissemination
                    .target
                    .as_ref()
                    .is_some_and(|target| target.records.iter().any(own))
            });
        }
        self.audit(
            actor,
            AuditAction::AuditAccess,
            format!(
                "dissemination log (record {}, recipient {})",
                record.unwrap_or("any"),
                recipient.unwrap_or("any")
            ),
            format!("{} entries", found.len()),
            AuditOutcome::Allowed,
        )?;
        Ok(found.iter().map(DisseminationView::from).collect())
    }
}
