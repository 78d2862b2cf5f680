//! Community detection by the Leiden algorithm (Traag, Waltman and van Eck 2019, "From
//! Louvain to Leiden: guaranteeing well-connected communities").
//!
//! Each iteration repeats three phases until every community is a single node of the
//! aggregate graph:
//! 1. **fast local moving**: nodes, visited from a queue that starts in random order,
//!    move to the neighbouring community (or an empty one) with the largest quality
//!    gain; when a node moves, its neighbours outside its new community are queued again;
//! 2. **refinement**: inside each community, starting from singletons, a node that is
//!    still alone and well connected to its community joins a well-connected
//!    sub-community, chosen at random with probability ∝ exp(gain / θ) among those that
//!    do not lower quality (θ = `randomness`). This is what guarantees connected
//!    communities, which Louvain does not;
//! 3. **aggregation**: each refined sub-community becomes a node; the unrefined
//!    partition is the starting partition of the aggregate graph.
//!
//! Quality functions, for resolution γ (gains are computed in units of edge weight):
//! - modularity: Σ_c [w_c − γ K_c² / 4m]; node mass = strength;
//! - CPM (constant Potts model): Σ_c [w_c − γ n_c(n_c − 1)/2]; node mass = 1 per original
//!   node. CPM's γ is a density threshold and does not shrink as the graph grows.
//!
//! Directed graphs are taken as undirected with both directions' weights summed: rings
//! are about who is tied to whom. Iterations repeat the whole search from the previous
//! partition until one changes nothing or raises quality by less than `tolerance`
//! (relative), or `max_iterations`; a later iteration's partition is kept only if better. All randomness comes from
//! a ChaCha generator seeded by `seed`, so a seed gives one answer on every platform.

use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::quality::{cpm_quality, modularity};
use crate::{Graph, GraphError, NodeIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityFunction {
    Modularity,
    Cpm,
}

#[derive(Debug, Clone, Copy)]
pub struct LeidenParameters {
    pub quality: QualityFunction,
    /// γ: larger gives more, smaller communities (1.0 for modularity; for CPM a density
    /// threshold, e.g. 0.05).
    pub resolution: f64,
    pub seed: u64,
    /// `None`: iterate until an iteration changes nothing or raises quality by less
    /// than `tolerance`.
    pub max_iterations: Option<usize>,
    /// Smallest relative gain in quality (gain / |Q|) worth another iteration (1e-4;
    /// 0 iterates until nothing improves, which on scale-free graphs can take dozens of
    /// iterations for the last 0.1% of modularity).
    pub tolerance: f64,
    /// θ of the refinement's random choice (0.01, as in the paper).
    pub randomness: f64,
}

impl Default for LeidenParameters {
    fn default() -> Self {
        LeidenParameters {
            quality: QualityFunction::Modularity,
            resolution: 1.0,
            seed: 1,
            max_iterations: None,
            tolerance: 1e-4,
            randomness: 0.01,
        }
    }
}

/// A partition found by Leiden: communities numbered by decreasing size.
#[derive(Debug, Clone)]
pub struct Communities {
    pub membership: Vec<u32>,
    pub sizes: Vec<usize>,
    /// The partition's quality under the chosen function (modularity normalised to
    /// [−1/2, 1], CPM in edge-weight units).
    pub quality: f64,
    pub iterations: usize,
}

impl Communities {
    pub fn count(&self) -> usize {
        self.sizes.len()
    }
}

/// Communities within communities, so that a large ring shows its cells: Leiden run
/// again, with the same parameters, on the subgraph that each community (`membership`,
/// one community number per node) of at least `split_from` nodes induces — its quality
/// measured within that subgraph, ties leaving it ignored. Returns every node's
/// sub-community, numbered by decreasing size within its community; every node of a
/// smaller community, or of one Leiden leaves whole, is in sub-community 0.
pub fn subcommunities(
    graph: &Graph,
    membership: &[u32],
    parameters: &LeidenParameters,
    split_from: usize,
) -> Result<Vec<u32>, GraphError> {
    let n = graph.node_count();
    if membership.len() != n {
        return Err(GraphError::InvalidParameter {
            name: "membership",
            reason: format!("{} community numbers for {n} nodes", membership.len()),
        });
    }
    let count = membership.iter().max().map_or(0, |&top| top as usize + 1);
    // Each node's index within its community's subgraph.
    let mut local = vec![0 as NodeIndex; n];
    let mut members: Vec<Vec<NodeIndex>> = vec![Vec::new(); count];
    for (v, &community) in membership.iter().enumerate() {
        let nodes = &mut members[community as usize];
        local[v] = nodes.len() as NodeIndex;
        nodes.push(v as NodeIndex);
    }
    let split = |community: u32| members[community as usize].len() >= split_from.max(2);
    let mut inside: Vec<Vec<(NodeIndex, NodeIndex, f64)>> = vec![Vec::new(); count];
    for (u, v, weight) in graph.edges() {
        let community = membership[u as usize];
        if community == membership[v as usize] && split(community) {
            inside[community as usize].push((local[u as usize], local[v as usize], weight));
        }
    }
    let mut sub = vec![0u32; n];
    for (community, nodes) in members.iter().enumerate() {
        if !split(community as u32) {
            continue;
        }
        let edges = std::mem::take(&mut inside[community]);
        let subgraph = Graph::from_index_edges(graph.is_directed(), nodes.len(), edges)?;
        let found = leiden(&subgraph, parameters)?;
        for (&v, &cell) in nodes.iter().zip(&found.membership) {
            sub[v as usize] = cell;
        }
    }
    Ok(sub)
}

/// Runs Leiden on a graph.
pub fn leiden(graph: &Graph, parameters: &LeidenParameters) -> Result<Communities, GraphError> {
    if !(parameters.resolution >= 0.0 && parameters.resolution.is_finite()) {
        return Err(GraphError::InvalidParameter {
            name: "resolution",
            reason: format!("{} is not a non-negative number", parameters.resolution),
        });
    }
    if parameters.randomness <= 0.0 {
        return Err(GraphError::InvalidParameter {
            name: "randomness",
            reason: "must be positive".into(),
        });
    }
    let undirected = graph.to_undirected();
    let base = LevelGraph::from_graph(&undirected, parameters.quality);
    let twice_total: f64 = base.weights.iter().sum();
    let scale = match parameters.quality {
        QualityFunction::Modularity if twice_total > 0.0 => parameters.resolution / twice_total,
        QualityFunction::Modularity => 0.0,
        QualityFunction::Cpm => parameters.resolution,
    };
    let mut search = Search {
        rng: ChaCha8Rng::seed_from_u64(parameters.seed),
        scale,
        randomness: parameters.randomness,
    };
    let n = undirected.node_count();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let quality_of = |membership: &[u32]| match parameters.quality {
        QualityFunction::Modularity => modularity(&undirected, membership, parameters.resolution),
        QualityFunction::Cpm => cpm_quality(&undirected, membership, parameters.resolution),
    };
    let mut quality = quality_of(&membership);
    let mut iterations = 0;
    loop {
        iterations += 1;
        let next = renumber_by_size(&search.iteration(&base, &membership));
        let next_quality = quality_of(&next);
        // Stop when an iteration changes nothing or gains nothing: on graphs with many
        // near-equal partitions (scale-free ones) the random refinement can otherwise
        // keep trading one partition for an equally good one.
        let unchanged = next == membership;
        let gain = next_quality - quality;
        let improved = gain > 1e-12 * quality.abs().max(1.0);
        if improved || iterations == 1 {
            membership = next;
            quality = next_quality;
        }
        if unchanged
            || !improved
            || gain < parameters.tolerance * quality.abs()
            || parameters
                .max_iterations
                .is_some_and(|max| iterations >= max)
        {
            break;
        }
    }
    let mut sizes = vec![
        0usize;
        membership
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0)
    ];
    for &c in &membership {
        sizes[c as usize] += 1;
    }
    Ok(Communities {
        membership,
        sizes,
        quality,
        iterations,
    })
}

/// Labels `0..k` by decreasing community size, ties by lowest node.
fn renumber_by_size(membership: &[u32]) -> Vec<u32> {
    let count = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut sizes = vec![0usize; count];
    let mut first = vec![usize::MAX; count];
    for (v, &c) in membership.iter().enumerate() {
        sizes[c as usize] += 1;
        first[c as usize] = first[c as usize].min(v);
    }
    let mut order: Vec<usize> = (0..count).filter(|&c| sizes[c] > 0).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(sizes[c]), first[c]));
    let mut label = vec![u32::MAX; count];
    for (rank, &c) in order.iter().enumerate() {
        label[c] = rank as u32;
    }
    membership.iter().map(|&c| label[c as usize]).collect()
}

/// An undirected weighted graph of one level, without self-loops (they add a constant
/// to every move's gain), and with each node's mass.
struct LevelGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    mass: Vec<f64>,
}

impl LevelGraph {
    fn from_graph(graph: &Graph, quality: QualityFunction) -> Self {
        let n = graph.node_count();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        offsets.push(0);
        for v in 0..n as u32 {
            targets.extend_from_slice(graph.neighbours(v));
            weights.extend_from_slice(graph.weights(v));
            offsets.push(targets.len());
        }
        let mass = (0..n as u32)
            .map(|v| match quality {
                QualityFunction::Modularity => graph.strength(v),
                QualityFunction::Cpm => 1.0,
            })
            .collect();
        LevelGraph {
            offsets,
            targets,
            weights,
            mass,
        }
    }

    fn node_count(&self) -> usize {
        self.mass.len()
    }

    #[inline]
    fn edges(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.offsets[v as usize]..self.offsets[v as usize + 1];
        self.targets[range.clone()]
            .iter()
            .copied()
            .zip(self.weights[range].iter().copied())
    }

    /// The graph of the groups of `group` (labels `0..count`), summing edge weights
    /// between groups and masses within them.
    fn aggregate(&self, group: &[u32], count: usize) -> LevelGraph {
        let n = self.node_count();
        let mut mass = vec![0.0; count];
        let mut members_start = vec![0usize; count + 1];
        for v in 0..n {
            mass[group[v] as usize] += self.mass[v];
            members_start[group[v] as usize + 1] += 1;
        }
        for c in 0..count {
            members_start[c + 1] += members_start[c];
        }
        let mut cursor = members_start.clone();
        let mut members = vec![0u32; n];
        for v in 0..n {
            members[cursor[group[v] as usize]] = v as u32;
            cursor[group[v] as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(count + 1);
        offsets.push(0);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        let mut accumulated = vec![0.0; count];
        let mut touched = Vec::new();
        for c in 0..count {
            for &v in &members[members_start[c]..members_start[c + 1]] {
                for (u, w) in self.edges(v) {
                    let d = group[u as usize];
                    if d as usize == c {
                        continue;
                    }
                    if accumulated[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    accumulated[d as usize] += w;
                }
            }
            touched.sort_unstable();
            for d in touched.drain(..) {
                targets.push(d);
                weights.push(accumulated[d as usize]);
                accumulated[d as usize] = 0.0;
            }
            offsets.push(targets.len());
        }
        LevelGraph {
            offsets,
            targets,
            weights,
            mass,
        }
    }
}

struct Search {
    rng: ChaCha8Rng,
    /// Factor of the mass penalty: γ / 2m for modularity, γ for CPM.
    scale: f64,
    randomness: f64,
}

/// Gains below this are treated as no gain, so float noise cannot make nodes cycle.
const EPSILON: f64 = 1e-10;

impl Search {
    /// One Leiden iteration from `initial` (labels on the base graph's nodes); returns
    /// the new membership of the base nodes.
    fn iteration(&mut self, base: &LevelGraph, initial: &[u32]) -> Vec<u32> {
        let mut owned;
        let mut level = base;
        // Base node -> node of the current level.
        let mut level_of: Vec<u32> = (0..base.node_count() as u32).collect();
        let mut partition = initial.to_vec();
        loop {
            self.move_nodes_fast(level, &mut partition);
            let community_count = dense_relabel(&mut partition);
            if community_count == level.node_count() {
                break;
            }
            let mut refined = self.refine(level, &partition);
            let mut refined_count = dense_relabel(&mut refined);
            if refined_count == level.node_count() {
                // Refinement merged nothing: aggregate by the partition itself so the
                // graph still shrinks.
                refined = partition.clone();
                refined_count = community_count;
            }
            let mut next_partition = vec![0u32; refined_count];
            for v in 0..level.node_count() {
                next_partition[refined[v] as usize] = partition[v];
            }
            for node in level_of.iter_mut() {
                *node = refined[*node as usize];
            }
            owned = level.aggregate(&refined, refined_count);
            level = &owned;
            partition = next_partition;
        }
        level_of
            .iter()
            .map(|&node| partition[node as usize])
            .collect()
    }

    /// Queue-based local moving; returns whether any node moved.
    fn move_nodes_fast(&mut self, graph: &LevelGraph, partition: &mut [u32]) -> bool {
        let n = graph.node_count();
        let mut community_mass = vec![0.0; n];
        let mut community_size = vec![0u32; n];
        for v in 0..n {
            community_mass[partition[v] as usize] += graph.mass[v];
            community_size[partition[v] as usize] += 1;
        }
        let mut empty: Vec<u32> = (0..n as u32)
            .filter(|&c| community_size[c as usize] == 0)
            .collect();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(&mut self.rng);
        let mut queue: VecDeque<u32> = order.into_iter().collect();
        let mut queued = vec![true; n];
        let mut weight_to = vec![0.0; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut changed = false;
        while let Some(v) = queue.pop_front() {
            queued[v as usize] = false;
            let current = partition[v as usize];
            let mass_v = graph.mass[v as usize];
            for (u, w) in graph.edges(v) {
                let c = partition[u as usize];
                if weight_to[c as usize] == 0.0 {
                    touched.push(c);
                }
                weight_to[c as usize] += w;
            }
            community_mass[current as usize] -= mass_v;
            community_size[current as usize] -= 1;
            let stay_gain = weight_to[current as usize]
                - self.scale * mass_v * community_mass[current as usize];
            let mut best = current;
            let mut best_gain = stay_gain;
            for &c in &touched {
                let gain = weight_to[c as usize] - self.scale * mass_v * community_mass[c as usize];
                if gain > best_gain + EPSILON || (gain > best_gain - EPSILON && c == current) {
                    best = c;
                    best_gain = gain;
                }
            }
            // An empty community has gain 0; leaving for one only helps a node that
            // costs its community more than it brings.
            if best_gain < -EPSILON
                && community_size[current as usize] > 0
                && let Some(&fresh) = empty.last()
            {
                best = fresh;
            }
            for c in touched.drain(..) {
                weight_to[c as usize] = 0.0;
            }
            if best == current {
                community_mass[current as usize] += mass_v;
                community_size[current as usize] += 1;
                continue;
            }
            if empty.last() == Some(&best) {
                empty.pop();
            }
            if community_size[current as usize] == 0 {
                empty.push(current);
            }
            partition[v as usize] = best;
            community_mass[best as usize] += mass_v;
            community_size[best as usize] += 1;
            changed = true;
            for (u, _) in graph.edges(v) {
                if !queued[u as usize] && partition[u as usize] != best {
                    queued[u as usize] = true;
                    queue.push_back(u);
                }
            }
        }
        changed
    }

    /// Refines each community of `partition` from singletons (see the module doc).
    fn refine(&mut self, graph: &LevelGraph, partition: &[u32]) -> Vec<u32> {
        let n = graph.node_count();
        let mut community_mass = vec![0.0; n];
        for v in 0..n {
            community_mass[partition[v] as usize] += graph.mass[v];
        }
        let mut refined: Vec<u32> = (0..n as u32).collect();
        let mut refined_mass = graph.mass.clone();
        let mut refined_size = vec![1u32; n];
        // Weight from each refined sub-community to the rest of its community.
        let mut external: Vec<f64> = (0..n as u32)
            .map(|v| {
                graph
                    .edges(v)
                    .filter(|&(u, _)| partition[u as usize] == partition[v as usize])
                    .map(|(_, w)| w)
                    .sum()
            })
            .collect();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(&mut self.rng);
        let mut weight_to = vec![0.0; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut candidates: Vec<(u32, f64)> = Vec::new();
        for v in order {
            let own = refined[v as usize];
            if refined_size[own as usize] != 1 {
                continue;
            }
            let community = partition[v as usize] as usize;
            let mass_v = graph.mass[v as usize];
            let total = community_mass[community];
            let well_connected =
                external[own as usize] >= self.scale * mass_v * (total - mass_v) - EPSILON;
            if !well_connected {
                continue;
            }
            for (u, w) in graph.edges(v) {
                if partition[u as usize] as usize != community {
                    continue;
                }
                let sub = refined[u as usize];
                if weight_to[sub as usize] == 0.0 {
                    touched.push(sub);
                }
                weight_to[sub as usize] += w;
            }
            candidates.clear();
            candidates.push((own, 0.0));
            for &sub in &touched {
                let sub_mass = refined_mass[sub as usize];
                let sub_well_connected =
                    external[sub as usize] >= self.scale * sub_mass * (total - sub_mass) - EPSILON;
                let gain = weight_to[sub as usize] - self.scale * mass_v * sub_mass;
                if sub != own && sub_well_connected && gain >= 0.0 {
                    candidates.push((sub, gain));
                }
            }
            let chosen = if candidates.len() == 1 {
                own
            } else {
                let best = candidates.iter().map(|&(_, gain)| gain).fold(0.0, f64::max);
                let total_weight: f64 = candidates
                    .iter()
                    .map(|&(_, gain)| ((gain - best) / self.randomness).exp())
                    .sum();
                let mut pick = self.rng.random::<f64>() * total_weight;
                let mut chosen = candidates.last().unwrap().0;
                for &(sub, gain) in &candidates {
                    pick -= ((gain - best) / self.randomness).exp();
                    if pick <= 0.0 {
                        chosen = sub;
                        break;
                    }
                }
                chosen
            };
            if chosen != own {
                external[chosen as usize] +=
                    external[own as usize] - 2.0 * weight_to[chosen as usize];
                refined_mass[chosen as usize] += mass_v;
                refined_size[chosen as usize] += 1;
                refined_size[own as usize] = 0;
                refined[v as usize] = chosen;
            }
            for sub in touched.drain(..) {
                weight_to[sub as usize] = 0.0;
            }
        }
        refined
    }
}

/// Relabels to `0..count` in order of first appearance; returns `count`.
fn dense_relabel(labels: &mut [u32]) -> usize {
    let mut map = vec![u32::MAX; labels.len()];
    let mut count = 0u32;
    for label in labels.iter_mut() {
        let slot = &mut map[*label as usize];
        if *slot == u32::MAX {
            *slot = count;
            count += 1;
        }
        *label = *slot;
    }
    count as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::planted_partition;
    use crate::quality::{adjusted_rand_index, normalized_mutual_information};

    #[test]
    fn subcommunities_find_the_cells_of_a_large_community() {
        let (graph, cells) = planted_partition(&[25, 25, 25, 25], 0.5, 0.01, 5);
        let n = graph.node_count();
        // One community of everything: its sub-communities are the planted cells.
        let whole = vec![0; n];
        let parameters = LeidenParameters {
            seed: 3,
            ..Default::default()
        };
        let sub = subcommunities(&graph, &whole, &parameters, 50).unwrap();
        assert!(adjusted_rand_index(&sub, &cells) > 0.9, "{sub:?}");
        assert_eq!(
            sub,
            subcommunities(&graph, &whole, &parameters, 50).unwrap()
        );
        // Communities smaller than `split_from` are left whole.
        assert_eq!(
            subcommunities(&graph, &whole, &parameters, n + 1).unwrap(),
            vec![0; n]
        );
        assert!(subcommunities(&graph, &whole[1..], &parameters, 2).is_err());
    }

    #[test]
    fn two_triangles_split_at_the_bridge() {
        let edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)];
        let graph =
            Graph::from_index_edges(false, 6, edges.iter().map(|&(u, v)| (u, v, 1.0))).unwrap();
        let found = leiden(&graph, &LeidenParameters::default()).unwrap();
        assert_eq!(found.membership, vec![0, 0, 0, 1, 1, 1]);
        assert!((found.quality - 5.0 / 14.0).abs() < 1e-12);
    }

    #[test]
    fn recovers_planted_communities() {
        let (graph, truth) = planted_partition(&[40, 40, 40, 40, 40], 0.3, 0.01, 3);
        for quality in [QualityFunction::Modularity, QualityFunction::Cpm] {
            let parameters = LeidenParameters {
                quality,
                resolution: if quality == QualityFunction::Cpm {
                    0.05
                } else {
                    1.0
                },
                seed: 11,
                ..Default::default()
            };
            let found = leiden(&graph, &parameters).unwrap();
            let ari = adjusted_rand_index(&truth, &found.membership);
            let nmi = normalized_mutual_information(&truth, &found.membership);
            assert!(
                ari > 0.95 && nmi > 0.95,
                "{quality:?}: ARI {ari}, NMI {nmi}"
            );
            assert_eq!(found.count(), 5, "{quality:?}: sizes {:?}", found.sizes);
        }
    }

    #[test]
    fn seeded_runs_repeat_and_beat_singletons() {
        let graph = crate::generate::barabasi_albert(2000, 3, 5);
        let parameters = LeidenParameters {
            seed: 42,
            ..Default::default()
        };
        let first = leiden(&graph, &parameters).unwrap();
        let again = leiden(&graph, &parameters).unwrap();
        assert_eq!(first.membership, again.membership);
        assert!(first.quality > 0.3, "modularity {}", first.quality);
        // Leiden's guarantee: every community is connected.
        for community in 0..first.count() as u32 {
            let removed: Vec<bool> = first.membership.iter().map(|&c| c != community).collect();
            let parts = crate::components::components_without(&graph, &removed);
            assert_eq!(parts.count(), 1, "community {community} is not connected");
        }
    }
}
