//! Deconfliction on the store, shared by every surface: stored target references made
//! canonical through the latest entity assignment, the index of registered operations,
//! and the notifications (pointers) both parties of a conflict receive.
//!
//! Target references, as stored: `record:HEX` (a record id), `key:HEX` (an entity key,
//! as ingested Operation records reference their targets), `entity:ID` (a resolved
//! entity). Canonical form: `entity:ID` when the records behind the reference are
//! assigned to an entity; otherwise `key:HEX` (one agency's own identity for the
//! thing); any other text is compared as it is (`ref:TEXT`).

use std::collections::{BTreeMap, HashMap, HashSet};

use deconfliction::{
    Conflict, ConflictReason, Contact, DistanceBand, LatLon, Operation, OperationIndex,
    OverlapKind, Rules, TargetRef, TimeWindow,
};
use model::{EntityKey, RecordId};
use store::{
    AuditAction, AuditOutcome, NewAuditEntry, NewNotification, Notification, NotifiedOverlap,
    RecordQuery, RegisteredOperation, Store,
};

use crate::{ServiceError, ServiceResult};

/// Records read per page when resolving entity-key targets.
const PAGE: u64 = 10_000;

/// Appends a notification per conflict of `operation` (with registered operations), and
/// an audit entry for each (a dissemination: the other agency learns a contact).
/// Returns how many were sent.
pub fn notify(
    store: &dyn Store,
    user: &str,
    source: &str,
    operation: &Operation,
    conflicts: &[Conflict],
    registered: &HashMap<u64, &RegisteredOperation>,
) -> ServiceResult<Vec<Notification>> {
    let mut sent = Vec::new();
    for conflict in conflicts {
        let notification = store.operations().append_notification(NewNotification {
            operation: operation.id,
            other_operation: conflict.other,
            overlaps: notified(&conflict.reasons),
        })?;
        let other_agency = registered
            .get(&conflict.other)
            .map_or("", |other| other.operation.agency.as_str());
        store.audit().append(NewAuditEntry {
            actor: user.to_string(),
            actor_agency: operation.agency.clone(),
            action: AuditAction::Dissemination,
            target: format!(
                "deconfliction notification {}: operation {} ({}) and operation {} ({})",
                notification.id, operation.id, operation.agency, conflict.other, other_agency
            ),
            reason: "contacts exchanged for a conflict of planned operations".to_string(),
            case_number: None,
            source: source.to_string(),
            outcome: AuditOutcome::Allowed,
        })?;
        sent.push(notification);
    }
    Ok(sent)
}

/// The reasons as a notification keeps them: no target identities, one shared-target
/// fact however many targets are shared.
pub fn notified(reasons: &[ConflictReason]) -> Vec<NotifiedOverlap> {
    let mut overlaps = Vec::new();
    for reason in reasons {
        let overlap = match reason {
            ConflictReason::SpaceTime {
                distance_m,
                overlap,
            } => NotifiedOverlap::SpaceTime {
                distance_m: *distance_m,
                overlap_start: overlap.start,
                overlap_end: overlap.end,
            },
            ConflictReason::SharedTarget { .. } => NotifiedOverlap::SharedTarget,
        };
        if !overlaps.contains(&overlap) {
            overlaps.push(overlap);
        }
    }
    overlaps
}

/// A stored notification's reasons as a party is told them.
pub fn kinds_of_notified(overlaps: &[NotifiedOverlap]) -> Vec<OverlapKind> {
    overlaps
        .iter()
        .map(|overlap| match overlap {
            NotifiedOverlap::SpaceTime {
                distance_m,
                overlap_start,
                overlap_end,
            } => OverlapKind::SpaceTime {
                distance_band: DistanceBand::of(*distance_m),
                overlap: TimeWindow {
                    start: *overlap_start,
                    end: *overlap_end,
                },
            },
            NotifiedOverlap::SharedTarget => OverlapKind::SharedTarget,
        })
        .collect()
}

pub fn contact_of(operation: &RegisteredOperation) -> Contact {
    Contact {
        name: operation.operation.contact_name.clone(),
        phone: operation.operation.contact_phone.clone(),
    }
}

/// The index of registered operations, targets made canonical.
pub fn index_of(
    registered: &[RegisteredOperation],
    resolver: &TargetResolver,
) -> ServiceResult<OperationIndex> {
    let operations = registered
        .iter()
        .map(|operation| resolver.operation(operation))
        .collect::<ServiceResult<Vec<_>>>()?;
    OperationIndex::with_operations(operations, Rules::default())
        .map_err(|error| ServiceError::BadRequest(error.to_string()))
}

/// Turns stored target references into canonical targets (see the module doc).
///
/// The hook where entity resolution enters deconfliction: with an assignment in the
/// store, references to records of one entity become that entity's id.
pub struct TargetResolver {
    assignment: BTreeMap<RecordId, String>,
    records_of_key: HashMap<EntityKey, Vec<RecordId>>,
    key_of_record: HashMap<RecordId, EntityKey>,
}

impl TargetResolver {
    /// Reads what the references need: the assignment, and the records behind record
    /// and key references (one scan of the records, only when there are any).
    pub fn new<'a>(
        store: &dyn Store,
        references: impl Iterator<Item = &'a String>,
    ) -> ServiceResult<TargetResolver> {
        let mut keys = HashSet::new();
        let mut key_of_record = HashMap::new();
        for reference in references {
            if let Some(id) = reference
                .strip_prefix("record:")
                .and_then(|hex| hex.parse::<RecordId>().ok())
            {
                if let std::collections::hash_map::Entry::Vacant(slot) = key_of_record.entry(id)
                    && let Some(record) = store.record(id)?
                {
                    slot.insert(record.entity_key);
                    keys.insert(record.entity_key);
                }
            } else if let Some(key) = reference
                .strip_prefix("key:")
                .and_then(|hex| hex.parse::<EntityKey>().ok())
            {
                keys.insert(key);
            }
        }
        let assignment = store.resolution().assignment()?;
        let mut records_of_key: HashMap<EntityKey, Vec<RecordId>> = HashMap::new();
        if !keys.is_empty() && !assignment.is_empty() {
            let mut after = None;
            loop {
                let page = store.records(&RecordQuery {
                    after,
                    limit: PAGE,
                    ..RecordQuery::default()
                })?;
                for record in &page {
                    if keys.contains(&record.entity_key) {
                        records_of_key
                            .entry(record.entity_key)
                            .or_default()
                            .push(record.id);
                    }
                }
                match page.last() {
                    Some(last) if page.len() as u64 == PAGE => after = Some(last.id),
                    _ => break,
                }
            }
        }
        Ok(TargetResolver {
            assignment,
            records_of_key,
            key_of_record,
        })
    }

    pub fn canonical(&self, reference: &str) -> TargetRef {
        if let Some(entity) = reference.strip_prefix("entity:") {
            return TargetRef(format!("entity:{entity}"));
        }
        let key = if let Some(id) = reference
            .strip_prefix("record:")
            .and_then(|hex| hex.parse::<RecordId>().ok())
        {
            if let Some(entity) = self.assignment.get(&id) {
                return TargetRef(format!("entity:{entity}"));
            }
            match self.key_of_record.get(&id) {
                Some(key) => *key,
                None => return TargetRef(format!("record:{id}")),
            }
        } else if let Some(key) = reference
            .strip_prefix("key:")
            .and_then(|hex| hex.parse::<EntityKey>().ok())
        {
            key
        } else {
            return TargetRef(format!("ref:{reference}"));
        };
        let entity = self
            .records_of_key
            .get(&key)
            .into_iter()
            .flatten()
            .find_map(|record| self.assignment.get(record));
        match entity {
            Some(entity) => TargetRef(format!("entity:{entity}")),
            None => TargetRef(format!("key:{key}")),
        }
    }

    /// A registered operation as the index takes it.
    pub fn operation(&self, registered: &RegisteredOperation) -> ServiceResult<Operation> {
        let stored = &registered.operation;
        let mut targets: Vec<TargetRef> = stored
            .targets
            .iter()
            .map(|reference| self.canonical(reference))
            .collect();
        targets.sort();
        targets.dedup();
        Operation::new(
            registered.id,
            stored.agency.clone(),
            Contact {
                name: stored.contact_name.clone(),
                phone: stored.contact_phone.clone(),
            },
            LatLon {
                lat: stored.latitude,
                lon: stored.longitude,
            },
            stored.radius_m,
            TimeWindow {
                start: stored.starts_at,
                end: stored.ends_at,
            },
            targets,
        )
        .map_err(|error| ServiceError::BadRequest(format!("operation {}: {error}", registered.id)))
    }
}
