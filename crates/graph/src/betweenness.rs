//! Betweenness centrality by Brandes' algorithm (Brandes 2001, "A faster algorithm for
//! betweenness centrality"), exact or estimated from sampled pivots (Brandes and Pich
//! 2007, "Centrality estimation in large networks").
//!
//! Scores are raw pair counts, not normalised: the number of shortest paths between
//! other pairs that pass through a node, each pair's paths sharing one unit; an
//! undirected pair counts once (as igraph and networkx with `normalized=False`).
//! Path lengths follow a [`Cost`]: [`Cost::Hops`] runs BFS, the others Dijkstra.
//!
//! The sampled estimate sums the dependencies of `pivots` sources drawn without
//! replacement by a seeded ChaCha generator and scales them by n / pivots; it is unbiased,
//! and each node's standard error comes from the spread of its per-pivot dependencies
//! (with the finite-population correction). Pivots are split across threads; each thread
//! keeps its own sums, added in thread order, so a seed and thread count give one answer.
//!
//! [`subset_betweenness`] counts only the shortest paths between nodes of a given set
//! (Brandes 2008, "On variants of shortest-path betweenness centrality and their generic
//! computation", §3.3): who sits between the nodes that matter, whatever else the
//! network carries.

use std::collections::BinaryHeap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::traversal::{Cost, Queued};
use crate::{Graph, GraphError, NodeIndex, parallel_chunks};

/// Betweenness of every node, with how it was obtained.
#[derive(Debug, Clone)]
pub struct Betweenness {
    pub scores: Vec<f64>,
    /// Sources used: all nodes when exact.
    pub pivots: usize,
    pub exact: bool,
    /// Standard error of each estimate (zeros when exact).
    pub standard_error: Vec<f64>,
}

/// Exact betweenness: every node a source.
pub fn betweenness(graph: &Graph, cost: Cost, threads: usize) -> Betweenness {
    let sources: Vec<NodeIndex> = (0..graph.node_count() as NodeIndex).collect();
    let n = graph.node_count();
    let (sums, _) = accumulate(graph, &sources, None, cost, threads);
    let halve = if graph.is_directed() { 1.0 } else { 0.5 };
    Betweenness {
        scores: sums.into_iter().map(|sum| sum * halve).collect(),
        pivots: n,
        exact: true,
        standard_error: vec![0.0; n],
    }
}

/// Betweenness over the paths from `sources` to `targets` only (flags per node): for
/// every node, the sum over source–target pairs of the share of their shortest (hop)
/// paths that pass through it, halved on undirected graphs (as networkx's
/// `betweenness_centrality_subset`; with one set for both, an undirected pair then
/// counts once). With more than `pivots` sources, `pivots` of them drawn by the seeded
/// generator are searched from and the sums scaled by sources / pivots (unbiased, as
/// [`sampled_betweenness`]).
pub fn subset_betweenness(
    graph: &Graph,
    sources: &[bool],
    targets: &[bool],
    pivots: usize,
    seed: u64,
    threads: usize,
) -> Result<Betweenness, GraphError> {
    let n = graph.node_count();
    for (name, flags) in [("sources", sources), ("targets", targets)] {
        if flags.len() != n {
            return Err(GraphError::InvalidParameter {
                name,
                reason: format!("{} flags for {n} nodes", flags.len()),
            });
        }
    }
    let members = sources;
    if pivots == 0 {
        return Err(GraphError::InvalidParameter {
            name: "pivots",
            reason: "must be at least 1".into(),
        });
    }
    let mut sources: Vec<NodeIndex> = (0..n as NodeIndex)
        .filter(|&v| members[v as usize])
        .collect();
    let member_count = sources.len();
    let exact = pivots >= member_count;
    if !exact {
        sources.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        sources.truncate(pivots);
    }
    let (sums, squares) = accumulate(graph, &sources, Some(targets), Cost::Hops, threads);
    Ok(estimate(graph, sums, &squares, member_count, sources.len()))
}

/// Betweenness estimated from `pivots` random sources; exact when `pivots >= n`.
pub fn sampled_betweenness(
    graph: &Graph,
    pivots: usize,
    seed: u64,
    cost: Cost,
    threads: usize,
) -> Result<Betweenness, GraphError> {
    let n = graph.node_count();
    if pivots == 0 {
        return Err(GraphError::InvalidParameter {
            name: "pivots",
            reason: "must be at least 1".into(),
        });
    }
    if pivots >= n {
        return Ok(betweenness(graph, cost, threads));
    }
    let mut sources: Vec<NodeIndex> = (0..n as NodeIndex).collect();
    sources.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    sources.truncate(pivots);
    let (sums, squares) = accumulate(graph, &sources, None, cost, threads);
    Ok(estimate(graph, sums, &squares, n, pivots))
}

/// Scores from the dependency sums of `pivots` sources drawn from `population`: scaled
/// by population / pivots, with each estimate's standard error from the spread of its
/// per-source dependencies and the finite-population correction (exact, error 0, when
/// every source was searched).
fn estimate(
    graph: &Graph,
    sums: Vec<f64>,
    squares: &[f64],
    population: usize,
    pivots: usize,
) -> Betweenness {
    let halve = if graph.is_directed() { 1.0 } else { 0.5 };
    let p = pivots.max(1) as f64;
    let population = population.max(1) as f64;
    let scale = population / p;
    let population_correction = ((population - p) / (population - 1.0).max(1.0)).max(0.0);
    let standard_error = sums
        .iter()
        .zip(squares)
        .map(|(&sum, &square)| {
            let mean = sum / p;
            let variance = (square / p - mean * mean).max(0.0) * p / (p - 1.0).max(1.0);
            halve * population * (variance / p * population_correction).sqrt()
        })
        .collect();
    Betweenness {
        scores: sums.into_iter().map(|sum| sum * scale * halve).collect(),
        pivots,
        exact: p >= population,
        standard_error,
    }
}

/// Sums of the single-source dependencies δ_s(v) over `sources`, and of their squares;
/// with `targets`, only paths ending at a flagged node count (hop costs only).
fn accumulate(
    graph: &Graph,
    sources: &[NodeIndex],
    targets: Option<&[bool]>,
    cost: Cost,
    threads: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n = graph.node_count();
    if n >= REORDER_FROM_NODES && sources.len() >= REORDER_FROM_SOURCES {
        // Renumbering costs about as much as a few dozen searches and saves a fifth of
        // each one on large graphs (neighbours then share cache lines).
        let (reordered, new_index) = graph.reordered_for_locality();
        let mapped: Vec<NodeIndex> = sources.iter().map(|&s| new_index[s as usize]).collect();
        let mapped_targets = targets.map(|targets| {
            let mut mapped = vec![false; n];
            for (v, &flag) in targets.iter().enumerate() {
                mapped[new_index[v] as usize] = flag;
            }
            mapped
        });
        let (sums, squares) = accumulate_in_place(
            &reordered,
            &mapped,
            mapped_targets.as_deref(),
            cost,
            threads,
        );
        return (
            new_index.iter().map(|&v| sums[v as usize]).collect(),
            new_index.iter().map(|&v| squares[v as usize]).collect(),
        );
    }
    accumulate_in_place(graph, sources, targets, cost, threads)
}

/// Graphs from this many nodes, searched from at least this many sources, are renumbered
/// for locality first.
const REORDER_FROM_NODES: usize = 20_000;
const REORDER_FROM_SOURCES: usize = 100;

fn accumulate_in_place(
    graph: &Graph,
    sources: &[NodeIndex],
    targets: Option<&[bool]>,
    cost: Cost,
    threads: usize,
) -> (Vec<f64>, Vec<f64>) {
    debug_assert!(targets.is_none() || cost == Cost::Hops);
    let n = graph.node_count();
    let parts = parallel_chunks(sources, threads, |part| {
        let mut sums = vec![[0.0f64; 2]; n];
        if cost == Cost::Hops {
            let mut workspace = HopWorkspace::new(n);
            for &source in part {
                workspace.single_source(graph, source, targets, &mut sums);
            }
        } else {
            let mut workspace = Workspace::new(n);
            for &source in part {
                workspace.single_source_dijkstra(graph, source, cost);
                for &v in &workspace.order {
                    if v != source {
                        let delta = workspace.delta[v as usize];
                        sums[v as usize][0] += delta;
                        sums[v as usize][1] += delta * delta;
                    }
                }
            }
        }
        sums
    });
    let mut total = vec![0.0; n];
    let mut total_squares = vec![0.0; n];
    for sums in parts {
        for (v, [sum, square]) in sums.into_iter().enumerate() {
            total[v] += sum;
            total_squares[v] += square;
        }
    }
    (total, total_squares)
}

/// One node's state in a hop-count search in 16 bytes, so that visiting a neighbour
/// touches one cache line rather than several arrays.
#[derive(Clone, Copy)]
struct HopState {
    hops: u32,
    /// σ, the number of shortest paths from the source, until the backward pass reaches
    /// the node; then (1 + δ) / σ, all its predecessors need (σ is not read again).
    value: f64,
}

const UNSEEN: HopState = HopState {
    hops: u32::MAX,
    value: 0.0,
};

/// Per-thread scratch for hop-count Brandes, reset only where a search touched it.
struct HopWorkspace {
    state: Vec<HopState>,
    order: Vec<NodeIndex>,
}

impl HopWorkspace {
    fn new(n: usize) -> Self {
        HopWorkspace {
            state: vec![UNSEEN; n],
            order: Vec::with_capacity(n),
        }
    }

    /// BFS counting shortest paths, then dependencies pulled from successors in reverse
    /// BFS order: δ(v) = σ(v) Σ_{w: hops(w) = hops(v) + 1} (1 + δ(w)) / σ(w). Pulling
    /// reads out-neighbours only, so directed graphs need no reversed rows. With
    /// `targets`, the 1 for the path ending at w counts only when w is flagged. `sums`
    /// holds each node's running sum of δ and of δ².
    fn single_source(
        &mut self,
        graph: &Graph,
        source: NodeIndex,
        targets: Option<&[bool]>,
        sums: &mut [[f64; 2]],
    ) {
        for &v in &self.order {
            self.state[v as usize] = UNSEEN;
        }
        self.order.clear();
        self.state[source as usize] = HopState {
            hops: 0,
            value: 1.0,
        };
        self.order.push(source);
        let mut head = 0;
        while head < self.order.len() {
            let u = self.order[head];
            head += 1;
            let HopState { hops, value: sigma } = self.state[u as usize];
            let next_hops = hops + 1;
            for &v in graph.neighbours(u) {
                let state = &mut self.state[v as usize];
                if state.hops == u32::MAX {
                    state.hops = next_hops;
                    state.value = sigma;
                    self.order.push(v);
                } else if state.hops == next_hops {
                    state.value += sigma;
                }
            }
        }
        let deepest = self.state[*self.order.last().unwrap() as usize].hops;
        for &v in self.order.iter().rev() {
            let HopState { hops, value: sigma } = self.state[v as usize];
            let next_hops = hops + 1;
            let mut pulled = 0.0;
            // Nodes on the deepest level have no successors: skip scanning their rows.
            if hops < deepest {
                for &w in graph.neighbours(v) {
                    let state = &self.state[w as usize];
                    if state.hops == next_hops {
                        pulled += state.value;
                    }
                }
            }
            let delta = sigma * pulled;
            let ends_here = match targets {
                Some(targets) if !targets[v as usize] => 0.0,
                _ => 1.0,
            };
            self.state[v as usize].value = (ends_here + delta) / sigma;
            if v != source {
                let sum = &mut sums[v as usize];
                sum[0] += delta;
                sum[1] += delta * delta;
            }
        }
    }
}

/// Per-thread scratch arrays for weighted Brandes, reset only where a search touched them.
struct Workspace {
    sigma: Vec<f64>,
    delta: Vec<f64>,
    hops: Vec<u32>,
    distance: Vec<f64>,
    /// Nodes in the order they were settled.
    order: Vec<NodeIndex>,
    /// Predecessors on shortest paths (Dijkstra only; BFS finds them by hop count).
    predecessors: Vec<Vec<NodeIndex>>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Workspace {
            sigma: vec![0.0; n],
            delta: vec![0.0; n],
            hops: vec![u32::MAX; n],
            distance: vec![f64::INFINITY; n],
            order: Vec::new(),
            predecessors: Vec::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.order {
            self.sigma[v as usize] = 0.0;
            self.delta[v as usize] = 0.0;
            self.hops[v as usize] = u32::MAX;
            self.distance[v as usize] = f64::INFINITY;
            if let Some(list) = self.predecessors.get_mut(v as usize) {
                list.clear();
            }
        }
        self.order.clear();
    }

    fn single_source_dijkstra(&mut self, graph: &Graph, source: NodeIndex, cost: Cost) {
        if self.predecessors.is_empty() {
            self.predecessors = vec![Vec::new(); graph.node_count()];
        }
        self.reset();
        // `hops` doubles as the settled mark here.
        let mut heap = BinaryHeap::new();
        self.distance[source as usize] = 0.0;
        self.sigma[source as usize] = 1.0;
        heap.push(Queued {
            distance: 0.0,
            node: source,
        });
        let mut touched = vec![source];
        while let Some(Queued {
            distance: d,
            node: u,
        }) = heap.pop()
        {
            if self.hops[u as usize] == 0 || d > self.distance[u as usize] {
                continue;
            }
            self.hops[u as usize] = 0;
            self.order.push(u);
            for (&v, &w) in graph.neighbours(u).iter().zip(graph.weights(u)) {
                let candidate = d + cost.length(w);
                let current = self.distance[v as usize];
                // Relative tolerance: sums of 1/weight differ in the last bits by order.
                let tolerance = 1e-12 * candidate.max(1.0);
                if candidate < current - tolerance {
                    if current.is_infinite() {
                        touched.push(v);
                    }
                    self.distance[v as usize] = candidate;
                    self.sigma[v as usize] = self.sigma[u as usize];
                    self.predecessors[v as usize].clear();
                    self.predecessors[v as usize].push(u);
                    heap.push(Queued {
                        distance: candidate,
                        node: v,
                    });
                } else if (candidate - current).abs() <= tolerance && self.hops[v as usize] != 0 {
                    self.sigma[v as usize] += self.sigma[u as usize];
                    self.predecessors[v as usize].push(u);
                }
            }
        }
        for &w in self.order.iter().rev() {
            let coefficient = (1.0 + self.delta[w as usize]) / self.sigma[w as usize];
            for &v in &self.predecessors[w as usize] {
                self.delta[v as usize] += self.sigma[v as usize] * coefficient;
            }
        }
        // Reached-but-unsettled nodes cannot exist once the heap is empty, but `touched`
        // keeps reset complete should that change.
        for v in touched {
            if self.hops[v as usize] != 0 {
                self.distance[v as usize] = f64::INFINITY;
                self.sigma[v as usize] = 0.0;
                self.predecessors[v as usize].clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_graph(n: u32) -> Graph {
        Graph::from_index_edges(false, n as usize, (0..n - 1).map(|v| (v, v + 1, 1.0))).unwrap()
    }

    #[test]
    fn path_graph_matches_hand_count() {
        // P5: node i lies between i*(4-i) pairs.
        let graph = path_graph(5);
        for cost in [Cost::Hops, Cost::InverseWeight] {
            let result = betweenness(&graph, cost, 2);
            assert_eq!(result.scores, vec![0.0, 3.0, 4.0, 3.0, 0.0], "{cost:?}");
        }
    }

    #[test]
    fn star_centre_carries_every_leaf_pair() {
        let graph = Graph::from_index_edges(false, 5, (1..5).map(|v| (0, v, 1.0))).unwrap();
        let result = betweenness(&graph, Cost::Hops, 1);
        assert_eq!(result.scores, vec![6.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn equal_paths_share_a_pair() {
        // A 4-cycle: each pair of opposite nodes has two shortest paths.
        let graph = Graph::from_index_edges(
            false,
            4,
            [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)],
        )
        .unwrap();
        for cost in [Cost::Hops, Cost::Weight] {
            assert_eq!(betweenness(&graph, cost, 1).scores, vec![0.5; 4]);
        }
        // Directed path 0->1->2: only the pair (0, 2) goes through 1.
        let directed = Graph::from_index_edges(true, 3, [(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
        assert_eq!(
            betweenness(&directed, Cost::Hops, 1).scores,
            vec![0.0, 1.0, 0.0]
        );
    }

    #[test]
    fn renumbering_for_locality_does_not_change_scores() {
        let graph = crate::generate::barabasi_albert(REORDER_FROM_NODES, 2, 3);
        let sources: Vec<NodeIndex> = (0..REORDER_FROM_SOURCES as NodeIndex)
            .map(|v| v * 97)
            .collect();
        let (renumbered, _) = accumulate(&graph, &sources, None, Cost::Hops, 2);
        let (direct, _) = accumulate_in_place(&graph, &sources, None, Cost::Hops, 2);
        for (a, b) in renumbered.iter().zip(&direct) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
        assert!(direct.iter().any(|&score| score > 0.0));
    }

    #[test]
    fn subset_counts_only_paths_between_members() {
        // P5 with members {0, 4}: nodes 1, 2, 3 each carry the one pair.
        let graph = path_graph(5);
        let members = [true, false, false, false, true];
        let result = subset_betweenness(&graph, &members, &members, 10, 1, 2).unwrap();
        assert!(result.exact);
        assert_eq!(result.scores, vec![0.0, 1.0, 1.0, 1.0, 0.0]);
        // Every node a member: plain betweenness.
        let all = subset_betweenness(&graph, &[true; 5], &[true; 5], 10, 1, 1).unwrap();
        assert_eq!(all.scores, betweenness(&graph, Cost::Hops, 1).scores);
        // Members {0, 1}: no one lies between them.
        let near = [true, true, false, false, false];
        let near = subset_betweenness(&graph, &near, &near, 10, 1, 1);
        assert_eq!(near.unwrap().scores, vec![0.0; 5]);
        // From 0 to 2 only, on a directed path: 1 carries the one pair.
        let directed = Graph::from_index_edges(true, 3, [(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
        let from = [true, false, false];
        let to = [false, false, true];
        let one_way = subset_betweenness(&directed, &from, &to, 10, 1, 1).unwrap();
        assert_eq!(one_way.scores, vec![0.0, 1.0, 0.0]);
        let back = subset_betweenness(&directed, &to, &from, 10, 1, 1).unwrap();
        assert_eq!(back.scores, vec![0.0; 3]);
    }

    #[test]
    fn subset_estimate_matches_exact_after_renumbering_and_sampling() {
        let graph = crate::generate::barabasi_albert(REORDER_FROM_NODES, 2, 5);
        let members: Vec<bool> = (0..graph.node_count()).map(|v| v % 50 == 0).collect();
        let exact = subset_betweenness(&graph, &members, &members, usize::MAX, 1, 2).unwrap();
        let sampled = subset_betweenness(&graph, &members, &members, 150, 3, 2).unwrap();
        assert_eq!(sampled.pivots, 150);
        let top = (0..graph.node_count())
            .max_by(|&a, &b| exact.scores[a].total_cmp(&exact.scores[b]))
            .unwrap();
        let error = (sampled.scores[top] - exact.scores[top]).abs();
        assert!(error < 4.0 * sampled.standard_error[top] + 1e-9);
        assert!(error / exact.scores[top] < 0.25, "{error}");
        assert!(subset_betweenness(&graph, &[true], &members, 10, 1, 1).is_err());
    }

    #[test]
    fn sampled_estimate_is_close_and_reproducible() {
        let graph = crate::generate::barabasi_albert(400, 3, 7);
        let exact = betweenness(&graph, Cost::Hops, 2);
        let first = sampled_betweenness(&graph, 200, 1, Cost::Hops, 2).unwrap();
        let again = sampled_betweenness(&graph, 200, 1, Cost::Hops, 2).unwrap();
        assert_eq!(first.scores, again.scores);
        let top = (0..400)
            .max_by(|&a, &b| exact.scores[a].total_cmp(&exact.scores[b]))
            .unwrap();
        let error = (first.scores[top] - exact.scores[top]).abs();
        assert!(
            error < 4.0 * first.standard_error[top] + 1e-9,
            "{error} vs {}",
            first.standard_error[top]
        );
        assert!(error / exact.scores[top] < 0.2);
    }
}
