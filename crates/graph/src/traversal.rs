//! Breadth-first search, Dijkstra and k-hop neighbourhoods, from one or many sources.
//!
//! Traversals follow out-edges (every edge when undirected). Edge weights are tie
//! *strengths* (more calls = closer), so weighted distances use a [`Cost`]: by default
//! the cost of an edge is `1 / weight`, so a strong tie is a short hop.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::{Graph, NodeIndex, parallel_chunks};

/// Distance of unreached nodes in hop counts.
pub const UNREACHED: u32 = u32::MAX;

/// How an edge's weight becomes a length for shortest paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cost {
    /// Every edge has length 1 (weights ignored).
    Hops,
    /// Length `1 / weight`: weights are strengths.
    #[default]
    InverseWeight,
    /// Length `weight`: weights are already costs (distance, time, price).
    Weight,
}

impl Cost {
    #[inline]
    pub fn length(self, weight: f64) -> f64 {
        match self {
            Cost::Hops => 1.0,
            Cost::InverseWeight => 1.0 / weight,
            Cost::Weight => weight,
        }
    }
}

/// Hop distances from the nearest of `sources` (multi-source BFS); [`UNREACHED`] where
/// no source reaches. `max_depth` stops the search at that many hops.
pub fn bfs(graph: &Graph, sources: &[NodeIndex], max_depth: Option<u32>) -> Vec<u32> {
    let mut distance = vec![UNREACHED; graph.node_count()];
    let mut frontier = Vec::with_capacity(sources.len());
    for &source in sources {
        if distance[source as usize] == UNREACHED {
            distance[source as usize] = 0;
            frontier.push(source);
        }
    }
    bfs_from_frontier(graph, &mut distance, frontier, max_depth, &mut |_| {});
    distance
}

/// Level-synchronous BFS; calls `visit` on every newly reached node.
fn bfs_from_frontier(
    graph: &Graph,
    distance: &mut [u32],
    mut frontier: Vec<NodeIndex>,
    max_depth: Option<u32>,
    visit: &mut impl FnMut(NodeIndex),
) {
    let mut next = Vec::new();
    let mut depth = 0;
    while !frontier.is_empty() && max_depth.is_none_or(|max| depth < max) {
        depth += 1;
        for &u in &frontier {
            for &v in graph.neighbours(u) {
                if distance[v as usize] == UNREACHED {
                    distance[v as usize] = depth;
                    visit(v);
                    next.push(v);
                }
            }
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
}

/// A shortest-path tree: distance and predecessor of every node (`f64::INFINITY` and
/// `None` where unreached).
#[derive(Debug, Clone)]
pub struct ShortestPathTree {
    pub distance: Vec<f64>,
    pub predecessor: Vec<Option<NodeIndex>>,
}

impl ShortestPathTree {
    /// The node sequence from the tree's source to `target`, if reached.
    pub fn path_to(&self, target: NodeIndex) -> Option<Vec<NodeIndex>> {
        if self.distance[target as usize].is_infinite() {
            return None;
        }
        let mut path = vec![target];
        let mut at = target;
        while let Some(previous) = self.predecessor[at as usize] {
            path.push(previous);
            at = previous;
        }
        path.reverse();
        Some(path)
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) struct Queued {
    pub(crate) distance: f64,
    pub(crate) node: NodeIndex,
}

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on distance, ties by node for determinism.
        other
            .distance
            .total_cmp(&self.distance)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a constrained Dijkstra may not use (for Yen's spur paths).
#[derive(Debug, Default)]
pub(crate) struct Bans<'a> {
    pub(crate) nodes: &'a [bool],
    /// Edge slots (positions in the outgoing rows) not to follow.
    pub(crate) edges: &'a [usize],
}

/// Dijkstra from the nearest of `sources`.
pub fn dijkstra(graph: &Graph, sources: &[NodeIndex], cost: Cost) -> ShortestPathTree {
    dijkstra_constrained(graph, sources, cost, &Bans::default(), None)
}

/// Distances only from the nearest of `sources` (no predecessors, no bans: the lean loop
/// for many-source work).
pub fn dijkstra_distances(graph: &Graph, sources: &[NodeIndex], cost: Cost) -> Vec<f64> {
    let mut distance = vec![f64::INFINITY; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &source in sources {
        distance[source as usize] = 0.0;
        heap.push(Queued {
            distance: 0.0,
            node: source,
        });
    }
    while let Some(Queued {
        distance: d,
        node: u,
    }) = heap.pop()
    {
        if d > distance[u as usize] {
            continue;
        }
        for (&v, &w) in graph.neighbours(u).iter().zip(graph.weights(u)) {
            let candidate = d + cost.length(w);
            if candidate < distance[v as usize] {
                distance[v as usize] = candidate;
                heap.push(Queued {
                    distance: candidate,
                    node: v,
                });
            }
        }
    }
    distance
}

/// Dijkstra that skips banned nodes and edge slots and may stop once `target` is settled.
pub(crate) fn dijkstra_constrained(
    graph: &Graph,
    sources: &[NodeIndex],
    cost: Cost,
    bans: &Bans,
    target: Option<NodeIndex>,
) -> ShortestPathTree {
    let n = graph.node_count();
    let mut distance = vec![f64::INFINITY; n];
    let mut predecessor = vec![None; n];
    let mut heap = BinaryHeap::new();
    for &source in sources {
        distance[source as usize] = 0.0;
        heap.push(Queued {
            distance: 0.0,
            node: source,
        });
    }
    let outgoing = graph.outgoing();
    while let Some(Queued {
        distance: d,
        node: u,
    }) = heap.pop()
    {
        if d > distance[u as usize] {
            continue;
        }
        if Some(u) == target {
            break;
        }
        let start = outgoing.row_start(u);
        for (slot, (&v, &w)) in graph.neighbours(u).iter().zip(graph.weights(u)).enumerate() {
            if bans.nodes.get(v as usize).copied().unwrap_or(false)
                || bans.edges.contains(&(start + slot))
            {
                continue;
            }
            let candidate = d + cost.length(w);
            if candidate < distance[v as usize] {
                distance[v as usize] = candidate;
                predecessor[v as usize] = Some(u);
                heap.push(Queued {
                    distance: candidate,
                    node: v,
                });
            }
        }
    }
    ShortestPathTree {
        distance,
        predecessor,
    }
}

/// Distances from each source separately (one row per source), computed in parallel on
/// `threads` threads. [`Cost::Hops`] runs BFS; unreached nodes are `f64::INFINITY`.
pub fn distances_from_each(
    graph: &Graph,
    sources: &[NodeIndex],
    cost: Cost,
    threads: usize,
) -> Vec<Vec<f64>> {
    parallel_chunks(sources, threads, |part| {
        part.iter()
            .map(|&source| match cost {
                Cost::Hops => bfs(graph, &[source], None)
                    .into_iter()
                    .map(|hops| {
                        if hops == UNREACHED {
                            f64::INFINITY
                        } else {
                            hops as f64
                        }
                    })
                    .collect(),
                _ => dijkstra_distances(graph, &[source], cost),
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The nodes within `depth` hops of `node` (itself excluded), with their hop distance,
/// nearest first (ties by index).
pub fn neighbourhood(graph: &Graph, node: NodeIndex, depth: u32) -> Vec<(NodeIndex, u32)> {
    let mut scratch = vec![UNREACHED; graph.node_count()];
    neighbourhood_with(graph, node, depth, &mut scratch)
}

fn neighbourhood_with(
    graph: &Graph,
    node: NodeIndex,
    depth: u32,
    distance: &mut [u32],
) -> Vec<(NodeIndex, u32)> {
    distance[node as usize] = 0;
    let mut reached = Vec::new();
    bfs_from_frontier(graph, distance, vec![node], Some(depth), &mut |v| {
        reached.push(v)
    });
    // Reset only what was touched, so the scratch array serves the next node cheaply.
    distance[node as usize] = UNREACHED;
    let mut found: Vec<_> = reached
        .into_iter()
        .map(|v| {
            let hops = distance[v as usize];
            distance[v as usize] = UNREACHED;
            (v, hops)
        })
        .collect();
    found.sort_unstable_by_key(|&(v, hops)| (hops, v));
    found
}

/// k-hop neighbourhoods of many nodes, in parallel; one list per node as
/// [`neighbourhood`] gives it.
pub fn neighbourhoods(
    graph: &Graph,
    nodes: &[NodeIndex],
    depth: u32,
    threads: usize,
) -> Vec<Vec<(NodeIndex, u32)>> {
    parallel_chunks(nodes, threads, |part| {
        let mut scratch = vec![UNREACHED; graph.node_count()];
        part.iter()
            .map(|&node| neighbourhood_with(graph, node, depth, &mut scratch))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_graph(n: u32) -> Graph {
        Graph::from_index_edges(false, n as usize, (0..n - 1).map(|v| (v, v + 1, 1.0))).unwrap()
    }

    #[test]
    fn bfs_from_two_sources_takes_the_nearest() {
        let graph = path_graph(6);
        assert_eq!(bfs(&graph, &[0, 5], None), vec![0, 1, 2, 2, 1, 0]);
        assert_eq!(
            bfs(&graph, &[0], Some(2)),
            vec![0, 1, 2, UNREACHED, UNREACHED, UNREACHED]
        );
    }

    #[test]
    fn dijkstra_prefers_strong_ties() {
        // 0-1-2 with strong ties (weight 4, cost 0.25 each) beats the direct weak 0-2.
        let graph =
            Graph::from_index_edges(false, 3, [(0, 1, 4.0), (1, 2, 4.0), (0, 2, 1.0)]).unwrap();
        let tree = dijkstra(&graph, &[0], Cost::InverseWeight);
        assert_eq!(tree.path_to(2), Some(vec![0, 1, 2]));
        assert!((tree.distance[2] - 0.5).abs() < 1e-12);
        let tree = dijkstra(&graph, &[0], Cost::Weight);
        assert_eq!(tree.path_to(2), Some(vec![0, 2]));
        let rows = distances_from_each(&graph, &[0, 2], Cost::Hops, 2);
        assert_eq!(rows, vec![vec![0.0, 1.0, 1.0], vec![1.0, 1.0, 0.0]]);
    }

    #[test]
    fn neighbourhoods_list_nodes_by_hops() {
        let graph = path_graph(6);
        assert_eq!(
            neighbourhood(&graph, 2, 2),
            vec![(1, 1), (3, 1), (0, 2), (4, 2)]
        );
        let many = neighbourhoods(&graph, &[0, 5, 2], 1, 2);
        assert_eq!(many, vec![vec![(1, 1)], vec![(4, 1)], vec![(1, 1), (3, 1)]]);
    }
}
