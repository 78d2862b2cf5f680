//! `interdict graph`: network analytics on a plain edge list — key players with reasons,
//! Leiden communities, shortest and k-shortest paths, neighbourhoods, GraphML/GEXF export.
//!
//! Each command reads the edge list once into the graph crate's compact graph, calls one
//! analysis and prints it: a table by default, JSON with `--json`. Nodes are always named
//! by their ids in the input. With `--db URL` instead of `--edges`, the same commands run
//! on the store's network (`graph_store.rs`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use graph::edgelist::{EdgeListOptions, TimeWindow, read_edge_list};
use graph::export::{AttributeValues, NodeAttribute, write_gexf, write_graphml};
use graph::keyplayers::{KeyPlayerParameters, key_players as rank_key_players, readable};
use graph::leiden::{LeidenParameters, QualityFunction, leiden, subcommunities};
use graph::pagerank::{PageRankParameters, pagerank};
use graph::paths::{edge_weight, k_shortest_paths};
use graph::traversal::{Cost, neighbourhood};
use graph::{Graph, NodeIndex};
use serde::Serialize;

use crate::cli::{
    CommunityQuality, EdgeListArgs, GraphCommunitiesArgs, GraphExportArgs, GraphFormat,
    GraphKeyPlayersArgs, GraphNeighboursArgs, GraphPathArgs, PathCost,
};

/// The graph every command starts from, with what the read found.
#[derive(Debug, Serialize)]
struct GraphSummary {
    file: String,
    nodes: usize,
    edges: usize,
    directed: bool,
    rows: u64,
    rows_outside_window: u64,
    self_loops_dropped: usize,
}

fn load(arguments: &EdgeListArgs) -> Result<(Graph, GraphSummary)> {
    let options = EdgeListOptions {
        directed: arguments.directed,
        weight_column: arguments.weight.clone(),
        time_column: arguments.time.clone(),
        window: TimeWindow {
            start: arguments.since,
            end: arguments.until,
        },
        ..Default::default()
    };
    let file = arguments
        .edges
        .as_ref()
        .context("give --edges FILE.csv or --db URL")?;
    let (graph, report) = read_edge_list(file, &options)
        .with_context(|| format!("reading edge list {}", file.display()))?;
    let summary = GraphSummary {
        file: file.display().to_string(),
        nodes: graph.node_count(),
        edges: graph.edge_count(),
        directed: graph.is_directed(),
        rows: report.rows,
        rows_outside_window: report.rows_outside_window,
        self_loops_dropped: graph.self_loops_dropped(),
    };
    Ok((graph, summary))
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |count| count.get())
}

fn print_summary(summary: &GraphSummary) {
    println!(
        "{}: {} nodes, {} {} edges ({} rows{}{})",
        summary.file,
        summary.nodes,
        summary.edges,
        if summary.directed {
            "directed"
        } else {
            "undirected"
        },
        summary.rows,
        if summary.rows_outside_window > 0 {
            format!(", {} outside the time window", summary.rows_outside_window)
        } else {
            String::new()
        },
        if summary.self_loops_dropped > 0 {
            format!(", {} self-loops dropped", summary.self_loops_dropped)
        } else {
            String::new()
        },
    );
}

#[derive(Debug, Serialize)]
struct KeyPlayersOutput {
    graph: GraphSummary,
    betweenness_exact: bool,
    betweenness_pivots: usize,
    initial_fragmentation: f64,
    initial_largest_component: usize,
    players: Vec<KeyPlayerOutput>,
    removal: Vec<RemovalOutput>,
}

#[derive(Debug, Serialize)]
struct KeyPlayerOutput {
    rank: usize,
    node: String,
    score: f64,
    pagerank: f64,
    betweenness: f64,
    betweenness_standard_error: f64,
    degree: usize,
    strength: f64,
    constraint: Option<f64>,
    effective_size: Option<f64>,
    removal_step: Option<usize>,
    reason: String,
}

#[derive(Debug, Serialize)]
struct RemovalOutput {
    step: usize,
    node: String,
    fragmentation: f64,
    largest_component: usize,
    components: usize,
}

pub fn key_players(arguments: &GraphKeyPlayersArgs) -> Result<ExitCode> {
    if let Some(url) = &arguments.edges.db {
        return super::graph_store::key_players(url, arguments);
    }
    let (graph, summary) = load(&arguments.edges)?;
    let report = rank_key_players(
        &graph,
        &KeyPlayerParameters {
            top: arguments.top,
            pivots: arguments.pivots,
            seed: arguments.seed,
            threads: threads(),
            removals: arguments.removals,
            ..Default::default()
        },
    )
    .context("ranking key players")?;
    let output = KeyPlayersOutput {
        graph: summary,
        betweenness_exact: report.betweenness_exact,
        betweenness_pivots: report.pivots,
        initial_fragmentation: report.initial_fragmentation,
        initial_largest_component: report.initial_largest_component,
        players: report
            .players
            .iter()
            .map(|player| KeyPlayerOutput {
                rank: player.rank,
                node: graph.id(player.node).to_string(),
                score: player.score,
                pagerank: player.pagerank,
                betweenness: player.betweenness,
                betweenness_standard_error: player.betweenness_standard_error,
                degree: player.degree,
                strength: player.strength,
                constraint: player.constraint,
                effective_size: player.effective_size,
                removal_step: player.removal_step,
                reason: player.reason.clone(),
            })
            .collect(),
        removal: report
            .removals
            .iter()
            .enumerate()
            .map(|(step, removal)| RemovalOutput {
                step: step + 1,
                node: graph.id(removal.node).to_string(),
                fragmentation: removal.fragmentation,
                largest_component: removal.largest_component,
                components: removal.components,
            })
            .collect(),
    };
    if arguments.json {
        super::print_json(&output)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&output.graph);
    println!(
        "betweenness: {}",
        if output.betweenness_exact {
            "exact".to_string()
        } else {
            format!(
                "estimated from {} sampled sources (± standard error shown)",
                output.betweenness_pivots
            )
        }
    );
    println!();
    let width = output
        .players
        .iter()
        .map(|player| player.node.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:>4}  {:<width$}  {:>8}  {:>12}  {:>6}  {:>10}  reason",
        "rank", "node", "pagerank", "betweenness", "degree", "constraint"
    );
    for player in &output.players {
        let betweenness = if output.betweenness_exact {
            format!("{:.1}", player.betweenness)
        } else {
            format!(
                "{:.0}±{:.0}",
                player.betweenness, player.betweenness_standard_error
            )
        };
        println!(
            "{:>4}  {:<width$}  {:>8}  {:>12}  {:>6}  {:>10}  {}",
            player.rank,
            player.node,
            readable(player.pagerank),
            betweenness,
            player.degree,
            player
                .constraint
                .map_or("-".to_string(), |constraint| format!("{constraint:.3}")),
            player.reason
        );
    }
    if !output.removal.is_empty() {
        println!();
        println!(
            "greedy removal (fragmentation = share of node pairs disconnected; before: {:.3}, largest group {}):",
            output.initial_fragmentation, output.initial_largest_component
        );
        for removal in &output.removal {
            println!(
                "  {}. remove {:<width$}  fragmentation {:.3}  largest group {}  groups {}",
                removal.step,
                removal.node,
                removal.fragmentation,
                removal.largest_component,
                removal.components
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct CommunitiesOutput {
    graph: GraphSummary,
    quality_function: &'static str,
    resolution: f64,
    seed: u64,
    quality: f64,
    iterations: usize,
    count: usize,
    communities: Vec<CommunityOutput>,
}

#[derive(Debug, Serialize)]
struct CommunityOutput {
    community: u32,
    size: usize,
    /// Total weight of edges inside and leaving the community.
    internal_weight: f64,
    external_weight: f64,
    /// Members with the most ties inside the community, strongest first (at most 5).
    hubs: Vec<String>,
    members: Vec<String>,
    /// With `--split-from`: the members by cell, largest first, when the community
    /// splits into more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cells: Vec<Vec<String>>,
}

pub fn communities(arguments: &GraphCommunitiesArgs) -> Result<ExitCode> {
    if let Some(url) = &arguments.edges.db {
        return super::graph_store::communities(url, arguments);
    }
    let (graph, summary) = load(&arguments.edges)?;
    let quality = match arguments.quality {
        CommunityQuality::Modularity => QualityFunction::Modularity,
        CommunityQuality::Cpm => QualityFunction::Cpm,
    };
    let parameters = LeidenParameters {
        quality,
        resolution: arguments.resolution,
        seed: arguments.seed,
        max_iterations: arguments.iterations,
        ..Default::default()
    };
    let found = leiden(&graph, &parameters).context("detecting communities")?;
    let cell_of = match arguments.split_from {
        Some(split_from) => Some(
            subcommunities(&graph, &found.membership, &parameters, split_from)
                .context("splitting communities into cells")?,
        ),
        None => None,
    };
    let undirected = graph.to_undirected();
    let count = found.count();
    let mut internal = vec![0.0; count];
    let mut external = vec![0.0; count];
    // Weight of each node's ties inside its own community, to name the hubs.
    let mut inside_strength = vec![0.0; graph.node_count()];
    for (u, v, weight) in undirected.edges() {
        let (a, b) = (found.membership[u as usize], found.membership[v as usize]);
        if a == b {
            internal[a as usize] += weight;
            inside_strength[u as usize] += weight;
            inside_strength[v as usize] += weight;
        } else {
            external[a as usize] += weight;
            external[b as usize] += weight;
        }
    }
    let mut members: Vec<Vec<NodeIndex>> = vec![Vec::new(); count];
    for (v, &community) in found.membership.iter().enumerate() {
        members[community as usize].push(v as NodeIndex);
    }
    let communities = members
        .iter()
        .enumerate()
        .map(|(community, nodes)| {
            let mut by_strength = nodes.clone();
            by_strength.sort_by(|&a, &b| {
                inside_strength[b as usize].total_cmp(&inside_strength[a as usize])
            });
            CommunityOutput {
                community: community as u32,
                size: nodes.len(),
                internal_weight: internal[community],
                external_weight: external[community],
                hubs: by_strength
                    .iter()
                    .take(5)
                    .map(|&v| graph.id(v).to_string())
                    .collect(),
                members: nodes.iter().map(|&v| graph.id(v).to_string()).collect(),
                cells: cell_of
                    .as_ref()
                    .map(|cell_of| cells(nodes, cell_of, |v| graph.id(v).to_string()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let output = CommunitiesOutput {
        graph: summary,
        quality_function: match quality {
            QualityFunction::Modularity => "modularity",
            QualityFunction::Cpm => "cpm",
        },
        resolution: arguments.resolution,
        seed: arguments.seed,
        quality: found.quality,
        iterations: found.iterations,
        count,
        communities,
    };
    if arguments.json {
        super::print_json(&output)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&output.graph);
    println!(
        "{} communities; {} {:.4} (γ = {}, seed {}, {} iterations)",
        output.count,
        output.quality_function,
        output.quality,
        output.resolution,
        output.seed,
        output.iterations
    );
    println!();
    println!(
        "{:>9}  {:>6}  {:>10}  {:>10}  hubs",
        "community", "size", "inside", "outside"
    );
    for community in &output.communities {
        println!(
            "{:>9}  {:>6}  {:>10.1}  {:>10.1}  {}",
            community.community,
            community.size,
            community.internal_weight,
            community.external_weight,
            community.hubs.join(", ")
        );
        if !community.cells.is_empty() {
            let sizes: Vec<usize> = community.cells.iter().map(Vec::len).collect();
            println!("{:>9}  cells of {sizes:?}", "");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `nodes` grouped by their cell, largest cell first; empty when they are all in one.
pub(super) fn cells(
    nodes: &[NodeIndex],
    cell_of: &[u32],
    name: impl Fn(NodeIndex) -> String,
) -> Vec<Vec<String>> {
    let mut by_cell: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for &v in nodes {
        by_cell
            .entry(cell_of[v as usize])
            .or_default()
            .push(name(v));
    }
    if by_cell.len() < 2 {
        return Vec::new();
    }
    let mut cells: Vec<Vec<String>> = by_cell.into_values().collect();
    cells.sort_by_key(|cell| std::cmp::Reverse(cell.len()));
    cells
}

#[derive(Debug, Serialize)]
struct PathOutput {
    from: String,
    to: String,
    cost_model: &'static str,
    paths: Vec<OnePath>,
}

#[derive(Debug, Serialize)]
struct OnePath {
    rank: usize,
    cost: f64,
    hops: usize,
    nodes: Vec<String>,
    /// Every hop with the weight of the edge it uses (the evidence of the link).
    steps: Vec<PathStep>,
}

#[derive(Debug, Serialize)]
struct PathStep {
    from: String,
    to: String,
    weight: f64,
}

pub fn path(arguments: &GraphPathArgs) -> Result<ExitCode> {
    if let Some(url) = &arguments.edges.db {
        return super::graph_store::path(url, arguments);
    }
    let (graph, _) = load(&arguments.edges)?;
    let from = graph.require(&arguments.from)?;
    let to = graph.require(&arguments.to)?;
    let (cost, cost_model) = match arguments.cost {
        PathCost::Hops => (Cost::Hops, "hops"),
        PathCost::InverseWeight => (Cost::InverseWeight, "inverse-weight"),
        PathCost::Weight => (Cost::Weight, "weight"),
    };
    let paths = k_shortest_paths(&graph, from, to, arguments.k, cost)?;
    let output = PathOutput {
        from: arguments.from.clone(),
        to: arguments.to.clone(),
        cost_model,
        paths: paths
            .iter()
            .enumerate()
            .map(|(rank, path)| OnePath {
                rank: rank + 1,
                cost: path.cost,
                hops: path.nodes.len() - 1,
                nodes: path
                    .nodes
                    .iter()
                    .map(|&v| graph.id(v).to_string())
                    .collect(),
                steps: path
                    .nodes
                    .windows(2)
                    .map(|pair| PathStep {
                        from: graph.id(pair[0]).to_string(),
                        to: graph.id(pair[1]).to_string(),
                        weight: edge_weight(&graph, pair[0], pair[1]).unwrap_or(f64::NAN),
                    })
                    .collect(),
            })
            .collect(),
    };
    if arguments.json {
        super::print_json(&output)?;
    } else if output.paths.is_empty() {
        println!("no path from {} to {}", output.from, output.to);
    } else {
        for path in &output.paths {
            let route: Vec<String> = path
                .steps
                .iter()
                .map(|step| format!(" -({})-> {}", step.weight, step.to))
                .collect();
            println!(
                "{}. cost {:.4}, {} hops: {}{}",
                path.rank,
                path.cost,
                path.hops,
                output.from,
                route.concat()
            );
        }
    }
    // No path is an answer, not a failure; the exit code tells scripts which it was.
    Ok(if output.paths.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Debug, Serialize)]
struct NeighboursOutput {
    node: String,
    depth: u32,
    count: usize,
    neighbours: Vec<Neighbour>,
}

#[derive(Debug, Serialize)]
struct Neighbour {
    node: String,
    hops: u32,
}

pub fn neighbours(arguments: &GraphNeighboursArgs) -> Result<ExitCode> {
    if let Some(url) = &arguments.edges.db {
        return super::graph_store::neighbours(url, arguments);
    }
    let (graph, _) = load(&arguments.edges)?;
    let node = graph.require(&arguments.node)?;
    let found = neighbourhood(&graph, node, arguments.depth);
    let output = NeighboursOutput {
        node: arguments.node.clone(),
        depth: arguments.depth,
        count: found.len(),
        neighbours: found
            .iter()
            .map(|&(v, hops)| Neighbour {
                node: graph.id(v).to_string(),
                hops,
            })
            .collect(),
    };
    if arguments.json {
        super::print_json(&output)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} nodes within {} hops of {}",
        output.count, output.depth, output.node
    );
    println!("{:>4}  node", "hops");
    for neighbour in &output.neighbours {
        println!("{:>4}  {}", neighbour.hops, neighbour.node);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(arguments: &GraphExportArgs) -> Result<ExitCode> {
    if let Some(url) = &arguments.edges.db {
        return super::graph_store::export(url, arguments);
    }
    let (graph, summary) = load(&arguments.edges)?;
    let mut attributes = Vec::new();
    if arguments.scores {
        let rank = pagerank(&graph, &PageRankParameters::default())?;
        let found = leiden(&graph, &LeidenParameters::default())?;
        let undirected = graph.to_undirected();
        attributes.push(NodeAttribute {
            name: "degree".into(),
            values: AttributeValues::Integer(
                (0..graph.node_count() as NodeIndex)
                    .map(|v| undirected.degree(v) as i64)
                    .collect(),
            ),
        });
        attributes.push(NodeAttribute {
            name: "pagerank".into(),
            values: AttributeValues::Float(rank),
        });
        attributes.push(NodeAttribute {
            name: "community".into(),
            values: AttributeValues::Integer(
                found.membership.iter().map(|&c| i64::from(c)).collect(),
            ),
        });
    }
    let context = || format!("writing {}", arguments.out.display());
    let mut out = BufWriter::new(File::create(&arguments.out).with_context(context)?);
    match arguments.format {
        GraphFormat::Graphml => write_graphml(&graph, &attributes, &mut out),
        GraphFormat::Gexf => write_gexf(&graph, &attributes, &mut out),
    }
    .with_context(context)?;
    out.flush().with_context(context)?;
    eprintln!(
        "wrote {} nodes and {} edges to {}",
        summary.nodes,
        summary.edges,
        arguments.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
