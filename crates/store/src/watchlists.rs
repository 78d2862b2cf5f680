//! Watchlists (C10): standing watches on resolved entities, and the alerts they raise
//! when any agency ingests something new about a watched entity.
//!
//! Every backend implements [`Watchlists`]; a store hands it out through
//! [`crate::Store::watchlists`], like the audit log. Deciding which new records concern
//! which watch, and what the watcher may learn of them, is the caller's job (the binary
//! asks `access::decide`); the store keeps the watches, the alerts and which batches
//! were checked.
//!
//! A watch names its entity in canonical form when registered: `entity:ID` (an entity
//! of the latest resolution run) or `key:HEX` (one agency's own entity key, for records
//! no run has resolved yet). Callers re-resolve it at check time (redirects, later
//! runs), so a watch follows merges.
//!
//! An alert never holds record content: it names the record (id, owning agency, feed,
//! kind, batch), what the watcher was allowed ([`Disclosure`]) and whom to contact.
//! Content shown for `full` and `redacted` alerts is read from the store when listed,
//! so purging a record (see [`crate::retention`]) removes it from alerts too. Alerts
//! are append-only (triggers refuse UPDATE and DELETE); a watch is never deleted, only
//! marked removed, once.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use model::{BatchId, RecordId};
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// A watch as a user registers it; the store adds its id and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWatch {
    /// The watcher's agency.
    pub agency: String,
    /// The watcher (a user id).
    pub user: String,
    /// The watched entity, canonical when registered: `entity:ID` or `key:HEX`.
    pub target: String,
    /// The reference as the user gave it (an entity id or `AGENCY/FEED/SOURCE_ID`).
    pub reference: String,
    /// Why the entity is watched: required.
    pub reason: String,
    pub case_number: Option<String>,
    /// The watcher's access profile (roles, clearance, caveats) as JSON, kept as given:
    /// until a user directory exists, alerts are decided with it.
    pub watcher: serde_json::Value,
}

impl NewWatch {
    /// Why the store refuses this watch, if it does.
    pub fn problem(&self) -> Option<String> {
        let blank = |text: &str| text.trim().is_empty();
        if blank(&self.agency) || blank(&self.user) {
            return Some("a watch needs the watcher's agency and user".to_string());
        }
        if !(self.target.starts_with("entity:") || self.target.starts_with("key:"))
            || self.target.len() <= "key:".len()
        {
            return Some(format!(
                "a watch target is entity:ID or key:HEX, got {:?}",
                self.target
            ));
        }
        if blank(&self.reason) {
            return Some("a watch needs a reason (why)".to_string());
        }
        None
    }
}

/// A registered watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    /// 1, 2, 3, … in registration order.
    pub id: u64,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub watch: NewWatch,
    /// When and by whom it was removed; a removed watch raises no alerts.
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_by: Option<String>,
}

impl Watch {
    pub fn is_active(&self) -> bool {
        self.removed_at.is_none()
    }
}

/// What a watcher was allowed to learn of an alerted record (from `access::decide`;
/// a denied record raises no alert at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// The whole record.
    Full,
    /// The record without its protected properties.
    Redacted,
    /// Only that the owning agency holds something new, and whom to contact.
    Pointer,
}

impl Disclosure {
    /// The stored text form; never change a released one.
    pub fn as_str(self) -> &'static str {
        match self {
            Disclosure::Full => "full",
            Disclosure::Redacted => "redacted",
            Disclosure::Pointer => "pointer",
        }
    }

    pub fn reveals_content(self) -> bool {
        !matches!(self, Disclosure::Pointer)
    }
}

impl fmt::Display for Disclosure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Disclosure {
    type Err = String;

    fn from_str(text: &str) -> Result<Disclosure, String> {
        match text {
            "full" => Ok(Disclosure::Full),
            "redacted" => Ok(Disclosure::Redacted),
            "pointer" => Ok(Disclosure::Pointer),
            _ => Err(format!("unknown disclosure {text:?}")),
        }
    }
}

/// An alert as a check raises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlert {
    pub watch: u64,
    /// The new record about the watched entity.
    pub record: RecordId,
    /// The agency that holds it (whom the watcher contacts).
    pub record_agency: String,
    pub record_feed: String,
    pub record_kind: String,
    /// The batch that brought the record in.
    pub batch: BatchId,
    pub disclosure: Disclosure,
    /// For `redacted`: the properties withheld.
    pub redacted_fields: Vec<String>,
    /// Whom to contact at the holding agency, when the policy names someone.
    pub contact: Option<String>,
}

/// An alert as kept: the store adds its id, time and the watcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// 1, 2, 3, … in order.
    pub id: u64,
    pub alerted_at: DateTime<Utc>,
    pub watcher_agency: String,
    pub watcher_user: String,
    #[serde(flatten)]
    pub alert: NewAlert,
}

/// Watches, alerts and checked batches of a store (see the module doc).
pub trait Watchlists {
    /// Registers a watch. Refused ([`crate::StoreError::Refused`]) when
    /// [`NewWatch::problem`] names one.
    fn add_watch(&self, watch: NewWatch) -> StoreResult<Watch>;

    /// Watches by id, removed ones included; with `agency`, only that agency's.
    fn watches(&self, agency: Option<&str>) -> StoreResult<Vec<Watch>>;

    /// Marks a watch removed. Refused when it does not exist, belongs to another agency
    /// than `agency`, or is removed already.
    fn remove_watch(&self, id: u64, agency: &str, removed_by: &str) -> StoreResult<Watch>;

    /// The batches a check has looked at.
    fn checked_batches(&self) -> StoreResult<BTreeSet<BatchId>>;

    /// In one transaction: appends the alerts whose (watch, record) was not alerted
    /// before, and marks `batches` checked. Returns the alerts appended. Refused when
    /// an alert names an unknown watch.
    fn record_check(&self, batches: &[BatchId], alerts: Vec<NewAlert>) -> StoreResult<Vec<Alert>>;

    /// Alerts by id; with `agency`, only those raised for its watchers.
    fn alerts(&self, agency: Option<&str>) -> StoreResult<Vec<Alert>>;
}
