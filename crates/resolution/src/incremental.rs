//! Matching newly arrived records against entities already resolved, without
//! resolving everything again.
//!
//! An [`EntityIndex`] keeps the resolved records, the entity each belongs to, the
//! fitted [`MatchModel`] and threshold, and the blocking keys of every record (hashed,
//! as full blocking does). [`EntityIndex::match_records`] then, for a batch of new
//! records:
//!
//! 1. looks up each new record's keys and compares it with the resolved records
//!    sharing one (blocks above the size cap are skipped, as in full blocking), on all
//!    cores; per entity it keeps the best-weighing pair;
//! 2. takes the best entity whose best pair reaches the threshold and does not
//!    conflict on identifier numbers; the runner-up, if it also qualifies, is kept as
//!    `competing`: such a record argues that two entities are one, which is a
//!    reviewer's call, not an automatic merge;
//! 3. blocks, scores and clusters the new records among themselves with the same
//!    model, so two new records of one new person form one new entity, and a new
//!    record without an existing match follows a new record that found one.
//!
//! The model is not refitted: a batch small against the resolved population does not
//! change m and u materially, and keeping them fixed keeps scores comparable with the
//! last full run. Re-run the full resolution when a large share of records is new.

use std::collections::HashMap;

use crate::blocking::{BlockingParameters, candidate_pairs, key_hashes};
use crate::cluster::{Judgements, cluster_with_judgements};
use crate::compare::compare_levels;
use crate::fellegi_sunter::{MatchModel, ScoredPair};
use crate::parallel;
use crate::person::PreparedPerson;

/// Resolved records with their entities, ready to take new records.
#[derive(Debug)]
pub struct EntityIndex {
    people: Vec<PreparedPerson>,
    entity_of: Vec<u32>,
    /// Blocking key hash → resolved records holding it.
    blocks: HashMap<u64, Vec<u32>>,
    model: MatchModel,
    threshold: f64,
    max_block_size: usize,
}

/// Where one new record went.
#[derive(Debug, Clone, PartialEq)]
pub struct IncrementalMatch {
    /// Index of the record in the batch given to [`EntityIndex::match_records`].
    pub record: usize,
    pub placement: Placement,
    /// The best pair with a resolved record behind the placement, if any: `(resolved
    /// record index, weight)`.
    pub best_pair: Option<(u32, f64)>,
    /// A second entity the record also matches above the threshold: `(entity,
    /// weight, resolved record of that entity's best pair)`. A reviewer should decide
    /// whether the two entities are one.
    pub competing: Option<(u32, f64, u32)>,
}

/// The entity a new record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// An entity of the index (its number as given to [`EntityIndex::build`]).
    Existing(u32),
    /// A new entity made of new records only, numbered from 0 within the batch.
    New(u32),
}

impl EntityIndex {
    /// Indexes resolved records: `entity_of[i]` is the entity of `people[i]`.
    pub fn build(
        people: Vec<PreparedPerson>,
        entity_of: Vec<u32>,
        model: MatchModel,
        threshold: f64,
        blocking: &BlockingParameters,
    ) -> EntityIndex {
        assert_eq!(people.len(), entity_of.len(), "one entity per record");
        let hashed = parallel::map_chunks(&people, |offset, chunk| {
            let mut entries: Vec<(u64, u32)> = Vec::new();
            for (position, person) in chunk.iter().enumerate() {
                for hash in key_hashes(person) {
                    entries.push((hash, (offset + position) as u32));
                }
            }
            entries
        });
        let mut blocks: HashMap<u64, Vec<u32>> = HashMap::new();
        for (hash, record) in hashed.into_iter().flatten() {
            blocks.entry(hash).or_default().push(record);
        }
        EntityIndex {
            people,
            entity_of,
            blocks,
            model,
            threshold,
            max_block_size: blocking.max_block_size,
        }
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Places each of `new` into an existing entity or a new one (see the module notes).
    pub fn match_records(&self, new: &[PreparedPerson]) -> Vec<IncrementalMatch> {
        let mut matches: Vec<IncrementalMatch> = parallel::map_chunks(new, |offset, chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(position, person)| self.match_one(offset + position, person))
                .collect::<Vec<_>>()
        })
        .concat();

        // New records among themselves, with the same model and threshold.
        let blocking = candidate_pairs(
            new,
            &BlockingParameters {
                max_block_size: self.max_block_size,
            },
        );
        let scores: Vec<ScoredPair> =
            self.model
                .score_candidates(new, &blocking.pairs, self.threshold);
        let clustering =
            cluster_with_judgements(new, &scores, self.threshold, &Judgements::default());
        let position_of: HashMap<&str, usize> = new
            .iter()
            .enumerate()
            .map(|(position, person)| (person.id.as_str(), position))
            .collect();
        let mut next_new = 0u32;
        for cluster in &clustering.clusters {
            let members: Vec<usize> = cluster
                .members
                .iter()
                .filter_map(|id| position_of.get(id.as_str()).copied())
                .collect();
            // The group follows the strongest existing match among its members; members
            // matched elsewhere keep their own (and the disagreement shows as competing).
            let strongest = members
                .iter()
                .filter_map(|member| match matches[*member].placement {
                    Placement::Existing(entity) => {
                        Some((entity, matches[*member].best_pair.map_or(0.0, |(_, w)| w)))
                    }
                    Placement::New(_) => None,
                })
                .max_by(|left, right| left.1.total_cmp(&right.1));
            let placement = match strongest {
                Some((entity, _)) => Placement::Existing(entity),
                None => {
                    next_new += 1;
                    Placement::New(next_new - 1)
                }
            };
            for member in members {
                if matches[member].placement == Placement::New(u32::MAX) {
                    matches[member].placement = placement;
                }
            }
        }
        matches
    }

    fn match_one(&self, record: usize, person: &PreparedPerson) -> IncrementalMatch {
        let mut candidates: Vec<u32> = Vec::new();
        for hash in key_hashes(person) {
            if let Some(block) = self.blocks.get(&hash) {
                // The block with the new record in it is one larger.
                if block.len() < self.max_block_size {
                    candidates.extend(block);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Best pair per entity: (entity, weight, resolved record).
        let mut best: HashMap<u32, (f64, u32, bool)> = HashMap::new();
        for candidate in candidates {
            let levels = compare_levels(person, &self.people[candidate as usize]);
            let weight = self.model.weigh(&levels);
            let entity = self.entity_of[candidate as usize];
            let slot = best
                .entry(entity)
                .or_insert((f64::NEG_INFINITY, candidate, false));
            if weight > slot.0 {
                *slot = (weight, candidate, levels.conflicting_id_numbers);
            }
        }
        let mut ranked: Vec<(u32, f64, u32)> = best
            .into_iter()
            .filter(|(_, (weight, _, conflicting))| *weight >= self.threshold && !conflicting)
            .map(|(entity, (weight, record, _))| (entity, weight, record))
            .collect();
        ranked.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        match ranked.as_slice() {
            [] => IncrementalMatch {
                record,
                // Marked for the new-record clustering to number.
                placement: Placement::New(u32::MAX),
                best_pair: None,
                competing: None,
            },
            [first, rest @ ..] => IncrementalMatch {
                record,
                placement: Placement::Existing(first.0),
                best_pair: Some((first.2, first.1)),
                competing: rest.first().map(|second| (second.0, second.1, second.2)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EntityIndex, Placement};
    use crate::blocking::BlockingParameters;
    use crate::cluster::Judgements;
    use crate::fellegi_sunter::tests::synthetic_people;
    use crate::person::PreparedPerson;
    use crate::pipeline::{ResolveOptions, resolve};

    #[test]
    fn new_records_join_their_entities_and_strangers_form_new_ones() {
        let (people, _) = synthetic_people(11);
        // Every tenth record arrives later.
        let (mut new, mut old): (Vec<PreparedPerson>, Vec<PreparedPerson>) =
            (Vec::new(), Vec::new());
        for (position, person) in people.iter().enumerate() {
            if position % 10 == 9 {
                new.push(person.clone());
            } else {
                old.push(person.clone());
            }
        }
        let full = resolve(
            &people,
            None,
            &ResolveOptions::default(),
            &Judgements::default(),
        );
        let first = resolve(
            &old,
            None,
            &ResolveOptions::default(),
            &Judgements::default(),
        );
        let cluster_of_old: std::collections::HashMap<&str, u32> = first
            .clustering
            .clusters
            .iter()
            .enumerate()
            .flat_map(|(number, cluster)| {
                cluster
                    .members
                    .iter()
                    .map(move |id| (id.as_str(), number as u32))
            })
            .collect();
        let entity_of: Vec<u32> = old
            .iter()
            .map(|person| cluster_of_old[person.id.as_str()])
            .collect();
        let index = EntityIndex::build(
            old.clone(),
            entity_of.clone(),
            first.model.clone(),
            first.threshold,
            &BlockingParameters::default(),
        );
        let matches = index.match_records(&new);
        assert_eq!(matches.len(), new.len());
        assert!(
            matches
                .iter()
                .all(|found| found.placement != Placement::New(u32::MAX))
        );

        // Incremental placement agrees with resolving everything at once: two records
        // are together in one exactly when they are in the other, for nearly all pairs
        // involving a new record.
        let full_cluster: std::collections::HashMap<&str, &str> = full
            .clustering
            .clusters
            .iter()
            .flat_map(|cluster| {
                cluster
                    .members
                    .iter()
                    .map(move |id| (id.as_str(), cluster.id.as_str()))
            })
            .collect();
        let placed = |position: usize| match matches[position].placement {
            Placement::Existing(entity) => (0, entity),
            Placement::New(number) => (1, number),
        };
        let (mut agree, mut total) = (0usize, 0usize);
        for (position, person) in new.iter().enumerate() {
            for (other, old_person) in old.iter().enumerate() {
                let together_full =
                    full_cluster[person.id.as_str()] == full_cluster[old_person.id.as_str()];
                let together_incremental = placed(position) == (0, entity_of[other]);
                if together_full || together_incremental {
                    total += 1;
                    agree += usize::from(together_full == together_incremental);
                    if together_full != together_incremental {
                        eprintln!(
                            "{} / {}: full {together_full}, incremental {:?}",
                            person.id, old_person.id, matches[position]
                        );
                    }
                }
            }
        }
        assert!(total > 0);
        assert!(
            agree as f64 / total as f64 >= 0.95,
            "{agree} of {total} agree"
        );
        let joined = matches
            .iter()
            .filter(|found| matches!(found.placement, Placement::Existing(_)))
            .count();
        assert!(
            joined > 0 && joined < new.len(),
            "{joined} of {} joined",
            new.len()
        );
    }
}
