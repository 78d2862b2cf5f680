//! The 28 CFR Part 23 validation workflow: criminal intelligence lands pending; a
//! supervisor of the submitting agency validates (or rejects) it; only validated
//! intelligence is visible outside that agency (and to deconfliction through it).

use access::Role;
use store::{AuditAction, AuditOutcome, Validation};

use crate::*;

impl Service {
    /// Criminal-intelligence records of the actor's agency still pending, oldest first
    /// (supervisors only).
    pub fn pending_validations(
        &self,
        actor: &Actor,
        limit: usize,
    ) -> ServiceResult<Vec<RecordView>> {
        self.require_supervisor(actor)?;
        let (snapshot, view) = self.view_of(actor);
        let mut pending: Vec<u32> = (0..snapshot.records.len() as u32)
            .filter(|&index| {
                let record = &snapshot.records[index as usize];
                record.provenance.agency == actor.user.agency
                    && record.labels.data_class == model::DataClass::CriminalIntelligence
                    && !snapshot.validations.contains_key(&record.id)
            })
            .collect();
        pending.sort_by_key(|&index| snapshot.records[index as usize].provenance.reported_at);
        pending.truncate(limit.clamp(1, 1000));
        Ok(pending
            .into_iter()
            .filter(|index| view.in_network.contains_key(index))
            .map(|index| crate::queries::record_view(&snapshot, &view, index))
            .collect())
    }

    /// Validates or rejects a pending criminal-intelligence record of the actor's
    /// agency (supervisors only; audited as a privileged action).
    pub fn validate_record(
        &self,
        actor: &Actor,
        record: &str,
        validated: bool,
        note: &str,
    ) -> ServiceResult<()> {
        self.require_supervisor(actor)?;
        let id: model::RecordId = record
            .parse()
            .map_err(|_| ServiceError::BadRequest(format!("{record:?} is not a record id")))?;
        let snapshot = self.current();
        let stored = snapshot
            .index_of
            .get(&id)
            .map(|&index| &snapshot.records[index as usize])
            .filter(|stored| stored.provenance.agency == actor.user.agency)
            .ok_or_else(|| ServiceError::NotFound(format!("no record {record} of your agency")))?;
        if stored.labels.data_class != model::DataClass::CriminalIntelligence {
            return Err(ServiceError::BadRequest(
                "only criminal intelligence is validated under 28 CFR Part 23".to_string(),
            ));
        }
        if note.trim().is_empty() {
            return Err(ServiceError::BadRequest(
                "say why: the validation note is kept with the record".to_string(),
            ));
        }
        let decision = if validated { "validated" } else { "rejected" };
        self.store.directory().record_validation(&Validation {
            record: id,
            decision: decision.to_string(),
            by: actor.user.id.clone(),
            at: Self::now(),
            note: note.trim().to_string(),
        })?;
        self.audit(
            actor,
            AuditAction::PrivilegedAction,
            format!("part23 {decision};record={id}"),
            note,
            AuditOutcome::Allowed,
        )?;
        self.reload()
    }

    fn require_supervisor(&self, actor: &Actor) -> ServiceResult<()> {
        if !actor.user.has_role(Role::Supervisor) {
            return Err(ServiceError::Forbidden(
                "only supervisors validate criminal intelligence".to_string(),
            ));
        }
        Ok(())
    }
}
