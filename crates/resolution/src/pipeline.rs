//! The whole resolution of prepared records in one call: block, compare, fit, score,
//! cluster. File resolution (`interdict resolve --input`) and store resolution share it,
//! so both weigh and cluster alike.

use std::collections::BTreeMap;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::blocking::{BlockingParameters, BlockingRule, SkippedBlock, candidate_pairs};
use crate::cluster::{Clustering, Judgements, cluster_with_judgements};
use crate::fellegi_sunter::{
    MatchModel, ScoredPair, ScoringParameters, SurnameFrequencies, compare_candidates,
};
use crate::person::PreparedPerson;

/// How to resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveOptions {
    pub blocking: BlockingParameters,
    pub scoring: ScoringParameters,
    /// Match weight at which pairs merge; by default where the posterior reaches 0.5
    /// ([`default_threshold`]).
    pub threshold: Option<f64>,
    /// Pairs down to this many bits below the threshold are kept in
    /// [`Resolution::scores`] (for review and explanation); 0 keeps only merge
    /// candidates.
    pub keep_below_threshold: f64,
    /// Seed of the random pairs that estimate `u`.
    pub seed: u64,
}

impl Default for ResolveOptions {
    fn default() -> ResolveOptions {
        ResolveOptions {
            blocking: BlockingParameters::default(),
            scoring: ScoringParameters::default(),
            threshold: None,
            keep_below_threshold: 0.0,
            seed: 1,
        }
    }
}

/// What a resolution found.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub model: MatchModel,
    pub threshold: f64,
    pub candidate_pairs: usize,
    /// Candidate pairs each blocking rule produced, in [`BlockingRule::ALL`] order.
    pub pairs_by_rule: [usize; BlockingRule::ALL.len()],
    pub skipped_blocks: Vec<SkippedBlock>,
    /// Scored pairs at or above `threshold − keep_below_threshold`, candidate order.
    pub scores: Vec<ScoredPair>,
    pub clustering: Clustering,
    /// Wall-clock seconds per stage: block, compare, train, score, cluster.
    pub seconds: BTreeMap<&'static str, f64>,
}

/// The weight at which the posterior match probability is 0.5: prior odds λ/(1−λ)
/// times 2^w equal 1.
pub fn default_threshold(match_proportion: f64) -> f64 {
    let proportion = match_proportion.clamp(1e-9, 1.0 - 1e-9);
    ((1.0 - proportion) / proportion).log2()
}

/// Resolves `people`. With `sources`, only pairs from different sources are
/// candidates (linking files or agencies rather than deduplicating within each).
pub fn resolve(
    people: &[PreparedPerson],
    sources: Option<&[u8]>,
    options: &ResolveOptions,
    judgements: &Judgements,
) -> Resolution {
    let mut seconds = BTreeMap::new();
    let mut stage = Instant::now();
    let mut lap = |name: &'static str, stage: &mut Instant| {
        seconds.insert(name, stage.elapsed().as_secs_f64());
        *stage = Instant::now();
    };
    let mut blocking = candidate_pairs(people, &options.blocking);
    if let Some(sources) = sources {
        blocking
            .pairs
            .retain(|pair| sources[pair.left as usize] != sources[pair.right as usize]);
    }
    lap("block", &mut stage);
    let surnames = SurnameFrequencies::of(people);
    let compared = compare_candidates(people, &blocking.pairs, &surnames, &options.scoring);
    lap("compare", &mut stage);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let model = MatchModel::fit(people, &compared, surnames, &options.scoring, &mut rng);
    lap("train", &mut stage);
    let threshold = options
        .threshold
        .unwrap_or_else(|| default_threshold(model.match_proportion));
    let scores = model.score_compared(
        &blocking.pairs,
        &compared,
        threshold - options.keep_below_threshold.max(0.0),
    );
    drop(compared);
    lap("score", &mut stage);
    let clustering = cluster_with_judgements(people, &scores, threshold, judgements);
    lap("cluster", &mut stage);
    Resolution {
        model,
        threshold,
        candidate_pairs: blocking.pairs.len(),
        pairs_by_rule: blocking.pairs_by_rule,
        skipped_blocks: blocking.skipped_blocks,
        scores,
        clustering,
        seconds,
    }
}
