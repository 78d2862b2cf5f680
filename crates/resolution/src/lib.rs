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

/// Short text kept inline (up to 24 bytes without a heap allocation): prepared records
/// hold dozens of name tokens, keys and address parts each, and a million records in
/// `String`s spent more on allocations than on the text.
pub type Text = compact_str::CompactString;

pub mod address;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod date;
pub mod evaluate;
pub mod fellegi_sunter;
pub mod incremental;
pub mod name;
pub mod nicknames;
pub mod parallel;
pub mod person;
pub mod phonetic;
pub mod pipeline;
pub mod similarity;
pub mod stable_ids;
pub mod text;

pub use address::Address;
pub use blocking::{
    Blocking, BlockingKey, BlockingParameters, BlockingRule, CandidatePair, RuleSet, SkippedBlock,
    blocking_keys, candidate_pairs, shared_keys,
};
pub use cluster::{
    Cluster, Clustering, Judgements, RefusedMerge, cluster, cluster_with_judgements,
};
pub use compare::{
    AddressLevel, ComparisonVector, Field, FieldComparison, IdentifierLevel, Levels, NameLevel,
    compare, compare_levels, one_edit_apart,
};
pub use date::{BirthDate, DateAgreement, date_agreement};
pub use evaluate::{ResolutionMetrics, Scores, evaluate};
pub use fellegi_sunter::{
    ComparedPair, FieldEvidence, FieldModel, LevelProbabilities, MatchModel, PairScore, ScoredPair,
    ScoringParameters, SurnameFrequencies, compare_candidates, m_prior,
};
pub use incremental::{EntityIndex, IncrementalMatch, Placement};
pub use name::{NameLayout, NameReading, PersonName, is_initial};
pub use nicknames::{
    canonical_given_name, given_name_groups, given_names_equivalent, is_known_given_name,
};
pub use person::{PersonRecord, PreparedAddress, PreparedName, PreparedPerson, PreparedReading};
pub use phonetic::{PhoneticAgreement, PhoneticKey};
pub use pipeline::{Resolution, ResolveOptions, default_threshold, resolve};
pub use stable_ids::{IdRedirect, SplitOff, StableIds, assign_stable_ids};
pub use text::normalise_token;

/// Jaro–Winkler similarity (Winkler 1990) of two tokens after normalisation, so
/// `José` and `JOSE` score 1.0. Suited to short tokens such as names, where agreement
/// at the start counts most; 0.0 when either side normalises to nothing.
pub fn jaro_winkler(left: &str, right: &str) -> f64 {
    let (left, right) = (normalise_token(left), normalise_token(right));
    if left.is_empty() || right.is_empty() {
        return 0.0;
    }
    crate::similarity::jaro_winkler(&left, &right)
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
