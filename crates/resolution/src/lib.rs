//! Entity resolution for Interdict: normalisation and Fellegi–Sunter pair scoring.
//!
//! Resolution decides which source records describe the same person, place or thing.
//! Its first stage turns the canonical values the
//! store keeps (names as reported, ISO dates, address lines) into the comparable parts
//! that blocking and scoring need: name readings and surname parts, nickname groups,
//! phonetic keys, birth-date agreement levels, standardised addresses. It is pure: no
//! IO, no store, no clock. Every comparison here names *what* agrees (a level, a key);
//! weighing that into a score, with the evidence kept, is the scorer's job.
//!
//! The scoring core follows: `person` prepares records once, `blocking` picks candidate
//! pairs from shared keys, `compare` gives each pair its comparison vector, and
//! `fellegi_sunter` fits m and u without labels (EM, Fellegi & Sunter 1969) and weighs
//! each pair with per-field evidence and Winkler's surname term-frequency adjustment.
//! `cluster` turns the pairs above a threshold into entities, refusing merges that
//! would join conflicting identifier numbers, and `evaluate` scores a clustering
//! against ground truth (pairwise and B-cubed).

pub mod address;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod date;
pub mod evaluate;
pub mod fellegi_sunter;
pub mod name;
pub mod nicknames;
pub mod person;
pub mod phonetic;
pub mod text;

pub use address::Address;
pub use blocking::{
    Blocking, BlockingKey, BlockingParameters, BlockingRule, CandidatePair, SkippedBlock,
    blocking_keys, candidate_pairs,
};
pub use cluster::{Cluster, Clustering, RefusedMerge, cluster};
pub use compare::{
    AddressLevel, ComparisonVector, Field, FieldComparison, IdentifierLevel, NameLevel, compare,
};
pub use date::{BirthDate, DateAgreement, date_agreement};
pub use evaluate::{ResolutionMetrics, Scores, evaluate};
pub use fellegi_sunter::{
    FieldEvidence, FieldModel, LevelProbabilities, MatchModel, PairScore, ScoringParameters,
    m_prior,
};
pub use name::{NameLayout, NameReading, PersonName, is_initial};
pub use nicknames::{
    canonical_given_name, given_name_groups, given_names_equivalent, is_known_given_name,
};
pub use person::{PersonRecord, PreparedAddress, PreparedName, PreparedPerson, PreparedReading};
pub use phonetic::{PhoneticAgreement, PhoneticKey};
pub use text::normalise_token;

/// Jaro–Winkler similarity (Winkler 1990) of two tokens after normalisation, so
/// `José` and `JOSE` score 1.0. Suited to short tokens such as names, where agreement
/// at the start counts most; 0.0 when either side normalises to nothing.
pub fn jaro_winkler(left: &str, right: &str) -> f64 {
    let (left, right) = (normalise_token(left), normalise_token(right));
    if left.is_empty() || right.is_empty() {
        return 0.0;
    }
    strsim::jaro_winkler(&left, &right)
}

#[cfg(test)]
mod tests {
    use super::jaro_winkler;

    /// `(left, right, lowest, highest)`: the similarity falls in `lowest..=highest`.
    fn check(cases: &[(&str, &str, f64, f64)]) {
        for (left, right, lowest, highest) in cases {
            let similarity = jaro_winkler(left, right);
            assert!(
                (*lowest..=*highest).contains(&similarity),
                "jaro_winkler({left:?}, {right:?}) = {similarity}, expected {lowest}..={highest}"
            );
        }
    }

    #[test]
    fn similarity_on_normalised_tokens() {
        check(&[
            ("José", "JOSE", 1.0, 1.0),
            ("MARTHA", "MARHTA", 0.96, 0.962),
            ("HERNANDEZ", "HERNANDES", 0.95, 0.99),
            ("GARCIA", "LOPEZ", 0.0, 0.5),
            ("", "JOSE", 0.0, 0.0),
            ("...", "...", 0.0, 0.0),
        ]);
    }
}
