//! Standing watches on resolved entities (C10), shared by every surface, with alerts
//! that follow the pointer rules of `access::decide`.
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
//! watcher's roles, clearance and caveats as kept with the watch (the actor's when
//! added through the façade): `Full` or `Redacted` alerts show the record (read live,
//! so purged content is gone), `Pointer` alerts only that the holding agency has
//! something new and whom to contact, and `Deny` raises no alert at all. Criminal
//! intelligence counts as pending until the directory holds a `validated` decision for
//! it (28 CFR Part 23), so other agencies are told of pending intelligence by pointer
//! at most. Every alert is audited as a dissemination, in the form
//! `store::dissemination` reads back.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use access::{Decision, Part23Status, Policy, RecordFacts, Role, User};
use model::{DataClass, EntityKey, RecordId, Schema, Sensitivity, SourceRecord};
use serde::{Deserialize, Serialize};
use store::{
    Alert, AuditAction, AuditOutcome, Disclosure, DisseminationTarget, NewAlert, NewAuditEntry,
    NewWatch, RecordQuery, Store, Watch,
};

use crate::snapshot::Seen;
use crate::*;

/// Records read per page when scanning the store.
const PAGE: u64 = 10_000;

/// Who writes the alerts' audit entries.
const CHECKER: &str = "watch-check";

/// The watcher as a watch keeps it, for `access::decide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatcherProfile {
    pub roles: BTreeSet<Role>,
    pub clearance: Sensitivity,
    pub caveats: BTreeSet<String>,
}

impl WatcherProfile {
    /// The profile of a signed-on user.
    pub fn of(user: &User) -> WatcherProfile {
        WatcherProfile {
            roles: user.roles.clone(),
            clearance: user.clearance,
            caveats: user.caveats.clone(),
        }
    }

    /// The watcher as `access::decide` takes it (cases: the watch's case number).
    pub fn user(&self, watch: &Watch) -> User {
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

/// What a check did.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Batches looked at (including those a later run may still change).
    pub batches_checked: usize,
    pub active_watches: usize,
    pub alerts: Vec<Alert>,
}

/// A watch as its agency's users see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchView {
    pub id: u64,
    /// The canonical target: `entity:ID` or `key:HEX`.
    pub target: String,
    /// The reference as given (a network node id, an entity or a record id).
    pub reference: String,
    pub user: String,
    pub reason: String,
    pub case_number: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub active: bool,
    pub removed_at: Option<String>,
    pub removed_by: Option<String>,
}

impl From<&Watch> for WatchView {
    fn from(watch: &Watch) -> WatchView {
        WatchView {
            id: watch.id,
            target: watch.watch.target.clone(),
            reference: watch.watch.reference.clone(),
            user: watch.watch.user.clone(),
            reason: watch.watch.reason.clone(),
            case_number: watch.watch.case_number.clone(),
            created_at: watch.created_at.to_rfc3339(),
            active: watch.is_active(),
            removed_at: watch.removed_at.map(|at| at.to_rfc3339()),
            removed_by: watch.removed_by.clone(),
        }
    }
}

/// A watch to add through the façade.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchRequest {
    /// A network node id (as the entity profile names it), an entity id or a record id.
    pub entity: String,
    pub reason: String,
    #[serde(default)]
    pub case: Option<String>,
}

/// Whether any watch is active (a check is worth running).
pub fn has_active_watches(store: &dyn Store) -> ServiceResult<bool> {
    Ok(store
        .watchlists()
        .watches(None)?
        .iter()
        .any(Watch::is_active))
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
/// alerts and audits each as a dissemination (`source`: where the check ran).
pub fn check(
    store: &dyn Store,
    schema: &Schema,
    policy: &Policy,
    source: &str,
) -> ServiceResult<CheckReport> {
    let watchlists = store.watchlists();
    let checked = watchlists.checked_batches()?;
    let batches: Vec<_> = store
        .batches()?
        .into_iter()
        .filter(|batch| !checked.contains(&batch.header.id))
        .collect();
    let watches: Vec<Watch> = watchlists
        .watches(None)?
        .into_iter()
        .filter(Watch::is_active)
        .collect();
    let assignment = store.resolution().assignment()?;
    let mut watched = Vec::new();
    if !batches.is_empty() {
        for watch in &watches {
            watched.push(resolve_watch(store, watch, &assignment)?);
        }
    }
    let validations = if watched.is_empty() {
        BTreeMap::new()
    } else {
        store.directory().validations()?
    };
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
            let page = store.records(&RecordQuery {
                batch_id: Some(batch.header.id),
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })?;
            for record in &page {
                let Some(kind) = schema.kind(&record.kind) else {
                    continue;
                };
                for watched in concerned
                    .iter()
                    .filter(|watched| watched.concerns(record, &assignment))
                {
                    let validated = validations
                        .get(&record.id)
                        .is_some_and(|validation| validation.decision == "validated");
                    let part23 = if record.labels.data_class == DataClass::CriminalIntelligence
                        && !validated
                    {
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
    let latest_run = store.resolution().latest_run()?;
    let batch_ids: Vec<_> = batches
        .iter()
        .filter(|batch| {
            latest_run
                .as_ref()
                .is_none_or(|run| run.started_at >= batch.committed_at)
        })
        .map(|batch| batch.header.id)
        .collect();
    let appended = watchlists.record_check(&batch_ids, alerts)?;
    let by_id: HashMap<u64, &Watch> = watches.iter().map(|watch| (watch.id, watch)).collect();
    for alert in &appended {
        let watch = by_id.get(&alert.alert.watch);
        store.audit().append(NewAuditEntry {
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
            source: source.to_string(),
            outcome: AuditOutcome::Allowed,
        })?;
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
) -> ServiceResult<Watched<'a>> {
    let profile: WatcherProfile =
        serde_json::from_value(watch.watch.watcher.clone()).map_err(|error| {
            ServiceError::Internal(format!(
                "watch {}: the watcher's profile: {error}",
                watch.id
            ))
        })?;
    let mut keys = BTreeSet::new();
    let mut entity = None;
    if let Some(id) = watch.watch.target.strip_prefix("entity:") {
        entity = store
            .resolution()
            .resolve_entity(id)?
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
        for record in store.resolution().entity_records(entity)? {
            if let Some(record) = store.record(record)? {
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

fn records_of_key(store: &dyn Store, key: EntityKey) -> ServiceResult<Vec<SourceRecord>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = store.records(&RecordQuery {
            entity_key: Some(key),
            after,
            limit: PAGE,
            ..RecordQuery::default()
        })?;
        let full = page.len() as u64 == PAGE;
        after = page.last().map(|record| record.id);
        found.extend(page);
        if !full {
            return Ok(found);
        }
    }
}

/// The canonical target of a reference: an entity (`entity:ID` or a bare id that
/// resolution knows), or a record (hex or `AGENCY/FEED/SOURCE_RECORD_ID`).
pub fn canonical_target(store: &dyn Store, reference: &str) -> ServiceResult<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(ServiceError::BadRequest(
            "the watched entity cannot be empty".to_string(),
        ));
    }
    let entity_id = reference.strip_prefix("entity:");
    let is_record = entity_id.is_none()
        && (reference.parse::<RecordId>().is_ok() || reference.splitn(3, '/').count() == 3);
    if !is_record {
        let id = entity_id.unwrap_or(reference);
        let chain = store.resolution().resolve_entity(id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no entity {id} (see `interdict resolve entities`)"))
        })?;
        let current = chain.last().cloned().unwrap_or_else(|| id.to_string());
        return Ok(format!("entity:{current}"));
    }
    let versions = find_records(store, reference)?;
    let assignment = store.resolution().assignment()?;
    if let Some(entity) = versions
        .iter()
        .find_map(|record| assignment.get(&record.id))
    {
        return Ok(format!("entity:{entity}"));
    }
    match versions.first() {
        Some(record) => Ok(format!("key:{}", record.entity_key)),
        None => Err(ServiceError::NotFound(format!(
            "no record {reference} in the store"
        ))),
    }
}

/// The stored records a reference names: one version by its id (32 hex digits), or
/// every version of `AGENCY/FEED/SOURCE_RECORD_ID`.
pub fn find_records(store: &dyn Store, reference: &str) -> ServiceResult<Vec<SourceRecord>> {
    if let Ok(id) = reference.parse::<RecordId>() {
        return Ok(store.record(id)?.into_iter().collect());
    }
    let parts: Vec<&str> = reference.splitn(3, '/').collect();
    let [agency, feed, source_record_id] = parts[..] else {
        return Err(ServiceError::BadRequest(format!(
            "{reference:?} is neither a record id (32 hex digits) nor AGENCY/FEED/SOURCE_RECORD_ID"
        )));
    };
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = store.records(&RecordQuery {
            agency: Some(agency.to_string()),
            after,
            limit: PAGE,
            ..RecordQuery::default()
        })?;
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

/// A stored watch alert as the inbox of `agency` shows it (pointers say only who holds
/// something new).
pub fn alert_view(alert: &Alert, agency: &str) -> AlertView {
    let summary = match alert.alert.disclosure {
        Disclosure::Pointer => format!(
            "a watched entity appears in a {} record held by {}",
            alert.alert.record_kind, alert.alert.record_agency
        ),
        _ => format!(
            "new {} record {} from {} about a watched entity (watch {})",
            alert.alert.record_kind,
            alert.alert.record,
            alert.alert.record_agency,
            alert.alert.watch
        ),
    };
    AlertView {
        id: format!("watch-{}", alert.id),
        kind: "watch".to_string(),
        at: alert.alerted_at.to_rfc3339(),
        agency: agency.to_string(),
        summary,
        other_agency: Some(alert.alert.record_agency.clone()),
        contact: alert.alert.contact.clone(),
    }
}

impl Service {
    fn require_watcher(actor: &Actor, write: bool) -> ServiceResult<()> {
        if !queries::is_law_enforcement(actor) {
            return Err(ServiceError::Forbidden(
                "only law-enforcement roles keep watches".to_string(),
            ));
        }
        queries::require_scope(
            actor,
            if write {
                auth::Scope::Write
            } else {
                auth::Scope::Read
            },
        )?;
        Ok(())
    }

    /// Adds a standing watch for the actor on an entity they may see (a node of their
    /// view, or an entity or record they may read or know of), decided later with the
    /// actor's access profile.
    pub fn add_watch(
        &self,
        actor: &Actor,
        entity_or_node_id: &str,
        reason: &str,
        case: Option<&str>,
    ) -> ServiceResult<WatchView> {
        Self::require_watcher(actor, true)?;
        let reference = entity_or_node_id.trim();
        if reference.is_empty() {
            return Err(ServiceError::BadRequest(
                "name the entity to watch".to_string(),
            ));
        }
        if reason.trim().is_empty() {
            return Err(ServiceError::BadRequest(
                "say why: a watch needs a reason".to_string(),
            ));
        }
        let (snapshot, view) = self.view_of(actor);
        let target = if let Some(node) = view.network.node_by_id(reference) {
            let targets: BTreeSet<String> = view
                .network
                .node(node)
                .records
                .iter()
                .map(|&inner| {
                    let record = &view.network.records[inner as usize];
                    match snapshot.assignment.get(&record.id) {
                        Some(entity) => format!("entity:{entity}"),
                        None => format!("key:{}", record.entity_key),
                    }
                })
                .collect();
            match targets.len() {
                1 => targets.into_iter().next().unwrap_or_default(),
                0 => return Err(ServiceError::NotFound(format!("no entity {reference:?}"))),
                _ => {
                    return Err(ServiceError::BadRequest(format!(
                        "{reference} joins the records of several entities; watch one of them"
                    )));
                }
            }
        } else {
            // An entity or record id: only one the actor may read or know of.
            let bare = reference.strip_prefix("entity:").unwrap_or(reference);
            let known = match reference.parse::<RecordId>() {
                Ok(id) => snapshot
                    .index_of
                    .get(&id)
                    .is_some_and(|&index| view.seen[index as usize] != Seen::Denied),
                Err(_) => snapshot
                    .entity_records
                    .get(bare)
                    .into_iter()
                    .flatten()
                    .any(|&index| view.seen[index as usize] != Seen::Denied),
            };
            if !known {
                return Err(ServiceError::NotFound(format!("no entity {reference:?}")));
            }
            canonical_target(self.store.as_ref(), reference)?
        };
        let case_number = case
            .map(str::trim)
            .filter(|case| !case.is_empty())
            .map(str::to_string)
            .or_else(|| actor.case.clone());
        let watch = self.store.watchlists().add_watch(NewWatch {
            agency: actor.user.agency.clone(),
            user: actor.user.id.clone(),
            target,
            reference: reference.to_string(),
            reason: reason.trim().to_string(),
            case_number,
            watcher: serde_json::to_value(WatcherProfile::of(&actor.user))
                .map_err(|error| ServiceError::Internal(error.to_string()))?,
        })?;
        self.audit(
            actor,
            AuditAction::Search,
            format!("watch {} on {}", watch.id, watch.watch.target),
            reason.trim(),
            AuditOutcome::Allowed,
        )?;
        Ok(WatchView::from(&watch))
    }

    /// The watches of the actor's agency, removed ones included.
    pub fn watches(&self, actor: &Actor) -> ServiceResult<Vec<WatchView>> {
        Self::require_watcher(actor, false)?;
        let watches = self.store.watchlists().watches(Some(&actor.user.agency))?;
        self.audit(
            actor,
            AuditAction::View,
            format!(
                "watches of {} ({} watches)",
                actor.user.agency,
                watches.len()
            ),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(watches.iter().map(WatchView::from).collect())
    }

    /// Removes a watch of the actor's agency (kept, marked removed).
    pub fn remove_watch(&self, actor: &Actor, id: u64) -> ServiceResult<WatchView> {
        Self::require_watcher(actor, true)?;
        let own = self
            .store
            .watchlists()
            .watches(Some(&actor.user.agency))?
            .into_iter()
            .find(|watch| watch.id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("no watch {id} of your agency")))?;
        if !own.is_active() {
            return Err(ServiceError::BadRequest(format!(
                "watch {id} is removed already"
            )));
        }
        let watch = self
            .store
            .watchlists()
            .remove_watch(id, &actor.user.agency, &actor.user.id)?;
        self.audit(
            actor,
            AuditAction::PrivilegedAction,
            format!("watch {} on {} removed", watch.id, watch.watch.target),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(WatchView::from(&watch))
    }

    /// Checks the batches no check has seen against the active watches (run after every
    /// ingest), with the directory's sharing agreements; each new alert is audited as a
    /// dissemination and raised live to the watcher's agency. Returns how many alerts
    /// were raised.
    pub fn check_watches(&self) -> ServiceResult<usize> {
        if !has_active_watches(self.store.as_ref())? {
            return Ok(0);
        }
        let policy = self.current().policy.clone();
        let report = check(self.store.as_ref(), &self.schema, &policy, "service")?;
        for alert in &report.alerts {
            self.raise(&LiveAlert {
                agency: alert.watcher_agency.clone(),
                user: Some(alert.watcher_user.clone()),
                alert: alert_view(alert, &alert.watcher_agency),
            });
        }
        Ok(report.alerts.len())
    }
}
