//! The resolution review flow on the user's view: the latest run's review queue,
//! limited to pairs whose two records the user may both read, and judgements
//! (`same`/`different`), appended to the store's judgement log only when the user may
//! read both records. Judgements take effect at the next resolution run.

use serde::{Deserialize, Serialize};
use store::{AuditAction, AuditOutcome, Judgement, JudgementKind, NewJudgement, PairRole};

use crate::queries::record_view;
use crate::snapshot::{Seen, Snapshot, View};
use crate::{Actor, RecordView, Service, ServiceError, ServiceResult};

/// Review pairs listed by default and at most.
const DEFAULT_REVIEW: usize = 50;
const MAX_REVIEW: usize = 500;

/// A borderline pair of the latest run, both records side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPairView {
    /// The run's rank (most valuable first).
    pub rank: u64,
    pub left: RecordView,
    pub right: RecordView,
    /// The entities (nodes of the user's network) the records are part of now.
    pub left_node: Option<String>,
    pub right_node: Option<String>,
    pub weight: Option<f64>,
    pub probability: Option<f64>,
    /// Per-field levels, weights and details, blocking keys (as the run stored them).
    pub evidence: serde_json::Value,
}

/// A judgement as a reviewer gives it (`POST /api/resolution/judgements`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JudgementRequest {
    pub left: String,
    pub right: String,
    /// `true`: the same person; `false`: different people.
    pub same: bool,
    pub reason: String,
}

impl Service {
    /// The latest run's review pairs whose records the actor may both read (none
    /// withheld in part), ranked as stored.
    pub fn review_queue(&self, actor: &Actor, limit: usize) -> ServiceResult<Vec<ReviewPairView>> {
        self.require_link_analysis(actor)?;
        let limit = if limit == 0 { DEFAULT_REVIEW } else { limit }.min(MAX_REVIEW);
        let (snapshot, view) = self.view_of(actor);
        let mut pairs = self.store.resolution().run_pairs(PairRole::Review)?;
        pairs.sort_by_key(|pair| pair.rank);
        let mut shown = Vec::new();
        let mut outer = Vec::new();
        for pair in pairs {
            if shown.len() >= limit {
                break;
            }
            let (Some(left), Some(right)) = (
                fully_readable(&snapshot, &view, pair.left),
                fully_readable(&snapshot, &view, pair.right),
            ) else {
                continue;
            };
            outer.extend([left, right]);
            shown.push(ReviewPairView {
                rank: pair.rank,
                left: record_view(&snapshot, &view, left),
                right: record_view(&snapshot, &view, right),
                left_node: node_of(&view, left),
                right_node: node_of(&view, right),
                weight: pair.weight,
                probability: pair.probability,
                evidence: pair.evidence,
            });
        }
        let ids: Vec<String> = outer
            .iter()
            .map(|&index| snapshot.records[index as usize].id.to_string())
            .collect();
        self.audit(
            actor,
            AuditAction::View,
            format!("review_queue;records={}", ids.join(",")),
            "",
            AuditOutcome::Allowed,
        )?;
        self.log_dissemination(actor, &snapshot, &outer, "resolution review")?;
        Ok(shown)
    }

    /// Appends a judgement on two records the actor may both read; it takes effect
    /// at the next resolution run.
    pub fn judge(
        &self,
        actor: &Actor,
        left: &str,
        right: &str,
        same: bool,
        reason: &str,
    ) -> ServiceResult<Judgement> {
        self.require_link_analysis(actor)?;
        crate::queries::require_scope(actor, auth::Scope::Write)?;
        if reason.trim().is_empty() {
            return Err(ServiceError::BadRequest(
                "a judgement needs a reason (why)".to_string(),
            ));
        }
        let (snapshot, view) = self.view_of(actor);
        let mut ids = Vec::new();
        for reference in [left, right] {
            let not_found = || ServiceError::NotFound(format!("no record {reference:?}"));
            let id: model::RecordId = reference.parse().map_err(|_| not_found())?;
            let &index = snapshot.index_of.get(&id).ok_or_else(not_found)?;
            if view.seen[index as usize] != Seen::Readable {
                return Err(not_found());
            }
            if snapshot.records[index as usize].kind != "Person" {
                return Err(ServiceError::BadRequest(format!(
                    "record {reference} is not a Person record"
                )));
            }
            ids.push(id);
        }
        let kind = if same {
            JudgementKind::Same
        } else {
            JudgementKind::Different
        };
        let judgement = NewJudgement {
            kind,
            left: ids[0],
            right: ids[1],
            decided_by: actor.user.id.clone(),
            reason: reason.trim().to_string(),
            reverses: None,
        };
        if let Some(problem) = judgement.problem() {
            return Err(ServiceError::BadRequest(problem));
        }
        let stored = self.store.resolution().append_judgement(judgement)?;
        self.audit(
            actor,
            AuditAction::PrivilegedAction,
            format!(
                "judgement={};kind={};left={};right={}",
                stored.id, kind, ids[0], ids[1]
            ),
            reason.trim(),
            AuditOutcome::Allowed,
        )?;
        Ok(stored)
    }
}

/// The snapshot index of a record the view reads whole (nothing withheld).
fn fully_readable(snapshot: &Snapshot, view: &View, id: model::RecordId) -> Option<u32> {
    let &index = snapshot.index_of.get(&id)?;
    (view.seen[index as usize] == Seen::Readable && !view.redacted.contains_key(&index))
        .then_some(index)
}

fn node_of(view: &View, outer: u32) -> Option<String> {
    let inner = *view.in_network.get(&outer)?;
    let node = view.network.node_of_record(inner)?;
    Some(view.network.node(node).id.clone())
}
