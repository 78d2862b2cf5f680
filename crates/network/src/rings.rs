//! Rings as Leiden communities of the actor graph ([`Network::actor_graph`]: product
//! features and overdoses left out, so a popular pill stamp does not glue rings
//! together), each with a summary: its people and organisations with their roles, the
//! agencies that know them, and the seizures, overdoses and money linked to it.
//!
//! Overdoses are linked to a ring through product features: an overdose counts for a
//! ring when one of its product features is also a feature of a seizure in the ring.

use std::collections::{BTreeMap, BTreeSet};

use graph::betweenness::subset_betweenness;
use graph::keyplayers::{KeyPlayerParameters, key_players, percentiles};
use graph::leiden::{LeidenParameters, leiden};
use graph::pagerank::{PageRankParameters, pagerank};
use serde::Serialize;

use crate::roles::{RoleAssignment, RoleRules};
use crate::{Network, NetworkResult};

/// One member of a ring.
#[derive(Debug, Clone, Serialize)]
pub struct RingMember {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub role: Option<&'static str>,
    /// Key-player score within the whole network ([`key_player_scores`]), when it was
    /// ranked.
    pub key_player_score: Option<f64>,
}

/// A ring and what is linked to it.
#[derive(Debug, Clone, Serialize)]
pub struct Ring {
    pub community: u32,
    /// People and organisations, by key-player score then id.
    pub members: Vec<RingMember>,
    /// Nodes of any kind in the community.
    pub nodes: usize,
    pub agencies: BTreeSet<String>,
    pub seizures: usize,
    pub seized_grams: f64,
    pub overdoses: usize,
    /// Sum of transfers between the ring's nodes, and into or out of them.
    pub money_internal: f64,
    pub money_external: f64,
    pub roles: BTreeMap<&'static str, usize>,
}

/// Rings (communities with at least `min_actors` people and organisations), largest
/// first, and the membership of every node. Members are ordered by `key_player_scores`
/// (from [`key_player_scores`]; an empty map orders them by id).
pub fn rings(
    network: &Network,
    parameters: &LeidenParameters,
    roles: &[RoleAssignment],
    key_player_scores: &BTreeMap<u32, f64>,
    min_actors: usize,
) -> NetworkResult<(Vec<Ring>, Vec<u32>)> {
    let actor_graph = network.actor_graph();
    let communities = leiden(&actor_graph, parameters)?;
    let membership = communities.membership;
    let scores = key_player_scores;
    let role_of: BTreeMap<u32, &'static str> = roles
        .iter()
        .filter_map(|assignment| Some((assignment.node, assignment.role?.as_str())))
        .collect();
    let mut by_community: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (node, &community) in membership.iter().enumerate() {
        by_community.entry(community).or_default().push(node as u32);
    }
    // Product features of seizures, per community.
    let mut features_of: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for (node, &community) in membership.iter().enumerate() {
        if network.nodes[node].kind != "Seizure" {
            continue;
        }
        for &link in network.links_at(node as u32) {
            let other = network.links[link as usize].other(node as u32);
            if network.node(other).kind == "Product" {
                features_of.entry(community).or_default().insert(other);
            }
        }
    }
    let mut rings = Vec::new();
    for (community, nodes) in by_community {
        let actors: Vec<u32> = nodes
            .iter()
            .copied()
            .filter(|&node| network.is_actor(node))
            .collect();
        if actors.len() < min_actors {
            continue;
        }
        let inside: BTreeSet<u32> = nodes.iter().copied().collect();
        let mut members: Vec<RingMember> = actors
            .iter()
            .map(|&node| RingMember {
                node: network.node(node).id.clone(),
                kind: network.node(node).kind.clone(),
                label: network.node(node).label.clone(),
                role: role_of.get(&node).copied(),
                key_player_score: scores.get(&node).copied(),
            })
            .collect();
        members.sort_by(|left, right| {
            right
                .key_player_score
                .unwrap_or(-1.0)
                .total_cmp(&left.key_player_score.unwrap_or(-1.0))
                .then_with(|| left.node.cmp(&right.node))
        });
        let mut agencies = BTreeSet::new();
        let mut seizures = 0;
        let mut seized_grams = 0.0;
        for &node in &nodes {
            agencies.extend(network.agencies(node).into_iter().map(str::to_string));
            if network.node(node).kind == "Seizure" {
                seizures += 1;
                seized_grams += network
                    .value(node, "quantity_g")
                    .and_then(|grams| grams.parse::<f64>().ok())
                    .unwrap_or(0.0);
            }
        }
        let ring_features = features_of.get(&community);
        let overdoses = ring_features.map_or(0, |features| {
            let mut overdoses = BTreeSet::new();
            for &feature in features {
                for &link in network.links_at(feature) {
                    let other = network.links[link as usize].other(feature);
                    if network.node(other).kind == "OverdoseIncident" {
                        overdoses.insert(other);
                    }
                }
            }
            overdoses.len()
        });
        let mut money_internal = 0.0;
        let mut money_external = 0.0;
        for link in network
            .links
            .iter()
            .filter(|link| link.relation == "MoneyTransfer")
        {
            match (inside.contains(&link.source), inside.contains(&link.target)) {
                (true, true) => money_internal += link.amount,
                (true, false) | (false, true) => money_external += link.amount,
                _ => {}
            }
        }
        let mut roles = BTreeMap::new();
        for member in &members {
            if let Some(role) = member.role {
                *roles.entry(role).or_insert(0) += 1;
            }
        }
        rings.push(Ring {
            community,
            members,
            nodes: nodes.len(),
            agencies,
            seizures,
            seized_grams,
            overdoses,
            money_internal,
            money_external,
            roles,
        });
    }
    rings.sort_by(|left, right| {
        right
            .members
            .len()
            .cmp(&left.members.len())
            .then(left.community.cmp(&right.community))
    });
    Ok((rings, membership))
}

/// Key-player scores of the nodes of the actor graph, with how they were obtained.
#[derive(Debug, Clone, Default)]
pub struct KeyPlayerScores {
    /// Every node's score in [0, 1].
    pub scores: BTreeMap<u32, f64>,
    /// Actors with supply-side and with street-side evidence; when shortest paths join
    /// the two, the betweenness part counts those paths only.
    pub supply_side: usize,
    pub street_side: usize,
    /// Sources the supply-chain betweenness searched from (all of the supply side, or a
    /// sample of 1,000).
    pub pivots: usize,
    /// Supply-chain betweenness of every node of the actor graph (empty when it was not
    /// the basis).
    pub supply_chain_betweenness: Vec<f64>,
}

impl KeyPlayerScores {
    /// Whether the scores rest on supply-chain betweenness.
    pub fn supply_chain(&self) -> bool {
        !self.supply_chain_betweenness.is_empty()
    }

    /// What a score means, for a reason shown to the user.
    pub fn basis(&self) -> String {
        if self.supply_chain() {
            format!(
                "mean percentile of PageRank and supply-chain betweenness (shortest paths from the {} actors with supply-side evidence to the {} with street-side evidence{})",
                self.supply_side,
                self.street_side,
                if self.pivots < self.supply_side {
                    format!(", estimated from {} of them", self.pivots)
                } else {
                    String::new()
                }
            )
        } else if self.supply_side > 0 && self.street_side > 0 {
            format!(
                "mean percentile of PageRank and betweenness (no path joins the {} actors with supply-side evidence to the {} with street-side evidence)",
                self.supply_side, self.street_side
            )
        } else {
            "mean percentile of PageRank and betweenness (no supply-side and street-side evidence to trace a supply chain)".to_string()
        }
    }
}

/// Key-player scores of every node of the actor graph, for a "top down" target list.
///
/// A score is the mean of two percentile ranks: PageRank (how much of the network's
/// flow reaches the node) and *supply-chain betweenness*: betweenness counted over the
/// shortest paths from the actors with supply-side evidence (contraband parcels, press
/// or precursor links, wholesale seizures) to those with street-side evidence (drug
/// arrests, retail seizures) only — Brandes' betweenness for subsets. Those who sit
/// between the border and the street rank above street dealers, whose ordinary
/// betweenness comes from the customers around them, and above anyone whose contacts
/// merely bridge unrelated parts of a large background. Without both kinds of evidence,
/// or when no path joins them (every supply-chain betweenness 0, as in a view that sees
/// one side only), it falls back to betweenness over all pairs (the graph crate's
/// key-player score).
pub fn key_player_scores(
    network: &Network,
    roles: &[RoleAssignment],
    rules: &RoleRules,
    threads: usize,
) -> NetworkResult<KeyPlayerScores> {
    const PIVOTS: usize = 1000;
    let actor_graph = network.actor_graph();
    let n = actor_graph.node_count();
    let mut supply_side = vec![false; n];
    let mut street_side = vec![false; n];
    for assignment in roles {
        let node = assignment.node as usize;
        supply_side[node] = assignment.features.supply_side(rules);
        street_side[node] = assignment.features.street_side(rules);
    }
    let mut result = KeyPlayerScores {
        supply_side: supply_side.iter().filter(|&&flag| flag).count(),
        street_side: street_side.iter().filter(|&&flag| flag).count(),
        ..KeyPlayerScores::default()
    };
    if result.supply_side > 0 && result.street_side > 0 {
        let between =
            subset_betweenness(&actor_graph, &supply_side, &street_side, PIVOTS, 1, threads)?;
        result.pivots = between.pivots;
        if between.scores.iter().any(|&score| score > 0.0) {
            let rank = percentiles(&pagerank(&actor_graph, &PageRankParameters::default())?);
            let chain = percentiles(&between.scores);
            result.scores = (0..n)
                .map(|node| (node as u32, (rank[node] + chain[node]) / 2.0))
                .collect();
            result.supply_chain_betweenness = between.scores;
            return Ok(result);
        }
    }
    let report = key_players(
        &actor_graph,
        &KeyPlayerParameters {
            top: n,
            removals: 0,
            threads,
            ..KeyPlayerParameters::default()
        },
    )?;
    result.scores = report
        .players
        .iter()
        .map(|player| (player.node, player.score))
        .collect();
    Ok(result)
}
