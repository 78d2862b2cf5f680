//! Clustering scored pairs into entities: union–find over the pairs at or above a
//! threshold, strongest first, with a hard-identifier veto.
//!
//! Plain connected components chain: one wrong link between two people pulls both
//! their families of records into one entity. So a merge is refused when both clusters
//! carry identifier numbers and share none (two different driving licences are two
//! people, whatever the names say). Pairs are taken strongest first, so the
//! best-supported links build the clusters before a weaker, conflicting one is
//! considered; the refused link is kept with its reason.
//!
//! A cluster's numbers are the union over its records, so a record carrying two numbers
//! (a licence and a passport) lets records with either join. Without that bridge, a
//! licence on one record and a passport on another are vetoed like two licences: the
//! same rule as `compare`'s `conflicting_id_numbers`, deliberately conservative until
//! numbers carry their type.
//!
//! Deterministic: ties in weight are broken by the pair's record ids, and a cluster's id
//! is the smallest record id in it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::fellegi_sunter::PairScore;
use crate::person::PreparedPerson;

/// One resolved entity: its records and the pairs that built it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The smallest record id of the cluster.
    pub id: String,
    /// Record ids, sorted.
    pub members: Vec<String>,
    /// The pairs whose merges built the cluster, in the order they were taken.
    pub links: Vec<PairScore>,
    /// Pairs at or above the threshold whose records were already together.
    pub supporting_pairs: Vec<PairScore>,
    /// Links touching this cluster's records that were refused.
    pub refused_links: Vec<RefusedMerge>,
}

/// A pair at or above the threshold that was not merged, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedMerge {
    pub pair: PairScore,
    pub reason: String,
}

/// The result of clustering: every record in exactly one cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clustering {
    /// Ordered by cluster id; singletons included.
    pub clusters: Vec<Cluster>,
    /// Pairs at or above the threshold.
    pub pairs_above_threshold: usize,
    /// Merges refused for conflicting identifiers.
    pub refused_merges: usize,
}

impl Clustering {
    /// `(record id, cluster id)` for every record, sorted by record id.
    pub fn assignments(&self) -> Vec<(&str, &str)> {
        let mut assignments: Vec<(&str, &str)> = self
            .clusters
            .iter()
            .flat_map(|cluster| {
                cluster
                    .members
                    .iter()
                    .map(|member| (member.as_str(), cluster.id.as_str()))
            })
            .collect();
        assignments.sort();
        assignments
    }
}

/// Clusters `people` by the scored pairs with weight ≥ `threshold` (pairs naming a
/// record not in `people` are ignored).
pub fn cluster(people: &[PreparedPerson], scores: &[PairScore], threshold: f64) -> Clustering {
    let index: HashMap<&str, usize> = people
        .iter()
        .enumerate()
        .map(|(position, person)| (person.id.as_str(), position))
        .collect();
    let mut accepted: Vec<(usize, usize, &PairScore)> = scores
        .iter()
        .filter(|score| score.weight >= threshold)
        .filter_map(|score| {
            Some((
                *index.get(score.left.as_str())?,
                *index.get(score.right.as_str())?,
                score,
            ))
        })
        .collect();
    accepted.sort_by(|(_, _, left), (_, _, right)| {
        right
            .weight
            .total_cmp(&left.weight)
            .then_with(|| (&left.left, &left.right).cmp(&(&right.left, &right.right)))
    });

    let mut sets = DisjointSets::new(people);
    let mut links: Vec<(usize, &PairScore)> = Vec::new();
    let mut supporting: Vec<(usize, &PairScore)> = Vec::new();
    let mut refused: Vec<(usize, usize, RefusedMerge)> = Vec::new();
    for (left, right, score) in &accepted {
        let (left_root, right_root) = (sets.find(*left), sets.find(*right));
        if left_root == right_root {
            supporting.push((*left, score));
            continue;
        }
        match sets.conflict(left_root, right_root) {
            Some(reason) => refused.push((
                *left,
                *right,
                RefusedMerge {
                    pair: (*score).clone(),
                    reason,
                },
            )),
            None => {
                sets.union(left_root, right_root);
                links.push((*left, score));
            }
        }
    }

    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for position in 0..people.len() {
        members
            .entry(sets.find(position))
            .or_default()
            .push(position);
    }
    let mut clusters: BTreeMap<usize, Cluster> = members
        .into_iter()
        .map(|(root, positions)| {
            let mut ids: Vec<String> = positions
                .iter()
                .map(|position| people[*position].id.clone())
                .collect();
            ids.sort();
            let cluster = Cluster {
                id: ids[0].clone(),
                members: ids,
                links: Vec::new(),
                supporting_pairs: Vec::new(),
                refused_links: Vec::new(),
            };
            (root, cluster)
        })
        .collect();
    for (position, score) in links {
        let root = sets.find(position);
        clusters
            .get_mut(&root)
            .expect("every root has a cluster")
            .links
            .push(score.clone());
    }
    for (position, score) in supporting {
        let root = sets.find(position);
        clusters
            .get_mut(&root)
            .expect("every root has a cluster")
            .supporting_pairs
            .push(score.clone());
    }
    let refused_merges = refused.len();
    for (left, right, refusal) in refused {
        for root in BTreeSet::from([sets.find(left), sets.find(right)]) {
            clusters
                .get_mut(&root)
                .expect("every root has a cluster")
                .refused_links
                .push(refusal.clone());
        }
    }
    let mut clusters: Vec<Cluster> = clusters.into_values().collect();
    clusters.sort_by(|left, right| left.id.cmp(&right.id));
    Clustering {
        clusters,
        pairs_above_threshold: accepted.len(),
        refused_merges,
    }
}

/// Union–find with, per root, the identifier numbers its records carry.
struct DisjointSets {
    parent: Vec<usize>,
    identifier_numbers: Vec<BTreeSet<String>>,
}

impl DisjointSets {
    fn new(people: &[PreparedPerson]) -> DisjointSets {
        DisjointSets {
            parent: (0..people.len()).collect(),
            identifier_numbers: people
                .iter()
                .map(|person| person.id_numbers.iter().cloned().collect())
                .collect(),
        }
    }

    fn find(&mut self, mut position: usize) -> usize {
        while self.parent[position] != position {
            // Path halving keeps the trees shallow without recursion.
            self.parent[position] = self.parent[self.parent[position]];
            position = self.parent[position];
        }
        position
    }

    /// Why the clusters of two roots must stay apart, if they must.
    fn conflict(&self, left_root: usize, right_root: usize) -> Option<String> {
        let (left, right) = (
            &self.identifier_numbers[left_root],
            &self.identifier_numbers[right_root],
        );
        let conflicting = !left.is_empty() && !right.is_empty() && left.is_disjoint(right);
        conflicting.then(|| {
            let list = |numbers: &BTreeSet<String>| {
                numbers
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join("/")
            };
            format!(
                "conflicting identifier numbers: {} on one side, {} on the other",
                list(left),
                list(right)
            )
        })
    }

    fn union(&mut self, left_root: usize, right_root: usize) {
        // The smaller root survives, so the structure depends only on which merges
        // happen, not on the order pairs were given in.
        let (kept, absorbed) = (left_root.min(right_root), left_root.max(right_root));
        self.parent[absorbed] = kept;
        let moved = std::mem::take(&mut self.identifier_numbers[absorbed]);
        self.identifier_numbers[kept].extend(moved);
    }
}

#[cfg(test)]
mod tests {
    use super::cluster;
    use crate::fellegi_sunter::PairScore;
    use crate::person::{PersonRecord, PreparedPerson};

    /// `records` as `(id, identifier numbers)`, `pairs` as `(left, right, weight)`;
    /// checks the clusters (each as its sorted members, in cluster-id order) and how
    /// many merges were refused. Runs every case with the pairs reversed too: the
    /// result must not depend on their order.
    fn check(
        records: &[(&str, &[&str])],
        pairs: &[(&str, &str, f64)],
        threshold: f64,
        expected_clusters: &[&[&str]],
        expected_refused: usize,
    ) {
        let people: Vec<PreparedPerson> = records
            .iter()
            .map(|(id, numbers)| {
                PreparedPerson::prepare(&PersonRecord {
                    id: id.to_string(),
                    id_numbers: numbers.iter().map(|number| number.to_string()).collect(),
                    ..PersonRecord::default()
                })
            })
            .collect();
        let scores: Vec<PairScore> = pairs
            .iter()
            .map(|(left, right, weight)| PairScore {
                left: left.to_string(),
                right: right.to_string(),
                weight: *weight,
                probability: 0.5,
                conflicting_id_numbers: false,
                evidence: Vec::new(),
            })
            .collect();
        let forward = cluster(&people, &scores, threshold);
        let mut reversed_scores = scores.clone();
        reversed_scores.reverse();
        let reversed = cluster(&people, &reversed_scores, threshold);
        assert_eq!(forward, reversed, "pair order changed the result");
        let found: Vec<Vec<&str>> = forward
            .clusters
            .iter()
            .map(|cluster| cluster.members.iter().map(String::as_str).collect())
            .collect();
        let expected: Vec<Vec<&str>> = expected_clusters.iter().map(|c| c.to_vec()).collect();
        assert_eq!(found, expected, "clusters of {pairs:?} at {threshold}");
        assert_eq!(forward.refused_merges, expected_refused);
        for cluster in &forward.clusters {
            assert_eq!(cluster.id, cluster.members[0]);
            assert_eq!(cluster.links.len(), cluster.members.len() - 1);
        }
    }

    #[test]
    fn a_conflicting_identifier_stops_chaining() {
        // b links to a strongly and to c weakly; a and c hold different numbers, so
        // the weaker link is refused and c stays apart.
        check(
            &[("a", &["D1"]), ("b", &[]), ("c", &["D2"])],
            &[("a", "b", 12.0), ("b", "c", 6.0)],
            0.0,
            &[&["a", "b"], &["c"]],
            1,
        );
        // The stronger link wins whichever side it is on.
        check(
            &[("a", &["D1"]), ("b", &[]), ("c", &["D2"])],
            &[("a", "b", 6.0), ("b", "c", 12.0)],
            0.0,
            &[&["a"], &["b", "c"]],
            1,
        );
        // A shared number is no conflict, and a record with two numbers bridges both.
        check(
            &[("a", &["D1"]), ("b", &["D1", "P9"]), ("c", &["P9"])],
            &[("a", "b", 12.0), ("b", "c", 6.0)],
            0.0,
            &[&["a", "b", "c"]],
            0,
        );
        // A direct pair with different numbers is refused too.
        check(
            &[("a", &["D1"]), ("b", &["D2"])],
            &[("a", "b", 20.0)],
            0.0,
            &[&["a"], &["b"]],
            1,
        );
    }

    #[test]
    fn the_threshold_is_respected() {
        let records: &[(&str, &[&str])] = &[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[])];
        let pairs = &[("a", "b", 5.0), ("b", "c", 4.999), ("c", "d", -3.0)];
        check(records, pairs, 5.0, &[&["a", "b"], &["c"], &["d"]], 0);
        check(records, pairs, 4.0, &[&["a", "b", "c"], &["d"]], 0);
        check(records, pairs, -10.0, &[&["a", "b", "c", "d"]], 0);
    }

    #[test]
    fn cluster_ids_are_the_smallest_member_and_ties_are_deterministic() {
        // Equal weights: ties break by record ids, so (m, x) is taken before (n, x)
        // and n is the one refused.
        check(
            &[("x", &[]), ("n", &["D2"]), ("m", &["D1"]), ("z", &[])],
            &[("n", "x", 7.0), ("m", "x", 7.0), ("x", "z", 1.0)],
            0.0,
            &[&["m", "x", "z"], &["n"]],
            1,
        );
    }
}
