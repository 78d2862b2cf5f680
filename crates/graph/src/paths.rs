//! Shortest paths between two nodes, and the k shortest loopless paths by Yen's
//! algorithm (Yen 1971, "Finding the k shortest loopless paths in a network").

use crate::traversal::{Bans, Cost, dijkstra_constrained};
use crate::{Graph, GraphError, NodeIndex};

/// A path as its node sequence and its total length under the [`Cost`] used.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub nodes: Vec<NodeIndex>,
    pub cost: f64,
}

/// The weight of edge `u → v`, if there is one.
pub fn edge_weight(graph: &Graph, u: NodeIndex, v: NodeIndex) -> Option<f64> {
    edge_slot(graph, u, v).map(|slot| graph.weights(u)[slot - graph.outgoing().row_start(u)])
}

fn edge_slot(graph: &Graph, u: NodeIndex, v: NodeIndex) -> Option<usize> {
    graph
        .neighbours(u)
        .binary_search(&v)
        .ok()
        .map(|at| graph.outgoing().row_start(u) + at)
}

fn path_cost(graph: &Graph, nodes: &[NodeIndex], cost: Cost) -> f64 {
    nodes
        .windows(2)
        .map(|pair| cost.length(edge_weight(graph, pair[0], pair[1]).unwrap_or(f64::INFINITY)))
        .sum()
}

/// One shortest path from `from` to `to`, or `None` when `to` is unreachable.
pub fn shortest_path(graph: &Graph, from: NodeIndex, to: NodeIndex, cost: Cost) -> Option<Path> {
    let tree = dijkstra_constrained(graph, &[from], cost, &Bans::default(), Some(to));
    let nodes = tree.path_to(to)?;
    Some(Path {
        cost: tree.distance[to as usize],
        nodes,
    })
}

/// Up to `k` shortest loopless paths from `from` to `to`, shortest first (equal lengths
/// ordered by their node sequences, so results are reproducible).
pub fn k_shortest_paths(
    graph: &Graph,
    from: NodeIndex,
    to: NodeIndex,
    k: usize,
    cost: Cost,
) -> Result<Vec<Path>, GraphError> {
    if k == 0 {
        return Err(GraphError::InvalidParameter {
            name: "k",
            reason: "must be at least 1".into(),
        });
    }
    let Some(first) = shortest_path(graph, from, to, cost) else {
        return Ok(Vec::new());
    };
    let mut accepted = vec![first];
    let mut candidates: Vec<Path> = Vec::new();
    let mut banned_nodes = vec![false; graph.node_count()];
    while accepted.len() < k {
        let previous = accepted.last().unwrap().nodes.clone();
        for spur_at in 0..previous.len() - 1 {
            let spur = previous[spur_at];
            let root = &previous[..=spur_at];
            // Edges leaving the spur node along any accepted path sharing this root.
            let banned_edges: Vec<usize> = accepted
                .iter()
                .filter(|path| path.nodes.len() > spur_at + 1 && path.nodes[..=spur_at] == *root)
                .filter_map(|path| edge_slot(graph, spur, path.nodes[spur_at + 1]))
                .collect();
            for &v in &root[..spur_at] {
                banned_nodes[v as usize] = true;
            }
            let bans = Bans {
                nodes: &banned_nodes,
                edges: &banned_edges,
            };
            let tree = dijkstra_constrained(graph, &[spur], cost, &bans, Some(to));
            for &v in &root[..spur_at] {
                banned_nodes[v as usize] = false;
            }
            let Some(spur_path) = tree.path_to(to) else {
                continue;
            };
            let mut nodes = root[..spur_at].to_vec();
            nodes.extend(spur_path);
            let already = candidates
                .iter()
                .chain(&accepted)
                .any(|path| path.nodes == nodes);
            if !already {
                let total = path_cost(graph, &nodes, cost);
                candidates.push(Path { nodes, cost: total });
            }
        }
        let Some(best) = (0..candidates.len()).min_by(|&a, &b| {
            candidates[a]
                .cost
                .total_cmp(&candidates[b].cost)
                .then_with(|| candidates[a].nodes.cmp(&candidates[b].nodes))
        }) else {
            break;
        };
        accepted.push(candidates.swap_remove(best));
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Wikipedia's "Yen's algorithm" page: C=0 D=1 E=2 F=3 G=4 H=5,
    /// directed, weights as lengths. Paths C→H: CEFH (5), CEGH (7), CDFH (8).
    fn yen_example() -> Graph {
        let edges = [
            (0, 1, 3.0),
            (0, 2, 2.0),
            (1, 3, 4.0),
            (2, 1, 1.0),
            (2, 3, 2.0),
            (2, 4, 3.0),
            (3, 4, 2.0),
            (3, 5, 1.0),
            (4, 5, 2.0),
        ];
        Graph::from_index_edges(true, 6, edges).unwrap()
    }

    #[test]
    fn yen_finds_the_three_shortest_paths() {
        let graph = yen_example();
        let paths = k_shortest_paths(&graph, 0, 5, 3, Cost::Weight).unwrap();
        let found: Vec<_> = paths
            .iter()
            .map(|path| (path.nodes.clone(), path.cost))
            .collect();
        assert_eq!(
            found,
            vec![
                (vec![0, 2, 3, 5], 5.0),
                (vec![0, 2, 4, 5], 7.0),
                (vec![0, 1, 3, 5], 8.0),
            ]
        );
    }

    #[test]
    fn yen_stops_when_paths_run_out() {
        let graph = Graph::from_index_edges(false, 3, [(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
        let paths = k_shortest_paths(&graph, 0, 2, 5, Cost::Hops).unwrap();
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].nodes, vec![0, 1, 2]);
        let unreachable = Graph::from_index_edges(false, 3, [(0, 1, 1.0)]).unwrap();
        assert!(
            k_shortest_paths(&unreachable, 0, 2, 2, Cost::Hops)
                .unwrap()
                .is_empty()
        );
        assert!(shortest_path(&unreachable, 0, 2, Cost::Hops).is_none());
    }
}
