//! Seeded random graphs for tests and benchmarks: Barabási–Albert scale-free graphs and
//! planted-partition stochastic block models.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Graph, NodeIndex};

/// Edges of a Barabási–Albert graph (Barabási and Albert 1999): a clique on `m + 1`
/// nodes, then each new node links to `m` distinct earlier nodes chosen with probability
/// proportional to degree. About `n * m` edges, undirected, weight 1.
pub fn barabasi_albert_edges(n: usize, m: usize, seed: u64) -> Vec<(NodeIndex, NodeIndex)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = m.max(1);
    let start = (m + 1).min(n);
    let mut edges = Vec::with_capacity(n * m);
    // Every edge end once: sampling from it is sampling by degree.
    let mut ends: Vec<NodeIndex> = Vec::with_capacity(2 * n * m);
    for u in 0..start as NodeIndex {
        for v in u + 1..start as NodeIndex {
            edges.push((u, v));
            ends.extend([u, v]);
        }
    }
    let mut chosen: Vec<NodeIndex> = Vec::with_capacity(m);
    for v in start as NodeIndex..n as NodeIndex {
        chosen.clear();
        while chosen.len() < m {
            let target = ends[rng.random_range(0..ends.len())];
            if !chosen.contains(&target) {
                chosen.push(target);
            }
        }
        for &target in &chosen {
            edges.push((target, v));
            ends.extend([target, v]);
        }
    }
    edges
}

/// A Barabási–Albert graph, see [`barabasi_albert_edges`].
pub fn barabasi_albert(n: usize, m: usize, seed: u64) -> Graph {
    Graph::from_index_edges(
        false,
        n,
        barabasi_albert_edges(n, m, seed)
            .into_iter()
            .map(|(u, v)| (u, v, 1.0)),
    )
    .expect("generated edges are valid")
}

/// A stochastic block model with planted communities of the given sizes: each pair
/// inside a block is linked with probability `p_in`, across blocks with `p_out`.
/// Returns the graph and each node's block. Quadratic in n: for test-sized graphs.
pub fn planted_partition(sizes: &[usize], p_in: f64, p_out: f64, seed: u64) -> (Graph, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let blocks: Vec<u32> = sizes
        .iter()
        .enumerate()
        .flat_map(|(block, &size)| std::iter::repeat_n(block as u32, size))
        .collect();
    let n = blocks.len();
    let mut edges = Vec::new();
    for u in 0..n {
        for v in u + 1..n {
            let p = if blocks[u] == blocks[v] { p_in } else { p_out };
            if rng.random::<f64>() < p {
                edges.push((u as NodeIndex, v as NodeIndex, 1.0));
            }
        }
    }
    let graph = Graph::from_index_edges(false, n, edges).expect("generated edges are valid");
    (graph, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barabasi_albert_has_the_expected_size_and_a_hub() {
        let graph = barabasi_albert(1000, 3, 1);
        assert_eq!(graph.node_count(), 1000);
        // A 4-clique (6 edges), then 3 edges for each of the other 996 nodes.
        assert_eq!(graph.edge_count(), 6 + 3 * 996);
        let max_degree = (0..1000).map(|v| graph.degree(v)).max().unwrap();
        assert!(max_degree > 30, "no hub: max degree {max_degree}");
        assert_eq!(
            barabasi_albert_edges(50, 2, 9),
            barabasi_albert_edges(50, 2, 9)
        );
    }
}
