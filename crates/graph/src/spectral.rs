//! Eigenvector centrality (Bonacich 1972) and Katz centrality (Katz 1953) by power
//! iteration over in-edges: a node is central when central nodes point to it.

use crate::{Graph, GraphError};

/// Scores normalised to unit Euclidean length, and the leading eigenvalue found.
#[derive(Debug, Clone)]
pub struct Eigenvector {
    pub scores: Vec<f64>,
    pub eigenvalue: f64,
}

/// Eigenvector centrality, weighted. Iterates on A + I (same eigenvectors, but no
/// oscillation on bipartite graphs such as stars), as networkx does; stops when the L1
/// change falls below `tolerance` per node.
pub fn eigenvector_centrality(
    graph: &Graph,
    tolerance: f64,
    max_iterations: usize,
) -> Result<Eigenvector, GraphError> {
    let n = graph.node_count();
    if n == 0 {
        return Ok(Eigenvector {
            scores: Vec::new(),
            eigenvalue: 0.0,
        });
    }
    let incoming = graph.incoming();
    let mut x = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    for _ in 0..max_iterations {
        for v in 0..n as u32 {
            let pulled: f64 = incoming
                .targets(v)
                .iter()
                .zip(incoming.weights(v))
                .map(|(&u, &w)| w * x[u as usize])
                .sum();
            next[v as usize] = x[v as usize] + pulled;
        }
        let norm = next.iter().map(|value| value * value).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Ok(Eigenvector {
                scores: vec![0.0; n],
                eigenvalue: 0.0,
            });
        }
        let previous_norm = x.iter().map(|value| value * value).sum::<f64>().sqrt();
        let mut change = 0.0;
        for v in 0..n {
            let value = next[v] / norm;
            change += (value - x[v]).abs();
            x[v] = value;
        }
        if change < n as f64 * tolerance {
            // ‖(A + I) x‖ / ‖x‖ − 1 is the leading eigenvalue of A at convergence.
            return Ok(Eigenvector {
                scores: x,
                eigenvalue: norm / previous_norm - 1.0,
            });
        }
    }
    Err(GraphError::NotConverged {
        method: "eigenvector centrality",
        iterations: max_iterations,
    })
}

/// Katz centrality x = α Aᵀ x + β, normalised to unit length. `alpha` must be below
/// 1 / λ_max for the series to converge; `None` takes half that bound (found by
/// [`eigenvector_centrality`]), so long walks count but do not dominate.
pub fn katz_centrality(
    graph: &Graph,
    alpha: Option<f64>,
    beta: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<Vec<f64>, GraphError> {
    let n = graph.node_count();
    let alpha = match alpha {
        Some(alpha) => alpha,
        None => {
            let leading = eigenvector_centrality(graph, tolerance, max_iterations)?.eigenvalue;
            if leading > 0.0 { 0.5 / leading } else { 0.5 }
        }
    };
    let incoming = graph.incoming();
    let mut x = vec![0.0; n];
    let mut next = vec![0.0; n];
    for _ in 0..max_iterations {
        let mut change = 0.0;
        for v in 0..n as u32 {
            let pulled: f64 = incoming
                .targets(v)
                .iter()
                .zip(incoming.weights(v))
                .map(|(&u, &w)| w * x[u as usize])
                .sum();
            next[v as usize] = alpha * pulled + beta;
            change += (next[v as usize] - x[v as usize]).abs();
        }
        std::mem::swap(&mut x, &mut next);
        if !change.is_finite() {
            break;
        }
        if change < n as f64 * tolerance {
            let norm = x.iter().map(|value| value * value).sum::<f64>().sqrt();
            if norm > 0.0 {
                x.iter_mut().for_each(|value| *value /= norm);
            }
            return Ok(x);
        }
    }
    Err(GraphError::NotConverged {
        method: "katz centrality",
        iterations: max_iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_eigenvector_matches_closed_form() {
        // Star with 4 leaves: λ = 2, centre 1/√2, each leaf 1/(2√2).
        let graph = Graph::from_index_edges(false, 5, (1..5).map(|v| (0, v, 1.0))).unwrap();
        let result = eigenvector_centrality(&graph, 1e-12, 10_000).unwrap();
        assert!(
            (result.eigenvalue - 2.0).abs() < 1e-6,
            "{}",
            result.eigenvalue
        );
        assert!((result.scores[0] - 0.5f64.sqrt()).abs() < 1e-6);
        assert!((result.scores[1] - 1.0 / 8.0f64.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn katz_on_a_directed_path() {
        // 0 -> 1 -> 2 with α = 0.5, β = 1: raw (1, 1.5, 1.75), then normalised.
        let graph = Graph::from_index_edges(true, 3, [(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
        let scores = katz_centrality(&graph, Some(0.5), 1.0, 1e-12, 1000).unwrap();
        let norm = (1.0f64 + 2.25 + 3.0625).sqrt();
        for (got, raw) in scores.iter().zip([1.0, 1.5, 1.75]) {
            assert!((got - raw / norm).abs() < 1e-9, "{scores:?}");
        }
        let divergent = katz_centrality(&graph.to_undirected(), Some(2.0), 1.0, 1e-9, 200);
        assert!(divergent.is_err());
    }
}
