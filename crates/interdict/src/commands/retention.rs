//! `interdict retention review | purge` and `interdict audit disseminations`: 28 CFR
//! Part 23 retention (C11) and the dissemination log.
//!
//! `review` lists criminal-intelligence records whose *effective* review-by date (the
//! earliest of any version of the same entity key, purged versions included: edits do
//! not reset the clock, see `store::retention`) is reached or falls within the window.
//! `purge` removes each named version (`service::retention::purge_record`, shared with
//! the web UI: `store::Retention::purge_record`), audits it
//! as a purge, and lists for notice everyone the record was disseminated to (from the
//! audit log's dissemination entries) and the registered operations that name it (kept:
//! an agency's own registration, for it to withdraw). Each command is audited.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result};
use model::RecordId;
use serde::Serialize;
use service::retention::{
    disseminations_of, due_by, missing, purge_again_after_ingest as purge_again, purge_record,
    records_named,
};
use store::{AuditAction, AuditOutcome, NewAuditEntry, ReviewItem, Store, review_due};

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
    let due_by = due_by(arguments.due_within).context("--due-within")?;
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

fn purge(arguments: &RetentionPurgeArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let versions = super::watch::find_records(store.as_ref(), &arguments.record)?;
    if versions.is_empty() {
        return Err(missing(store.as_ref(), &arguments.record)?.into());
    }
    let mut reports = Vec::new();
    for record in versions {
        reports.push(
            purge_record(
                store.as_ref(),
                &record,
                &arguments.by,
                &arguments.why,
                "cli",
                None,
            )
            .with_context(|| format!("purging record {}", record.id))?,
        );
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

/// `interdict audit disseminations`: the dissemination entries of the audit log, by
/// record and by recipient.
pub fn disseminations(arguments: &AuditDisseminationsArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let records = arguments
        .record
        .as_deref()
        .map(|reference| records_named(store.as_ref(), reference))
        .transpose()?;
    let found = disseminations_of(
        store.as_ref(),
        records.as_deref(),
        arguments.recipient.as_deref(),
    )
    .context("reading the dissemination log")?;
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
/// file sends again is purged again at once (see
/// `service::retention::purge_again_after_ingest`). Returns how many.
pub fn purge_again_after_ingest(store: &dyn Store, batches: &[model::BatchId]) -> Result<usize> {
    let again = purge_again(store, batches, "cli").context("purging purged records again")?;
    if again > 0 {
        eprintln!("retention: {again} records sent again after their purge were purged again");
    }
    Ok(again)
}
