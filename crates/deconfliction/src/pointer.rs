//! What each party to a conflict is told: a pointer, not the other operation.
//!
//! A [`PointerNotice`] names the party's own operation, the *other* operation's agency
//! and contact, and the kinds of overlap: for space and time a distance band and the
//! overlapping window, for a shared target only the fact. It has no field that could
//! carry the other operation's targets, name, centre, radius or registration id, so a
//! caller cannot leak them by accident: the type is the rule (STYLE: a pointer is its
//! own result type, not a redacted record).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ConflictReason, Contact, Operation, OperationId, TimeWindow};

/// How far apart the two centres are, coarsely: enough to judge urgency, not enough to
/// triangulate the other operation's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DistanceBand {
    #[serde(rename = "under_100_m")]
    Under100M,
    #[serde(rename = "100_to_500_m")]
    Under500M,
    #[serde(rename = "500_m_to_1_km")]
    Under1Km,
    #[serde(rename = "1_to_5_km")]
    Under5Km,
    #[serde(rename = "5_km_or_more")]
    AtLeast5Km,
}

impl DistanceBand {
    pub fn of(distance_m: f64) -> DistanceBand {
        match distance_m {
            d if d < 100.0 => DistanceBand::Under100M,
            d if d < 500.0 => DistanceBand::Under500M,
            d if d < 1_000.0 => DistanceBand::Under1Km,
            d if d < 5_000.0 => DistanceBand::Under5Km,
            _ => DistanceBand::AtLeast5Km,
        }
    }
}

impl fmt::Display for DistanceBand {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            DistanceBand::Under100M => "under 100 m",
            DistanceBand::Under500M => "100-500 m",
            DistanceBand::Under1Km => "500 m-1 km",
            DistanceBand::Under5Km => "1-5 km",
            DistanceBand::AtLeast5Km => "5 km or more",
        })
    }
}

/// The kind of an overlap, as a party is told it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OverlapKind {
    /// The areas meet while both operations run.
    SpaceTime {
        distance_band: DistanceBand,
        overlap: TimeWindow,
    },
    /// The operations share at least one target (which one is not said).
    SharedTarget,
}

impl fmt::Display for OverlapKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverlapKind::SpaceTime {
                distance_band,
                overlap,
            } => write!(
                formatter,
                "areas meet (centres {distance_band} apart) from {} to {}",
                overlap.start.format("%Y-%m-%d %H:%M UTC"),
                overlap.end.format("%Y-%m-%d %H:%M UTC")
            ),
            OverlapKind::SharedTarget => formatter.write_str("a shared target"),
        }
    }
}

/// The overlap kinds of a conflict's reasons: one space-time kind at most, and one
/// shared-target fact however many targets are shared (their number is not said).
pub fn overlap_kinds(reasons: &[ConflictReason]) -> Vec<OverlapKind> {
    let mut kinds = Vec::new();
    for reason in reasons {
        let kind = match reason {
            ConflictReason::SpaceTime {
                distance_m,
                overlap,
            } => OverlapKind::SpaceTime {
                distance_band: DistanceBand::of(*distance_m),
                overlap: *overlap,
            },
            ConflictReason::SharedTarget { .. } => OverlapKind::SharedTarget,
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds
}

/// What one party learns about a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PointerNotice {
    /// The party's own operation; `None` for a check of an operation not registered.
    pub your_operation: Option<OperationId>,
    /// The agency running the other operation.
    pub other_agency: String,
    /// Whom to call there.
    pub other_contact: Contact,
    pub overlaps: Vec<OverlapKind>,
}

impl PointerNotice {
    /// The notice for the party running `yours` about `other`.
    pub fn new(
        yours: Option<OperationId>,
        other_agency: &str,
        other_contact: &Contact,
        overlaps: Vec<OverlapKind>,
    ) -> PointerNotice {
        PointerNotice {
            your_operation: yours,
            other_agency: other_agency.to_string(),
            other_contact: other_contact.clone(),
            overlaps,
        }
    }
}

/// The two notices of a conflict: the first for `first`'s agency, the second for
/// `second`'s.
pub fn pointer_notices(
    first: &Operation,
    second: &Operation,
    reasons: &[ConflictReason],
) -> [PointerNotice; 2] {
    let overlaps = overlap_kinds(reasons);
    [
        PointerNotice::new(
            Some(first.id),
            &second.agency,
            &second.contact,
            overlaps.clone(),
        ),
        PointerNotice::new(Some(second.id), &first.agency, &first.contact, overlaps),
    ]
}
