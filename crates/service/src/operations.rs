//! Registering planned operations with deconfliction, and the alerts inbox.

use std::collections::HashMap;

use chrono::DateTime;
use deconfliction::pointer::overlap_kinds;
use deconfliction::{Operation, OverlapKind};
use store::{AuditAction, AuditOutcome, NewOperation, Notification, RegisteredOperation};

use crate::deconflict::{TargetResolver, contact_of, index_of, kinds_of_notified, notify};
use crate::*;

impl Service {
    /// Registers an operation for the actor's agency, checks it against every other
    /// registered operation, notifies both parties of each conflict (pointers only)
    /// and raises live alerts.
    pub fn register_operation(
        &self,
        actor: &Actor,
        request: &OperationRequest,
    ) -> ServiceResult<OperationResult> {
        if !queries::is_law_enforcement(actor) {
            return Err(ServiceError::Forbidden(
                "only law-enforcement roles register operations".to_string(),
            ));
        }
        queries::require_scope(actor, auth::Scope::Write)?;
        let moment = |text: &str, field: &str| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|moment| moment.to_utc())
                .map_err(|_| {
                    ServiceError::BadRequest(format!("{field}: {text:?} is not an RFC 3339 time"))
                })
        };
        let snapshot = self.current();
        let targets = request
            .targets
            .iter()
            .map(|target| target.trim())
            .filter(|target| !target.is_empty())
            .map(|target| stored_target(&snapshot, target))
            .collect();
        let new_operation = NewOperation {
            agency: actor.user.agency.clone(),
            label: request.name.trim().to_string(),
            source: None,
            contact_name: request.contact_name.trim().to_string(),
            contact_phone: request.contact_phone.trim().to_string(),
            latitude: request.latitude,
            longitude: request.longitude,
            radius_m: request.radius_m,
            starts_at: moment(&request.starts_at, "starts_at")?,
            ends_at: moment(&request.ends_at, "ends_at")?,
            targets,
            registered_by: actor.user.id.clone(),
        };
        if let Some(problem) = new_operation.problem() {
            return Err(ServiceError::BadRequest(problem));
        }
        let operations = self.store.operations();
        let registered = operations.registered_operations()?;
        let resolver = TargetResolver::new(
            self.store.as_ref(),
            registered
                .iter()
                .flat_map(|operation| &operation.operation.targets)
                .chain(&new_operation.targets),
        )?;
        // Checked before anything is stored: the index refuses what the store would
        // take (an area across the antimeridian, a radius past 100 km).
        resolver.operation(&RegisteredOperation {
            id: 0,
            registered_at: Self::now(),
            operation: new_operation.clone(),
        })?;
        let index = index_of(&registered, &resolver)?;
        let stored = operations.register_operation(new_operation)?;
        let operation: Operation = resolver.operation(&stored)?;
        let conflicts = index.conflicts(&operation);
        let by_id: HashMap<u64, &RegisteredOperation> = registered
            .iter()
            .map(|operation| (operation.id, operation))
            .collect();
        self.audit(
            actor,
            AuditAction::Search,
            format!(
                "deconfliction: registered operation {} of {}",
                stored.id, stored.operation.agency
            ),
            format!("{} conflicts", conflicts.len()),
            AuditOutcome::Allowed,
        )?;
        let sent = notify(
            self.store.as_ref(),
            &actor.user.id,
            &actor.source,
            &operation,
            &conflicts,
            &by_id,
        )?;
        let mut views = Vec::new();
        for (conflict, notification) in conflicts.iter().zip(&sent) {
            let Some(other) = by_id.get(&conflict.other) else {
                continue;
            };
            let overlap = describe_overlaps(&overlap_kinds(&conflict.reasons));
            let contact = contact_of(other);
            views.push(ConflictView {
                other_agency: other.operation.agency.clone(),
                contact_name: contact.name.clone(),
                contact_phone: contact.phone.clone(),
                overlap,
            });
            // Both parties learn of it at once.
            for (agency, alert) in [
                (
                    stored.operation.agency.clone(),
                    notification_alert(
                        notification,
                        &stored.operation.agency,
                        &registered,
                        &stored,
                    ),
                ),
                (
                    other.operation.agency.clone(),
                    notification_alert(notification, &other.operation.agency, &registered, &stored),
                ),
            ] {
                self.raise(&LiveAlert {
                    agency,
                    user: None,
                    alert,
                });
            }
        }
        Ok(OperationResult {
            operation: stored.id.to_string(),
            conflicts: views,
        })
    }

    /// The actor's agency's alerts (deconfliction notices and the actor's watch
    /// alerts), newest first.
    pub fn alerts(&self, actor: &Actor, limit: usize) -> ServiceResult<Vec<AlertView>> {
        if !queries::is_law_enforcement(actor) {
            return Ok(Vec::new());
        }
        let agency = &actor.user.agency;
        let registered = self.store.operations().registered_operations()?;
        let mut alerts: Vec<AlertView> = Vec::new();
        for notification in self.store.operations().notifications(Some(agency))? {
            let Some(own) = registered
                .iter()
                .find(|operation| operation.id == notification.operation)
            else {
                continue;
            };
            alerts.push(notification_alert(&notification, agency, &registered, own));
        }
        for alert in self.store.watchlists().alerts(Some(agency))? {
            if alert.watcher_user != actor.user.id {
                continue;
            }
            alerts.push(crate::watches::alert_view(&alert, agency));
        }
        alerts.sort_by(|left, right| right.at.cmp(&left.at).then_with(|| right.id.cmp(&left.id)));
        alerts.truncate(limit.clamp(1, 1000));
        Ok(alerts)
    }
}

/// A stored target reference for what a user typed: a record id, or an entity id
/// (`P-…` or a network node id of a resolved person) as `entity:ID`.
fn stored_target(snapshot: &Snapshot, target: &str) -> String {
    if let Ok(id) = target.parse::<model::RecordId>() {
        return if snapshot.index_of.contains_key(&id) {
            format!("record:{id}")
        } else {
            format!("key:{id}")
        };
    }
    let entity = target.strip_prefix("Person:").unwrap_or(target);
    if snapshot.entity_records.contains_key(entity) {
        return format!("entity:{entity}");
    }
    target.to_string()
}

fn describe_overlaps(overlaps: &[OverlapKind]) -> String {
    overlaps
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A notification as the agency `agency` sees it: the other party and whom to call.
fn notification_alert(
    notification: &Notification,
    agency: &str,
    registered: &[RegisteredOperation],
    new_operation: &RegisteredOperation,
) -> AlertView {
    let (own, other) = if notification.operation_agency == agency {
        (notification.operation, notification.other_operation)
    } else {
        (notification.other_operation, notification.operation)
    };
    let other_operation = registered
        .iter()
        .chain(std::iter::once(new_operation))
        .find(|operation| operation.id == other);
    let other_agency = other_operation.map(|operation| operation.operation.agency.clone());
    let contact = other_operation.map(|operation| {
        let contact = contact_of(operation);
        format!("{}, {}", contact.name, contact.phone)
    });
    AlertView {
        id: format!("deconfliction-{}", notification.id),
        kind: "deconfliction".to_string(),
        at: notification.notified_at.to_rfc3339(),
        agency: agency.to_string(),
        summary: format!(
            "your operation {own} conflicts with an operation of {}: {}",
            other_agency.as_deref().unwrap_or("another agency"),
            describe_overlaps(&kinds_of_notified(&notification.overlaps))
        ),
        other_agency,
        contact,
    }
}
