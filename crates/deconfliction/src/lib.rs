//! Deconfliction of planned operations (C10), pure: no IO, no clock, no store.
//!
//! Agencies register planned operations: a place (centre and radius), a time window and
//! the targets. Two operations *conflict* when
//!
//! - **space and time**: their circles meet (great-circle distance between the centres
//!   at most the sum of the radii) and their windows overlap, or
//! - **shared target**: they name the same target, and their windows lie within
//!   [`Rules::shared_target_horizon`] of each other (30 days by default; the
//!   simulator's truth uses the same horizon).
//!
//! A [`Conflict`] carries every reason that holds, with its evidence: the distance and
//! the overlapping window, or the shared target. What a party is *told* is a
//! [`PointerNotice`]: the other operation's agency and contact and the kind of overlap
//! (a distance band and the overlapping window, or "a shared target") — never the other
//! operation's targets, place, name or identity (see [`pointer`]).
//!
//! # Boundary choices
//!
//! - Circles that touch (distance equal to the sum of the radii) **conflict**: two teams
//!   standing on the same kerb is exactly what deconfliction is for, and erring towards a
//!   phone call is cheap.
//! - Windows are half-open, `[start, end)`: an operation ending at 14:00 and another
//!   starting at 14:00 do **not** conflict in time (shift hand-overs are routine). Their
//!   shared targets still count within the horizon.
//! - Distances use the haversine formula on a sphere of radius 6,371,000 m (error under
//!   0.5% against the ellipsoid, far below the radii agencies give).
//! - The index does not handle the antimeridian or the poles: bounding boxes are plain
//!   latitude/longitude ranges. Everything this product covers (California, the US) is
//!   far from both; an operation whose box would cross ±180° longitude or reach a pole
//!   is refused by [`Operation::new`].
//!
//! # Index
//!
//! [`OperationIndex`] keeps an R*-tree ([`rstar`]) over 3-D boxes: latitude, longitude
//! (each circle's bounding box, widened by its radius) and time (the window, in hours).
//! A check asks the tree for boxes meeting the query's box, then applies the exact
//! tests (haversine distance, half-open windows). Targets go through a hash map from
//! target to operations. Bulk loading (`OperationIndex::with_operations`) packs the tree
//! (OMT), incremental registration inserts.

mod geo;
mod index;
pub mod pointer;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use geo::{EARTH_RADIUS_M, haversine_m};
pub use index::OperationIndex;
pub use pointer::{DistanceBand, OverlapKind, PointerNotice, pointer_notices};

/// A registered operation's number (the store's registration id).
pub type OperationId = u64;

/// Whom to call about an operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

/// A point on the Earth, in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// A half-open window of time, `[start, end)`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    /// The part both windows share, if any; windows that only touch share nothing.
    pub fn overlap(&self, other: &TimeWindow) -> Option<TimeWindow> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(TimeWindow { start, end })
    }

    /// The time between the windows (zero when they overlap or touch).
    pub fn gap(&self, other: &TimeWindow) -> Duration {
        if self.end <= other.start {
            other.start - self.end
        } else if other.end <= self.start {
            self.start - other.end
        } else {
            Duration::zero()
        }
    }
}

/// A target, already made canonical by the caller: two operations share a target when
/// their references are equal. The binary maps a record reference to its resolved
/// entity (so records of one person held by two agencies compare equal) before building
/// operations; this crate never sees who the target is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TargetRef(pub String);

impl fmt::Display for TargetRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A planned operation, checked: see [`Operation::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub id: OperationId,
    pub agency: String,
    pub contact: Contact,
    pub centre: LatLon,
    pub radius_m: f64,
    pub window: TimeWindow,
    pub targets: Vec<TargetRef>,
}

/// Why an operation cannot be registered or checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OperationError {
    #[error("latitude {0} is outside -89..89 degrees")]
    Latitude(f64),
    #[error("longitude {0} is outside -180..180 degrees")]
    Longitude(f64),
    #[error("radius {0} m must be positive and at most 100 km")]
    Radius(f64),
    #[error("the window ends ({end}) before or when it starts ({start})")]
    Window {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    #[error("the operation's area crosses the antimeridian or reaches a pole")]
    Wraps,
    #[error("an operation needs its agency")]
    NoAgency,
    #[error("an operation needs a contact name and phone")]
    NoContact,
    #[error("operation {0} is registered already")]
    Duplicate(OperationId),
    #[error("the index holds as many operations as it can (2^32)")]
    Full,
}

/// The largest radius accepted: past it a "planned operation" is a region, not a place.
pub const MAX_RADIUS_M: f64 = 100_000.0;

impl Operation {
    /// Checks the parts and builds the operation.
    pub fn new(
        id: OperationId,
        agency: impl Into<String>,
        contact: Contact,
        centre: LatLon,
        radius_m: f64,
        window: TimeWindow,
        targets: Vec<TargetRef>,
    ) -> Result<Operation, OperationError> {
        let agency = agency.into();
        if agency.trim().is_empty() {
            return Err(OperationError::NoAgency);
        }
        if contact.name.trim().is_empty() || contact.phone.trim().is_empty() {
            return Err(OperationError::NoContact);
        }
        if !(-89.0..=89.0).contains(&centre.lat) {
            return Err(OperationError::Latitude(centre.lat));
        }
        if !(-180.0..=180.0).contains(&centre.lon) {
            return Err(OperationError::Longitude(centre.lon));
        }
        if !(radius_m > 0.0 && radius_m <= MAX_RADIUS_M) {
            return Err(OperationError::Radius(radius_m));
        }
        if window.end <= window.start {
            return Err(OperationError::Window {
                start: window.start,
                end: window.end,
            });
        }
        let operation = Operation {
            id,
            agency,
            contact,
            centre,
            radius_m,
            window,
            targets,
        };
        let bounds = geo::bounding_box(operation.centre, operation.radius_m);
        if bounds.min_lon < -180.0 || bounds.max_lon > 180.0 || bounds.max_lat.abs() >= 90.0 {
            return Err(OperationError::Wraps);
        }
        Ok(operation)
    }

    /// The distance between the two centres, in metres.
    pub fn distance_m(&self, other: &Operation) -> f64 {
        haversine_m(self.centre, other.centre)
    }
}

/// The parameters of what counts as a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Operations on the same target conflict when their windows are at most this far
    /// apart; `None`: whenever they share a target, however far apart in time.
    pub shared_target_horizon: Option<Duration>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            shared_target_horizon: Some(Duration::days(30)),
        }
    }
}

/// One reason two operations conflict, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConflictReason {
    /// The circles meet and the windows overlap.
    SpaceTime {
        /// Great-circle distance between the centres.
        distance_m: f64,
        /// The time both operations run.
        overlap: TimeWindow,
    },
    /// Both operations name this target.
    SharedTarget { target: TargetRef },
}

/// A registered operation that conflicts with the one checked, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The registered operation.
    pub other: OperationId,
    /// Every reason that holds: at most one space-time reason, then shared targets in
    /// order.
    pub reasons: Vec<ConflictReason>,
}

/// The reasons `first` and `second` conflict under `rules`; empty when they do not.
/// This is the exact test the index applies to its candidates.
pub fn conflict_reasons(
    first: &Operation,
    second: &Operation,
    rules: &Rules,
) -> Vec<ConflictReason> {
    let mut reasons = Vec::new();
    if let Some(overlap) = first.window.overlap(&second.window) {
        let distance_m = first.distance_m(second);
        if distance_m <= first.radius_m + second.radius_m {
            reasons.push(ConflictReason::SpaceTime {
                distance_m,
                overlap,
            });
        }
    }
    let near_in_time = rules
        .shared_target_horizon
        .is_none_or(|horizon| first.window.gap(&second.window) <= horizon);
    if near_in_time {
        let mut shared: Vec<&TargetRef> = first
            .targets
            .iter()
            .filter(|target| second.targets.contains(target))
            .collect();
        shared.sort();
        shared.dedup();
        reasons.extend(
            shared
                .into_iter()
                .map(|target| ConflictReason::SharedTarget {
                    target: target.clone(),
                }),
        );
    }
    reasons
}

#[cfg(test)]
mod tests;
