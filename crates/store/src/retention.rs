//! Retention under 28 CFR Part 23 (C11): which criminal-intelligence records are due
//! for review, and the audited purge that removes a record from the store and every
//! structure derived from it, keeping a minimal tombstone.
//!
//! Every backend implements [`Retention`]; a store hands it out through
//! [`crate::Store::retention`]. [`review_due`] works over any store.
//!
//! # What a purge removes, and what it keeps
//!
//! One transaction removes the record row (and its count in `status`), its row in the
//! entity assignment, and every pair of the latest resolution run that names it (pair
//! evidence quotes field values). It adds a [`Tombstone`]: record id, entity key,
//! agency, feed, kind, review-by date, when, who and why — no property values. Kept:
//! the audit log (append-only and hash-chained; it names record ids, never content, so
//! `audit verify` still passes), the judgement log (ids and a reviewer's reason),
//! watch alerts (ids and disclosure only: their content is read live from the store,
//! so a purged record shows as purged) and registered operations (an agency's own
//! registration, append-only; `targets` are references, and an operation taken from a
//! purged record keeps its place and window — the caller lists these for the owner).
//! A new file that holds a purged record stores it again (the batch writer knows
//! nothing of tombstones); `interdict ingest` purges such records again at once, under
//! their first tombstone.
//!
//! # Edits do not reset the review clock
//!
//! A correction is a new record version with the same [`EntityKey`] and, if the feed
//! gives none, a fresh default review-by date. The *effective* review-by date of a
//! version is the earliest review-by date of any version of its entity key, stored or
//! purged (the tombstone keeps entity key and review-by for exactly this), so a
//! re-submitted or corrected record inherits the original clock.

use chrono::{DateTime, NaiveDate, Utc};
use model::{EntityKey, RecordId};
use serde::{Deserialize, Serialize};

use crate::{RecordQuery, Store, StoreResult};

/// Records read per page by [`review_due`].
const PAGE: u64 = 10_000;

/// What a caller asks to purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRequest {
    pub record: RecordId,
    /// Who purges (a user id); required.
    pub purged_by: String,
    /// Why; required.
    pub reason: String,
}

/// What is left of a purged record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub record: RecordId,
    pub entity_key: EntityKey,
    pub agency: String,
    pub feed: String,
    pub kind: String,
    /// The purged version's review-by date (criminal intelligence), for the clock.
    pub review_by: Option<NaiveDate>,
    pub purged_at: DateTime<Utc>,
    pub purged_by: String,
    pub reason: String,
}

/// A purge's result: the tombstone and how many derived rows went with the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    pub tombstone: Tombstone,
    pub assignments_removed: u64,
    pub run_pairs_removed: u64,
}

/// Purge and tombstones of a store (see the module doc).
pub trait Retention {
    /// Removes the record and its derived rows and adds its tombstone, in one
    /// transaction. Refused ([`crate::StoreError::Refused`]) without who and why, when
    /// the record is not stored, or when it is purged already. A record stored again
    /// after its purge (a file sent it again) is removed again under its first
    /// tombstone, which the result returns.
    fn purge_record(&self, request: PurgeRequest) -> StoreResult<Purged>;

    /// Every tombstone, oldest purge first.
    fn tombstones(&self) -> StoreResult<Vec<Tombstone>>;
}

impl PurgeRequest {
    /// Why the store refuses this purge before looking at the record, if it does.
    pub fn problem(&self) -> Option<String> {
        if self.purged_by.trim().is_empty() {
            return Some("a purge needs the user who purges".to_string());
        }
        if self.reason.trim().is_empty() {
            return Some("a purge needs a reason (why)".to_string());
        }
        None
    }
}

/// A record due for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub record: RecordId,
    pub entity_key: EntityKey,
    pub agency: String,
    pub feed: String,
    pub kind: String,
    pub source_record_id: String,
    pub predicate: Option<String>,
    /// The date this version carries.
    pub review_by: NaiveDate,
    /// The earliest date of any version of its entity key, purged ones included: the
    /// date that counts.
    pub effective_review_by: NaiveDate,
}

/// Criminal-intelligence records whose effective review-by date is on or before
/// `due_by`, by agency, feed, effective date and record id; with `agency`, only its
/// records. Scans the records once.
pub fn review_due(
    store: &dyn Store,
    due_by: NaiveDate,
    agency: Option<&str>,
) -> StoreResult<Vec<ReviewItem>> {
    let mut earliest: std::collections::HashMap<EntityKey, NaiveDate> =
        std::collections::HashMap::new();
    let mut note = |key: EntityKey, date: NaiveDate| {
        earliest
            .entry(key)
            .and_modify(|known| *known = (*known).min(date))
            .or_insert(date);
    };
    for tombstone in store.retention().tombstones()? {
        if let Some(date) = tombstone.review_by {
            note(tombstone.entity_key, date);
        }
    }
    let mut versions = Vec::new();
    let mut after = None;
    loop {
        let page = store.records(&RecordQuery {
            agency: agency.map(str::to_string),
            after,
            limit: PAGE,
            ..RecordQuery::default()
        })?;
        for record in &page {
            if let Some(date) = record.labels.review_by {
                note(record.entity_key, date);
                versions.push(ReviewItem {
                    record: record.id,
                    entity_key: record.entity_key,
                    agency: record.provenance.agency.clone(),
                    feed: record.provenance.feed.clone(),
                    kind: record.kind.clone(),
                    source_record_id: record.provenance.source_record_id.clone(),
                    predicate: record
                        .labels
                        .predicate
                        .as_ref()
                        .map(|predicate| predicate.as_str().to_string()),
                    review_by: date,
                    effective_review_by: date,
                });
            }
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after = Some(last.id),
            _ => break,
        }
    }
    let mut due: Vec<ReviewItem> = versions
        .into_iter()
        .map(|mut item| {
            item.effective_review_by = earliest[&item.entity_key];
            item
        })
        .filter(|item| item.effective_review_by <= due_by)
        .collect();
    due.sort_by(|left, right| {
        (
            &left.agency,
            &left.feed,
            left.effective_review_by,
            left.record,
        )
            .cmp(&(
                &right.agency,
                &right.feed,
                right.effective_review_by,
                right.record,
            ))
    });
    Ok(due)
}
