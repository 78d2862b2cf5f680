//! Who may see what: users, roles, cases, sharing agreements, and the one decision
//! function every query path asks (C9; 28 CFR Part 23 for pending intelligence).
//!
//! Pure: no IO, no clock. The store compiles the same rules into its queries later;
//! this crate is the reference they are tested against.
//!
//! # The rules of [`decide`]
//!
//! Deny by default: a record is shown only when every row below that applies says so.
//! Need-to-know comes from case membership; right-to-know from role, agency, sharing
//! agreements and labels.
//!
//! | # | rule | if it fails |
//! |---|---|---|
//! | 1 | the user is known: an id, an agency and at least one role; the record has an owning agency | `Deny` |
//! | 2 | the user has a role that reads records: analyst, investigator, supervisor or epidemiologist (auditors read the audit log, administrators manage users; neither reads records) | `Deny` |
//! | 3 | criminal intelligence pending validation (Part 23) is seen only inside the owning agency | `Deny` (not even a pointer) |
//! | 4 | the data class is one the user's roles read: epidemiologists only public-health and public data; law-enforcement roles all classes | pointer check |
//! | 5 | clearance: the user's clearance is at least the record's sensitivity | pointer check |
//! | 6 | caveats: the user holds every handling caveat on the record | pointer check |
//! | 7 | ownership: the user's agency owns the record, or a sharing agreement from the owner to the user's agency covers the data class up to the record's sensitivity, or the record is public data labelled public | pointer check |
//! | 8 | need-to-know: a record tied to cases is read only by members of one of them | pointer check |
//! | 9 | all of 4–8 hold: `Full`, or `Redacted` listing the kind's protected properties unless the user belongs to the owning agency and holds the [`PROTECTED_FIELDS_CAVEAT`] | — |
//! | 10 | pointer: a law-enforcement role (analyst, investigator, supervisor) asking about criminal intelligence or case records below `Restricted` learns the owning agency and its contact, never content | `Deny` |
//!
//! Public-health aggregates go through [`suppress_small_count`] (counts 1 to
//! [`PUBLIC_HEALTH_SUPPRESSION_THRESHOLD`] are withheld, a common public-health
//! practice), and only auditors read the audit log ([`may_read_audit_log`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use model::{DataClass, EntityKind, SecurityLabels, Sensitivity};
use serde::{Deserialize, Serialize};

/// Holding this caveat (and belonging to the owning agency) shows protected properties,
/// such as whether a person is a confidential informant.
pub const PROTECTED_FIELDS_CAVEAT: &str = "INFORMANT";

/// Public-health counts from 1 to this are suppressed (0 is shown: it reveals nobody).
pub const PUBLIC_HEALTH_SUPPRESSION_THRESHOLD: u64 = 10;

/// What a user does in the task force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Analyst,
    Investigator,
    Supervisor,
    /// Public-health data and aggregates only.
    Epidemiologist,
    /// Reads the audit log, not record content.
    Auditor,
    /// Manages users and agreements, not record content.
    Administrator,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Analyst,
        Role::Investigator,
        Role::Supervisor,
        Role::Epidemiologist,
        Role::Auditor,
        Role::Administrator,
    ];

    /// Sworn or analytic law-enforcement roles: they read every data class and may
    /// receive pointers.
    pub fn is_law_enforcement(self) -> bool {
        matches!(self, Role::Analyst | Role::Investigator | Role::Supervisor)
    }

    /// The data classes this role reads (before labels, agreements and cases).
    pub fn reads(self, data_class: DataClass) -> bool {
        match self {
            Role::Analyst | Role::Investigator | Role::Supervisor => true,
            Role::Epidemiologist => {
                matches!(data_class, DataClass::PublicHealth | DataClass::Public)
            }
            Role::Auditor | Role::Administrator => false,
        }
    }
}

/// A case or investigation number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CaseId(pub String);

impl fmt::Display for CaseId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A person (or service) acting in the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub agency: String,
    pub roles: BTreeSet<Role>,
    /// The cases the user is a member of (see [`Case::memberships`]).
    pub cases: BTreeSet<CaseId>,
    /// The highest sensitivity the user is cleared for.
    pub clearance: Sensitivity,
    /// Handling caveats the user holds, upper-case like [`SecurityLabels::caveats`].
    pub caveats: BTreeSet<String>,
}

impl User {
    fn is_known(&self) -> bool {
        !self.id.trim().is_empty() && !self.agency.trim().is_empty() && !self.roles.is_empty()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn has_law_enforcement_role(&self) -> bool {
        self.roles.iter().any(|role| role.is_law_enforcement())
    }
}

/// An investigation: need-to-know for the records tied to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub owning_agency: String,
    /// User ids.
    pub members: BTreeSet<String>,
}

impl Case {
    /// The ids of the cases among `cases` that list `user_id` as a member.
    pub fn memberships<'a>(
        cases: impl IntoIterator<Item = &'a Case>,
        user_id: &str,
    ) -> BTreeSet<CaseId> {
        cases
            .into_iter()
            .filter(|case| case.members.contains(user_id))
            .map(|case| case.id.clone())
            .collect()
    }
}

/// One agency letting another read some of its data (a memorandum of understanding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingAgreement {
    pub from_agency: String,
    pub to_agency: String,
    pub data_classes: BTreeSet<DataClass>,
    /// Records labelled above this stay with the owner.
    pub max_sensitivity: Sensitivity,
}

impl SharingAgreement {
    fn covers(&self, owner: &str, reader: &str, labels: &SecurityLabels) -> bool {
        self.from_agency == owner
            && self.to_agency == reader
            && self.data_classes.contains(&labels.data_class)
            && labels.sensitivity <= self.max_sensitivity
    }
}

/// The agreements in force and whom to contact at each agency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub agreements: Vec<SharingAgreement>,
    /// Agency → contact (a desk, a phone number) named in pointers.
    pub contacts: BTreeMap<String, String>,
}

/// Where a criminal-intelligence record stands under 28 CFR Part 23. Other data
/// classes are not validated and count as `Validated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part23Status {
    PendingValidation,
    Validated,
}

/// What [`decide`] needs to know about a record.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    /// The record's kind, for its protected properties.
    pub kind: &'a EntityKind,
    pub labels: &'a SecurityLabels,
    pub owning_agency: &'a str,
    /// The cases the record is tied to; empty when none.
    pub cases: &'a BTreeSet<CaseId>,
    pub part23: Part23Status,
}

/// What a user gets to see of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// The whole record.
    Full,
    /// The record without these properties.
    Redacted { fields: Vec<String> },
    /// Only that a match exists, who holds it and whom to contact.
    Pointer {
        agency: String,
        contact: Option<String>,
    },
    /// Nothing, not even that the record exists.
    Deny,
}

impl Decision {
    /// Whether any content is shown.
    pub fn reveals_content(&self) -> bool {
        matches!(self, Decision::Full | Decision::Redacted { .. })
    }
}

/// The access decision for one user and one record (rules in the crate doc).
pub fn decide(user: &User, record: &RecordFacts<'_>, policy: &Policy) -> Decision {
    let labels = record.labels;
    let owner = record.owning_agency;
    // Rule 1.
    if !user.is_known() || owner.trim().is_empty() {
        return Decision::Deny;
    }
    // Rule 2.
    let reads_records = user.roles.iter().any(|role| {
        matches!(
            role,
            Role::Analyst | Role::Investigator | Role::Supervisor | Role::Epidemiologist
        )
    });
    if !reads_records {
        return Decision::Deny;
    }
    let same_agency = user.agency == owner;
    // Rule 3.
    let pending_intelligence = labels.data_class == DataClass::CriminalIntelligence
        && record.part23 == Part23Status::PendingValidation;
    if pending_intelligence && !same_agency {
        return Decision::Deny;
    }
    // Rules 4 to 8.
    let class_readable = user.roles.iter().any(|role| role.reads(labels.data_class));
    let cleared = user.clearance >= labels.sensitivity;
    let holds_caveats = labels.caveats.is_subset(&user.caveats);
    let public_data =
        labels.data_class == DataClass::Public && labels.sensitivity == Sensitivity::Public;
    let shared = same_agency
        || public_data
        || policy
            .agreements
            .iter()
            .any(|agreement| agreement.covers(owner, &user.agency, labels));
    let needs_to_know = record.cases.is_empty() || !record.cases.is_disjoint(&user.cases);
    if class_readable && cleared && holds_caveats && shared && needs_to_know {
        // Rule 9.
        // Asked for every record of every view: decide before collecting names.
        let sees_protected = same_agency && user.caveats.contains(PROTECTED_FIELDS_CAVEAT);
        if sees_protected {
            return Decision::Full;
        }
        let protected: Vec<String> = record
            .kind
            .properties
            .values()
            .filter(|property| property.protected)
            .map(|property| property.name.clone())
            .collect();
        return if protected.is_empty() {
            Decision::Full
        } else {
            Decision::Redacted { fields: protected }
        };
    }
    // Rule 10.
    let law_enforcement_record = matches!(
        labels.data_class,
        DataClass::CriminalIntelligence | DataClass::InvestigativeCase
    );
    if user.has_law_enforcement_role()
        && law_enforcement_record
        && labels.sensitivity < Sensitivity::Restricted
    {
        return Decision::Pointer {
            agency: owner.to_string(),
            contact: policy.contacts.get(owner).cloned(),
        };
    }
    Decision::Deny
}

/// Whether the user may read the audit log: auditors only.
pub fn may_read_audit_log(user: &User) -> bool {
    user.is_known() && user.has_role(Role::Auditor)
}

/// A count as a public-health output may show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishedCount {
    Count(u64),
    /// Between 1 and the threshold: small enough to identify people.
    Suppressed,
}

/// Withholds counts from 1 to `threshold` (usually
/// [`PUBLIC_HEALTH_SUPPRESSION_THRESHOLD`]). Zero and larger counts are shown. This is
/// primary suppression only: a caller publishing a total next to its parts must also
/// suppress a second cell, or the small one can be recomputed.
pub fn suppress_small_count(count: u64, threshold: u64) -> PublishedCount {
    if (1..=threshold).contains(&count) {
        PublishedCount::Suppressed
    } else {
        PublishedCount::Count(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_suppressed_up_to_the_threshold() {
        let shown: Vec<PublishedCount> = [0, 1, 10, 11, 500]
            .into_iter()
            .map(|count| suppress_small_count(count, PUBLIC_HEALTH_SUPPRESSION_THRESHOLD))
            .collect();
        assert_eq!(
            shown,
            vec![
                PublishedCount::Count(0),
                PublishedCount::Suppressed,
                PublishedCount::Suppressed,
                PublishedCount::Count(11),
                PublishedCount::Count(500),
            ]
        );
        assert_eq!(suppress_small_count(4, 3), PublishedCount::Count(4));
    }
}
