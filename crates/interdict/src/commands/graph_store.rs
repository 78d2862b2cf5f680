//! `interdict graph … --db URL`, `graph roles`, `graph trace` and `eval network`: the
//! network crate's store-built network behind the graph commands.
//!
//! Every command rebuilds the network from the store (records, latest entity
//! assignment), optionally time-sliced with `--since/--until`, then runs one analysis.
//! Nodes are named by their network ids (`Person:<entity id>`, `Phone:+1…`,
//! `Seizure:<entity key>`); a reference on the command line may also be a canonical
//! entity id, a record id or `AGENCY/FEED/SOURCE_RECORD_ID`. Every hop, ring, role and
//! trace carries its evidence records (agency, feed, source record id).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use graph::export::{AttributeValues, NodeAttribute, write_gexf, write_graphml};
use graph::keyplayers::{KeyPlayerParameters, key_players as rank_key_players};
use graph::leiden::{LeidenParameters, QualityFunction, subcommunities};
use graph::paths::k_shortest_paths;
use graph::quality::{adjusted_rand_index, normalized_mutual_information};
use graph::traversal::Cost;
use network::rings::{key_player_scores, rings};
use network::roles::{RoleAssignment, RoleRules, infer_roles};
use network::trace::{TraceOptions, trace as trace_overdose};
use network::{BuildOptions, Hop, LinkFilter, Network, RecordRef};
use serde::Serialize;

use super::print_json;
use crate::cli::{
    CommunityQuality, EvalNetworkArgs, GraphCommonArgs, GraphCommunitiesArgs, GraphExportArgs,
    GraphFormat, GraphKeyPlayersArgs, GraphNeighboursArgs, GraphPathArgs, GraphRolesArgs,
    GraphTraceArgs, PathCost,
};
use crate::open::open_store;

/// What the network holds, printed with every result.
#[derive(Debug, Serialize)]
struct NetworkSummary {
    store: String,
    nodes: usize,
    links: usize,
    records: usize,
    records_outside_window: u64,
    dangling_references: u64,
}

fn load(url: &str, since: Option<i64>, until: Option<i64>) -> Result<(Network, NetworkSummary)> {
    let store = open_store(url)?;
    let network = Network::load(
        store.as_ref(),
        model::Schema::builtin(),
        &BuildOptions {
            since,
            until,
            ..BuildOptions::default()
        },
    )
    .context("building the network from the store")?;
    let summary = NetworkSummary {
        store: url.to_string(),
        nodes: network.nodes.len(),
        links: network.links.len(),
        records: network.records.len(),
        records_outside_window: network.records_outside_window,
        dangling_references: network.dangling_references,
    };
    Ok((network, summary))
}

fn print_summary(summary: &NetworkSummary) {
    println!(
        "{}: {} nodes, {} links from {} records ({} outside the window, {} dangling references)",
        summary.store,
        summary.nodes,
        summary.links,
        summary.records,
        summary.records_outside_window,
        summary.dangling_references
    );
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |count| count.get())
}

/// A node as printed.
#[derive(Debug, Serialize)]
struct NodeOutput {
    id: String,
    kind: String,
    label: String,
    agencies: BTreeSet<String>,
}

fn node_output(network: &Network, node: u32) -> NodeOutput {
    NodeOutput {
        id: network.node(node).id.clone(),
        kind: network.node(node).kind.clone(),
        label: network.node(node).label.clone(),
        agencies: network
            .agencies(node)
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}

fn evidence_text(evidence: &[RecordRef]) -> String {
    let shown: Vec<String> = evidence
        .iter()
        .take(3)
        .map(|record| {
            format!(
                "{}/{}/{}",
                record.agency, record.feed, record.source_record_id
            )
        })
        .collect();
    let more = evidence.len().saturating_sub(3);
    if more > 0 {
        format!("{} +{more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn print_hops(hops: &[Hop], indent: &str) {
    for hop in hops {
        let links: Vec<String> = hop
            .links
            .iter()
            .map(|link| {
                format!(
                    "{} ×{} [{}]",
                    link.relation,
                    link.count,
                    evidence_text(&link.evidence)
                )
            })
            .collect();
        println!(
            "{indent}→ {} ({}) via {}",
            hop.to,
            hop.to_label,
            links.join("; ")
        );
    }
}

// ---------------------------------------------------------------------------------
// path
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct PathOutput {
    rank: usize,
    cost: f64,
    nodes: Vec<NodeOutput>,
    hops: Vec<Hop>,
}

#[derive(Debug, Serialize)]
struct PathsOutput {
    network: NetworkSummary,
    from: NodeOutput,
    to: NodeOutput,
    paths: Vec<PathOutput>,
}

pub fn path(url: &str, arguments: &GraphPathArgs) -> Result<ExitCode> {
    let (network, summary) = load(url, arguments.edges.since, arguments.edges.until)?;
    let from = network.find(&arguments.from)?;
    let to = network.find(&arguments.to)?;
    let cost = match arguments.cost {
        PathCost::Hops => Cost::Hops,
        PathCost::InverseWeight => Cost::InverseWeight,
        PathCost::Weight => Cost::Weight,
    };
    let found = k_shortest_paths(&network.graph, from, to, arguments.k, cost)?;
    let output = PathsOutput {
        network: summary,
        from: node_output(&network, from),
        to: node_output(&network, to),
        paths: found
            .iter()
            .enumerate()
            .map(|(rank, path)| PathOutput {
                rank: rank + 1,
                cost: path.cost,
                nodes: path
                    .nodes
                    .iter()
                    .map(|&node| node_output(&network, node))
                    .collect(),
                hops: network.hops(&path.nodes),
            })
            .collect(),
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        if output.paths.is_empty() {
            println!("no path from {} to {}", output.from.id, output.to.id);
        }
        for path in &output.paths {
            println!(
                "path {} (cost {:.3}, {} hops): {} ({})",
                path.rank,
                path.cost,
                path.hops.len(),
                output.from.id,
                output.from.label
            );
            print_hops(&path.hops, "  ");
        }
    }
    Ok(if output.paths.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

// ---------------------------------------------------------------------------------
// neighbours
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct NeighbourOutput {
    #[serde(flatten)]
    node: NodeOutput,
    hops: u32,
    /// The link it was first reached by, with its evidence.
    reached_from: String,
    relation: String,
    evidence: Vec<RecordRef>,
}

#[derive(Debug, Serialize)]
struct NeighboursOutput {
    network: NetworkSummary,
    node: NodeOutput,
    depth: u32,
    relations: Vec<String>,
    agencies: Vec<String>,
    neighbours: Vec<NeighbourOutput>,
}

#[derive(Debug, Serialize)]
struct CommonOutput {
    network: NetworkSummary,
    nodes: Vec<NodeOutput>,
    depth: u32,
    associates: Vec<CommonAssociate>,
}

#[derive(Debug, Serialize)]
struct CommonAssociate {
    #[serde(flatten)]
    node: NodeOutput,
    /// Per given node, in order: how it reaches the associate.
    ties: Vec<CommonTie>,
}

#[derive(Debug, Serialize)]
struct CommonTie {
    from: String,
    hops: u32,
    /// The last link on the way, with its evidence.
    relation: String,
    evidence: Vec<RecordRef>,
}

/// `graph common --db`: what several entities share within `depth` hops.
pub fn common(arguments: &GraphCommonArgs) -> Result<ExitCode> {
    if arguments.nodes.len() < 2 {
        anyhow::bail!("graph common needs at least two --node");
    }
    let (network, summary) = load(&arguments.db, None, None)?;
    let starts = arguments
        .nodes
        .iter()
        .map(|node| network.find(node).map_err(anyhow::Error::from))
        .collect::<Result<Vec<u32>>>()?;
    let filter = LinkFilter {
        relations: arguments.relation.clone(),
        agencies: arguments.agency.clone(),
    };
    let associates = network
        .common_associates(&starts, arguments.depth, &filter)
        .into_iter()
        .map(|(node, ways)| CommonAssociate {
            node: node_output(&network, node),
            ties: starts
                .iter()
                .zip(ways)
                .map(|(start, (hops, link))| {
                    let link = &network.links[link as usize];
                    CommonTie {
                        from: network.node(*start).id.clone(),
                        hops,
                        relation: link.relation.clone(),
                        evidence: link
                            .evidence
                            .iter()
                            .map(|&record| network.record_ref(record))
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    let output = CommonOutput {
        network: summary,
        nodes: starts
            .iter()
            .map(|start| node_output(&network, *start))
            .collect(),
        depth: arguments.depth,
        associates,
    };
    if arguments.json {
        print_json(&output)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&output.network);
    let names: Vec<String> = output
        .nodes
        .iter()
        .map(|node| format!("{} ({})", node.id, node.label))
        .collect();
    println!(
        "{} associates within {} hops of each of {}",
        output.associates.len(),
        output.depth,
        names.join(", ")
    );
    for associate in &output.associates {
        println!("  {} ({})", associate.node.id, associate.node.label);
        for tie in &associate.ties {
            let evidence: Vec<String> = tie
                .evidence
                .iter()
                .take(3)
                .map(|record| {
                    format!(
                        "{}/{}/{}",
                        record.agency, record.feed, record.source_record_id
                    )
                })
                .collect();
            println!(
                "    from {} in {} hops, last by {} ({})",
                tie.from,
                tie.hops,
                tie.relation,
                evidence.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn neighbours(url: &str, arguments: &GraphNeighboursArgs) -> Result<ExitCode> {
    let (network, summary) = load(url, arguments.edges.since, arguments.edges.until)?;
    let start = network.find(&arguments.node)?;
    let filter = LinkFilter {
        relations: arguments.relation.clone(),
        agencies: arguments.agency.clone(),
    };
    let found = network.neighbourhood(start, arguments.depth, &filter);
    let output = NeighboursOutput {
        network: summary,
        node: node_output(&network, start),
        depth: arguments.depth,
        relations: arguments.relation.clone(),
        agencies: arguments.agency.clone(),
        neighbours: found
            .iter()
            .map(|&(node, hops, link)| {
                let link = &network.links[link as usize];
                NeighbourOutput {
                    node: node_output(&network, node),
                    hops,
                    reached_from: network.node(link.other(node)).id.clone(),
                    relation: link.relation.clone(),
                    evidence: link
                        .evidence
                        .iter()
                        .map(|&record| network.record_ref(record))
                        .collect(),
                }
            })
            .collect(),
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        println!(
            "{} ({}): {} nodes within {} hops",
            output.node.id,
            output.node.label,
            output.neighbours.len(),
            output.depth
        );
        for neighbour in &output.neighbours {
            println!(
                "  {} {} ({}) via {} from {} [{}]",
                neighbour.hops,
                neighbour.node.id,
                neighbour.node.label,
                neighbour.relation,
                neighbour.reached_from,
                evidence_text(&neighbour.evidence)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// communities (rings)
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct RingsOutput {
    network: NetworkSummary,
    communities: usize,
    rings: Vec<RingOutput>,
}

#[derive(Debug, Serialize)]
struct RingOutput {
    #[serde(flatten)]
    ring: network::rings::Ring,
    /// With `--split-from`: the ring's people and organisations by cell, largest first,
    /// when its community splits into more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cells: Vec<Vec<String>>,
}

fn leiden_parameters(arguments: &GraphCommunitiesArgs) -> LeidenParameters {
    LeidenParameters {
        quality: match arguments.quality {
            CommunityQuality::Modularity => QualityFunction::Modularity,
            CommunityQuality::Cpm => QualityFunction::Cpm,
        },
        resolution: arguments.resolution,
        seed: arguments.seed,
        max_iterations: arguments.iterations,
        ..LeidenParameters::default()
    }
}

pub fn communities(url: &str, arguments: &GraphCommunitiesArgs) -> Result<ExitCode> {
    let (network, summary) = load(url, arguments.edges.since, arguments.edges.until)?;
    let rules = RoleRules::default();
    let roles = infer_roles(&network, &rules);
    let scores = key_player_scores(&network, &roles, &rules, threads())?.scores;
    let parameters = leiden_parameters(arguments);
    let (found, membership) = rings(&network, &parameters, &roles, &scores, 2)?;
    let cell_of = match arguments.split_from {
        Some(split_from) => Some(subcommunities(
            &network.actor_graph(),
            &membership,
            &parameters,
            split_from,
        )?),
        None => None,
    };
    let mut actors_of: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (node, &community) in membership.iter().enumerate() {
        if network.is_actor(node as u32) {
            actors_of.entry(community).or_default().push(node as u32);
        }
    }
    let output = RingsOutput {
        network: summary,
        communities: membership.iter().collect::<BTreeSet<_>>().len(),
        rings: found
            .into_iter()
            .map(|ring| RingOutput {
                cells: match (&cell_of, actors_of.get(&ring.community)) {
                    (Some(cell_of), Some(actors)) => {
                        super::graph::cells(actors, cell_of, |node| network.node(node).id.clone())
                    }
                    _ => Vec::new(),
                },
                ring,
            })
            .collect(),
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        println!(
            "{} rings (communities with at least 2 people or organisations)",
            output.rings.len()
        );
        for RingOutput { ring, cells } in &output.rings {
            println!(
                "ring {}: {} members, {} nodes; agencies {}; {} seizures ({:.0} g), {} overdoses linked; money {:.0} inside, {:.0} in/out; roles {:?}",
                ring.community,
                ring.members.len(),
                ring.nodes,
                ring.agencies.iter().cloned().collect::<Vec<_>>().join(", "),
                ring.seizures,
                ring.seized_grams,
                ring.overdoses,
                ring.money_internal,
                ring.money_external,
                ring.roles
            );
            if !cells.is_empty() {
                let sizes: Vec<usize> = cells.iter().map(Vec::len).collect();
                println!("  cells of {sizes:?} people and organisations");
            }
            for member in ring.members.iter().take(5) {
                println!(
                    "  {} ({}){}",
                    member.node,
                    member.label,
                    member
                        .role
                        .map(|role| format!(" — {role}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// key players
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct KeyPlayerOutput {
    rank: usize,
    #[serde(flatten)]
    node: NodeOutput,
    role: Option<&'static str>,
    score: f64,
    pagerank: f64,
    betweenness: f64,
    betweenness_standard_error: f64,
    /// Over the paths from supply-side to street-side actors only, when both exist.
    supply_chain_betweenness: Option<f64>,
    degree: usize,
    constraint: Option<f64>,
    effective_size: Option<f64>,
    reason: String,
    role_reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
struct KeyPlayersOutput {
    network: NetworkSummary,
    betweenness_exact: bool,
    pivots: usize,
    players: Vec<KeyPlayerOutput>,
    removal: Vec<RemovalOutput>,
}

#[derive(Debug, Serialize)]
struct RemovalOutput {
    step: usize,
    node: String,
    fragmentation: f64,
    largest_component: usize,
    components: usize,
}

pub fn key_players(url: &str, arguments: &GraphKeyPlayersArgs) -> Result<ExitCode> {
    let (network, summary) = load(url, arguments.edges.since, arguments.edges.until)?;
    let actor_graph = network.actor_graph();
    // Over all pairs: the measures shown with each player, and the removal analysis.
    let report = rank_key_players(
        &actor_graph,
        &KeyPlayerParameters {
            top: actor_graph.node_count(),
            pivots: arguments.pivots,
            seed: arguments.seed,
            threads: threads(),
            removals: arguments.removals,
            ..KeyPlayerParameters::default()
        },
    )?;
    let rules = RoleRules::default();
    let assignments = infer_roles(&network, &rules);
    // The ranking: supply-chain key-player scores, as rings, traces and the web UI use.
    let ranking = key_player_scores(&network, &assignments, &rules, threads())?;
    let roles: HashMap<u32, RoleAssignment> = assignments
        .into_iter()
        .map(|assignment| (assignment.node, assignment))
        .collect();
    let mut ranked: Vec<&graph::keyplayers::KeyPlayer> = report
        .players
        .iter()
        .filter(|player| network.is_actor(player.node))
        .collect();
    let score_of = |node: u32| ranking.scores.get(&node).copied().unwrap_or(0.0);
    ranked.sort_by(|left, right| {
        score_of(right.node)
            .total_cmp(&score_of(left.node))
            .then(left.rank.cmp(&right.rank))
    });
    let basis = ranking.basis();
    let players: Vec<KeyPlayerOutput> = ranked
        .into_iter()
        .take(arguments.top)
        .enumerate()
        .map(|(rank, player)| {
            let supply_chain_betweenness = ranking
                .supply_chain_betweenness
                .get(player.node as usize)
                .copied();
            KeyPlayerOutput {
                rank: rank + 1,
                node: node_output(&network, player.node),
                role: roles
                    .get(&player.node)
                    .and_then(|assignment| assignment.role)
                    .map(|role| role.as_str()),
                score: score_of(player.node),
                pagerank: player.pagerank,
                betweenness: player.betweenness,
                betweenness_standard_error: player.betweenness_standard_error,
                supply_chain_betweenness,
                degree: player.degree,
                constraint: player.constraint,
                effective_size: player.effective_size,
                reason: format!(
                    "score {:.3}, {basis}{}; over all pairs: {}",
                    score_of(player.node),
                    supply_chain_betweenness
                        .map(|value| format!("; supply-chain betweenness {value:.1}"))
                        .unwrap_or_default(),
                    player.reason
                ),
                role_reasons: roles
                    .get(&player.node)
                    .map(|assignment| assignment.reasons.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let output = KeyPlayersOutput {
        network: summary,
        betweenness_exact: report.betweenness_exact,
        pivots: report.pivots,
        players,
        removal: report
            .removals
            .iter()
            .enumerate()
            .map(|(step, removal)| RemovalOutput {
                step: step + 1,
                node: network.node(removal.node).id.clone(),
                fragmentation: removal.fragmentation,
                largest_component: removal.largest_component,
                components: removal.components,
            })
            .collect(),
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        for player in &output.players {
            println!(
                "{:>3}. {} ({}){} — {}",
                player.rank,
                player.node.id,
                player.node.label,
                player
                    .role
                    .map(|role| format!(" [{role}]"))
                    .unwrap_or_default(),
                player.reason
            );
        }
        for removal in &output.removal {
            println!(
                "removal {}: {} → fragmentation {:.3}, largest component {}",
                removal.step, removal.node, removal.fragmentation, removal.largest_component
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// export
// ---------------------------------------------------------------------------------

pub fn export(url: &str, arguments: &GraphExportArgs) -> Result<ExitCode> {
    let (network, summary) = load(url, arguments.edges.since, arguments.edges.until)?;
    let text = |values: Vec<String>, name: &str| NodeAttribute {
        name: name.to_string(),
        values: AttributeValues::Text(values),
    };
    let mut attributes = vec![
        text(
            network.nodes.iter().map(|node| node.kind.clone()).collect(),
            "kind",
        ),
        text(
            network
                .nodes
                .iter()
                .map(|node| node.label.clone())
                .collect(),
            "label",
        ),
        text(
            (0..network.nodes.len() as u32)
                .map(|node| {
                    network
                        .agencies(node)
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
            "agencies",
        ),
    ];
    if arguments.scores {
        let roles = infer_roles(&network, &RoleRules::default());
        let (_, membership) = rings(
            &network,
            &LeidenParameters::default(),
            &roles,
            &BTreeMap::new(),
            2,
        )?;
        let mut role_of = vec![String::new(); network.nodes.len()];
        for assignment in &roles {
            if let Some(role) = assignment.role {
                role_of[assignment.node as usize] = role.as_str().to_string();
            }
        }
        attributes.push(text(role_of, "role"));
        attributes.push(NodeAttribute {
            name: "community".into(),
            values: AttributeValues::Integer(membership.iter().map(|&c| i64::from(c)).collect()),
        });
    }
    let context = || format!("writing {}", arguments.out.display());
    let mut out = BufWriter::new(File::create(&arguments.out).with_context(context)?);
    match arguments.format {
        GraphFormat::Graphml => write_graphml(&network.graph, &attributes, &mut out),
        GraphFormat::Gexf => write_gexf(&network.graph, &attributes, &mut out),
    }
    .with_context(context)?;
    out.flush().with_context(context)?;
    eprintln!(
        "wrote {} nodes and {} edges to {}",
        summary.nodes,
        network.graph.edge_count(),
        arguments.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// roles
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct RoleOutput {
    #[serde(flatten)]
    node: NodeOutput,
    role: Option<&'static str>,
    score: f64,
    reasons: Vec<String>,
    features: network::roles::Features,
}

#[derive(Debug, Serialize)]
struct RolesOutput {
    network: NetworkSummary,
    /// Actors with a role, by role.
    counts: BTreeMap<&'static str, usize>,
    actors: Vec<RoleOutput>,
}

pub fn roles(arguments: &GraphRolesArgs) -> Result<ExitCode> {
    let (network, summary) = load(
        &arguments.network.store.db,
        arguments.network.since,
        arguments.network.until,
    )?;
    let assignments = infer_roles(&network, &RoleRules::default());
    let mut counts = BTreeMap::new();
    for assignment in &assignments {
        if let Some(role) = assignment.role {
            *counts.entry(role.as_str()).or_insert(0) += 1;
        }
    }
    let output = RolesOutput {
        network: summary,
        counts,
        actors: assignments
            .into_iter()
            .filter(|assignment| assignment.role.is_some())
            .take(arguments.top)
            .map(|assignment| RoleOutput {
                node: node_output(&network, assignment.node),
                role: assignment.role.map(|role| role.as_str()),
                score: assignment.score,
                reasons: assignment.reasons,
                features: assignment.features,
            })
            .collect(),
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        println!("actors by role: {:?}", output.counts);
        for actor in &output.actors {
            println!(
                "{} ({}): {} ({:.1})",
                actor.node.id,
                actor.node.label,
                actor.role.unwrap_or("-"),
                actor.score
            );
            for reason in &actor.reasons {
                println!("    {reason}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// trace
// ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct TraceOutput {
    network: NetworkSummary,
    #[serde(flatten)]
    trace: network::trace::Trace,
}

pub fn trace(arguments: &GraphTraceArgs) -> Result<ExitCode> {
    let (network, summary) = load(
        &arguments.network.store.db,
        arguments.network.since,
        arguments.network.until,
    )?;
    let overdose = network.find(&arguments.overdose)?;
    let rules = RoleRules::default();
    let roles = infer_roles(&network, &rules);
    let scores = key_player_scores(&network, &roles, &rules, threads())?.scores;
    let traced = trace_overdose(
        &network,
        overdose,
        &roles,
        &scores,
        &TraceOptions {
            seizures: arguments.seizures,
            ..TraceOptions::default()
        },
    )?;
    let output = TraceOutput {
        network: summary,
        trace: traced,
    };
    if arguments.json {
        print_json(&output)?;
    } else {
        print_summary(&output.network);
        let trace = &output.trace;
        println!(
            "overdose {} [{}]; product features: {}",
            trace.overdose,
            evidence_text(&trace.overdose_records),
            trace.product_features.join(", ")
        );
        if trace.candidates.is_empty() {
            println!("no seizure shares a product feature with this overdose");
        }
        for candidate in &trace.candidates {
            println!(
                "{}. {} ({}) score {:.3} [{}]: {}",
                candidate.rank,
                candidate.seizure,
                candidate.label,
                candidate.score,
                evidence_text(&candidate.records),
                candidate.reasons.join("; ")
            );
            for person in &candidate.people {
                println!(
                    "   person {} ({}){}",
                    person.node,
                    person.label,
                    person
                        .role
                        .map(|role| format!(" — {role}"))
                        .unwrap_or_default()
                );
                print_hops(&person.hops, "     ");
                for actor in &person.upstream {
                    println!(
                        "     above: {} ({}) — {}",
                        actor.node, actor.label, actor.reason
                    );
                    print_hops(&actor.hops, "       ");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// eval network
// ---------------------------------------------------------------------------------

/// The simulator's truth, as the evaluation needs it.
struct Truth {
    /// (agency, feed, source record id) → (true id, ring id).
    entities: HashMap<(String, String, String), (String, String)>,
    /// member true id → (ring id, role).
    members: HashMap<String, (String, String)>,
    /// fingerprint true id → ring id.
    fingerprint_rings: HashMap<String, String>,
    /// (agency, feed, source record id, dealer true id, fingerprint true id).
    cluster_overdoses: Vec<(String, String, String, String, String)>,
}

fn truth_folder(path: &Path) -> PathBuf {
    let nested = path.join(simulator::truth::TRUTH_DIR);
    if nested.is_dir() {
        nested
    } else {
        path.to_path_buf()
    }
}

fn read_rows(path: &Path) -> Result<Vec<csv::StringRecord>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for row in reader.records() {
        rows.push(row.with_context(|| format!("reading {}", path.display()))?);
    }
    let _ = headers;
    Ok(rows)
}

fn column(path: &Path, name: &str) -> Result<usize> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    reader
        .headers()?
        .iter()
        .position(|header| header == name)
        .with_context(|| format!("{} has no column {name}", path.display()))
}

impl Truth {
    fn read(folder: &Path) -> Result<Truth> {
        use simulator::truth::{
            ENTITIES_FILE, FINGERPRINTS_FILE, OVERDOSE_CLUSTERS_FILE, RINGS_FILE,
        };
        let path = folder.join(ENTITIES_FILE);
        let [agency, feed, source, true_id, ring] =
            ["agency", "feed", "source_record_id", "true_id", "ring_id"]
                .map(|name| column(&path, name));
        let (agency, feed, source, true_id, ring) = (agency?, feed?, source?, true_id?, ring?);
        let entities = read_rows(&path)?
            .iter()
            .map(|row| {
                (
                    (
                        row[agency].to_string(),
                        row[feed].to_string(),
                        row[source].to_string(),
                    ),
                    (row[true_id].to_string(), row[ring].to_string()),
                )
            })
            .collect();
        let path = folder.join(RINGS_FILE);
        let (ring, member, role) = (
            column(&path, "ring_id")?,
            column(&path, "member_true_id")?,
            column(&path, "role")?,
        );
        let members = read_rows(&path)?
            .iter()
            .map(|row| {
                (
                    row[member].to_string(),
                    (row[ring].to_string(), row[role].to_string()),
                )
            })
            .collect();
        let path = folder.join(FINGERPRINTS_FILE);
        let (id, ring) = (column(&path, "true_id")?, column(&path, "ring_id")?);
        let fingerprint_rings = read_rows(&path)?
            .iter()
            .map(|row| (row[id].to_string(), row[ring].to_string()))
            .collect();
        let path = folder.join(OVERDOSE_CLUSTERS_FILE);
        let names = [
            "agency",
            "feed",
            "source_record_id",
            "dealer_true_id",
            "fingerprint_true_id",
        ];
        let mut columns = Vec::new();
        for name in names {
            columns.push(column(&path, name)?);
        }
        let cluster_overdoses = read_rows(&path)?
            .iter()
            .map(|row| {
                (
                    row[columns[0]].to_string(),
                    row[columns[1]].to_string(),
                    row[columns[2]].to_string(),
                    row[columns[3]].to_string(),
                    row[columns[4]].to_string(),
                )
            })
            .collect();
        Ok(Truth {
            entities,
            members,
            fingerprint_rings,
            cluster_overdoses,
        })
    }

    /// The truth of a node: the true id and ring most of its records name.
    fn of_node(&self, network: &Network, node: u32) -> Option<(String, String)> {
        let mut votes: BTreeMap<(String, String), usize> = BTreeMap::new();
        for &record in &network.node(node).records {
            let provenance = &network.records[record as usize].provenance;
            let key = (
                provenance.agency.clone(),
                provenance.feed.clone(),
                provenance.source_record_id.clone(),
            );
            if let Some(found) = self.entities.get(&key) {
                *votes.entry(found.clone()).or_insert(0) += 1;
            }
        }
        votes
            .into_iter()
            .max_by(|left, right| left.1.cmp(&right.1).then(right.0.cmp(&left.0)))
            .map(|(found, _)| found)
    }
}

#[derive(Debug, Serialize)]
struct RingRecovery {
    /// Ring-member nodes scored (people and organisations whose records name a ring
    /// member).
    member_nodes: usize,
    rings: usize,
    adjusted_rand_index: f64,
    normalized_mutual_information: f64,
    /// Mean over rings of the largest share of its member nodes in one community.
    mean_ring_purity: f64,
    per_ring: Vec<RingShare>,
}

#[derive(Debug, Serialize)]
struct RingShare {
    ring: String,
    member_nodes: usize,
    /// The community holding most of the ring's member nodes, and how many it holds.
    community: u32,
    in_community: usize,
    /// Of the community's people and organisations, how many are members of this ring.
    community_actors: usize,
}

#[derive(Debug, Serialize)]
struct LeaderRecovery {
    top: usize,
    leaders: usize,
    leaders_in_top: usize,
    ring_members_in_top: usize,
    /// Each leader's best rank among the people by key-player score (1 = first), when
    /// ranked.
    leader_ranks: Vec<usize>,
}

#[derive(Debug, Serialize)]
struct RoleAccuracy {
    /// Ring-member nodes whose true role is one of the five inferred roles.
    scored: usize,
    correct: usize,
    accuracy: f64,
    /// true role → inferred role (or `none`) → nodes.
    confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Per inferred role, over every actor node given it: how many, and how many are
    /// ring members with that true role (couriers and leaders count as wrong).
    precision: BTreeMap<String, RolePrecision>,
}

#[derive(Debug, Serialize)]
struct RolePrecision {
    assigned: usize,
    right: usize,
    precision: f64,
}

#[derive(Debug, Serialize)]
struct TraceHits {
    /// Overdoses of the truth's overdose clusters found in the store.
    overdoses: usize,
    /// With at least one candidate seizure.
    traced: usize,
    /// The first seizure belongs to the ring whose product caused the cluster.
    top_seizure_right_ring: usize,
    top_seizure_hit_rate: f64,
    /// The cluster's dealer is among the people of the candidate seizures.
    dealer_found: usize,
    /// A listed upstream actor is a member of the right ring.
    upstream_in_ring: usize,
}

#[derive(Debug, Serialize)]
struct NetworkReport {
    network: NetworkSummary,
    truth: String,
    rings: RingRecovery,
    leaders: LeaderRecovery,
    roles: RoleAccuracy,
    trace: TraceHits,
}

pub fn eval(arguments: &EvalNetworkArgs) -> Result<ExitCode> {
    let folder = truth_folder(&arguments.truth);
    let truth = Truth::read(&folder)?;
    let (network, summary) = load(&arguments.store.db, None, None)?;
    let rules = RoleRules::default();
    let roles = infer_roles(&network, &rules);
    let parameters = LeidenParameters {
        resolution: arguments.resolution,
        ..LeidenParameters::default()
    };
    let scores = key_player_scores(&network, &roles, &rules, threads())?.scores;
    let (_, membership) = rings(&network, &parameters, &roles, &scores, 2)?;

    // Ring recovery over actor nodes that stand for ring members.
    let mut member_of_node: BTreeMap<u32, (String, String, String)> = BTreeMap::new();
    for node in 0..network.nodes.len() as u32 {
        if !network.is_actor(node) {
            continue;
        }
        if let Some((true_id, _)) = truth.of_node(&network, node)
            && let Some((ring, role)) = truth.members.get(&true_id)
        {
            member_of_node.insert(node, (true_id, ring.clone(), role.clone()));
        }
    }
    let mut ring_labels: BTreeMap<&str, u32> = BTreeMap::new();
    let mut predicted = Vec::new();
    let mut actual = Vec::new();
    let mut per_ring: BTreeMap<&str, BTreeMap<u32, usize>> = BTreeMap::new();
    for (&node, (_, ring, _)) in &member_of_node {
        let next = ring_labels.len() as u32;
        actual.push(*ring_labels.entry(ring.as_str()).or_insert(next));
        predicted.push(membership[node as usize]);
        *per_ring
            .entry(ring.as_str())
            .or_default()
            .entry(membership[node as usize])
            .or_insert(0) += 1;
    }
    let purity = per_ring
        .values()
        .map(|communities| {
            let total: usize = communities.values().sum();
            *communities.values().max().unwrap_or(&0) as f64 / total.max(1) as f64
        })
        .sum::<f64>()
        / per_ring.len().max(1) as f64;
    let per_ring_shares = per_ring
        .iter()
        .map(|(&ring, communities)| {
            let (&community, &in_community) = communities
                .iter()
                .max_by(|left, right| left.1.cmp(right.1).then(right.0.cmp(left.0)))
                .expect("rings have members");
            RingShare {
                ring: ring.to_string(),
                member_nodes: communities.values().sum(),
                community,
                in_community,
                community_actors: (0..network.nodes.len() as u32)
                    .filter(|&node| {
                        network.is_actor(node) && membership[node as usize] == community
                    })
                    .count(),
            }
        })
        .collect();
    let ring_recovery = RingRecovery {
        member_nodes: member_of_node.len(),
        rings: ring_labels.len(),
        adjusted_rand_index: adjusted_rand_index(&predicted, &actual),
        normalized_mutual_information: normalized_mutual_information(&predicted, &actual),
        mean_ring_purity: purity,
        per_ring: per_ring_shares,
    };

    // Leaders among the top key players (people).
    let mut ranked: Vec<(u32, f64)> = scores
        .iter()
        .filter(|&(&node, _)| network.node(node).kind == "Person")
        .map(|(&node, &score)| (node, score))
        .collect();
    ranked.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
    let top: Vec<u32> = ranked
        .iter()
        .take(arguments.top)
        .map(|&(node, _)| node)
        .collect();
    let leaders: BTreeSet<&str> = truth
        .members
        .iter()
        .filter(|(_, (_, role))| role == "leader")
        .map(|(id, _)| id.as_str())
        .collect();
    let mut leaders_found = BTreeSet::new();
    let mut members_in_top = 0;
    for node in &top {
        if let Some((true_id, _, role)) = member_of_node.get(node) {
            members_in_top += 1;
            if role == "leader" {
                leaders_found.insert(true_id.clone());
            }
        }
    }
    let mut leader_ranks: BTreeMap<&str, usize> = BTreeMap::new();
    for (rank, (node, _)) in ranked.iter().enumerate() {
        if let Some((true_id, _, role)) = member_of_node.get(node)
            && role == "leader"
        {
            leader_ranks.entry(true_id.as_str()).or_insert(rank + 1);
        }
    }
    let mut leader_ranks: Vec<usize> = leader_ranks.into_values().collect();
    leader_ranks.sort_unstable();
    let leader_recovery = LeaderRecovery {
        top: arguments.top,
        leaders: leaders.len(),
        leaders_in_top: leaders_found.len(),
        ring_members_in_top: members_in_top,
        leader_ranks,
    };

    // Role accuracy.
    let role_of: BTreeMap<u32, &str> = roles
        .iter()
        .filter_map(|assignment| Some((assignment.node, assignment.role?.as_str())))
        .collect();
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut scored = 0;
    let mut correct = 0;
    for (node, (_, _, role)) in &member_of_node {
        let known = [
            "importer",
            "supplier",
            "hub",
            "money_handler",
            "street_dealer",
        ];
        if !known.contains(&role.as_str()) {
            continue;
        }
        scored += 1;
        let inferred = role_of.get(node).copied().unwrap_or("none");
        if inferred == role {
            correct += 1;
        }
        *confusion
            .entry(role.clone())
            .or_default()
            .entry(inferred.to_string())
            .or_insert(0) += 1;
    }
    let mut precision: BTreeMap<String, RolePrecision> = BTreeMap::new();
    for (&node, &role) in &role_of {
        let entry = precision.entry(role.to_string()).or_insert(RolePrecision {
            assigned: 0,
            right: 0,
            precision: 0.0,
        });
        entry.assigned += 1;
        if member_of_node
            .get(&node)
            .is_some_and(|(_, _, truth_role)| truth_role == role)
        {
            entry.right += 1;
        }
    }
    for entry in precision.values_mut() {
        entry.precision = entry.right as f64 / entry.assigned.max(1) as f64;
    }
    let role_accuracy = RoleAccuracy {
        scored,
        correct,
        accuracy: correct as f64 / scored.max(1) as f64,
        confusion,
        precision,
    };

    // Trace hit rate.
    let mut hits = TraceHits {
        overdoses: 0,
        traced: 0,
        top_seizure_right_ring: 0,
        top_seizure_hit_rate: 0.0,
        dealer_found: 0,
        upstream_in_ring: 0,
    };
    for (agency, feed, source, dealer, fingerprint) in &truth.cluster_overdoses {
        let Ok(overdose) = network.find(&format!("{agency}/{feed}/{source}")) else {
            continue;
        };
        hits.overdoses += 1;
        let traced = trace_overdose(
            &network,
            overdose,
            &roles,
            &scores,
            &TraceOptions::default(),
        )?;
        let Some(first) = traced.candidates.first() else {
            continue;
        };
        hits.traced += 1;
        let right_ring = truth.fingerprint_rings.get(fingerprint);
        let seizure = network.node_by_id(&first.seizure).expect("candidate nodes");
        if let (Some(right_ring), Some((_, ring))) = (right_ring, truth.of_node(&network, seizure))
            && *right_ring == ring
        {
            hits.top_seizure_right_ring += 1;
        }
        let people: Vec<&network::trace::TracedPerson> = traced
            .candidates
            .iter()
            .flat_map(|candidate| &candidate.people)
            .collect();
        let true_of = |id: &str| {
            network
                .node_by_id(id)
                .and_then(|node| truth.of_node(&network, node))
                .map(|(true_id, _)| true_id)
        };
        if people
            .iter()
            .any(|person| true_of(&person.node).as_deref() == Some(dealer.as_str()))
        {
            hits.dealer_found += 1;
        }
        let upstream_hit = people
            .iter()
            .flat_map(|person| &person.upstream)
            .any(|actor| {
                true_of(&actor.node)
                    .and_then(|true_id| truth.members.get(&true_id))
                    .is_some_and(|(ring, _)| Some(ring) == right_ring)
            });
        if upstream_hit {
            hits.upstream_in_ring += 1;
        }
    }
    hits.top_seizure_hit_rate = hits.top_seizure_right_ring as f64 / hits.overdoses.max(1) as f64;

    let report = NetworkReport {
        network: summary,
        truth: folder.display().to_string(),
        rings: ring_recovery,
        leaders: leader_recovery,
        roles: role_accuracy,
        trace: hits,
    };
    if arguments.json {
        print_json(&report)?;
    } else {
        print_summary(&report.network);
        let rings = &report.rings;
        println!(
            "rings: {} member nodes of {} rings; ARI {:.3}, NMI {:.3}, mean ring purity {:.3}",
            rings.member_nodes,
            rings.rings,
            rings.adjusted_rand_index,
            rings.normalized_mutual_information,
            rings.mean_ring_purity
        );
        let leaders = &report.leaders;
        println!(
            "leaders: {} of {} among the top {} people by key-player score ({} ring members in the top); leaders ranked {:?}",
            leaders.leaders_in_top,
            leaders.leaders,
            leaders.top,
            leaders.ring_members_in_top,
            leaders.leader_ranks
        );
        let roles = &report.roles;
        println!(
            "roles: {} of {} ring members right ({:.3}); confusion {:?}",
            roles.correct, roles.scored, roles.accuracy, roles.confusion
        );
        for (role, precision) in &roles.precision {
            println!(
                "  {role}: {} actors given it, {} of them ring members with that role ({:.3})",
                precision.assigned, precision.right, precision.precision
            );
        }
        let trace = &report.trace;
        println!(
            "trace: {} cluster overdoses, {} traced; first seizure in the right ring {} ({:.3}); dealer among the people {}; upstream actor in the ring {}",
            trace.overdoses,
            trace.traced,
            trace.top_seizure_right_ring,
            trace.top_seizure_hit_rate,
            trace.dealer_found,
            trace.upstream_in_ring
        );
    }
    Ok(ExitCode::SUCCESS)
}
