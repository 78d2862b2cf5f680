//! Connected components by union-find (weakly connected for directed graphs: direction
//! does not matter to whether a ring holds together), and fragmentation measures.

use crate::{Graph, NodeIndex};

/// Component labels `0..count`, numbered by decreasing size (ties by lowest node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    pub membership: Vec<u32>,
    pub sizes: Vec<usize>,
}

impl Components {
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    pub fn largest(&self) -> usize {
        self.sizes.first().copied().unwrap_or(0)
    }
}

/// Weakly connected components, skipping nodes marked in `removed` (each of those gets
/// its own singleton component, so sizes still cover every node).
pub fn components(graph: &Graph) -> Components {
    components_without(graph, &[])
}

/// Components of the graph with the `removed` nodes taken out (an empty slice removes
/// nothing). Removed nodes are left out of `sizes` and labelled `u32::MAX`.
pub fn components_without(graph: &Graph, removed: &[bool]) -> Components {
    let n = graph.node_count();
    let is_removed = |v: usize| removed.get(v).copied().unwrap_or(false);
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for u in 0..n as NodeIndex {
        if is_removed(u as usize) {
            continue;
        }
        for &v in graph.neighbours(u) {
            if !is_removed(v as usize) {
                union(&mut parent, u, v);
            }
        }
    }
    let mut root_label = vec![u32::MAX; n];
    let mut sizes = Vec::new();
    let mut first_node = Vec::new();
    let mut membership = vec![u32::MAX; n];
    for (v, label) in membership.iter_mut().enumerate() {
        if is_removed(v) {
            continue;
        }
        let root = find(&mut parent, v as u32) as usize;
        if root_label[root] == u32::MAX {
            root_label[root] = sizes.len() as u32;
            sizes.push(0usize);
            first_node.push(v);
        }
        *label = root_label[root];
        sizes[root_label[root] as usize] += 1;
    }
    // Relabel by decreasing size for stable, readable output.
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&label| (std::cmp::Reverse(sizes[label]), first_node[label]));
    let mut new_label = vec![0u32; sizes.len()];
    for (rank, &label) in order.iter().enumerate() {
        new_label[label] = rank as u32;
    }
    for label in membership.iter_mut().filter(|label| **label != u32::MAX) {
        *label = new_label[*label as usize];
    }
    let sizes = order.iter().map(|&label| sizes[label]).collect();
    Components { membership, sizes }
}

fn find(parent: &mut [u32], mut v: u32) -> u32 {
    while parent[v as usize] != v {
        // Path halving.
        let grandparent = parent[parent[v as usize] as usize];
        parent[v as usize] = grandparent;
        v = grandparent;
    }
    v
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (root_a, root_b) = (find(parent, a), find(parent, b));
    if root_a != root_b {
        // Attach the larger index under the smaller: deterministic and shallow enough
        // with path halving.
        let (low, high) = if root_a < root_b {
            (root_a, root_b)
        } else {
            (root_b, root_a)
        };
        parent[high as usize] = low;
    }
}

/// Borgatti's (2006) fragmentation F = 1 − Σ sᵢ(sᵢ−1) / (n(n−1)) over component sizes sᵢ
/// of the nodes present: the share of ordered pairs of nodes that cannot reach each
/// other. 0 for a connected graph, 1 when no edges remain.
pub fn fragmentation(sizes: &[usize]) -> f64 {
    let n: usize = sizes.iter().sum();
    if n < 2 {
        return 1.0;
    }
    let connected_pairs: f64 = sizes
        .iter()
        .map(|&size| size as f64 * (size as f64 - 1.0))
        .sum();
    1.0 - connected_pairs / (n as f64 * (n as f64 - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_weak_components_by_size() {
        // 0->1->2 (directed), 3-4, 5 alone.
        let graph =
            Graph::from_index_edges(true, 6, [(0, 1, 1.0), (2, 1, 1.0), (4, 3, 1.0)]).unwrap();
        let found = components(&graph);
        assert_eq!(found.sizes, vec![3, 2, 1]);
        assert_eq!(found.membership, vec![0, 0, 0, 1, 1, 2]);
    }

    #[test]
    fn removal_splits_a_path() {
        let graph = Graph::from_index_edges(false, 5, (0..4).map(|v| (v, v + 1, 1.0))).unwrap();
        let mut removed = vec![false; 5];
        removed[2] = true;
        let found = components_without(&graph, &removed);
        assert_eq!(found.sizes, vec![2, 2]);
        assert_eq!(found.membership[2], u32::MAX);
        // 4 nodes in two pairs: 4 of 12 ordered pairs connected.
        assert!((fragmentation(&found.sizes) - (1.0 - 4.0 / 12.0)).abs() < 1e-12);
        assert_eq!(fragmentation(&[5]), 0.0);
        assert_eq!(fragmentation(&[1, 1, 1]), 1.0);
    }
}
