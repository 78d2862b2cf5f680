//! `interdict retention review | purge` and `interdict audit disseminations`: 28 CFR
//! Part 23 retention (C11) and the dissemination log.
//!
//! `review` lists criminal-intelligence records whose *effective* review-by date (the
//! earliest of any version of the same entity key, purged versions included: edits do
//! not reset the clock, see `store::retention`) is reached or falls within the window.
//! `purge` removes each named version with `store::Retention::purge_record`, audits it
//! as a purge, and lists for notice everyone the record was disseminated to (from the
//! audit log's dissemination entries) and the registered operations that name it (kept:
//! an agency's own registration, for it to withdraw). Each command is audited.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{Days, Utc};
use model::RecordId;
use serde::Serialize;
use store::{
    AuditAction, AuditOutcome, Dissemination, NewAuditEntry, PurgeRequest, Purged, ReviewItem,
    Store, disseminations as dissemination_log, review_due,
};

use crate::cli::{
    AuditDisseminationsArgs, RetentionArgs, RetentionCommand, RetentionPurgeArgs,
    RetentionReviewArgs,
};
use crate::open::open_store;

pub fn run(arguments: &RetentionArgs) -> Result<ExitCode> {
    match &arguments.command {
        RetentionCommand::Review(arguments) => review(arguments),
        RetentionCommand::Purge(arguments) => purge(arguments),
    }
}

/// Records due, grouped as `review --json` prints them.
#[derive(Debug, Serialize)]
struct ReviewGroup {
    agency: String,
    feed: String,
    records: Vec<ReviewItem>,
}

fn review(arguments: &RetentionReviewArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let today = Utc::now().date_naive();
    let due_by = today
        .checked_add_days(Days::new(u64::from(arguments.due_within)))
        .context("--due-within is too far out")?;
    let due = review_due(store.as_ref(), due_by, arguments.agency.as_deref())
        .context("finding records due for review")?;
    let mut groups: BTreeMap<(String, String), Vec<ReviewItem>> = BTreeMap::new();
    for item in due {
        groups
            .entry((item.agency.clone(), item.feed.clone()))
            .or_default()
            .push(item);
    }
    let groups: Vec<ReviewGroup> = groups
        .into_iter()
        .map(|((agency, feed), records)| ReviewGroup {
            agency,
            feed,
            records,
        })
        .collect();
    let total: usize = groups.iter().map(|group| group.records.len()).sum();
    audit(
        store.as_ref(),
        NewAuditEntry {
            actor: arguments.user.clone(),
            actor_agency: arguments.agency.clone().unwrap_or_default(),
            action: AuditAction::Search,
            target: format!("retention review due by {due_by} ({total} records)"),
            reason: "28 CFR 23.54 review".to_string(),
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        },
    )?;
    if arguments.json {
        super::print_json(&groups)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{total} records due for review by {due_by}");
    for group in &groups {
        println!(
            "\n{}/{} ({} records)",
            group.agency,
            group.feed,
            group.records.len()
        );
        for item in &group.records {
            let clock = if item.effective_review_by == item.review_by {
                String::new()
            } else {
                format!(
                    " (this version says {}; an earlier version set the clock)",
                    item.review_by
                )
            };
            println!(
                "  {}  {:<24} review by {}{clock}",
                item.record, item.source_record_id, item.effective_review_by
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One purged record, as `purge --json` prints it.
#[derive(Debug, Serialize)]
struct PurgeReport {
    #[serde(flatten)]
    purged: Purged,
    /// Earlier disseminations of the record: their recipients get notice.
    notify: Vec<NoticeRecipient>,
    /// Registered operations naming the record (kept; their agency decides).
    operations_naming_it: Vec<u64>,
}

#[derive(Debug, Serialize)]
struct NoticeRecipient {
    agency: String,
    user: String,
    disseminated_at: chrono::DateTime<Utc>,
    audit_entry: u64,
    via: String,
}

fn purge(arguments: &RetentionPurgeArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let versions = super::watch::find_records(store.as_ref(), &arguments.record)?;
    if versions.is_empty() {
        if let Ok(id) = arguments.record.parse::<RecordId>()
            && let Some(tombstone) = store
                .retention()
                .tombstones()
                .context("reading tombstones")?
                .into_iter()
                .find(|tombstone| tombstone.record == id)
        {
            bail!(
                "record {id} was purged at {} by {}",
                tombstone.purged_at,
                tombstone.purged_by
            );
        }
        bail!("no record {} in the store", arguments.record);
    }
    let operations = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?;
    let mut reports = Vec::new();
    for record in versions {
        let notify = dissemination_log(store.audit(), Some(record.id), None)
            .context("reading the dissemination log")?
            .into_iter()
            .map(notice_recipient)
            .collect();
        let reference = format!("record:{}", record.id);
        let operations_naming_it = operations
            .iter()
            .filter(|operation| {
                operation.operation.source.as_deref() == Some(reference.as_str())
                    || operation.operation.targets.contains(&reference)
            })
            .map(|operation| operation.id)
            .collect();
        let purged = store
            .retention()
            .purge_record(PurgeRequest {
                record: record.id,
                purged_by: arguments.by.clone(),
                reason: arguments.why.clone(),
            })
            .with_context(|| format!("purging record {}", record.id))?;
        audit(
            store.as_ref(),
            NewAuditEntry {
                actor: arguments.by.clone(),
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
                reason: arguments.why.clone(),
                case_number: None,
                source: "cli".to_string(),
                outcome: AuditOutcome::Allowed,
            },
        )?;
        reports.push(PurgeReport {
            purged,
            notify,
            operations_naming_it,
        });
    }
    if arguments.json {
        super::print_json(&reports)?;
        return Ok(ExitCode::SUCCESS);
    }
    for report in &reports {
        let tombstone = &report.purged.tombstone;
        println!(
            "purged record {} ({}/{}), tombstone kept; {} assignment rows and {} run pairs removed",
            tombstone.record,
            tombstone.agency,
            tombstone.feed,
            report.purged.assignments_removed,
            report.purged.run_pairs_removed
        );
        for recipient in &report.notify {
            println!(
                "  notify {} ({}): received it {} via {}",
                recipient.agency, recipient.user, recipient.disseminated_at, recipient.via
            );
        }
        for operation in &report.operations_naming_it {
            println!("  registered operation {operation} names it (kept; tell its agency)");
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// `interdict audit disseminations`: the dissemination entries of the audit log, by
/// record and by recipient.
pub fn disseminations(arguments: &AuditDisseminationsArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let records: Option<Vec<RecordId>> = match &arguments.record {
        None => None,
        Some(reference) => Some(match reference.parse::<RecordId>() {
            // A purged record is named by its id; the log still names it.
            Ok(id) => vec![id],
            Err(_) => super::watch::find_records(store.as_ref(), reference)?
                .iter()
                .map(|record| record.id)
                .collect(),
        }),
    };
    let mut found = Vec::new();
    match &records {
        None => {
            found = dissemination_log(store.audit(), None, arguments.recipient.as_deref())
                .context("reading the dissemination log")?;
        }
        Some(records) => {
            for record in records {
                for dissemination in
                    dissemination_log(store.audit(), Some(*record), arguments.recipient.as_deref())
                        .context("reading the dissemination log")?
                {
                    if !found.iter().any(|seen: &Dissemination| {
                        seen.entry.sequence == dissemination.entry.sequence
                    }) {
                        found.push(dissemination);
                    }
                }
            }
            found.sort_by_key(|dissemination| dissemination.entry.sequence);
        }
    }
    audit(
        store.as_ref(),
        NewAuditEntry {
            actor: arguments.user.clone(),
            actor_agency: String::new(),
            action: AuditAction::AuditAccess,
            target: format!(
                "dissemination log (record {}, recipient {})",
                arguments.record.as_deref().unwrap_or("any"),
                arguments.recipient.as_deref().unwrap_or("any")
            ),
            reason: String::new(),
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        },
    )?;
    if arguments.json {
        super::print_json(&found)?;
        return Ok(ExitCode::SUCCESS);
    }
    for dissemination in &found {
        let entry = &dissemination.entry;
        let what = match &dissemination.target {
            Some(target) => format!(
                "to {} ({}): {} via {}",
                target.recipient_agency,
                target.recipient_user,
                target
                    .records
                    .iter()
                    .map(RecordId::to_hex)
                    .collect::<Vec<_>>()
                    .join(", "),
                target.via
            ),
            None => entry.entry.target.clone(),
        };
        println!(
            "{:>6}  {}  from {} ({})  {what}  why: {}",
            entry.sequence,
            entry.recorded_at,
            entry.entry.actor_agency,
            entry.entry.actor,
            entry.entry.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn audit(store: &dyn Store, entry: NewAuditEntry) -> Result<()> {
    store
        .audit()
        .append(entry)
        .context("recording the action in the audit log")?;
    Ok(())
}

/// Called by `interdict ingest` after its batches commit: a purged record that a new
/// file sends again (the same content, so the same id) is purged again at once, before
/// any watch or reader relies on it, and the purge is audited. The batch writer knows
/// nothing of tombstones; this keeps "purged stays purged" at the command layer.
/// Returns how many records were purged again.
pub fn purge_again_after_ingest(store: &dyn Store, batches: &[model::BatchId]) -> Result<usize> {
    let tombstones: BTreeMap<RecordId, store::Tombstone> = store
        .retention()
        .tombstones()
        .context("reading tombstones")?
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
            let page = store
                .records(&store::RecordQuery {
                    batch_id: Some(*batch),
                    after,
                    limit: 10_000,
                    ..store::RecordQuery::default()
                })
                .context("reading the new batch")?;
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
        store
            .retention()
            .purge_record(PurgeRequest {
                record: *record,
                purged_by: earlier.purged_by.clone(),
                reason: reason.clone(),
            })
            .map(|_| ())
            .or_else(|error| match error {
                store::StoreError::Refused(_) => Ok(()),
                other => Err(other),
            })
            .with_context(|| format!("purging record {record} again"))?;
        audit(
            store,
            NewAuditEntry {
                actor: "ingest".to_string(),
                actor_agency: earlier.agency.clone(),
                action: AuditAction::Purge,
                target: format!("record:{record} ({}/{})", earlier.agency, earlier.feed),
                reason,
                case_number: None,
                source: "cli".to_string(),
                outcome: AuditOutcome::Allowed,
            },
        )?;
    }
    if !again.is_empty() {
        eprintln!(
            "retention: {} records sent again after their purge were purged again",
            again.len()
        );
    }
    Ok(again.len())
}
