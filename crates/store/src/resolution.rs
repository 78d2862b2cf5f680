//! Resolution state: the append-only judgement log, the current entity assignment with
//! its redirects, and the runs that produced it.
//!
//! Every backend implements [`ResolutionState`]; a store hands it out through
//! [`crate::Store::resolution`], like the audit log.
//!
//! # Judgements
//!
//! A judgement says that two source records are the same person (`same`) or not
//! (`different`), with who, when (UTC, set by the store) and why (required). It names
//! records by [`RecordId`], which derives from content, so a judgement survives
//! re-ingesting the same files. The log is append-only (both backends refuse UPDATE and
//! DELETE with triggers): a judgement is withdrawn by a *reversal*, a new entry whose
//! `reverses` names the earlier one and repeats its kind and records. Replaying the log
//! (see [`active_judgements`]) drops reversed entries, then lets the latest entry per
//! pair of records win.
//!
//! # Assignment, redirects, runs
//!
//! The assignment maps each record id to its canonical entity id. A resolution run
//! replaces it whole, in one transaction with the run's redirects (an entity id that
//! was merged away names the id that absorbed it), the run row (threshold, model
//! summary and counts as JSON) and the run's pairs (the links that built entities and
//! the review queue). Redirects are never removed; [`ResolutionState::resolve_entity`]
//! follows them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use model::RecordId;
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// What a judgement says about its two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgementKind {
    /// The two records describe one person: merged, whatever the model says.
    Same,
    /// The two records describe different people: never merged by the model.
    Different,
}

impl JudgementKind {
    /// The stored text form; never change a released one.
    pub fn as_str(self) -> &'static str {
        match self {
            JudgementKind::Same => "same",
            JudgementKind::Different => "different",
        }
    }
}

impl fmt::Display for JudgementKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for JudgementKind {
    type Err = String;

    fn from_str(text: &str) -> Result<JudgementKind, String> {
        match text {
            "same" => Ok(JudgementKind::Same),
            "different" => Ok(JudgementKind::Different),
            _ => Err(format!(
                "unknown judgement kind {text:?} (same or different)"
            )),
        }
    }
}

/// A judgement as a reviewer gives it; the store adds its id and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJudgement {
    pub kind: JudgementKind,
    pub left: RecordId,
    pub right: RecordId,
    /// Who decided (a user id).
    pub decided_by: String,
    /// Why: free text, required (not blank).
    pub reason: String,
    /// The earlier judgement this entry withdraws; it then repeats that entry's kind
    /// and records.
    pub reverses: Option<u64>,
}

/// A judgement in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    /// 1, 2, 3, … in append order.
    pub id: u64,
    pub decided_at: DateTime<Utc>,
    #[serde(flatten)]
    pub judgement: NewJudgement,
}

impl NewJudgement {
    /// Why the store refuses this entry, if it does, before looking at the log.
    pub fn problem(&self) -> Option<String> {
        if self.left == self.right {
            return Some("a judgement needs two different records".to_string());
        }
        if self.reason.trim().is_empty() {
            return Some("a judgement needs a reason (why)".to_string());
        }
        if self.decided_by.trim().is_empty() {
            return Some("a judgement needs the user who made it".to_string());
        }
        None
    }

    /// Why the store refuses this reversal of `reversed`, if it does (`already`: whether
    /// the log holds a reversal of it already).
    pub fn reversal_problem(&self, reversed: Option<&Judgement>, already: bool) -> Option<String> {
        let id = self.reverses?;
        let Some(reversed) = reversed else {
            return Some(format!("judgement {id} does not exist"));
        };
        if reversed.judgement.reverses.is_some() {
            return Some(format!(
                "judgement {id} is itself a reversal; judge the pair again instead"
            ));
        }
        if already {
            return Some(format!("judgement {id} is already reversed"));
        }
        let same_records = (reversed.judgement.left, reversed.judgement.right)
            == (self.left, self.right)
            || (reversed.judgement.left, reversed.judgement.right) == (self.right, self.left);
        if !same_records || reversed.judgement.kind != self.kind {
            return Some(format!(
                "a reversal repeats the kind and records of judgement {id}"
            ));
        }
        None
    }
}

/// The judgements in force after replaying the log: reversed entries (and the
/// reversals themselves) are dropped, then the latest entry per unordered pair of
/// records wins. Ordered by id.
pub fn active_judgements(log: &[Judgement]) -> Vec<&Judgement> {
    let reversed: std::collections::BTreeSet<u64> = log
        .iter()
        .filter_map(|entry| entry.judgement.reverses)
        .collect();
    let mut latest: BTreeMap<(RecordId, RecordId), &Judgement> = BTreeMap::new();
    let mut ordered: Vec<&Judgement> = log.iter().collect();
    ordered.sort_by_key(|entry| entry.id);
    for entry in ordered {
        if entry.judgement.reverses.is_some() || reversed.contains(&entry.id) {
            continue;
        }
        let (left, right) = (entry.judgement.left, entry.judgement.right);
        let pair = if left <= right {
            (left, right)
        } else {
            (right, left)
        };
        latest.insert(pair, entry);
    }
    let mut active: Vec<&Judgement> = latest.into_values().collect();
    active.sort_by_key(|entry| entry.id);
    active
}

/// Why an entity id stopped being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectReason {
    /// Its records joined an entity that kept another id.
    Merged,
    /// Its records were split and the part holding most of them took another id.
    Split,
}

impl RedirectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectReason::Merged => "merged",
            RedirectReason::Split => "split",
        }
    }
}

impl FromStr for RedirectReason {
    type Err = String;

    fn from_str(text: &str) -> Result<RedirectReason, String> {
        match text {
            "merged" => Ok(RedirectReason::Merged),
            "split" => Ok(RedirectReason::Split),
            _ => Err(format!("unknown redirect reason {text:?}")),
        }
    }
}

/// An entity id that now answers as another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRedirect {
    pub from: String,
    pub to: String,
    pub reason: RedirectReason,
    /// The run that made it; set by the store on write.
    pub run: u64,
    pub redirected_at: DateTime<Utc>,
}

/// What a pair of a run is there for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairRole {
    /// A model link that merged two clusters.
    Link,
    /// A merge made by a `same` judgement.
    Judged,
    /// A borderline pair in the review queue.
    Review,
}

impl PairRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PairRole::Link => "link",
            PairRole::Judged => "judged",
            PairRole::Review => "review",
        }
    }
}

impl FromStr for PairRole {
    type Err = String;

    fn from_str(text: &str) -> Result<PairRole, String> {
        match text {
            "link" => Ok(PairRole::Link),
            "judged" => Ok(PairRole::Judged),
            "review" => Ok(PairRole::Review),
            _ => Err(format!("unknown pair role {text:?}")),
        }
    }
}

/// One pair kept with a run. `rank` orders pairs of one role (review: most valuable
/// first); `evidence` is JSON the store keeps as it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPair {
    pub role: PairRole,
    pub rank: u64,
    pub left: RecordId,
    pub right: RecordId,
    /// Match weight in bits (`None` for a judged merge the model did not score).
    pub weight: Option<f64>,
    pub probability: Option<f64>,
    pub evidence: serde_json::Value,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionRun {
    /// 1, 2, 3, … in commit order.
    pub id: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub threshold: f64,
    /// The fitted model, summarised (λ, iterations, level weights).
    pub model: serde_json::Value,
    /// Records, clusters, merges, judgements applied, ids kept/new/redirected, …
    pub counts: serde_json::Value,
}

/// A whole resolution result, written at once by [`ResolutionState::replace_assignment`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentUpdate {
    pub started_at: DateTime<Utc>,
    pub threshold: f64,
    pub model: serde_json::Value,
    pub counts: serde_json::Value,
    /// Every resolved record and its entity id; replaces the whole assignment.
    pub assignments: Vec<(RecordId, String)>,
    /// `(from, to, reason)`: ids that stop being used. A `from` must not be assigned
    /// in `assignments`, nor already redirected.
    pub redirects: Vec<(String, String, RedirectReason)>,
    /// Replaces the pairs of the previous run.
    pub pairs: Vec<RunPair>,
}

impl AssignmentUpdate {
    /// Why the store refuses this update, if it does: a redirect away from an id the
    /// update still assigns (a loop), or two redirects from one id.
    pub fn problem(&self) -> Option<String> {
        let assigned: std::collections::BTreeSet<&str> = self
            .assignments
            .iter()
            .map(|(_, entity)| entity.as_str())
            .collect();
        let mut froms = std::collections::BTreeSet::new();
        for (from, to, _) in &self.redirects {
            if assigned.contains(from.as_str()) {
                return Some(format!("{from} is redirected to {to} but still assigned"));
            }
            if !froms.insert(from.as_str()) {
                return Some(format!("{from} is redirected twice"));
            }
        }
        None
    }
}

/// Where judgements, entity ids and runs are kept.
pub trait ResolutionState {
    /// Appends a judgement (or a reversal) and returns it with its id and time. Refused
    /// ([`crate::StoreError::Refused`]) when [`NewJudgement::problem`] or
    /// [`NewJudgement::reversal_problem`] names one.
    fn append_judgement(&self, judgement: NewJudgement) -> StoreResult<Judgement>;

    /// The whole log, oldest first.
    fn judgements(&self) -> StoreResult<Vec<Judgement>>;

    /// The current assignment: record → entity id.
    fn assignment(&self) -> StoreResult<BTreeMap<RecordId, String>>;

    /// Every redirect ever written, oldest first.
    fn redirects(&self) -> StoreResult<Vec<EntityRedirect>>;

    /// Replaces the assignment, adds the redirects and the run, and replaces the run
    /// pairs, all in one transaction; returns the run.
    fn replace_assignment(&self, update: AssignmentUpdate) -> StoreResult<ResolutionRun>;

    /// The newest run, if any.
    fn latest_run(&self) -> StoreResult<Option<ResolutionRun>>;

    /// The pairs of the newest run with this role, by rank.
    fn run_pairs(&self, role: PairRole) -> StoreResult<Vec<RunPair>>;

    /// The entity a record belongs to now.
    fn entity_of(&self, record: RecordId) -> StoreResult<Option<String>> {
        Ok(self.assignment()?.get(&record).cloned())
    }

    /// The records of an entity id now, sorted.
    fn entity_records(&self, entity: &str) -> StoreResult<Vec<RecordId>> {
        Ok(self
            .assignment()?
            .into_iter()
            .filter(|(_, assigned)| assigned == entity)
            .map(|(record, _)| record)
            .collect())
    }

    /// Follows redirects from `entity` to the id in use now; `None` when the id was
    /// never assigned nor redirected. The chain is returned in order (the first element
    /// is `entity` itself).
    fn resolve_entity(&self, entity: &str) -> StoreResult<Option<Vec<String>>> {
        let redirects: BTreeMap<String, String> = self
            .redirects()?
            .into_iter()
            .map(|redirect| (redirect.from, redirect.to))
            .collect();
        let assignment = self.assignment()?;
        let assigned: std::collections::BTreeSet<&str> =
            assignment.values().map(String::as_str).collect();
        let mut chain = vec![entity.to_string()];
        let mut current = entity.to_string();
        while let Some(next) = redirects.get(&current) {
            if chain.contains(next) {
                break;
            }
            chain.push(next.clone());
            current = next.clone();
        }
        if chain.len() == 1 && !assigned.contains(entity) {
            return Ok(None);
        }
        Ok(Some(chain))
    }
}
