//! `interdict watch add | list | remove | check | alerts`: standing watches on resolved
//! entities (C10), with alerts that follow the pointer rules of `access::decide`.
//!
//! A watch names its entity canonically when added: `entity:ID` when the reference is
//! assigned by the latest resolution run, else `key:HEX`, the agency's own entity key.
//! A check re-resolves each watch (redirects of merged-away ids, later runs) into the
//! entity id in use and the entity keys of its records, then looks at every batch no
//! check has looked at yet: a record of such a batch concerns a watch when the latest
//! run assigns it to the watched entity, or when its entity key is one of the watched
//! entity's keys (a new version of a known record, before any run resolves it). A
//! batch committed before a watch was added is not news to that watch. A batch counts
//! as checked once a resolution run started after it committed (or when no run exists):
//! until then the next run may still put its records into a watched entity, so checks
//! look at it again, and alerts are kept once per watch and record.
//!
//! What the watcher learns is decided per record with `access::decide`, for the
//! watcher's roles, clearance and caveats as given when the watch was added (there is
//! no user directory yet): `Full` or `Redacted` alerts show the record (read live, so
//! purged content is gone), `Pointer` alerts only that the holding agency has
//! something new and whom to contact, and `Deny` raises no alert at all. Criminal
//! intelligence counts as pending validation (no validation workflow exists yet), so
//! other agencies are never told of it. Every alert is audited as a dissemination, in
//! the form `store::dissemination` reads back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::ExitCode;

use access::{Decision, Part23Status, Policy, RecordFacts, Role, User};
use anyhow::{Context, Result, bail};
use model::{DataClass, EntityKey, RecordId, Schema, Sensitivity, SourceRecord};
use serde::{Deserialize, Serialize};
use store::{
    Alert, AuditAction, AuditOutcome, Disclosure, DisseminationTarget, NewAlert, NewAuditEntry,
    NewWatch, RecordQuery, Store, Watch,
};

use crate::cli::{
    WatchAddArgs, WatchAlertsArgs, WatchArgs, WatchCheckArgs, WatchCommand, WatchListArgs,
    WatchRemoveArgs,
};
use crate::open::open_store;

/// Records read per page when scanning the store.
const PAGE: u64 = 10_000;

/// Who writes the alerts' audit entries.
const CHECKER: &str = "watch-check";

pub fn run(arguments: &WatchArgs) -> Result<ExitCode> {
    match &arguments.command {
        WatchCommand::Add(arguments) => add(arguments),
        WatchCommand::List(arguments) => list(arguments),
        WatchCommand::Remove(arguments) => remove(arguments),
        WatchCommand::Check(arguments) => check_command(arguments),
        WatchCommand::Alerts(arguments) => alerts(arguments),
    }
}

/// The watcher as a watch keeps it, for `access::decide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct WatcherProfile {
    roles: BTreeSet<Role>,
    clearance: Sensitivity,
    caveats: BTreeSet<String>,
}

impl WatcherProfile {
    fn user(&self, watch: &Watch) -> User {
        User {
            id: watch.watch.user.clone(),
            agency: watch.watch.agency.clone(),
            roles: self.roles.clone(),
            cases: watch
                .watch
                .case_number
                .iter()
                .map(|case| access::CaseId(case.clone()))
                .collect(),
            clearance: self.clearance,
            caveats: self.caveats.clone(),
        }
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

/// What a check did, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Batches looked at (including those a later run may still change).
    pub batches_checked: usize,
    pub active_watches: usize,
    pub alerts: Vec<Alert>,
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
    let active = store
        .watchlists()
        .watches(None)
        .context("reading watches")?
        .iter()
        .any(Watch::is_active);
    if !active {
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

/// A watch resolved for a check: the entity id in use and its records' entity keys.
struct Watched<'a> {
    watch: &'a Watch,
    profile: WatcherProfile,
    entity: Option<String>,
    keys: BTreeSet<EntityKey>,
}

impl Watched<'_> {
    fn concerns(&self, record: &SourceRecord, assignment: &BTreeMap<RecordId, String>) -> bool {
        let assigned = assignment.get(&record.id);
        (self.entity.is_some() && assigned == self.entity.as_ref())
            || self.keys.contains(&record.entity_key)
    }
}

/// Checks every batch no check has looked at against the active watches; appends the
/// alerts and audits each as a dissemination.
pub fn check(store: &dyn Store, policy: &Policy) -> Result<CheckReport> {
    let watchlists = store.watchlists();
    let checked = watchlists
        .checked_batches()
        .context("reading checked batches")?;
    let batches: Vec<_> = store
        .batches()
        .context("reading batches")?
        .into_iter()
        .filter(|batch| !checked.contains(&batch.header.id))
        .collect();
    let watches: Vec<Watch> = watchlists
        .watches(None)
        .context("reading watches")?
        .into_iter()
        .filter(Watch::is_active)
        .collect();
    let assignment = store
        .resolution()
        .assignment()
        .context("reading the entity assignment")?;
    let mut watched = Vec::new();
    if !batches.is_empty() {
        for watch in &watches {
            watched.push(resolve_watch(store, watch, &assignment)?);
        }
    }
    let schema = Schema::builtin();
    let no_cases = BTreeSet::new();
    let mut alerts = Vec::new();
    for batch in &batches {
        let concerned: Vec<&Watched> = watched
            .iter()
            .filter(|watched| watched.watch.created_at <= batch.committed_at)
            .collect();
        if concerned.is_empty() {
            continue;
        }
        let mut after = None;
        loop {
            let page = store
                .records(&RecordQuery {
                    batch_id: Some(batch.header.id),
                    after,
                    limit: PAGE,
                    ..RecordQuery::default()
                })
                .context("reading the batch's records")?;
            for record in &page {
                let Some(kind) = schema.kind(&record.kind) else {
                    continue;
                };
                for watched in concerned
                    .iter()
                    .filter(|watched| watched.concerns(record, &assignment))
                {
                    let part23 = if record.labels.data_class == DataClass::CriminalIntelligence {
                        Part23Status::PendingValidation
                    } else {
                        Part23Status::Validated
                    };
                    let facts = RecordFacts {
                        kind,
                        labels: &record.labels,
                        owning_agency: &record.provenance.agency,
                        cases: &no_cases,
                        part23,
                    };
                    let user = watched.profile.user(watched.watch);
                    let (disclosure, redacted_fields, contact) =
                        match access::decide(&user, &facts, policy) {
                            Decision::Full => (Disclosure::Full, Vec::new(), None),
                            Decision::Redacted { fields } => (Disclosure::Redacted, fields, None),
                            Decision::Pointer { contact, .. } => {
                                (Disclosure::Pointer, Vec::new(), contact)
                            }
                            Decision::Deny => continue,
                        };
                    alerts.push(NewAlert {
                        watch: watched.watch.id,
                        record: record.id,
                        record_agency: record.provenance.agency.clone(),
                        record_feed: record.provenance.feed.clone(),
                        record_kind: record.kind.clone(),
                        batch: batch.header.id,
                        disclosure,
                        redacted_fields,
                        contact: contact
                            .or_else(|| policy.contacts.get(&record.provenance.agency).cloned()),
                    });
                }
            }
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => after = Some(last.id),
                _ => break,
            }
        }
    }
    // A batch is done once a resolution run has seen it (or when none is in use): until
    // then its records may still join a watched entity, so later checks look again
    // (alerts are kept once per watch and record, so nothing is told twice).
    let latest_run = store
        .resolution()
        .latest_run()
        .context("reading the latest resolution run")?;
    let batch_ids: Vec<_> = batches
        .iter()
        .filter(|batch| {
            latest_run
                .as_ref()
                .is_none_or(|run| run.started_at >= batch.committed_at)
        })
        .map(|batch| batch.header.id)
        .collect();
    let appended = watchlists
        .record_check(&batch_ids, alerts)
        .context("storing the alerts")?;
    let by_id: HashMap<u64, &Watch> = watches.iter().map(|watch| (watch.id, watch)).collect();
    for alert in &appended {
        let watch = by_id.get(&alert.alert.watch);
        audit(
            store,
            NewAuditEntry {
                actor: CHECKER.to_string(),
                actor_agency: alert.alert.record_agency.clone(),
                action: AuditAction::Dissemination,
                target: DisseminationTarget {
                    recipient_agency: alert.watcher_agency.clone(),
                    recipient_user: alert.watcher_user.clone(),
                    records: vec![alert.alert.record],
                    via: format!("watch alert {} ({})", alert.id, alert.alert.disclosure),
                }
                .to_target(),
                reason: watch.map_or_else(String::new, |watch| watch.watch.reason.clone()),
                case_number: watch.and_then(|watch| watch.watch.case_number.clone()),
                source: "cli".to_string(),
                outcome: AuditOutcome::Allowed,
            },
        )?;
    }
    Ok(CheckReport {
        batches_checked: batches.len(),
        active_watches: watches.len(),
        alerts: appended,
    })
}

/// The entity id in use for a watch and the entity keys of its records.
fn resolve_watch<'a>(
    store: &dyn Store,
    watch: &'a Watch,
    assignment: &BTreeMap<RecordId, String>,
) -> Result<Watched<'a>> {
    let profile: WatcherProfile = serde_json::from_value(watch.watch.watcher.clone())
        .with_context(|| format!("watch {}: the watcher's profile", watch.id))?;
    let mut keys = BTreeSet::new();
    let mut entity = None;
    if let Some(id) = watch.watch.target.strip_prefix("entity:") {
        entity = store
            .resolution()
            .resolve_entity(id)
            .context("following entity redirects")?
            .and_then(|chain| chain.last().cloned());
    } else if let Some(key) = watch
        .watch
        .target
        .strip_prefix("key:")
        .and_then(|hex| hex.parse::<EntityKey>().ok())
    {
        keys.insert(key);
        let versions = records_of_key(store, key)?;
        entity = versions
            .iter()
            .find_map(|record| assignment.get(&record.id).cloned());
    }
    if let Some(entity) = &entity {
        for record in store
            .resolution()
            .entity_records(entity)
            .context("reading the entity's records")?
        {
            if let Some(record) = store.record(record).context("reading a record")? {
                keys.insert(record.entity_key);
            }
        }
    }
    Ok(Watched {
        watch,
        profile,
        entity,
        keys,
    })
}

fn records_of_key(store: &dyn Store, key: EntityKey) -> Result<Vec<SourceRecord>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .records(&RecordQuery {
                entity_key: Some(key),
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })
            .context("reading records by entity key")?;
        let full = page.len() as u64 == PAGE;
        after = page.last().map(|record| record.id);
        found.extend(page);
        if !full {
            return Ok(found);
        }
    }
}

/// The canonical target of a command-line reference: an entity (`entity:ID` or a bare
/// id that resolution knows), or a record (hex or `AGENCY/FEED/SOURCE_RECORD_ID`).
fn canonical_target(store: &dyn Store, reference: &str) -> Result<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        bail!("--entity cannot be empty");
    }
    let entity_id = reference.strip_prefix("entity:");
    let is_record = entity_id.is_none()
        && (reference.parse::<RecordId>().is_ok() || reference.splitn(3, '/').count() == 3);
    if !is_record {
        let id = entity_id.unwrap_or(reference);
        let chain = store
            .resolution()
            .resolve_entity(id)
            .context("following entity redirects")?
            .with_context(|| format!("no entity {id} (see `interdict resolve entities`)"))?;
        let current = chain.last().cloned().unwrap_or_else(|| id.to_string());
        return Ok(format!("entity:{current}"));
    }
    let versions = find_records(store, reference)?;
    let assignment = store
        .resolution()
        .assignment()
        .context("reading the entity assignment")?;
    if let Some(entity) = versions
        .iter()
        .find_map(|record| assignment.get(&record.id))
    {
        return Ok(format!("entity:{entity}"));
    }
    match versions.first() {
        Some(record) => Ok(format!("key:{}", record.entity_key)),
        None => bail!("no record {reference} in the store"),
    }
}

/// The stored records a reference names: one version by its id (32 hex digits), or
/// every version of `AGENCY/FEED/SOURCE_RECORD_ID`.
pub(crate) fn find_records(store: &dyn Store, reference: &str) -> Result<Vec<SourceRecord>> {
    if let Ok(id) = reference.parse::<RecordId>() {
        return Ok(store
            .record(id)
            .context("reading the record")?
            .into_iter()
            .collect());
    }
    let parts: Vec<&str> = reference.splitn(3, '/').collect();
    let [agency, feed, source_record_id] = parts[..] else {
        bail!(
            "{reference:?} is neither a record id (32 hex digits) nor AGENCY/FEED/SOURCE_RECORD_ID"
        );
    };
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .records(&RecordQuery {
                agency: Some(agency.to_string()),
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })
            .context("reading records")?;
        found.extend(
            page.iter()
                .filter(|record| {
                    record.provenance.feed == feed
                        && record.provenance.source_record_id == source_record_id
                })
                .cloned(),
        );
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after = Some(last.id),
            _ => return Ok(found),
        }
    }
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
