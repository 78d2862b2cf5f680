//! `interdict audit verify | log | anchor`: check, read and anchor the hash-chained
//! audit log (see `store::audit` for the chain and its threat model).
//!
//! Reading the log and writing an anchor are themselves audited (`audit_access`);
//! `verify` only reads, so it can run against a replica or a copy.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use store::audit::verify;
use store::{AuditAction, AuditAnchor, AuditEntry, AuditOutcome, AuditQuery, NewAuditEntry};

use crate::cli::{AuditAnchorArgs, AuditArgs, AuditLogArgs, AuditTarget, AuditVerifyArgs};
use crate::open::open_store;

/// Marks an anchor file, so that `verify --anchor` refuses other JSON.
const ANCHOR_FORMAT: &str = "interdict-audit-anchor";
const ANCHOR_VERSION: u32 = 1;

/// An anchor as written to a file: keep it where the database's owner cannot rewrite it.
#[derive(Debug, Serialize, Deserialize)]
struct AnchorFile {
    format: String,
    version: u32,
    backend: String,
    written_at: DateTime<Utc>,
    #[serde(flatten)]
    anchor: AuditAnchor,
}

pub fn run(arguments: &AuditArgs) -> Result<ExitCode> {
    match &arguments.target {
        AuditTarget::Verify(arguments) => run_verify(arguments),
        AuditTarget::Log(arguments) => run_log(arguments),
        AuditTarget::Anchor(arguments) => run_anchor(arguments),
        AuditTarget::Disseminations(arguments) => super::retention::disseminations(arguments),
    }
}

fn run_verify(arguments: &AuditVerifyArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let anchor = arguments.anchor.as_deref().map(read_anchor).transpose()?;
    let verification = verify(store.audit(), anchor.as_ref()).context("reading the audit log")?;
    if arguments.json {
        super::print_json(&verification)?;
    }
    match &verification.fault {
        None => {
            if !arguments.json {
                let anchored = match &anchor {
                    Some(anchor) => format!(", anchor at entry {} matches", anchor.sequence),
                    None => String::new(),
                };
                println!(
                    "audit log intact: {} entries, head at entry {} ({}){anchored}",
                    verification.entries_checked,
                    verification.last_good.sequence,
                    verification.last_good.hash
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(fault) => {
            eprintln!(
                "error: audit log broken at entry {}: {}: {}",
                fault.sequence, fault.fault, fault.detail
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn run_log(arguments: &AuditLogArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let since = arguments.since.as_deref().map(parse_since).transpose()?;
    let query = AuditQuery {
        actor: arguments.actor.clone(),
        since,
        after_sequence: None,
        newest_first: arguments.newest_first,
        limit: arguments.limit,
    };
    let entries = store
        .audit()
        .entries(&query)
        .context("reading the audit log")?;
    record_access(
        store.as_ref(),
        &arguments.user,
        format!(
            "audit log: actor={} since={} limit={}",
            arguments.actor.as_deref().unwrap_or("*"),
            arguments.since.as_deref().unwrap_or("*"),
            arguments.limit
        ),
    )?;
    if arguments.json {
        super::print_json(&entries)?;
    } else {
        print!("{}", render(&entries));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_anchor(arguments: &AuditAnchorArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    // The anchor covers its own access entry.
    let entry = record_access(
        store.as_ref(),
        &arguments.user,
        format!("audit anchor to {}", arguments.out.display()),
    )?;
    let anchor = store
        .audit()
        .head()
        .context("reading the audit head")?
        .unwrap_or_else(|| entry.anchor());
    let file = AnchorFile {
        format: ANCHOR_FORMAT.to_string(),
        version: ANCHOR_VERSION,
        backend: store.backend().to_string(),
        written_at: Utc::now(),
        anchor,
    };
    let text = serde_json::to_string_pretty(&file)? + "\n";
    std::fs::write(&arguments.out, text)
        .with_context(|| format!("writing {}", arguments.out.display()))?;
    println!(
        "anchored entry {} ({}) in {}; keep a copy where the database's owner cannot change it",
        anchor.sequence,
        anchor.hash,
        arguments.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Appends the `audit_access` entry for reading or anchoring the log.
fn record_access(store: &dyn store::Store, user: &str, target: String) -> Result<AuditEntry> {
    store
        .audit()
        .append(NewAuditEntry {
            actor: user.to_string(),
            // The CLI has no log-on yet, so it cannot know the user's agency.
            actor_agency: String::new(),
            action: AuditAction::AuditAccess,
            target,
            reason: String::new(),
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        })
        .context("recording the audit access in the audit log")
}

fn read_anchor(path: &Path) -> Result<AuditAnchor> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the anchor {}", path.display()))?;
    let file: AnchorFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an audit anchor", path.display()))?;
    if file.format != ANCHOR_FORMAT || file.version != ANCHOR_VERSION {
        bail!(
            "{} is a {} version {} file, not an {ANCHOR_FORMAT} version {ANCHOR_VERSION}",
            path.display(),
            file.format,
            file.version
        );
    }
    Ok(file.anchor)
}

/// `2026-01-31` (midnight UTC) or an RFC 3339 time such as `2026-01-31T08:00:00Z`.
fn parse_since(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(moment.with_timezone(&Utc));
    }
    let date: NaiveDate = text
        .parse()
        .with_context(|| format!("--since {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))?;
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// `2026-01-31 08:00:00.25`: chrono has no two-digit fraction, so it is cut here
/// (truncated, like the stored microseconds).
fn hundredths(moment: DateTime<Utc>) -> String {
    format!(
        "{}.{:02}",
        moment.format("%Y-%m-%d %H:%M:%S"),
        moment.timestamp_subsec_millis() / 10
    )
}

/// Entries as a table for people; times to the hundredth of a second, UTC.
fn render(entries: &[AuditEntry]) -> String {
    let mut text = format!(
        "{:>6}  {:<23}  {:<14} {:<8} {:<18} {:<8} {:<10} {}\n",
        "seq",
        "recorded (UTC)",
        "actor",
        "agency",
        "action",
        "outcome",
        "source",
        "target / reason"
    );
    for entry in entries {
        let case = entry
            .entry
            .case_number
            .as_deref()
            .map(|case| format!(" [case {case}]"))
            .unwrap_or_default();
        let reason = if entry.entry.reason.is_empty() {
            String::new()
        } else {
            format!(" — {}", entry.entry.reason)
        };
        text.push_str(&format!(
            "{:>6}  {:<23}  {:<14} {:<8} {:<18} {:<8} {:<10} {}{reason}{case}\n",
            entry.sequence,
            hundredths(entry.recorded_at),
            entry.entry.actor,
            entry.entry.actor_agency,
            entry.entry.action.as_str(),
            entry.entry.outcome.as_str(),
            entry.entry.source,
            entry.entry.target
        ));
    }
    if entries.is_empty() {
        text.push_str("(no entries)\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_date_or_a_time() {
        assert_eq!(
            parse_since("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-01-31T08:00:00-05:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T13:00:00+00:00"
        );
        assert!(parse_since("last tuesday").is_err());
    }

    #[test]
    fn times_show_hundredths() {
        let moment = DateTime::from_timestamp_micros(1_769_846_400_259_999).unwrap();
        assert_eq!(hundredths(moment), "2026-01-31 08:00:00.25");
    }
}
