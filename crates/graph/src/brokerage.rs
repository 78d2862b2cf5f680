//! Brokerage: Burt's (1992) constraint and effective size, weighted as Borgatti (1997)
//! and networkx do, on the undirected view (a directed pair's two weights summed).
//!
//! With s the symmetric tie strength, p_ij = s_ij / Σ_k s_ik (the share of i's ties
//! spent on j) and m_jq = s_jq / max_k s_jk:
//! - constraint c_i = Σ_j (p_ij + Σ_q p_iq p_qj)², q ≠ i, j: low when i's contacts do
//!   not know each other (a broker between otherwise separate parts);
//! - effective size ES_i = Σ_j (1 − Σ_q p_iq m_jq): contacts less their redundancy.

use crate::{Graph, NodeIndex};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Brokerage {
    /// `None` for an isolated node.
    pub constraint: Option<f64>,
    pub effective_size: Option<f64>,
}

/// Brokerage of the given nodes (cost grows with the size of their two-hop neighbourhoods,
/// so ask for the nodes you will show).
pub fn brokerage(graph: &Graph, nodes: &[NodeIndex]) -> Vec<Brokerage> {
    let undirected;
    let graph = if graph.is_directed() {
        undirected = graph.to_undirected();
        &undirected
    } else {
        graph
    };
    let n = graph.node_count();
    let strength: Vec<f64> = (0..n as NodeIndex).map(|v| graph.strength(v)).collect();
    let max_weight = |v: NodeIndex| graph.weights(v).iter().copied().fold(0.0, f64::max);
    let mut indirect = vec![0.0; n];
    let mut redundancy = vec![0.0; n];
    let mut touched = Vec::new();
    nodes
        .iter()
        .map(|&i| {
            if graph.degree(i) == 0 {
                return Brokerage {
                    constraint: None,
                    effective_size: None,
                };
            }
            for (&q, &s_iq) in graph.neighbours(i).iter().zip(graph.weights(i)) {
                let p_iq = s_iq / strength[i as usize];
                for (&j, &s_qj) in graph.neighbours(q).iter().zip(graph.weights(q)) {
                    if j == i {
                        continue;
                    }
                    if indirect[j as usize] == 0.0 && redundancy[j as usize] == 0.0 {
                        touched.push(j);
                    }
                    indirect[j as usize] += p_iq * s_qj / strength[q as usize];
                    redundancy[j as usize] += p_iq * s_qj / max_weight(j);
                }
            }
            let mut constraint = 0.0;
            let mut effective_size = 0.0;
            for (&j, &s_ij) in graph.neighbours(i).iter().zip(graph.weights(i)) {
                let p_ij = s_ij / strength[i as usize];
                constraint += (p_ij + indirect[j as usize]).powi(2);
                effective_size += 1.0 - redundancy[j as usize];
            }
            for j in touched.drain(..) {
                indirect[j as usize] = 0.0;
                redundancy[j as usize] = 0.0;
            }
            Brokerage {
                constraint: Some(constraint),
                effective_size: Some(effective_size),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_centre_is_unconstrained() {
        // networkx: constraint centre 0.25, leaves 1.0; effective size centre 4, leaves 1.
        let graph = Graph::from_index_edges(false, 6, (1..5).map(|v| (0, v, 1.0))).unwrap();
        let found = brokerage(&graph, &[0, 1, 5]);
        assert_eq!(found[0].constraint, Some(0.25));
        assert_eq!(found[0].effective_size, Some(4.0));
        assert_eq!(found[1].constraint, Some(1.0));
        assert_eq!(found[1].effective_size, Some(1.0));
        assert_eq!(found[2].constraint, None);
    }

    #[test]
    fn triangle_with_a_pendant_matches_networkx() {
        // Edges 0-1, 0-2, 1-2, 0-3. networkx: constraint(0) = 0.6111111111 (1/9 + 2 · (1/3 +
        // 1/3 · 1/2)²), effective_size(0) = 2.3333333333 (3 contacts − 2 · 1/3).
        let graph = Graph::from_index_edges(
            false,
            4,
            [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (0, 3, 1.0)],
        )
        .unwrap();
        let found = brokerage(&graph, &[0])[0];
        assert!(
            (found.constraint.unwrap() - 0.611_111_111_1).abs() < 1e-9,
            "{found:?}"
        );
        assert!(
            (found.effective_size.unwrap() - 7.0 / 3.0).abs() < 1e-9,
            "{found:?}"
        );
    }
}
