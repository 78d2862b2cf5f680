//! The compact graph: compressed sparse rows over dense `u32` node indices, with the
//! table of the input's node ids so results can name nodes as the input did.
//!
//! Building rules, the same for every source of edges:
//! - **Parallel edges merge** by summing their weights (two calls between the same pair
//!   are a tie twice as strong). In an undirected graph `a,b` and `b,a` are parallel.
//! - **Self-loops are dropped** and counted: a tie from an entity to itself says nothing
//!   about who links whom, and it would distort PageRank, constraint and modularity.
//! - Weights must be positive and finite.

use std::collections::HashMap;

use crate::GraphError;

/// Dense node index.
pub type NodeIndex = u32;

/// One row-compressed adjacency: the neighbours of `v` are
/// `targets[offsets[v]..offsets[v + 1]]`, sorted, with their `weights`.
#[derive(Debug, Clone, Default)]
pub struct Adjacency {
    offsets: Vec<usize>,
    targets: Vec<NodeIndex>,
    weights: Vec<f64>,
}

impl Adjacency {
    /// Builds rows from `(source, target, weight)` triples; sorts each row by target and
    /// merges duplicates by summing weights.
    fn from_triples(node_count: usize, triples: &[(NodeIndex, NodeIndex, f64)]) -> Self {
        let mut offsets = vec![0usize; node_count + 1];
        for &(source, _, _) in triples {
            offsets[source as usize + 1] += 1;
        }
        for v in 0..node_count {
            offsets[v + 1] += offsets[v];
        }
        let mut cursor = offsets.clone();
        let mut rows = vec![(0 as NodeIndex, 0.0f64); triples.len()];
        for &(source, target, weight) in triples {
            rows[cursor[source as usize]] = (target, weight);
            cursor[source as usize] += 1;
        }
        // Sort and merge each row in place, then compact.
        let mut targets = Vec::with_capacity(triples.len());
        let mut weights = Vec::with_capacity(triples.len());
        let mut merged_offsets = Vec::with_capacity(node_count + 1);
        merged_offsets.push(0);
        for v in 0..node_count {
            let row = &mut rows[offsets[v]..offsets[v + 1]];
            row.sort_unstable_by_key(|&(target, _)| target);
            for &(target, weight) in row.iter() {
                if targets.len() > *merged_offsets.last().unwrap()
                    && *targets.last().unwrap() == target
                {
                    *weights.last_mut().unwrap() += weight;
                } else {
                    targets.push(target);
                    weights.push(weight);
                }
            }
            merged_offsets.push(targets.len());
        }
        Adjacency {
            offsets: merged_offsets,
            targets,
            weights,
        }
    }

    #[inline]
    pub fn targets(&self, v: NodeIndex) -> &[NodeIndex] {
        &self.targets[self.offsets[v as usize]..self.offsets[v as usize + 1]]
    }

    #[inline]
    pub fn weights(&self, v: NodeIndex) -> &[f64] {
        &self.weights[self.offsets[v as usize]..self.offsets[v as usize + 1]]
    }

    /// Where `v`'s row starts in the flat arrays (edge slot ids, used to ban edges).
    #[inline]
    pub fn row_start(&self, v: NodeIndex) -> usize {
        self.offsets[v as usize]
    }

    pub fn entry_count(&self) -> usize {
        self.targets.len()
    }
}

/// A weighted graph, directed or undirected, in compressed sparse rows.
///
/// Undirected graphs store each edge in both rows; directed graphs keep the transposed
/// rows too (`incoming`), for PageRank, eigenvector centrality and weak components.
#[derive(Debug, Clone)]
pub struct Graph {
    directed: bool,
    ids: Vec<String>,
    index_of: HashMap<String, NodeIndex>,
    outgoing: Adjacency,
    incoming: Option<Adjacency>,
    edge_count: usize,
    self_loops_dropped: usize,
}

impl Graph {
    /// A graph on nodes `0..node_count` named by their index, from index triples
    /// (generators and tests). Same rules as [`GraphBuilder`].
    pub fn from_index_edges(
        directed: bool,
        node_count: usize,
        edges: impl IntoIterator<Item = (NodeIndex, NodeIndex, f64)>,
    ) -> Result<Graph, GraphError> {
        let mut builder = GraphBuilder::new(directed);
        for v in 0..node_count {
            builder.node(&v.to_string());
        }
        for (source, target, weight) in edges {
            if source as usize >= node_count || target as usize >= node_count {
                return Err(GraphError::UnknownNode(format!("{source} or {target}")));
            }
            builder.add_index_edge(source, target, weight)?;
        }
        Ok(builder.build())
    }

    pub fn is_directed(&self) -> bool {
        self.directed
    }

    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    /// Distinct edges after merging (an undirected edge counts once).
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    pub fn self_loops_dropped(&self) -> usize {
        self.self_loops_dropped
    }

    /// The input's id of a node.
    pub fn id(&self, v: NodeIndex) -> &str {
        &self.ids[v as usize]
    }

    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    pub fn index(&self, id: &str) -> Option<NodeIndex> {
        self.index_of.get(id).copied()
    }

    /// The index of an id, or [`GraphError::UnknownNode`].
    pub fn require(&self, id: &str) -> Result<NodeIndex, GraphError> {
        self.index(id)
            .ok_or_else(|| GraphError::UnknownNode(id.to_string()))
    }

    /// Out-neighbours (all neighbours when undirected), sorted.
    #[inline]
    pub fn neighbours(&self, v: NodeIndex) -> &[NodeIndex] {
        self.outgoing.targets(v)
    }

    /// Weights parallel to [`Graph::neighbours`].
    #[inline]
    pub fn weights(&self, v: NodeIndex) -> &[f64] {
        self.outgoing.weights(v)
    }

    pub fn outgoing(&self) -> &Adjacency {
        &self.outgoing
    }

    /// In-neighbours rows; the outgoing rows themselves when undirected.
    pub fn incoming(&self) -> &Adjacency {
        self.incoming.as_ref().unwrap_or(&self.outgoing)
    }

    /// Number of (out-)neighbours.
    pub fn degree(&self, v: NodeIndex) -> usize {
        self.neighbours(v).len()
    }

    /// Sum of (out-)edge weights.
    pub fn strength(&self, v: NodeIndex) -> f64 {
        self.weights(v).iter().sum()
    }

    /// Every edge once as `(source, target, weight)`; undirected edges with source < target.
    pub fn edges(&self) -> impl Iterator<Item = (NodeIndex, NodeIndex, f64)> + '_ {
        (0..self.node_count() as NodeIndex).flat_map(move |u| {
            self.neighbours(u)
                .iter()
                .zip(self.weights(u))
                .filter(move |&(&v, _)| self.directed || u < v)
                .map(move |(&v, &w)| (u, v, w))
        })
    }

    /// The undirected view: the graph itself when undirected; otherwise each pair joined
    /// by an edge either way, with the weights of both directions summed.
    pub fn to_undirected(&self) -> Graph {
        if !self.directed {
            return self.clone();
        }
        let triples: Vec<_> = self
            .edges()
            .flat_map(|(u, v, w)| [(u, v, w), (v, u, w)])
            .collect();
        let outgoing = Adjacency::from_triples(self.node_count(), &triples);
        let edge_count = outgoing.entry_count() / 2;
        Graph {
            directed: false,
            ids: self.ids.clone(),
            index_of: self.index_of.clone(),
            outgoing,
            incoming: None,
            edge_count,
            self_loops_dropped: self.self_loops_dropped,
        }
    }
}

impl Graph {
    /// The same graph with nodes renumbered in breadth-first order from the highest-degree
    /// node (each further component from its own highest-degree node), and the map
    /// `new_index[old]`. Neighbours then sit close in memory, which speeds up traversals
    /// that touch every node many times (sampled betweenness) on large graphs.
    pub fn reordered_for_locality(&self) -> (Graph, Vec<NodeIndex>) {
        let n = self.node_count();
        let mut by_degree: Vec<NodeIndex> = (0..n as NodeIndex).collect();
        let total_degree = |v: NodeIndex| {
            let incoming = if self.directed {
                self.incoming().targets(v).len()
            } else {
                0
            };
            self.degree(v) + incoming
        };
        by_degree.sort_by_key(|&v| (std::cmp::Reverse(total_degree(v)), v));
        let mut new_index = vec![NodeIndex::MAX; n];
        let mut order: Vec<NodeIndex> = Vec::with_capacity(n);
        for &start in &by_degree {
            if new_index[start as usize] != NodeIndex::MAX {
                continue;
            }
            new_index[start as usize] = order.len() as NodeIndex;
            let mut head = order.len();
            order.push(start);
            while head < order.len() {
                let u = order[head];
                head += 1;
                for &v in self.neighbours(u).iter().chain(self.incoming().targets(u)) {
                    if new_index[v as usize] == NodeIndex::MAX {
                        new_index[v as usize] = order.len() as NodeIndex;
                        order.push(v);
                    }
                }
            }
        }
        let renumber = |adjacency: &Adjacency| {
            let mut triples = Vec::with_capacity(adjacency.entry_count());
            for u in 0..n as NodeIndex {
                for (&v, &w) in adjacency.targets(u).iter().zip(adjacency.weights(u)) {
                    triples.push((new_index[u as usize], new_index[v as usize], w));
                }
            }
            Adjacency::from_triples(n, &triples)
        };
        let ids: Vec<String> = order
            .iter()
            .map(|&v| self.ids[v as usize].clone())
            .collect();
        let index_of = ids
            .iter()
            .enumerate()
            .map(|(v, id)| (id.clone(), v as NodeIndex))
            .collect();
        let graph = Graph {
            directed: self.directed,
            ids,
            index_of,
            outgoing: renumber(&self.outgoing),
            incoming: self.incoming.as_ref().map(renumber),
            edge_count: self.edge_count,
            self_loops_dropped: self.self_loops_dropped,
        };
        (graph, new_index)
    }
}

/// Collects nodes and edges, then builds a [`Graph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    directed: bool,
    ids: Vec<String>,
    index_of: HashMap<String, NodeIndex>,
    triples: Vec<(NodeIndex, NodeIndex, f64)>,
    self_loops_dropped: usize,
}

impl GraphBuilder {
    pub fn new(directed: bool) -> Self {
        GraphBuilder {
            directed,
            ..Default::default()
        }
    }

    /// The index of a node id, adding the node when new.
    pub fn node(&mut self, id: &str) -> NodeIndex {
        if let Some(&v) = self.index_of.get(id) {
            return v;
        }
        let v = self.ids.len() as NodeIndex;
        self.ids.push(id.to_string());
        self.index_of.insert(id.to_string(), v);
        v
    }

    /// Adds an edge between two node ids (added when new).
    pub fn add_edge(&mut self, source: &str, target: &str, weight: f64) -> Result<(), GraphError> {
        check_weight(source, target, weight)?;
        let u = self.node(source);
        let v = self.node(target);
        self.push(u, v, weight);
        Ok(())
    }

    /// Adds an edge between nodes already added.
    pub fn add_index_edge(
        &mut self,
        u: NodeIndex,
        v: NodeIndex,
        weight: f64,
    ) -> Result<(), GraphError> {
        check_weight(&u.to_string(), &v.to_string(), weight)?;
        self.push(u, v, weight);
        Ok(())
    }

    fn push(&mut self, u: NodeIndex, v: NodeIndex, weight: f64) {
        if u == v {
            self.self_loops_dropped += 1;
        } else {
            self.triples.push((u, v, weight));
        }
    }

    pub fn build(self) -> Graph {
        let node_count = self.ids.len();
        let (outgoing, incoming) = if self.directed {
            let transposed: Vec<_> = self.triples.iter().map(|&(u, v, w)| (v, u, w)).collect();
            (
                Adjacency::from_triples(node_count, &self.triples),
                Some(Adjacency::from_triples(node_count, &transposed)),
            )
        } else {
            let both: Vec<_> = self
                .triples
                .iter()
                .flat_map(|&(u, v, w)| [(u, v, w), (v, u, w)])
                .collect();
            (Adjacency::from_triples(node_count, &both), None)
        };
        let edge_count = if self.directed {
            outgoing.entry_count()
        } else {
            outgoing.entry_count() / 2
        };
        Graph {
            directed: self.directed,
            ids: self.ids,
            index_of: self.index_of,
            outgoing,
            incoming,
            edge_count,
            self_loops_dropped: self.self_loops_dropped,
        }
    }
}

fn check_weight(source: &str, target: &str, weight: f64) -> Result<(), GraphError> {
    if weight.is_finite() && weight > 0.0 {
        Ok(())
    } else {
        Err(GraphError::BadWeight {
            source_id: source.to_string(),
            target_id: target.to_string(),
            weight,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_edges_merge_and_self_loops_drop() {
        let mut builder = GraphBuilder::new(false);
        builder.add_edge("a", "b", 1.0).unwrap();
        builder.add_edge("b", "a", 2.0).unwrap();
        builder.add_edge("a", "a", 5.0).unwrap();
        builder.add_edge("b", "c", 1.5).unwrap();
        let graph = builder.build();
        assert_eq!(graph.node_count(), 3);
        assert_eq!(graph.edge_count(), 2);
        assert_eq!(graph.self_loops_dropped(), 1);
        let a = graph.require("a").unwrap();
        let b = graph.require("b").unwrap();
        assert_eq!(graph.neighbours(a), &[b]);
        assert_eq!(graph.weights(a), &[3.0]);
        assert_eq!(graph.strength(b), 4.5);
        let edges: Vec<_> = graph.edges().collect();
        assert_eq!(edges, vec![(0, 1, 3.0), (1, 2, 1.5)]);
    }

    #[test]
    fn directed_keeps_both_directions_apart() {
        let mut builder = GraphBuilder::new(true);
        builder.add_edge("a", "b", 1.0).unwrap();
        builder.add_edge("b", "a", 2.0).unwrap();
        builder.add_edge("a", "b", 1.0).unwrap();
        let graph = builder.build();
        assert_eq!(graph.edge_count(), 2);
        assert_eq!(graph.weights(0), &[2.0]);
        assert_eq!(graph.incoming().targets(0), &[1]);
        let undirected = graph.to_undirected();
        assert_eq!(undirected.edge_count(), 1);
        assert_eq!(undirected.weights(0), &[4.0]);
    }

    #[test]
    fn renumbering_keeps_ids_and_edges() {
        let mut builder = GraphBuilder::new(true);
        builder.add_edge("x", "hub", 1.0).unwrap();
        builder.add_edge("hub", "y", 2.0).unwrap();
        builder.add_edge("z", "hub", 3.0).unwrap();
        builder.add_edge("lone1", "lone2", 4.0).unwrap();
        let graph = builder.build();
        let (renumbered, new_index) = graph.reordered_for_locality();
        assert_eq!(renumbered.id(0), "hub");
        for v in 0..graph.node_count() as NodeIndex {
            assert_eq!(renumbered.id(new_index[v as usize]), graph.id(v));
        }
        let mut before: Vec<_> = graph
            .edges()
            .map(|(u, v, w)| (graph.id(u).to_string(), graph.id(v).to_string(), w))
            .collect();
        let mut after: Vec<_> = renumbered
            .edges()
            .map(|(u, v, w)| {
                (
                    renumbered.id(u).to_string(),
                    renumbered.id(v).to_string(),
                    w,
                )
            })
            .collect();
        before.sort_by(|a, b| a.partial_cmp(b).unwrap());
        after.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(before, after);
        assert_eq!(
            renumbered.index("y"),
            Some(new_index[graph.index("y").unwrap() as usize])
        );
    }

    #[test]
    fn bad_weights_are_refused() {
        let mut builder = GraphBuilder::new(false);
        assert!(builder.add_edge("a", "b", 0.0).is_err());
        assert!(builder.add_edge("a", "b", f64::NAN).is_err());
        assert!(builder.add_edge("a", "b", -1.0).is_err());
    }
}
