//! Deconfliction state: registered planned operations and the notifications sent about
//! conflicts between them. Both are append-only (triggers refuse UPDATE and DELETE on
//! both backends): an operation is never edited in place, a notification never
//! withdrawn.
//!
//! Every backend implements [`Operations`]; a store hands it out through
//! [`crate::Store::operations`], like the audit log. Finding conflicts is the
//! `deconfliction` crate's job; the store only keeps what was registered and who was
//! told what, when.
//!
//! A notification keeps *why* two operations conflict (distance and overlapping window,
//! or the fact of a shared target) but never *which* target: the shared target's
//! identity is exactly what the other agency must not learn, so it is not kept where
//! notifications are read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// A planned operation as an agency registers it; the store adds its id and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOperation {
    /// The agency running the operation.
    pub agency: String,
    /// The agency's own name for it (may be empty); shown only to that agency.
    pub label: String,
    /// Where the registration came from when it was not typed in: `record:<record id>`
    /// for an operation taken from an ingested record. At most one registration per
    /// source; `None` for registrations by hand.
    pub source: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    /// Degrees (WGS 84).
    pub latitude: f64,
    pub longitude: f64,
    /// Metres, positive.
    pub radius_m: f64,
    /// The window, half-open: `[starts_at, ends_at)`.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Target references as registered (record ids, entity keys, entity ids): made
    /// canonical through entity resolution when checked, not when stored.
    pub targets: Vec<String>,
    /// The user who registered it.
    pub registered_by: String,
}

impl NewOperation {
    /// Why the store refuses this registration, if it does, before looking at others.
    pub fn problem(&self) -> Option<String> {
        let blank = |text: &str| text.trim().is_empty();
        if blank(&self.agency) {
            return Some("an operation needs its agency".to_string());
        }
        if blank(&self.contact_name) || blank(&self.contact_phone) {
            return Some("an operation needs a contact name and phone".to_string());
        }
        if blank(&self.registered_by) {
            return Some("an operation needs the user who registers it".to_string());
        }
        if !(-90.0..=90.0).contains(&self.latitude) || !(-180.0..=180.0).contains(&self.longitude) {
            return Some(format!(
                "{},{} is not a latitude and longitude",
                self.latitude, self.longitude
            ));
        }
        if !(self.radius_m.is_finite() && self.radius_m > 0.0) {
            return Some(format!("radius {} m must be positive", self.radius_m));
        }
        if self.ends_at <= self.starts_at {
            return Some("an operation must end after it starts".to_string());
        }
        if self.targets.iter().any(|target| blank(target)) {
            return Some("a target reference cannot be blank".to_string());
        }
        None
    }
}

/// A registered operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredOperation {
    /// 1, 2, 3, … in registration order.
    pub id: u64,
    /// When the store took it, UTC, to the microsecond.
    pub registered_at: DateTime<Utc>,
    #[serde(flatten)]
    pub operation: NewOperation,
}

/// One reason a notification was sent, as kept: no target identities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotifiedOverlap {
    /// The areas meet while both operations run.
    SpaceTime {
        distance_m: f64,
        overlap_start: DateTime<Utc>,
        overlap_end: DateTime<Utc>,
    },
    /// The operations share a target after entity resolution.
    SharedTarget,
}

impl NotifiedOverlap {
    /// The overlap with its times as every backend keeps them (see
    /// [`crate::truncate_to_micros`]).
    pub fn truncated_to_micros(self) -> NotifiedOverlap {
        match self {
            NotifiedOverlap::SpaceTime {
                distance_m,
                overlap_start,
                overlap_end,
            } => NotifiedOverlap::SpaceTime {
                distance_m,
                overlap_start: crate::truncate_to_micros(overlap_start),
                overlap_end: crate::truncate_to_micros(overlap_end),
            },
            NotifiedOverlap::SharedTarget => NotifiedOverlap::SharedTarget,
        }
    }
}

/// A notification about two registered operations that conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    /// The operation whose registration (or check) found the conflict.
    pub operation: u64,
    /// The registered operation it conflicts with.
    pub other_operation: u64,
    /// Why; not empty.
    pub overlaps: Vec<NotifiedOverlap>,
}

/// A notification as kept: the store adds the agencies told (those of the two
/// operations), its id and the time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// 1, 2, 3, … in order.
    pub id: u64,
    pub notified_at: DateTime<Utc>,
    pub operation: u64,
    pub operation_agency: String,
    pub other_operation: u64,
    pub other_agency: String,
    pub overlaps: Vec<NotifiedOverlap>,
}

impl Notification {
    /// The notification as a backend appends it: numbered `id`, stamped now, every
    /// time truncated as stored.
    pub fn appended(
        id: u64,
        notification: NewNotification,
        operation_agency: String,
        other_agency: String,
    ) -> Notification {
        Notification {
            id,
            notified_at: crate::truncate_to_micros(Utc::now()),
            operation: notification.operation,
            operation_agency,
            other_operation: notification.other_operation,
            other_agency,
            overlaps: notification
                .overlaps
                .into_iter()
                .map(NotifiedOverlap::truncated_to_micros)
                .collect(),
        }
    }

    /// Whether `agency` was told (it runs one of the two operations).
    pub fn concerns(&self, agency: &str) -> bool {
        self.operation_agency == agency || self.other_agency == agency
    }
}

/// Registered operations and conflict notifications of a store (see the module doc).
pub trait Operations {
    /// Registers an operation. Refused ([`crate::StoreError::Refused`]) when
    /// [`NewOperation::problem`] names one, or when its `source` is registered already.
    fn register_operation(&self, operation: NewOperation) -> StoreResult<RegisteredOperation>;

    /// All registered operations, by id.
    fn registered_operations(&self) -> StoreResult<Vec<RegisteredOperation>>;

    /// Records that both operations' agencies were told of a conflict. Refused when an
    /// operation is unknown, the two are one, or no overlap is given.
    fn append_notification(&self, notification: NewNotification) -> StoreResult<Notification>;

    /// Notifications by id; with `agency`, only those sent to it.
    fn notifications(&self, agency: Option<&str>) -> StoreResult<Vec<Notification>>;
}
