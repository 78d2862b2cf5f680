//! `interdict deconflict register | check | notifications | load` and
//! `interdict eval deconfliction`: planned operations against those registered, through
//! the `deconfliction` index, with notices as pointers.
//!
//! Every command rebuilds the index from the store's registered operations: targets
//! are made canonical at check time, through the entity assignment of the latest
//! resolution run, so two agencies' records of one person match once resolution has
//! linked them, and a later run's merges count for operations registered before it.
//!
//! Target references, as stored: `record:HEX` (a record id), `key:HEX` (an entity key,
//! as ingested Operation records reference their targets), `entity:ID` (a resolved
//! entity). Canonical form: `entity:ID` when the records behind the reference are
//! assigned to an entity; otherwise `key:HEX` (one agency's own identity for the
//! thing); any other text is compared as it is (`ref:TEXT`). With no resolution run in
//! the store, only references to the same agency's records can match.
//!
//! What a party sees is a [`PointerNotice`]: the other agency, its contact and the kind
//! of overlap. Neither the printed output nor the stored notifications name the other
//! operation's targets, place or label. Operations are not 28 CFR Part 23 records; the
//! target records behind them are only used to compare entity ids, never shown.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use deconfliction::pointer::overlap_kinds;
use deconfliction::{Conflict, ConflictReason, Operation, PointerNotice};
use model::{EntityKey, RecordId, SourceRecord};
use serde::Serialize;
use store::{
    AuditAction, AuditOutcome, NewAuditEntry, NewOperation, Notification, NotifiedOverlap,
    RecordQuery, RegisteredOperation, Store,
};

use crate::cli::{
    DeconflictArgs, DeconflictCommand, DeconflictLoadArgs, DeconflictNotificationsArgs,
    DeconflictOperationArgs, EvalDeconflictionArgs,
};
use crate::open::open_store;
use service::deconflict::{
    TargetResolver, contact_of, index_of, kinds_of_notified, notified, notify,
};

/// The kind of ingested records that are planned operations.
const OPERATION_KIND: &str = "Operation";

/// Records read per page when scanning the store.
const PAGE: u64 = 10_000;

pub fn run(arguments: &DeconflictArgs) -> Result<ExitCode> {
    match &arguments.command {
        DeconflictCommand::Register(arguments) => run_check(arguments, true),
        DeconflictCommand::Check(arguments) => run_check(arguments, false),
        DeconflictCommand::Notifications(arguments) => run_notifications(arguments),
        DeconflictCommand::Load(arguments) => run_load(arguments),
    }
}

/// What `register` and `check` print as JSON.
#[derive(Debug, Serialize)]
struct CheckReport {
    /// The registration id, for `register`.
    registered: Option<u64>,
    conflicts: Vec<PointerNotice>,
}

fn run_check(arguments: &DeconflictOperationArgs, register: bool) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let store = store.as_ref();
    let (contact_name, contact_phone) = parse_contact(&arguments.contact)?;
    let mut targets = Vec::new();
    for reference in &arguments.targets {
        targets.push(stored_reference(store, reference)?);
    }
    let new_operation = NewOperation {
        agency: arguments.agency.trim().to_string(),
        label: arguments.label.clone(),
        source: None,
        contact_name,
        contact_phone,
        latitude: arguments.lat,
        longitude: arguments.lon,
        radius_m: arguments.radius_m,
        starts_at: parse_moment(&arguments.start).context("--start")?,
        ends_at: parse_moment(&arguments.end).context("--end")?,
        targets,
        registered_by: arguments.user.clone(),
    };
    let registered = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?;
    let resolver = TargetResolver::new(
        store,
        registered
            .iter()
            .flat_map(|operation| &operation.operation.targets)
            .chain(&new_operation.targets),
    )?;
    // Checked before anything is stored: the index refuses what the store would take
    // (an area across the antimeridian, a radius past 100 km).
    let unregistered = RegisteredOperation {
        id: 0,
        registered_at: Utc::now(),
        operation: new_operation.clone(),
    };
    let probe = resolver.operation(&unregistered)?;
    let index = index_of(&registered, &resolver)?;
    let (operation, conflicts) = if register {
        let stored = store
            .operations()
            .register_operation(new_operation)
            .context("registering the operation")?;
        let operation = Operation {
            id: stored.id,
            ..probe
        };
        let conflicts = index.conflicts(&operation);
        (operation, conflicts)
    } else {
        let conflicts = index.conflicts(&probe);
        (probe, conflicts)
    };
    let by_id: HashMap<u64, &RegisteredOperation> = registered
        .iter()
        .map(|operation| (operation.id, operation))
        .collect();
    let mut notices = Vec::new();
    for conflict in &conflicts {
        let other = by_id
            .get(&conflict.other)
            .with_context(|| format!("operation {} vanished", conflict.other))?;
        notices.push(PointerNotice::new(
            register.then_some(operation.id),
            &other.operation.agency,
            &contact_of(other),
            overlap_kinds(&conflict.reasons),
        ));
    }
    let what = if register {
        format!(
            "deconfliction: registered operation {} of {}",
            operation.id, operation.agency
        )
    } else {
        format!("deconfliction check for {}", operation.agency)
    };
    audit(
        store,
        &arguments.user,
        &operation.agency,
        AuditAction::Search,
        what,
        format!("{} conflicts", conflicts.len()),
    )?;
    if register {
        notify(
            store,
            &arguments.user,
            "cli",
            &operation,
            &conflicts,
            &by_id,
        )?;
    }
    if arguments.json {
        super::print_json(&CheckReport {
            registered: register.then_some(operation.id),
            conflicts: notices,
        })?;
    } else {
        if register {
            println!("registered operation {}", operation.id);
        }
        if notices.is_empty() {
            println!("no conflicts with {} registered operations", index.len());
        } else {
            println!("{} conflicts:", notices.len());
            for notice in &notices {
                println!("  {}", describe(notice));
            }
            if register {
                println!("both parties of each conflict have been notified");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A notification as the agency sees it.
#[derive(Debug, Serialize)]
struct NotificationView {
    id: u64,
    notified_at: DateTime<Utc>,
    #[serde(flatten)]
    notice: PointerNotice,
}

fn run_notifications(arguments: &DeconflictNotificationsArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let store = store.as_ref();
    let agency = arguments.agency.trim();
    let registered: HashMap<u64, RegisteredOperation> = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?
        .into_iter()
        .map(|operation| (operation.id, operation))
        .collect();
    let mut views = Vec::new();
    for notification in store
        .operations()
        .notifications(Some(agency))
        .context("reading notifications")?
    {
        views.extend(notification_views(&notification, agency, &registered)?);
    }
    audit(
        store,
        &arguments.user,
        agency,
        AuditAction::View,
        format!("deconfliction notifications of {agency}"),
        format!("{} notices", views.len()),
    )?;
    if arguments.json {
        super::print_json(&views)?;
    } else if views.is_empty() {
        println!("no deconfliction notifications for {agency}");
    } else {
        for view in &views {
            println!(
                "notification {} ({}): {}",
                view.id,
                view.notified_at.format("%Y-%m-%d %H:%M:%S UTC"),
                describe(&view.notice)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The notices `agency` gets from one notification: one per operation of its own (two
/// when both operations are its own).
fn notification_views(
    notification: &Notification,
    agency: &str,
    registered: &HashMap<u64, RegisteredOperation>,
) -> Result<Vec<NotificationView>> {
    let overlaps = kinds_of_notified(&notification.overlaps);
    let mut views = Vec::new();
    for (yours, yours_agency, other) in [
        (
            notification.operation,
            &notification.operation_agency,
            notification.other_operation,
        ),
        (
            notification.other_operation,
            &notification.other_agency,
            notification.operation,
        ),
    ] {
        if yours_agency != agency {
            continue;
        }
        let other = registered.get(&other).with_context(|| {
            format!(
                "notification {} names unknown operation {other}",
                notification.id
            )
        })?;
        views.push(NotificationView {
            id: notification.id,
            notified_at: notification.notified_at,
            notice: PointerNotice::new(
                Some(yours),
                &other.operation.agency,
                &contact_of(other),
                overlaps.clone(),
            ),
        });
    }
    Ok(views)
}

/// What `load` prints as JSON.
#[derive(Debug, Serialize)]
struct LoadReport {
    operation_records: usize,
    registered: usize,
    already_registered: usize,
    skipped: Vec<String>,
    conflicts: usize,
    notifications: usize,
}

fn run_load(arguments: &DeconflictLoadArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let store = store.as_ref();
    let records = latest_operation_records(store)?;
    let before = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?;
    let sources: HashSet<&str> = before
        .iter()
        .filter_map(|operation| operation.operation.source.as_deref())
        .collect();
    let mut report = LoadReport {
        operation_records: records.len(),
        registered: 0,
        already_registered: 0,
        skipped: Vec::new(),
        conflicts: 0,
        notifications: 0,
    };
    let mut candidates = Vec::new();
    for record in &records {
        let source = format!("record:{}", record.id);
        if sources.contains(source.as_str()) {
            report.already_registered += 1;
            continue;
        }
        match operation_from_record(record, &source, &arguments.user) {
            Ok(operation) => candidates.push(operation),
            Err(error) => report.skipped.push(format!(
                "{}/{}/{}: {error:#}",
                record.provenance.agency,
                record.provenance.feed,
                record.provenance.source_record_id
            )),
        }
    }
    let resolver = TargetResolver::new(
        store,
        before
            .iter()
            .map(|operation| &operation.operation)
            .chain(&candidates)
            .flat_map(|operation| &operation.targets),
    )?;
    let mut new_ids = BTreeSet::new();
    for candidate in candidates {
        let label = candidate.label.clone();
        let probe = RegisteredOperation {
            id: 0,
            registered_at: Utc::now(),
            operation: candidate.clone(),
        };
        if let Err(error) = resolver.operation(&probe) {
            report.skipped.push(format!("{label}: {error:#}"));
            continue;
        }
        let stored = store
            .operations()
            .register_operation(candidate)
            .with_context(|| format!("registering {label}"))?;
        new_ids.insert(stored.id);
    }
    report.registered = new_ids.len();
    let registered = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?;
    let index = index_of(&registered, &resolver)?;
    let by_id: HashMap<u64, &RegisteredOperation> = registered
        .iter()
        .map(|operation| (operation.id, operation))
        .collect();
    // Notify each pair from the newer operation's side: new pairs, and pairs notified
    // before whose overlap gained a kind since (a shared target that a resolution run
    // after the last load revealed).
    let mut told: HashMap<(u64, u64), HashSet<&'static str>> = HashMap::new();
    let notifications = store
        .operations()
        .notifications(None)
        .context("reading notifications")?;
    for notification in &notifications {
        let pair = (
            notification.operation.min(notification.other_operation),
            notification.operation.max(notification.other_operation),
        );
        told.entry(pair)
            .or_default()
            .extend(notification.overlaps.iter().map(notified_kind));
    }
    for (first, conflict) in index.all_conflicts() {
        let already = told.get(&(first, conflict.other));
        let news = notified(&conflict.reasons)
            .iter()
            .any(|overlap| already.is_none_or(|kinds| !kinds.contains(notified_kind(overlap))));
        if !news {
            continue;
        }
        report.conflicts += 1;
        let newer = index
            .get(conflict.other)
            .context("conflicting operation not in the index")?;
        let older = Conflict {
            other: first,
            reasons: conflict.reasons.clone(),
        };
        report.notifications +=
            notify(store, &arguments.user, "cli", newer, &[older], &by_id)?.len();
    }
    audit(
        store,
        &arguments.user,
        "",
        AuditAction::Search,
        "deconfliction: registered ingested operations".to_string(),
        format!(
            "{} registered, {} conflicts notified",
            report.registered, report.notifications
        ),
    )?;
    if arguments.json {
        super::print_json(&report)?;
    } else {
        println!(
            "{} operation records: {} registered now, {} registered before, {} skipped; \
             {} conflicts notified to both parties",
            report.operation_records,
            report.registered,
            report.already_registered,
            report.skipped.len(),
            report.notifications
        );
        for skipped in &report.skipped {
            println!("  skipped {skipped}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Precision and recall of one kind of conflict.
#[derive(Debug, Serialize)]
struct PairScores {
    found: usize,
    expected: usize,
    true_positives: usize,
    precision: f64,
    recall: f64,
}

impl PairScores {
    fn of(found: &BTreeSet<OperationPair>, expected: &BTreeSet<OperationPair>) -> PairScores {
        let true_positives = found.intersection(expected).count();
        let ratio = |part: usize, whole: usize| {
            if whole == 0 {
                1.0
            } else {
                part as f64 / whole as f64
            }
        };
        PairScores {
            found: found.len(),
            expected: expected.len(),
            true_positives,
            precision: ratio(true_positives, found.len()),
            recall: ratio(true_positives, expected.len()),
        }
    }
}

/// A pair of operations named `agency/feed/source id`, smaller first.
type OperationPair = (String, String);

#[derive(Debug, Serialize)]
struct EvalReport {
    operations: usize,
    any: PairScores,
    space_time: PairScores,
    shared_target: PairScores,
}

pub fn eval(arguments: &EvalDeconflictionArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let store = store.as_ref();
    let names: HashMap<String, String> = latest_operation_records(store)?
        .into_iter()
        .map(|record| {
            let provenance = &record.provenance;
            (
                format!("record:{}", record.id),
                format!(
                    "{}/{}/{}",
                    provenance.agency, provenance.feed, provenance.source_record_id
                ),
            )
        })
        .collect();
    let registered: Vec<RegisteredOperation> = store
        .operations()
        .registered_operations()
        .context("reading registered operations")?
        .into_iter()
        .filter(|operation| {
            operation
                .operation
                .source
                .as_ref()
                .is_some_and(|source| names.contains_key(source))
        })
        .collect();
    if registered.is_empty() {
        bail!("no ingested operations are registered; run `interdict deconflict load` first");
    }
    let resolver = TargetResolver::new(
        store,
        registered
            .iter()
            .flat_map(|operation| &operation.operation.targets),
    )?;
    let index = index_of(&registered, &resolver)?;
    let name_of: HashMap<u64, &str> = registered
        .iter()
        .filter_map(|operation| {
            let source = operation.operation.source.as_ref()?;
            Some((operation.id, names.get(source)?.as_str()))
        })
        .collect();
    let mut found: BTreeMap<&str, BTreeSet<OperationPair>> = BTreeMap::new();
    for (first, conflict) in index.all_conflicts() {
        let (Some(first), Some(second)) = (name_of.get(&first), name_of.get(&conflict.other))
        else {
            continue;
        };
        let pair = ordered_pair(first, second);
        for reason in &conflict.reasons {
            let kind = match reason {
                ConflictReason::SpaceTime { .. } => "space_time",
                ConflictReason::SharedTarget { .. } => "shared_target",
            };
            found.entry(kind).or_default().insert(pair.clone());
        }
        found.entry("any").or_default().insert(pair);
    }
    let expected = read_truth(&arguments.truth)?;
    let scores = |kind: &str| {
        PairScores::of(
            found.get(kind).unwrap_or(&BTreeSet::new()),
            expected.get(kind).unwrap_or(&BTreeSet::new()),
        )
    };
    let report = EvalReport {
        operations: registered.len(),
        any: scores("any"),
        space_time: scores("space_time"),
        shared_target: scores("shared_target"),
    };
    if arguments.json {
        super::print_json(&report)?;
    } else {
        println!(
            "{} registered operations from ingested records",
            report.operations
        );
        for (kind, scores) in [
            ("any reason", &report.any),
            ("space and time", &report.space_time),
            ("shared target", &report.shared_target),
        ] {
            println!(
                "  {kind:<15} precision {:.3}  recall {:.3}  ({} found, {} expected, {} right)",
                scores.precision,
                scores.recall,
                scores.found,
                scores.expected,
                scores.true_positives
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ordered_pair(first: &str, second: &str) -> OperationPair {
    if first <= second {
        (first.to_string(), second.to_string())
    } else {
        (second.to_string(), first.to_string())
    }
}

/// The truth's conflicting pairs by reason, and all of them under `any`.
fn read_truth(folder: &Path) -> Result<BTreeMap<String, BTreeSet<OperationPair>>> {
    let path = folder.join("operation_conflicts.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut pairs: BTreeMap<String, BTreeSet<OperationPair>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("reading {}", path.display()))?;
        let field = |index: usize| row.get(index).unwrap_or_default();
        let pair = ordered_pair(
            &format!("{}/{}/{}", field(0), field(1), field(2)),
            &format!("{}/{}/{}", field(3), field(4), field(5)),
        );
        pairs
            .entry(field(6).to_string())
            .or_default()
            .insert(pair.clone());
        pairs.entry("any".to_string()).or_default().insert(pair);
    }
    Ok(pairs)
}

fn audit(
    store: &dyn Store,
    user: &str,
    agency: &str,
    action: AuditAction,
    target: String,
    reason: String,
) -> Result<()> {
    store
        .audit()
        .append(NewAuditEntry {
            actor: user.to_string(),
            actor_agency: agency.to_string(),
            action,
            target,
            reason,
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        })
        .context("recording the deconfliction in the audit log")?;
    Ok(())
}

fn notified_kind(overlap: &NotifiedOverlap) -> &'static str {
    match overlap {
        NotifiedOverlap::SpaceTime { .. } => "space_time",
        NotifiedOverlap::SharedTarget => "shared_target",
    }
}

fn describe(notice: &PointerNotice) -> String {
    let overlaps: Vec<String> = notice.overlaps.iter().map(ToString::to_string).collect();
    let yours = match notice.your_operation {
        Some(id) => format!("your operation {id}"),
        None => "the operation checked".to_string(),
    };
    format!(
        "{yours} conflicts with an operation of {}: {}; call {}, {}",
        notice.other_agency,
        overlaps.join("; "),
        notice.other_contact.name,
        notice.other_contact.phone
    )
}

/// "Name, phone": the phone after the last comma.
fn parse_contact(text: &str) -> Result<(String, String)> {
    match text.rsplit_once(',') {
        Some((name, phone)) if !name.trim().is_empty() && !phone.trim().is_empty() => {
            Ok((name.trim().to_string(), phone.trim().to_string()))
        }
        _ => bail!("--contact must be \"Name, phone\", got {text:?}"),
    }
}

/// RFC 3339 with an offset, or a date and time taken as UTC.
fn parse_moment(text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(moment.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(moment) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(moment.and_utc());
        }
    }
    bail!("{text:?} is neither RFC 3339 nor YYYY-MM-DD HH:MM[:SS] (UTC)")
}

/// A command-line target as stored: 32 hex digits name a record when the store holds
/// one with that id, else an entity key; other forms are kept as given.
fn stored_reference(store: &dyn Store, reference: &str) -> Result<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        bail!("--target cannot be empty");
    }
    if let Ok(id) = reference.parse::<RecordId>() {
        return Ok(match store.record(id).context("looking up the target")? {
            Some(_) => format!("record:{id}"),
            None => format!("key:{id}"),
        });
    }
    Ok(reference.to_string())
}

/// The newest version of each ingested Operation record (by entity key: a correction
/// is a new record of the same key).
fn latest_operation_records(store: &dyn Store) -> Result<Vec<SourceRecord>> {
    let mut latest: BTreeMap<EntityKey, SourceRecord> = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .records(&RecordQuery {
                kind: Some(OPERATION_KIND.to_string()),
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })
            .context("reading Operation records")?;
        let full = page.len() as u64 == PAGE;
        after = page.last().map(|record| record.id);
        for record in page {
            let newer = latest.get(&record.entity_key).is_none_or(|kept| {
                (kept.provenance.reported_at, kept.id) < (record.provenance.reported_at, record.id)
            });
            if newer {
                latest.insert(record.entity_key, record);
            }
        }
        if !full {
            break;
        }
    }
    Ok(latest.into_values().collect())
}

/// An ingested Operation record as a registration (its targets by entity key).
fn operation_from_record(record: &SourceRecord, source: &str, user: &str) -> Result<NewOperation> {
    let one = |property: &str| -> Result<&str> {
        record
            .properties
            .get(property)
            .and_then(|values| values.first())
            .map(String::as_str)
            .with_context(|| format!("no {property}"))
    };
    let number = |property: &str| -> Result<f64> {
        let text = one(property)?;
        text.parse()
            .with_context(|| format!("{property} {text:?} is not a number"))
    };
    let moment = |property: &str| -> Result<DateTime<Utc>> {
        let text = one(property)?;
        Ok(DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("{property} {text:?} is not a date-time"))?
            .with_timezone(&Utc))
    };
    let unknown = "(not given)";
    Ok(NewOperation {
        agency: record.provenance.agency.clone(),
        label: one("name").unwrap_or_default().to_string(),
        source: Some(source.to_string()),
        contact_name: one("contact_name").unwrap_or(unknown).to_string(),
        contact_phone: one("contact_phone").unwrap_or(unknown).to_string(),
        latitude: number("latitude")?,
        longitude: number("longitude")?,
        radius_m: number("radius_m")?,
        starts_at: moment("starts_at")?,
        ends_at: moment("ends_at")?,
        targets: record
            .properties
            .get("target")
            .into_iter()
            .flatten()
            .map(|key| format!("key:{key}"))
            .collect(),
        registered_by: user.to_string(),
    })
}
