//! `interdict watch add | list | remove | check | alerts`: standing watches on resolved
//! entities (C10), with alerts that follow the pointer rules of `access::decide`.
//!
//! The rules (canonical targets, which batches a check looks at, what each watcher
//! learns) live in `service::watches`, shared with the web UI; this module parses the
//! arguments, takes the watcher's profile from them (`--roles`, `--clearance`,
//! `--caveats`) and the policy from `--policy` or `INTERDICT_POLICY`, and prints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use access::{Policy, Role};
use anyhow::{Context, Result};
use model::{Schema, Sensitivity, SourceRecord};
use serde::Serialize;
use service::watches::{CheckReport, WatcherProfile, canonical_target};
use store::{Alert, AuditAction, AuditOutcome, NewAuditEntry, NewWatch, Store};

use crate::cli::{
    WatchAddArgs, WatchAlertsArgs, WatchArgs, WatchCheckArgs, WatchCommand, WatchListArgs,
    WatchRemoveArgs,
};
use crate::open::open_store;

pub fn run(arguments: &WatchArgs) -> Result<ExitCode> {
    match &arguments.command {
        WatchCommand::Add(arguments) => add(arguments),
        WatchCommand::List(arguments) => list(arguments),
        WatchCommand::Remove(arguments) => remove(arguments),
        WatchCommand::Check(arguments) => check_command(arguments),
        WatchCommand::Alerts(arguments) => alerts(arguments),
    }
}

fn add(arguments: &WatchAddArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let roles = arguments
        .roles
        .iter()
        .map(|role| {
            serde_json::from_value::<Role>(serde_json::Value::String(role.trim().to_lowercase()))
                .with_context(|| format!("{role:?} is not a role"))
        })
        .collect::<Result<BTreeSet<Role>>>()?;
    let clearance: Sensitivity = arguments
        .clearance
        .parse()
        .with_context(|| format!("{:?} is not a clearance", arguments.clearance))?;
    let profile = WatcherProfile {
        roles,
        clearance,
        caveats: arguments
            .caveats
            .iter()
            .map(|caveat| caveat.trim().to_uppercase())
            .collect(),
    };
    let target = canonical_target(store.as_ref(), &arguments.entity)?;
    let watch = store
        .watchlists()
        .add_watch(NewWatch {
            agency: arguments.agency.clone(),
            user: arguments.user.clone(),
            target,
            reference: arguments.entity.clone(),
            reason: arguments.why.clone(),
            case_number: arguments.case.clone(),
            watcher: serde_json::to_value(&profile)?,
        })
        .context("registering the watch")?;
    audit(
        store.as_ref(),
        NewAuditEntry {
            actor: arguments.user.clone(),
            actor_agency: arguments.agency.clone(),
            action: AuditAction::Search,
            target: format!("watch {} on {}", watch.id, watch.watch.target),
            reason: arguments.why.clone(),
            case_number: arguments.case.clone(),
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        },
    )?;
    if arguments.json {
        super::print_json(&watch)?;
    } else {
        println!(
            "watch {} on {} for {}/{}",
            watch.id, watch.watch.target, watch.watch.agency, watch.watch.user
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn list(arguments: &WatchListArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let watches = store
        .watchlists()
        .watches(Some(&arguments.agency))
        .context("reading watches")?;
    if arguments.json {
        super::print_json(&watches)?;
    } else {
        for watch in &watches {
            let state = match (&watch.removed_at, &watch.removed_by) {
                (Some(at), Some(by)) => format!("removed {at} by {by}"),
                _ => "active".to_string(),
            };
            println!(
                "{:>4}  {:<40} {:<16} {}  ({state})",
                watch.id, watch.watch.target, watch.watch.user, watch.watch.reason
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(arguments: &WatchRemoveArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let watch = store
        .watchlists()
        .remove_watch(arguments.id, &arguments.agency, &arguments.user)
        .context("removing the watch")?;
    println!("watch {} removed", watch.id);
    Ok(ExitCode::SUCCESS)
}

fn check_command(arguments: &WatchCheckArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let policy = read_policy(arguments.policy.as_deref())?;
    let report = check(store.as_ref(), &policy)?;
    if arguments.json {
        super::print_json(&report)?;
    } else {
        println!(
            "{} batches checked against {} watches: {} alerts",
            report.batches_checked,
            report.active_watches,
            report.alerts.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Called by `interdict ingest` after its batches commit: checks them when the store
/// has active watches, with the policy named by `INTERDICT_POLICY` if any, and says so
/// on stderr (stdout may be JSON).
pub fn check_after_ingest(store: &dyn Store) -> Result<()> {
    if !service::watches::has_active_watches(store).context("reading watches")? {
        return Ok(());
    }
    let policy_path = std::env::var_os("INTERDICT_POLICY").map(std::path::PathBuf::from);
    let policy = read_policy(policy_path.as_deref())?;
    let report = check(store, &policy).context("checking watches")?;
    eprintln!(
        "watches: {} batches checked, {} alerts (`interdict watch alerts`)",
        report.batches_checked,
        report.alerts.len()
    );
    Ok(())
}

fn read_policy(path: Option<&Path>) -> Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the policy {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("parsing the policy {}", path.display()))
        }
    }
}

/// Checks every batch no check has looked at against the active watches (see
/// `service::watches::check`).
pub fn check(store: &dyn Store, policy: &Policy) -> Result<CheckReport> {
    Ok(service::watches::check(
        store,
        Schema::builtin(),
        policy,
        "cli",
    )?)
}

/// The stored records a reference names (see `service::watches::find_records`).
pub(crate) fn find_records(store: &dyn Store, reference: &str) -> Result<Vec<SourceRecord>> {
    Ok(service::watches::find_records(store, reference)?)
}

/// An alert as `watch alerts` shows it: content only where the alert allowed it, read
/// now (so a purged record shows as purged).
#[derive(Debug, Serialize)]
struct AlertView<'a> {
    #[serde(flatten)]
    alert: &'a Alert,
    /// The holding agency has something new about the watched entity.
    message: String,
    purged: bool,
    content: Option<BTreeMap<String, Vec<String>>>,
}

fn alerts(arguments: &WatchAlertsArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let alerts = store
        .watchlists()
        .alerts(Some(&arguments.agency))
        .context("reading alerts")?;
    let mut views = Vec::new();
    for alert in &alerts {
        let mut content = None;
        let mut purged = false;
        if alert.alert.disclosure.reveals_content() {
            match store
                .record(alert.alert.record)
                .context("reading a record")?
            {
                Some(record) => {
                    let mut properties = record.properties;
                    for field in &alert.alert.redacted_fields {
                        properties.remove(field);
                    }
                    content = Some(properties);
                }
                None => purged = true,
            }
        }
        let contact = alert
            .alert
            .contact
            .as_deref()
            .map_or_else(String::new, |contact| format!("; contact {contact}"));
        views.push(AlertView {
            alert,
            message: format!(
                "{} holds something new about the entity of watch {}{contact}",
                alert.alert.record_agency, alert.alert.watch
            ),
            purged,
            content,
        });
    }
    audit(
        store.as_ref(),
        NewAuditEntry {
            actor: arguments.user.clone(),
            actor_agency: arguments.agency.clone(),
            action: AuditAction::View,
            target: format!(
                "watch alerts of {} ({} alerts)",
                arguments.agency,
                alerts.len()
            ),
            reason: String::new(),
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        },
    )?;
    if arguments.json {
        super::print_json(&views)?;
    } else {
        for view in &views {
            println!(
                "alert {:>4}  {}  {} ({})",
                view.alert.id, view.alert.alerted_at, view.message, view.alert.alert.disclosure
            );
            if view.purged {
                println!("            (the record has since been purged)");
            }
            if let Some(content) = &view.content {
                for (property, values) in content {
                    println!("            {property}: {}", values.join("; "));
                }
            }
        }
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
