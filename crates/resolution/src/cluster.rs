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

use std::collections::{BTreeMap, BTreeSet};

use crate::Text;
use crate::compare::{one_edit_apart, schemes_comparable};
use crate::fellegi_sunter::ScoredPair;
use crate::person::PreparedPerson;

/// One resolved entity: its records and the pairs that built it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The smallest record id of the cluster.
    pub id: String,
    /// Record ids, sorted.
    pub members: Vec<String>,
    /// The pairs whose merges built the cluster, in the order they were taken.
    pub links: Vec<ScoredPair>,
    /// Merges made by `same` judgements (record index pairs), before any model link.
    pub judged_links: Vec<(u32, u32)>,
    /// Pairs at or above the threshold whose records were already together.
    pub supporting_pairs: Vec<ScoredPair>,
    /// Links touching this cluster's records that were refused.
    pub refused_links: Vec<RefusedMerge>,
}

/// A pair at or above the threshold that was not merged, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedMerge {
    pub pair: ScoredPair,
    pub reason: String,
}

/// The result of clustering: every record in exactly one cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clustering {
    /// Ordered by cluster id; singletons included.
    pub clusters: Vec<Cluster>,
    /// Pairs at or above the threshold.
    pub pairs_above_threshold: usize,
    /// Merges refused for conflicting identifiers or a `different` judgement.
    pub refused_merges: usize,
    /// `different` judgements whose records `same` judgements joined anyway.
    pub contradictions: Vec<(u32, u32)>,
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
        assignments.sort_unstable();
        assignments
    }
}

/// Reviewers' decisions, as constraints on clustering (indices into the records).
///
/// `same` pairs are merged first, whatever the model or the identifier veto says: a
/// person who looked at both records decided. `different` pairs ("not the same", or
/// the two sides of a split) are never brought together by model links, directly or
/// through others. A `different` pair that `same` judgements join anyway is reported
/// in [`Clustering::contradictions`]; the caller replays the log so that the later
/// decision wins before it gets here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgements {
    pub same: Vec<(u32, u32)>,
    pub different: Vec<(u32, u32)>,
}

/// Clusters `people` by the scored pairs with weight ≥ `threshold`; pair indices point
/// into `people`.
pub fn cluster(people: &[PreparedPerson], scores: &[ScoredPair], threshold: f64) -> Clustering {
    cluster_with_judgements(people, scores, threshold, &Judgements::default())
}

/// [`cluster`] under reviewers' [`Judgements`].
pub fn cluster_with_judgements(
    people: &[PreparedPerson],
    scores: &[ScoredPair],
    threshold: f64,
    judgements: &Judgements,
) -> Clustering {
    let mut accepted: Vec<&ScoredPair> = scores
        .iter()
        .filter(|score| score.weight >= threshold)
        .collect();
    let ids = |pair: &ScoredPair| {
        let (left, right) = (
            people[pair.left as usize].id.as_str(),
            people[pair.right as usize].id.as_str(),
        );
        if left <= right {
            (left, right)
        } else {
            (right, left)
        }
    };
    accepted.sort_by(|left, right| {
        right
            .weight
            .total_cmp(&left.weight)
            .then_with(|| ids(left).cmp(&ids(right)))
    });

    let mut sets = DisjointSets::new(people);
    let mut judged_links: Vec<(u32, u32)> = Vec::new();
    for (left, right) in &judgements.same {
        let (left_root, right_root) = (sets.find(*left as usize), sets.find(*right as usize));
        if left_root != right_root {
            sets.union(left_root, right_root);
            judged_links.push((*left, *right));
        }
    }
    let mut contradictions = Vec::new();
    for (left, right) in &judgements.different {
        if sets.find(*left as usize) == sets.find(*right as usize) {
            contradictions.push((*left, *right));
        } else {
            sets.forbid(*left as usize, *right as usize);
        }
    }
    let mut links: Vec<ScoredPair> = Vec::new();
    let mut supporting: Vec<ScoredPair> = Vec::new();
    let mut refused: Vec<RefusedMerge> = Vec::new();
    for score in &accepted {
        let (left, right) = (score.left as usize, score.right as usize);
        let (left_root, right_root) = (sets.find(left), sets.find(right));
        if left_root == right_root {
            supporting.push(**score);
            continue;
        }
        match sets.conflict(left_root, right_root) {
            Some(reason) => refused.push(RefusedMerge {
                pair: **score,
                reason,
            }),
            None => {
                sets.union(left_root, right_root);
                links.push(**score);
            }
        }
    }

    let roots: Vec<usize> = (0..people.len())
        .map(|position| sets.find(position))
        .collect();
    let mut clusters: BTreeMap<usize, Cluster> = BTreeMap::new();
    for (position, root) in roots.iter().enumerate() {
        clusters
            .entry(*root)
            .or_insert_with(|| Cluster {
                id: String::new(),
                members: Vec::new(),
                links: Vec::new(),
                judged_links: Vec::new(),
                supporting_pairs: Vec::new(),
                refused_links: Vec::new(),
            })
            .members
            .push(people[position].id.to_string());
    }
    for cluster in clusters.values_mut() {
        cluster.members.sort_unstable();
        cluster.id.clone_from(&cluster.members[0]);
    }
    fn cluster_of<'c>(
        clusters: &'c mut BTreeMap<usize, Cluster>,
        roots: &[usize],
        position: u32,
    ) -> &'c mut Cluster {
        clusters
            .get_mut(&roots[position as usize])
            .expect("every root has a cluster")
    }
    for link in links {
        cluster_of(&mut clusters, &roots, link.left)
            .links
            .push(link);
    }
    for (left, right) in judged_links {
        cluster_of(&mut clusters, &roots, left)
            .judged_links
            .push((left, right));
    }
    for pair in supporting {
        cluster_of(&mut clusters, &roots, pair.left)
            .supporting_pairs
            .push(pair);
    }
    let refused_merges = refused.len();
    for refusal in refused {
        let (left, right) = (refusal.pair.left, refusal.pair.right);
        if roots[left as usize] != roots[right as usize] {
            cluster_of(&mut clusters, &roots, right)
                .refused_links
                .push(refusal.clone());
        }
        cluster_of(&mut clusters, &roots, left)
            .refused_links
            .push(refusal);
    }
    let mut clusters: Vec<Cluster> = clusters.into_values().collect();
    clusters.sort_unstable_by(|left, right| left.id.cmp(&right.id));
    Clustering {
        clusters,
        pairs_above_threshold: accepted.len(),
        refused_merges,
        contradictions,
    }
}

/// Union–find with, per root, the identifier numbers its records carry and the records
/// a `different` judgement keeps away from it.
struct DisjointSets {
    parent: Vec<usize>,
    /// `(scheme, number)`; see [`crate::PersonRecord::id_scheme`].
    identifier_numbers: Vec<BTreeSet<(Option<Text>, Text)>>,
    kept_apart: Vec<Vec<usize>>,
}

impl DisjointSets {
    fn new(people: &[PreparedPerson]) -> DisjointSets {
        DisjointSets {
            parent: (0..people.len()).collect(),
            identifier_numbers: people
                .iter()
                .map(|person| {
                    person
                        .id_numbers
                        .iter()
                        .map(|number| (person.id_scheme.clone(), number.clone()))
                        .collect()
                })
                .collect(),
            kept_apart: vec![Vec::new(); people.len()],
        }
    }

    /// Keeps the clusters of two records apart from now on.
    fn forbid(&mut self, left: usize, right: usize) {
        let (left_root, right_root) = (self.find(left), self.find(right));
        self.kept_apart[left_root].push(right);
        self.kept_apart[right_root].push(left);
    }

    /// A `different` judgement between the two clusters, if there is one.
    fn judged_apart(&mut self, left_root: usize, right_root: usize) -> bool {
        let partners = std::mem::take(&mut self.kept_apart[left_root]);
        let apart = partners
            .iter()
            .any(|partner| self.find(*partner) == right_root);
        self.kept_apart[left_root] = partners;
        apart
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
    fn conflict(&mut self, left_root: usize, right_root: usize) -> Option<String> {
        if self.judged_apart(left_root, right_root) {
            return Some("a reviewer judged them not the same".to_string());
        }
        let (left, right) = (
            &self.identifier_numbers[left_root],
            &self.identifier_numbers[right_root],
        );
        // Numbers conflict only within one scheme, and a number one keystroke from
        // the other side's is taken for a keying error, as `compare` does. An equal
        // number in any scheme is agreement.
        let shares_a_number = left
            .iter()
            .any(|(_, number)| right.iter().any(|(_, other)| other == number));
        let mut comparable = false;
        let mut close = false;
        for (left_scheme, number) in left {
            for (right_scheme, other) in right {
                if schemes_comparable(left_scheme, right_scheme) {
                    comparable = true;
                    close |= one_edit_apart(number, other);
                }
            }
        }
        let conflicting = !shares_a_number && comparable && !close;
        conflicting.then(|| {
            let list = |numbers: &BTreeSet<(Option<Text>, Text)>| {
                numbers
                    .iter()
                    .map(|(scheme, number)| match scheme {
                        Some(scheme) => format!("{number} ({scheme})"),
                        None => number.to_string(),
                    })
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
        let moved = std::mem::take(&mut self.kept_apart[absorbed]);
        self.kept_apart[kept].extend(moved);
    }
}

#[cfg(test)]
mod tests {
    use super::{Judgements, cluster, cluster_with_judgements};
    use crate::fellegi_sunter::ScoredPair;
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
        let position = |id: &str| {
            records
                .iter()
                .position(|(record, _)| *record == id)
                .expect("a pair names a record") as u32
        };
        let scores: Vec<ScoredPair> = pairs
            .iter()
            .map(|(left, right, weight)| ScoredPair {
                left: position(left),
                right: position(right),
                weight: *weight,
                conflicting_id_numbers: false,
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
        // A number one keystroke away is a keying error, not a second person.
        check(
            &[("a", &["D1234567"]), ("b", &["D1243567"])],
            &[("a", "b", 20.0)],
            0.0,
            &[&["a", "b"]],
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

    /// Clusters a, b, c (numbers as given) under judgements; returns the member lists.
    fn judged(
        numbers: [&[&str]; 3],
        pairs: &[(u32, u32, f64)],
        judgements: &Judgements,
    ) -> (Vec<Vec<String>>, usize, usize) {
        let people: Vec<PreparedPerson> = ["a", "b", "c"]
            .iter()
            .zip(numbers)
            .map(|(id, numbers)| {
                PreparedPerson::prepare(&PersonRecord {
                    id: id.to_string(),
                    id_numbers: numbers.iter().map(|number| number.to_string()).collect(),
                    ..PersonRecord::default()
                })
            })
            .collect();
        let scores: Vec<ScoredPair> = pairs
            .iter()
            .map(|(left, right, weight)| ScoredPair {
                left: *left,
                right: *right,
                weight: *weight,
                conflicting_id_numbers: false,
            })
            .collect();
        let clustering = cluster_with_judgements(&people, &scores, 0.0, judgements);
        (
            clustering
                .clusters
                .iter()
                .map(|cluster| cluster.members.clone())
                .collect(),
            clustering.refused_merges,
            clustering.contradictions.len(),
        )
    }

    #[test]
    fn judgements_override_the_model_and_the_veto() {
        // A reviewer's merge joins records with different numbers and no score.
        let (clusters, refused, _) = judged(
            [&["D1"], &["D2"], &[]],
            &[],
            &Judgements {
                same: vec![(0, 1)],
                different: vec![],
            },
        );
        assert_eq!(clusters, [vec!["a", "b"], vec!["c"]]);
        assert_eq!(refused, 0);

        // "Not the same" keeps a strong pair apart, and stops chaining through b.
        let pairs = [(0, 1, 20.0), (1, 2, 10.0)];
        let (clusters, refused, _) = judged(
            [&[], &[], &[]],
            &pairs,
            &Judgements {
                same: vec![],
                different: vec![(0, 2)],
            },
        );
        assert_eq!(clusters, [vec!["a", "b"], vec!["c"]]);
        assert_eq!(refused, 1);

        // Without judgements the same pairs chain all three: the judgement did it.
        let (clusters, _, _) = judged([&[], &[], &[]], &pairs, &Judgements::default());
        assert_eq!(clusters, [vec!["a", "b", "c"]]);

        // Contradictory judgements are reported, the merge stands.
        let (clusters, _, contradictions) = judged(
            [&[], &[], &[]],
            &[],
            &Judgements {
                same: vec![(0, 1), (1, 2)],
                different: vec![(0, 2)],
            },
        );
        assert_eq!(clusters, [vec!["a", "b", "c"]]);
        assert_eq!(contradictions, 1);
    }
}
