//! Partition quality: modularity and the Constant Potts Model of a partition of a graph,
//! and agreement between two partitions (adjusted Rand index, normalised mutual
//! information) for scoring recovered rings against a known truth.

use std::collections::HashMap;

use crate::Graph;

/// Newman–Girvan modularity with resolution γ (Reichardt and Bornholdt 2006):
/// Q = Σ_c [ w_c / m − γ (K_c / 2m)² ], w_c the weight inside community c, K_c the summed
/// strength of its nodes, m the total weight. A directed graph is taken undirected (the
/// weights of both directions summed), as the Leiden search here does.
pub fn modularity(graph: &Graph, membership: &[u32], resolution: f64) -> f64 {
    let undirected;
    let graph = if graph.is_directed() {
        undirected = graph.to_undirected();
        &undirected
    } else {
        graph
    };
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut inside = vec![0.0; communities];
    let mut strength = vec![0.0; communities];
    let mut twice_total = 0.0;
    for u in 0..graph.node_count() as u32 {
        let c = membership[u as usize] as usize;
        for (&v, &w) in graph.neighbours(u).iter().zip(graph.weights(u)) {
            twice_total += w;
            strength[c] += w;
            if membership[v as usize] as usize == c {
                inside[c] += w;
            }
        }
    }
    if twice_total == 0.0 {
        return 0.0;
    }
    inside
        .iter()
        .zip(&strength)
        .map(|(&within, &k)| within / twice_total - resolution * (k / twice_total).powi(2))
        .sum()
}

/// The Constant Potts Model quality (Traag, Van Dooren and Nesterov 2011):
/// H = Σ_c [ w_c − γ n_c (n_c − 1) / 2 ], w_c the weight inside c and n_c its node count.
/// Communities it favours have internal density above γ, whatever the graph's size.
pub fn cpm_quality(graph: &Graph, membership: &[u32], resolution: f64) -> f64 {
    let undirected;
    let graph = if graph.is_directed() {
        undirected = graph.to_undirected();
        &undirected
    } else {
        graph
    };
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut inside = vec![0.0; communities];
    let mut size = vec![0.0f64; communities];
    for u in 0..graph.node_count() as u32 {
        let c = membership[u as usize] as usize;
        size[c] += 1.0;
        for (&v, &w) in graph.neighbours(u).iter().zip(graph.weights(u)) {
            if membership[v as usize] as usize == c && u < v {
                inside[c] += w;
            }
        }
    }
    inside
        .iter()
        .zip(&size)
        .map(|(&within, &n)| within - resolution * n * (n - 1.0) / 2.0)
        .sum()
}

/// Counts of each pair of labels, and of each label on either side.
struct Contingency {
    joint: HashMap<(u32, u32), f64>,
    rows: HashMap<u32, f64>,
    columns: HashMap<u32, f64>,
}

/// Contingency counts of two labellings of the same items (a caller passing labellings
/// of different lengths is a bug, and panics).
fn contingency(a: &[u32], b: &[u32]) -> Contingency {
    assert_eq!(a.len(), b.len(), "labellings of different lengths");
    let mut joint = HashMap::new();
    let mut rows = HashMap::new();
    let mut columns = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_insert(0.0) += 1.0;
        *rows.entry(x).or_insert(0.0) += 1.0;
        *columns.entry(y).or_insert(0.0) += 1.0;
    }
    Contingency {
        joint,
        rows,
        columns,
    }
}

/// Adjusted Rand index (Hubert and Arabie 1985): 1 for identical partitions, about 0 for
/// independent ones. Two partitions of fewer than two items, or both trivial, give 1.
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    let Contingency {
        joint,
        rows,
        columns,
    } = contingency(a, b);
    let pairs = |count: f64| count * (count - 1.0) / 2.0;
    let index: f64 = joint.values().map(|&count| pairs(count)).sum();
    let row_sum: f64 = rows.values().map(|&count| pairs(count)).sum();
    let column_sum: f64 = columns.values().map(|&count| pairs(count)).sum();
    let total = pairs(a.len() as f64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = row_sum * column_sum / total;
    let maximum = (row_sum + column_sum) / 2.0;
    if maximum == expected {
        return 1.0;
    }
    (index - expected) / (maximum - expected)
}

/// Normalised mutual information with the arithmetic-mean normaliser
/// I(A;B) / ((H(A) + H(B)) / 2) (scikit-learn's default). 1 for identical partitions.
pub fn normalized_mutual_information(a: &[u32], b: &[u32]) -> f64 {
    let Contingency {
        joint,
        rows,
        columns,
    } = contingency(a, b);
    let n = a.len() as f64;
    if n == 0.0 {
        return 1.0;
    }
    let entropy = |counts: &HashMap<u32, f64>| -> f64 {
        counts
            .values()
            .map(|&count| {
                let p = count / n;
                -p * p.ln()
            })
            .sum()
    };
    let (h_a, h_b) = (entropy(&rows), entropy(&columns));
    if h_a == 0.0 && h_b == 0.0 {
        return 1.0;
    }
    let mutual: f64 = joint
        .iter()
        .map(|(&(x, y), &count)| {
            let p = count / n;
            p * (p / ((rows[&x] / n) * (columns[&y] / n))).ln()
        })
        .sum();
    (mutual / ((h_a + h_b) / 2.0)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_triangles() -> Graph {
        // Two triangles joined by the edge 2-3.
        let edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)];
        Graph::from_index_edges(false, 6, edges.iter().map(|&(u, v)| (u, v, 1.0))).unwrap()
    }

    #[test]
    fn modularity_of_two_triangles() {
        // m = 7; each side: 3 edges inside, degree sum 7. Q = 2 (3/7 − (7/14)²) = 5/14.
        let graph = two_triangles();
        let q = modularity(&graph, &[0, 0, 0, 1, 1, 1], 1.0);
        assert!((q - 5.0 / 14.0).abs() < 1e-12, "{q}");
        assert!(modularity(&graph, &[0; 6], 1.0).abs() < 1e-12);
        // CPM with γ = 0.5: 2 (3 − 0.5 · 3) = 3.
        assert!((cpm_quality(&graph, &[0, 0, 0, 1, 1, 1], 0.5) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn agreement_measures() {
        let truth = [0, 0, 0, 1, 1, 1];
        assert_eq!(adjusted_rand_index(&truth, &[5, 5, 5, 2, 2, 2]), 1.0);
        assert!((normalized_mutual_information(&truth, &[5, 5, 5, 2, 2, 2]) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.24242424...
        let other = [0, 0, 1, 1, 2, 2];
        assert!((adjusted_rand_index(&truth, &other) - 0.242_424_242_4).abs() < 1e-9);
        // sklearn normalized_mutual_info_score gives 0.5158037429793888.
        assert!((normalized_mutual_information(&truth, &other) - 0.515_803_743).abs() < 1e-8);
        assert_eq!(normalized_mutual_information(&truth, &[0; 6]), 0.0);
    }
}
