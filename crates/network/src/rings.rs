//! Rings as Leiden communities of the actor graph ([`Network::actor_graph`]: product
//! features and overdoses left out, so a popular pill stamp does not glue rings
//! together), each with a summary: its people and organisations with their roles, the
//! agencies that know them, and the seizures, overdoses and money linked to it.
//!
//! Overdoses are linked to a ring through product features: an overdose counts for a
//! ring when one of its product features is also a feature of a seizure in the ring.

use std::collections::{BTreeMap, BTreeSet};

use graph::keyplayers::{KeyPlayerParameters, key_players};
use graph::leiden::{LeidenParameters, leiden};
use serde::Serialize;

use crate::roles::RoleAssignment;
use crate::{Network, NetworkResult};

/// One member of a ring.
#[derive(Debug, Clone, Serialize)]
pub struct RingMember {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub role: Option<&'static str>,
    /// Key-player score within the whole network (mean percentile of PageRank and
    /// betweenness), when it was ranked.
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

/// Key-player scores of every node of the actor graph that ranks (graph crate's mean
/// percentile of PageRank and betweenness).
pub fn key_player_scores(network: &Network, threads: usize) -> NetworkResult<BTreeMap<u32, f64>> {
    let actor_graph = network.actor_graph();
    let report = key_players(
        &actor_graph,
        &KeyPlayerParameters {
            top: actor_graph.node_count(),
            removals: 0,
            threads,
            ..KeyPlayerParameters::default()
        },
    )?;
    Ok(report
        .players
        .iter()
        .map(|player| (player.node, player.score))
        .collect())
}
