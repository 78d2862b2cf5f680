//! Canonical entity ids that stay stable across resolution runs.
//!
//! Clustering names a cluster by its smallest record id, which changes as soon as a
//! smaller record joins. Users, cases and watchlists need ids that do not: this module
//! carries the previous run's ids over to the new clusters.
//!
//! The rules, given the new clusters (lists of record ids) and the previous assignment
//! (record id → entity id):
//!
//! 1. Every old id has a *holder*: the new cluster holding most of its records (ties:
//!    the cluster listed first).
//! 2. A cluster keeps, among the old ids it holds, the one with most of its records
//!    (ties: the smallest id). So each old id is kept by at most one cluster, and new
//!    records joining an entity do not change its id.
//! 3. A cluster that keeps no old id gets a fresh id derived from its content: `P-` and
//!    BLAKE3 (first 128 bits, hex) of its smallest record id. Should that collide with
//!    an id in use or ever used (previous, retired or issued in this run), a counter
//!    goes into the hash until it does not, so an id never comes back with another
//!    meaning.
//! 4. Every old id not kept redirects to its holder's id (*merged*). The holder keeps
//!    some old id, so redirects always point at kept ids.
//!
//! **Splits.** When an entity's records end up in several clusters, the part holding
//! most of them keeps the id (if it does not prefer another, rule 2) and the other
//! parts keep or get other ids. No redirect is made for a split-off part: the old id
//! still names the entity it always named, which kept most of its records. Each split
//! is reported in [`StableIds::splits`] so that the run records it.
//!
//! Deterministic, no IO.

use std::collections::{BTreeMap, BTreeSet};

use model::{ContentHasher, EntityKey};

/// The prefix of person entity ids.
pub const PERSON_ID_PREFIX: &str = "P-";

/// The hash domain of fresh entity ids; a change gives new ids.
const FRESH_ID_DOMAIN: &str = "interdict.entity-id.v1";

/// The ids of a run's clusters and how they relate to the previous run's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StableIds {
    /// One per input cluster, in input order.
    pub ids: Vec<String>,
    /// Clusters that kept a previous id.
    pub kept: usize,
    /// Clusters with a fresh id.
    pub fresh: usize,
    /// Previous ids not kept, each with the id that took most of its records.
    pub redirects: Vec<IdRedirect>,
    /// Parts of previous entities that went to a cluster other than their holder.
    pub splits: Vec<SplitOff>,
}

/// A previous id merged into another entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdRedirect {
    pub from: String,
    pub to: String,
}

/// Records of a previous entity that now belong to another entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SplitOff {
    /// The previous entity id.
    pub from: String,
    /// The id of the cluster the records went to.
    pub to: String,
    pub records: usize,
}

/// Gives each of `clusters` (record ids; any order) an id, keeping `previous` ids
/// (record id → entity id) where the rules in the module doc allow. `retired` holds ids
/// that must not be issued again (earlier redirect sources).
pub fn assign_stable_ids<C: AsRef<[String]>>(
    clusters: &[C],
    previous: &BTreeMap<String, String>,
    retired: &BTreeSet<String>,
) -> StableIds {
    // How many records of each previous id each cluster holds.
    let held: Vec<BTreeMap<&str, usize>> = clusters
        .iter()
        .map(|cluster| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for record in cluster.as_ref() {
                if let Some(old) = previous.get(record) {
                    *counts.entry(old.as_str()).or_default() += 1;
                }
            }
            counts
        })
        .collect();
    let mut holder: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (index, counts) in held.iter().enumerate() {
        for (old, count) in counts {
            let best = holder.entry(old).or_insert((index, *count));
            if *count > best.1 {
                *best = (index, *count);
            }
        }
    }
    let mut ids: Vec<Option<String>> = held
        .iter()
        .enumerate()
        .map(|(index, counts)| {
            counts
                .iter()
                .filter(|(old, _)| holder[*old].0 == index)
                // Most records first; among equals the smallest id (BTreeMap order).
                .max_by(|left, right| left.1.cmp(right.1).then_with(|| right.0.cmp(left.0)))
                .map(|(old, _)| old.to_string())
        })
        .collect();
    let kept = ids.iter().flatten().count();

    let mut taken: BTreeSet<String> = previous.values().cloned().collect();
    taken.extend(retired.iter().cloned());
    taken.extend(ids.iter().flatten().cloned());
    let mut fresh = 0;
    for (index, id) in ids.iter_mut().enumerate() {
        if id.is_none() {
            let smallest = clusters[index]
                .as_ref()
                .iter()
                .min()
                .map(String::as_str)
                .unwrap_or_default();
            let new_id = fresh_id(smallest, &taken);
            taken.insert(new_id.clone());
            *id = Some(new_id);
            fresh += 1;
        }
    }
    let ids: Vec<String> = ids.into_iter().map(Option::unwrap_or_default).collect();

    let kept_ids: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let redirects: Vec<IdRedirect> = holder
        .iter()
        .filter(|(old, _)| !kept_ids.contains(**old))
        .map(|(old, (index, _))| IdRedirect {
            from: old.to_string(),
            to: ids[*index].clone(),
        })
        .collect();
    let mut splits: Vec<SplitOff> = held
        .iter()
        .enumerate()
        .flat_map(|(index, counts)| {
            let holder = &holder;
            let ids = &ids;
            counts
                .iter()
                .filter(move |(old, _)| holder[**old].0 != index)
                .map(move |(old, count)| SplitOff {
                    from: old.to_string(),
                    to: ids[index].clone(),
                    records: *count,
                })
        })
        .collect();
    splits.sort();
    StableIds {
        ids,
        kept,
        fresh,
        redirects,
        splits,
    }
}

/// `P-` and the hash of the smallest record id, with a counter until it is not `taken`.
fn fresh_id(smallest_record: &str, taken: &BTreeSet<String>) -> String {
    let mut attempt: u32 = 0;
    loop {
        let mut hasher = ContentHasher::new(FRESH_ID_DOMAIN);
        hasher.field(smallest_record);
        if attempt > 0 {
            hasher.field(&attempt.to_string());
        }
        let id = format!(
            "{PERSON_ID_PREFIX}{}",
            EntityKey::from_hasher(&hasher).to_hex()
        );
        if !taken.contains(&id) {
            return id;
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|group| group.iter().map(|record| record.to_string()).collect())
            .collect()
    }

    /// The previous assignment of `groups` under `ids`.
    fn assignment(groups: &[&[&str]], ids: &[String]) -> BTreeMap<String, String> {
        groups
            .iter()
            .zip(ids)
            .flat_map(|(group, id)| {
                group
                    .iter()
                    .map(move |record| (record.to_string(), id.clone()))
            })
            .collect()
    }

    fn first_run(groups: &[&[&str]]) -> (StableIds, BTreeMap<String, String>) {
        let ids = assign_stable_ids(&clusters(groups), &BTreeMap::new(), &BTreeSet::new());
        let previous = assignment(groups, &ids.ids);
        (ids, previous)
    }

    #[test]
    fn fresh_ids_derive_from_the_smallest_record_and_are_distinct() {
        let (first, _) = first_run(&[&["r3", "r1"], &["r2"]]);
        let (again, _) = first_run(&[&["r1", "r3"], &["r2"]]);
        assert_eq!(first.ids, again.ids, "content decides, not order");
        assert!(
            first
                .ids
                .iter()
                .all(|id| id.starts_with("P-") && id.len() == 34)
        );
        assert_ne!(first.ids[0], first.ids[1]);
        assert_eq!((first.kept, first.fresh), (0, 2));
        assert!(first.redirects.is_empty() && first.splits.is_empty());
    }

    #[test]
    fn unchanged_clusters_keep_their_ids() {
        let groups: &[&[&str]] = &[&["a1", "a2"], &["b1"], &["c1", "c2", "c3"]];
        let (first, previous) = first_run(groups);
        let second = assign_stable_ids(&clusters(groups), &previous, &BTreeSet::new());
        assert_eq!(second.ids, first.ids);
        assert_eq!((second.kept, second.fresh), (3, 0));
        assert!(second.redirects.is_empty() && second.splits.is_empty());
    }

    #[test]
    fn a_merge_keeps_the_larger_id_and_redirects_the_other() {
        let (first, previous) = first_run(&[&["a1", "a2"], &["b1"]]);
        let merged = assign_stable_ids(
            &clusters(&[&["a1", "a2", "b1"]]),
            &previous,
            &BTreeSet::new(),
        );
        assert_eq!(merged.ids, vec![first.ids[0].clone()], "most records win");
        assert_eq!(
            merged.redirects,
            vec![IdRedirect {
                from: first.ids[1].clone(),
                to: first.ids[0].clone()
            }]
        );
        assert_eq!((merged.kept, merged.fresh), (1, 0));
    }

    #[test]
    fn a_merge_of_equals_keeps_the_smallest_id() {
        let (first, previous) = first_run(&[&["a1"], &["b1"]]);
        let merged = assign_stable_ids(&clusters(&[&["a1", "b1"]]), &previous, &BTreeSet::new());
        let smallest = first.ids.iter().min().unwrap().clone();
        let largest = first.ids.iter().max().unwrap().clone();
        assert_eq!(merged.ids, vec![smallest.clone()]);
        assert_eq!(
            merged.redirects,
            vec![IdRedirect {
                from: largest,
                to: smallest
            }]
        );
    }

    #[test]
    fn a_split_keeps_the_id_on_the_larger_part() {
        let (first, previous) = first_run(&[&["a1", "a2", "a3"]]);
        // The smaller part comes first and holds the smallest record.
        let split = assign_stable_ids(
            &clusters(&[&["a1"], &["a2", "a3"]]),
            &previous,
            &BTreeSet::new(),
        );
        assert_eq!(split.ids[1], first.ids[0], "the larger part keeps the id");
        assert_ne!(split.ids[0], first.ids[0]);
        assert!(split.ids[0].starts_with("P-"));
        assert!(split.redirects.is_empty(), "a split makes no redirect");
        assert_eq!(
            split.splits,
            vec![SplitOff {
                from: first.ids[0].clone(),
                to: split.ids[0].clone(),
                records: 1
            }]
        );
        assert_eq!((split.kept, split.fresh), (1, 1));
    }

    #[test]
    fn a_split_off_part_never_reuses_an_id_in_use() {
        // The entity was named after a1; the split-off part holding a1 would get the
        // same fresh id again, which the larger part keeps.
        let (first, previous) = first_run(&[&["a1", "a2", "a3"]]);
        let split = assign_stable_ids(
            &clusters(&[&["a1"], &["a2", "a3"]]),
            &previous,
            &BTreeSet::new(),
        );
        assert_eq!(split.ids[1], first.ids[0]);
        assert_ne!(split.ids[0], split.ids[1]);
        // A retired id is not issued again either.
        let retired: BTreeSet<String> = [split.ids[0].clone()].into();
        let again = assign_stable_ids(&clusters(&[&["a1"], &["a2", "a3"]]), &previous, &retired);
        assert!(!retired.contains(&again.ids[0]));
        assert_ne!(again.ids[0], again.ids[1]);
    }

    #[test]
    fn new_records_joining_an_entity_keep_its_id() {
        let (first, previous) = first_run(&[&["b2", "b3"], &["c1"]]);
        // "a0" is new and smaller than every record: the cluster's smallest id changes.
        let grown = assign_stable_ids(
            &clusters(&[&["a0", "b2", "b3"], &["c1"], &["d1"]]),
            &previous,
            &BTreeSet::new(),
        );
        assert_eq!(grown.ids[..2], first.ids[..]);
        assert_eq!((grown.kept, grown.fresh), (2, 1));
        assert!(grown.redirects.is_empty() && grown.splits.is_empty());
    }
}
