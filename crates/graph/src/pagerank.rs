//! Weighted PageRank (Brin and Page 1998) by power iteration.
//!
//! A node passes its rank to its out-neighbours in proportion to edge weight (an
//! undirected edge passes both ways). The rank of dangling nodes (no out-edges) is spread
//! evenly over all nodes, as in igraph and networkx, so ranks always sum to 1. Iteration
//! stops when the L1 change of the rank vector falls below `tolerance`.

use crate::{Graph, GraphError};

#[derive(Debug, Clone, Copy)]
pub struct PageRankParameters {
    /// Probability of following an edge rather than jumping anywhere (0.85).
    pub damping: f64,
    /// L1 change between iterations at which to stop (1e-10).
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for PageRankParameters {
    fn default() -> Self {
        PageRankParameters {
            damping: 0.85,
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// PageRank of every node; sums to 1 (an empty graph gives an empty vector).
pub fn pagerank(graph: &Graph, parameters: &PageRankParameters) -> Result<Vec<f64>, GraphError> {
    let n = graph.node_count();
    if n == 0 {
        return Ok(Vec::new());
    }
    if !(0.0..1.0).contains(&parameters.damping) {
        return Err(GraphError::InvalidParameter {
            name: "damping",
            reason: format!("{} is not in [0, 1)", parameters.damping),
        });
    }
    let out_strength: Vec<f64> = (0..n as u32).map(|v| graph.strength(v)).collect();
    let incoming = graph.incoming();
    let mut rank = vec![1.0 / n as f64; n];
    let mut share = vec![0.0; n];
    let mut next = vec![0.0; n];
    for _ in 0..parameters.max_iterations {
        let mut dangling = 0.0;
        for v in 0..n {
            if out_strength[v] > 0.0 {
                share[v] = rank[v] / out_strength[v];
            } else {
                share[v] = 0.0;
                dangling += rank[v];
            }
        }
        let base = (1.0 - parameters.damping) / n as f64 + parameters.damping * dangling / n as f64;
        let mut change = 0.0;
        // Pull from in-neighbours: each row is read once and writes one value.
        for v in 0..n as u32 {
            let sum: f64 = incoming
                .targets(v)
                .iter()
                .zip(incoming.weights(v))
                .map(|(&u, &w)| share[u as usize] * w)
                .sum();
            let value = base + parameters.damping * sum;
            change += (value - rank[v as usize]).abs();
            next[v as usize] = value;
        }
        std::mem::swap(&mut rank, &mut next);
        if change < parameters.tolerance {
            // Renormalise away rounding drift.
            let total: f64 = rank.iter().sum();
            rank.iter_mut().for_each(|value| *value /= total);
            return Ok(rank);
        }
    }
    Err(GraphError::NotConverged {
        method: "pagerank",
        iterations: parameters.max_iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directed(edges: &[(u32, u32)], n: usize) -> Graph {
        Graph::from_index_edges(true, n, edges.iter().map(|&(u, v)| (u, v, 1.0))).unwrap()
    }

    #[test]
    fn ranks_sum_to_one_and_match_networkx() {
        // networkx.pagerank(DiGraph([(0,1),(0,2),(1,2),(2,0),(3,2)])), node 3 only links out.
        let graph = directed(&[(0, 1), (0, 2), (1, 2), (2, 0), (3, 2)], 4);
        let rank = pagerank(&graph, &PageRankParameters::default()).unwrap();
        let total: f64 = rank.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
        let expected = [0.372526, 0.195824, 0.394150, 0.037500];
        for (got, want) in rank.iter().zip(expected) {
            assert!((got - want).abs() < 1e-5, "{rank:?}");
        }
    }

    #[test]
    fn dangling_rank_is_spread_evenly() {
        // 0 -> 1, and 1 dangles: networkx gives [0.350877, 0.649123].
        let graph = directed(&[(0, 1)], 2);
        let rank = pagerank(&graph, &PageRankParameters::default()).unwrap();
        assert!((rank[0] - 0.350877).abs() < 1e-5, "{rank:?}");
        assert!((rank[1] - 0.649123).abs() < 1e-5, "{rank:?}");
    }

    #[test]
    fn undirected_star_centre_ranks_first() {
        let graph =
            Graph::from_index_edges(false, 4, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]).unwrap();
        let rank = pagerank(&graph, &PageRankParameters::default()).unwrap();
        // Closed form for a star with 3 leaves: centre = (0.15/4 + 0.85*3*leaf), leaf = 0.15/4 + 0.85*centre/3.
        let leaf = (0.15 / 4.0 + 0.85 * 0.15 / 4.0 / 3.0) / (1.0 - 0.85 * 0.85);
        let centre = 1.0 - 3.0 * leaf;
        assert!((rank[0] - centre).abs() < 1e-9, "{rank:?}");
        assert!((rank[1] - leaf).abs() < 1e-9, "{rank:?}");
    }
}
