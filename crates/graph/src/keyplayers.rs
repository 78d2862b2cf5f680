//! Key players: a ranked target list with the scores and a reason for each entry, and
//! greedy key-player removal (which k nodes, taken out, fragment the network most).
//!
//! Ranking: each node's score is the mean of its percentile ranks in PageRank (who is
//! reached by much of the network's flow) and betweenness (who sits between others), so a
//! node must stand out on both to lead; ties go to higher PageRank. Constraint and
//! effective size are computed for the listed nodes and explain brokerage in the reason.
//!
//! Removal (Borgatti 2006, "Identifying sets of key players in a social network", KPP-Neg):
//! greedily take out, k times, the candidate whose removal most raises fragmentation
//! F = 1 − Σ sᵢ(sᵢ−1) / (n(n−1)) of the remaining nodes (or most shrinks the largest
//! component). Greedy is not optimal, but each step's effect is shown. Candidates are the
//! best-ranked nodes (all nodes in small graphs), which keeps it fast on large ones.

use crate::betweenness::{Betweenness, betweenness, sampled_betweenness};
use crate::brokerage::brokerage;
use crate::components::{components_without, fragmentation};
use crate::pagerank::{PageRankParameters, pagerank};
use crate::traversal::Cost;
use crate::{Graph, GraphError, NodeIndex};

/// What removal maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RemovalMeasure {
    /// Borgatti's F: share of node pairs that can no longer reach each other.
    #[default]
    Fragmentation,
    /// Size of the largest remaining component (smaller is better).
    LargestComponent,
}

#[derive(Debug, Clone, Copy)]
pub struct KeyPlayerParameters {
    /// How many nodes to list.
    pub top: usize,
    /// Betweenness pivots; `None`: exact up to [`EXACT_BETWEENNESS_LIMIT`] nodes, else
    /// 1,000 sampled pivots.
    pub pivots: Option<usize>,
    pub seed: u64,
    pub threads: usize,
    /// How many nodes to remove (0: no removal analysis).
    pub removals: usize,
    pub removal_measure: RemovalMeasure,
    /// Removal candidates when the graph has more than this many nodes: the best ranked.
    pub removal_candidates: usize,
}

/// Graphs up to this many nodes get exact betweenness by default.
pub const EXACT_BETWEENNESS_LIMIT: usize = 5_000;

impl Default for KeyPlayerParameters {
    fn default() -> Self {
        KeyPlayerParameters {
            top: 10,
            pivots: None,
            seed: 1,
            threads: 1,
            removals: 3,
            removal_measure: RemovalMeasure::Fragmentation,
            removal_candidates: 200,
        }
    }
}

/// One listed node with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPlayer {
    pub node: NodeIndex,
    pub rank: usize,
    /// Mean percentile of PageRank and betweenness, in [0, 1].
    pub score: f64,
    pub pagerank: f64,
    pub betweenness: f64,
    pub betweenness_standard_error: f64,
    /// Number of distinct neighbours (either direction).
    pub degree: usize,
    pub strength: f64,
    pub constraint: Option<f64>,
    pub effective_size: Option<f64>,
    /// Set when the node is in the removal set: its step (1-based).
    pub removal_step: Option<usize>,
    pub reason: String,
}

/// One step of greedy removal: the node taken out and the network after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    pub node: NodeIndex,
    pub fragmentation: f64,
    pub largest_component: usize,
    pub components: usize,
}

#[derive(Debug, Clone)]
pub struct KeyPlayerReport {
    pub players: Vec<KeyPlayer>,
    pub betweenness_exact: bool,
    pub pivots: usize,
    /// Fragmentation and largest component before any removal.
    pub initial_fragmentation: f64,
    pub initial_largest_component: usize,
    pub removals: Vec<Removal>,
}

/// Ranks key players and runs the removal analysis.
pub fn key_players(
    graph: &Graph,
    parameters: &KeyPlayerParameters,
) -> Result<KeyPlayerReport, GraphError> {
    let n = graph.node_count();
    let rank = pagerank(graph, &PageRankParameters::default())?;
    // Shortest paths count hops: who connects whom, whatever the tie strength.
    let between: Betweenness = match parameters.pivots {
        None if n <= EXACT_BETWEENNESS_LIMIT => betweenness(graph, Cost::Hops, parameters.threads),
        None => sampled_betweenness(graph, 1000, parameters.seed, Cost::Hops, parameters.threads)?,
        Some(pivots) => sampled_betweenness(
            graph,
            pivots,
            parameters.seed,
            Cost::Hops,
            parameters.threads,
        )?,
    };
    let rank_percentile = percentiles(&rank);
    let between_percentile = percentiles(&between.scores);
    let rank_place = places(&rank);
    let between_place = places(&between.scores);
    let score: Vec<f64> = (0..n)
        .map(|v| (rank_percentile[v] + between_percentile[v]) / 2.0)
        .collect();
    let mut order: Vec<NodeIndex> = (0..n as NodeIndex).collect();
    order.sort_by(|&a, &b| {
        score[b as usize]
            .total_cmp(&score[a as usize])
            .then(rank[b as usize].total_cmp(&rank[a as usize]))
            .then(a.cmp(&b))
    });

    let before = components_without(graph, &[]);
    let candidates: Vec<NodeIndex> = if n <= parameters.removal_candidates {
        (0..n as NodeIndex).collect()
    } else {
        order[..parameters.removal_candidates].to_vec()
    };
    let removals = key_player_removal(
        graph,
        parameters.removals,
        &candidates,
        parameters.removal_measure,
    );

    let listed = &order[..parameters.top.min(n)];
    let undirected = graph.to_undirected();
    let brokers = brokerage(&undirected, listed);
    let other_pairs = (n.saturating_sub(1) * n.saturating_sub(2)) as f64
        / if graph.is_directed() { 1.0 } else { 2.0 };
    let players = listed
        .iter()
        .zip(brokers)
        .enumerate()
        .map(|(position, (&v, broker))| {
            let removal_step = removals.iter().position(|removal| removal.node == v);
            let mut player = KeyPlayer {
                node: v,
                rank: position + 1,
                score: score[v as usize],
                pagerank: rank[v as usize],
                betweenness: between.scores[v as usize],
                betweenness_standard_error: between.standard_error[v as usize],
                degree: undirected.degree(v),
                strength: undirected.strength(v),
                constraint: broker.constraint,
                effective_size: broker.effective_size,
                removal_step: removal_step.map(|step| step + 1),
                reason: String::new(),
            };
            player.reason = reason(
                &player,
                (rank_place[v as usize], between_place[v as usize], n),
                other_pairs,
                removal_step.map(|step| &removals[step]),
            );
            player
        })
        .collect();
    Ok(KeyPlayerReport {
        players,
        betweenness_exact: between.exact,
        pivots: between.pivots,
        initial_fragmentation: fragmentation(&before.sizes),
        initial_largest_component: before.largest(),
        removals,
    })
}

/// Greedy key-player removal over `candidates`, `k` steps (fewer if candidates run out).
pub fn key_player_removal(
    graph: &Graph,
    k: usize,
    candidates: &[NodeIndex],
    measure: RemovalMeasure,
) -> Vec<Removal> {
    let mut removed = vec![false; graph.node_count()];
    let mut steps = Vec::new();
    for _ in 0..k {
        let mut best: Option<(f64, Removal)> = None;
        for &candidate in candidates {
            if removed[candidate as usize] {
                continue;
            }
            removed[candidate as usize] = true;
            let parts = components_without(graph, &removed);
            removed[candidate as usize] = false;
            let removal = Removal {
                node: candidate,
                fragmentation: fragmentation(&parts.sizes),
                largest_component: parts.largest(),
                components: parts.count(),
            };
            let value = match measure {
                RemovalMeasure::Fragmentation => removal.fragmentation,
                RemovalMeasure::LargestComponent => -(removal.largest_component as f64),
            };
            // Strictly better only: ties keep the earlier (better-ranked) candidate.
            if best
                .as_ref()
                .is_none_or(|(best_value, _)| value > *best_value)
            {
                best = Some((value, removal));
            }
        }
        let Some((_, removal)) = best else { break };
        removed[removal.node as usize] = true;
        steps.push(removal);
    }
    steps
}

/// Share of nodes with a strictly lower value, for each node.
/// Each value's percentile rank in [0, 1]: the share of the other values strictly below
/// it (ties share a rank).
pub fn percentiles(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut result = vec![0.0; n];
    let mut below = 0;
    for (position, &v) in order.iter().enumerate() {
        if position > 0 && values[order[position - 1]] < values[v] {
            below = position;
        }
        result[v] = if n > 1 {
            below as f64 / (n - 1) as f64
        } else {
            0.0
        };
    }
    result
}

/// 1 + the number of nodes with a strictly higher value (ties share a place).
fn places(values: &[f64]) -> Vec<usize> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let mut result = vec![0; n];
    let mut place = 1;
    for (position, &v) in order.iter().enumerate() {
        if position > 0 && values[order[position - 1]] > values[v] {
            place = position + 1;
        }
        result[v] = place;
    }
    result
}

/// Four decimals, or three significant digits for small values (PageRank on large
/// graphs), so a score never reads as 0.0000.
pub fn readable(value: f64) -> String {
    if value == 0.0 || value.abs() >= 0.01 {
        format!("{value:.4}")
    } else {
        format!("{value:.2e}")
    }
}

/// A short reason built from the scores.
fn reason(
    player: &KeyPlayer,
    (rank_place, between_place, n): (usize, usize, usize),
    other_pairs: f64,
    removal: Option<&Removal>,
) -> String {
    let mut parts = vec![format!(
        "PageRank {} (#{rank_place} of {n})",
        readable(player.pagerank)
    )];
    if player.betweenness > 0.0 {
        let share = if other_pairs > 0.0 {
            100.0 * player.betweenness / other_pairs
        } else {
            0.0
        };
        parts.push(format!(
            "betweenness {:.1} (#{between_place} of {n}; on {share:.1}% of shortest paths between other pairs)",
            player.betweenness
        ));
    } else {
        parts.push("on no shortest path between others".into());
    }
    parts.push(format!("{} direct contacts", player.degree));
    if let Some(constraint) = player.constraint {
        let reading = if constraint <= 0.25 {
            "brokers between contacts who are not tied to each other"
        } else if constraint >= 0.6 {
            "contacts closely knit, little brokerage"
        } else {
            "some brokerage"
        };
        parts.push(format!("constraint {constraint:.2}: {reading}"));
    }
    if let Some(removal) = removal {
        parts.push(format!(
            "removal step {}: {:.0}% of pairs then disconnected, largest group {}",
            player.removal_step.unwrap_or(0),
            100.0 * removal.fragmentation,
            removal.largest_component
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 5-cliques joined through a broker node 10 (edges 0-10 and 5-10).
    fn two_cliques_and_a_broker() -> Graph {
        let mut edges = Vec::new();
        for offset in [0, 5] {
            for u in 0..5 {
                for v in u + 1..5 {
                    edges.push((offset + u, offset + v, 1.0));
                }
            }
        }
        edges.extend([(0, 10, 1.0), (5, 10, 1.0)]);
        Graph::from_index_edges(false, 11, edges).unwrap()
    }

    #[test]
    fn the_broker_and_its_contacts_lead_with_reasons() {
        let graph = two_cliques_and_a_broker();
        let report = key_players(
            &graph,
            &KeyPlayerParameters {
                top: 3,
                removals: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(report.betweenness_exact);
        let leaders: Vec<NodeIndex> = report.players.iter().map(|player| player.node).collect();
        // 0 and 5 carry every path between the cliques (25 pairs + the broker's), 10 too.
        assert_eq!(leaders, vec![0, 5, 10]);
        let broker = &report.players[2];
        assert_eq!(broker.betweenness, 25.0);
        assert_eq!(broker.constraint, Some(0.5));
        assert!(
            broker.reason.contains("betweenness 25.0 (#1 of 11")
                && broker.reason.contains("2 direct contacts"),
            "{}",
            broker.reason
        );
        // Removing 0 leaves groups of 4 and 6 (F = 1 − 42/90); removing 10 two groups of
        // 5 (F = 1 − 40/90), the better cut.
        assert_eq!(report.initial_fragmentation, 0.0);
        assert_eq!(report.removals.len(), 1);
        assert_eq!(report.removals[0].node, 10);
        assert_eq!(report.removals[0].largest_component, 5);
        assert!((report.removals[0].fragmentation - 50.0 / 90.0).abs() < 1e-12);
        assert_eq!(broker.removal_step, Some(1));
        assert!(
            broker.reason.contains("removal step 1"),
            "{}",
            broker.reason
        );
    }

    #[test]
    fn removal_cuts_a_star_at_its_centre() {
        let graph = Graph::from_index_edges(false, 6, (1..6).map(|v| (0, v, 1.0))).unwrap();
        let steps = key_player_removal(&graph, 2, &[1, 2, 0, 3], RemovalMeasure::Fragmentation);
        assert_eq!(steps[0].node, 0);
        assert_eq!(steps[0].fragmentation, 1.0);
        assert_eq!(steps[0].components, 5);
        // With everything isolated the next pick changes nothing: the first candidate.
        assert_eq!(steps[1].node, 1);
        let by_size = key_player_removal(&graph, 1, &[1, 0], RemovalMeasure::LargestComponent);
        assert_eq!(by_size[0].largest_component, 1);
    }

    #[test]
    fn percentiles_and_places_handle_ties() {
        assert_eq!(
            percentiles(&[3.0, 1.0, 1.0, 2.0]),
            vec![1.0, 0.0, 0.0, 2.0 / 3.0]
        );
        assert_eq!(places(&[3.0, 1.0, 1.0, 3.0]), vec![1, 3, 3, 1]);
        assert_eq!(readable(0.25), "0.2500");
        assert_eq!(readable(0.000_712), "7.12e-4");
    }
}
