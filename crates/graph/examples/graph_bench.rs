//! Times the graph crate on a seeded Barabási–Albert graph and prints the figures.
//!
//! ```sh
//! cargo run --release -p graph --example graph_bench -- --nodes 100000 --edges 1000000 \
//!     [--seed 7] [--threads N] [--pivots 1000] [--sources 100] [--leiden-iterations N] [--leiden-seed S]
//!     [--write edges.csv] [--json]
//! ```
//!
//! Edge weights are drawn from 1..=5 so the weighted methods (PageRank, Leiden,
//! Dijkstra) have something to weigh; BFS, k-hop and betweenness count hops. With
//! `--write` the same graph is written as an edge list (`source,target,weight`) for
//! `crates/graph/bench/igraph_compare.py`.

use std::io::Write;
use std::time::Instant;

use graph::betweenness::sampled_betweenness;
use graph::components::components;
use graph::generate::barabasi_albert_edges;
use graph::leiden::{LeidenParameters, leiden};
use graph::pagerank::{PageRankParameters, pagerank};
use graph::traversal::{Cost, distances_from_each, neighbourhoods};
use graph::{Graph, NodeIndex};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Options {
    nodes: usize,
    edges: usize,
    seed: u64,
    threads: usize,
    pivots: usize,
    sources: usize,
    leiden_iterations: Option<usize>,
    leiden_seed: Option<u64>,
    write: Option<String>,
    json: bool,
}

fn parse() -> Options {
    let mut options = Options {
        nodes: 100_000,
        edges: 1_000_000,
        seed: 7,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        pivots: 1000,
        sources: 100,
        leiden_iterations: None,
        leiden_seed: None,
        write: None,
        json: false,
    };
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let mut at = 0;
    while at < arguments.len() {
        let value = |at: usize| -> &str {
            arguments
                .get(at + 1)
                .unwrap_or_else(|| panic!("{} needs a value", arguments[at]))
        };
        match arguments[at].as_str() {
            "--nodes" => options.nodes = value(at).parse().expect("--nodes N"),
            "--edges" => options.edges = value(at).parse().expect("--edges N"),
            "--seed" => options.seed = value(at).parse().expect("--seed N"),
            "--threads" => options.threads = value(at).parse().expect("--threads N"),
            "--pivots" => options.pivots = value(at).parse().expect("--pivots N"),
            "--sources" => options.sources = value(at).parse().expect("--sources N"),
            "--leiden-iterations" => {
                options.leiden_iterations = Some(value(at).parse().expect("--leiden-iterations N"))
            }
            "--leiden-seed" => {
                options.leiden_seed = Some(value(at).parse().expect("--leiden-seed N"))
            }
            "--write" => options.write = Some(value(at).to_string()),
            "--json" => {
                options.json = true;
                at += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        at += 2;
    }
    options
}

fn main() {
    let options = parse();
    let mut figures: Vec<(String, f64)> = Vec::new();
    let mut time = |name: &str, started: Instant| {
        let seconds = started.elapsed().as_secs_f64();
        if !options.json {
            eprintln!("{name:<28} {seconds:>9.3} s");
        }
        figures.push((name.to_string(), seconds));
    };

    let started = Instant::now();
    let per_node = (options.edges / options.nodes.max(1)).max(1);
    let pairs = barabasi_albert_edges(options.nodes, per_node, options.seed);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed);
    let weighted: Vec<(NodeIndex, NodeIndex, f64)> = pairs
        .iter()
        .map(|&(u, v)| (u, v, rng.random_range(1..=5) as f64))
        .collect();
    time("generate", started);
    if let Some(path) = &options.write {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(path).expect("create edge list"));
        writeln!(out, "source,target,weight").unwrap();
        for &(u, v, w) in &weighted {
            writeln!(out, "{u},{v},{w}").unwrap();
        }
        out.flush().unwrap();
    }

    let started = Instant::now();
    let graph = Graph::from_index_edges(false, options.nodes, weighted).expect("valid graph");
    time("build", started);

    let started = Instant::now();
    let rank = pagerank(&graph, &PageRankParameters::default()).expect("pagerank converges");
    time("pagerank", started);

    let started = Instant::now();
    let parts = components(&graph);
    time("components", started);

    let started = Instant::now();
    let communities = leiden(
        &graph,
        &LeidenParameters {
            seed: options.leiden_seed.unwrap_or(options.seed),
            max_iterations: options.leiden_iterations,
            ..Default::default()
        },
    )
    .expect("leiden runs");
    time("leiden", started);

    let mut pick = ChaCha8Rng::seed_from_u64(options.seed ^ 0xb0f5);
    let sources: Vec<NodeIndex> = (0..options.sources)
        .map(|_| pick.random_range(0..options.nodes as NodeIndex))
        .collect();
    let started = Instant::now();
    let rows = distances_from_each(&graph, &sources, Cost::Hops, options.threads);
    time("bfs_100_sources", started);
    let started = Instant::now();
    let weighted_rows = distances_from_each(&graph, &sources, Cost::InverseWeight, options.threads);
    time("dijkstra_100_sources", started);

    let centres: Vec<NodeIndex> = (0..1000)
        .map(|_| pick.random_range(0..options.nodes as NodeIndex))
        .collect();
    let started = Instant::now();
    let hoods = neighbourhoods(&graph, &centres, 2, options.threads);
    time("khop2_1000_nodes", started);

    let started = Instant::now();
    let between = sampled_betweenness(
        &graph,
        options.pivots,
        options.seed,
        Cost::Hops,
        options.threads,
    )
    .expect("betweenness runs");
    time("betweenness_sampled", started);

    // Checks that keep the optimiser honest and the figures comparable.
    let rank_sum: f64 = rank.iter().sum();
    let reached: usize = rows[0].iter().filter(|d| d.is_finite()).count();
    let weighted_reached: usize = weighted_rows[0].iter().filter(|d| d.is_finite()).count();
    let hood_total: usize = hoods.iter().map(Vec::len).sum();
    let top_between = between.scores.iter().copied().fold(0.0, f64::max);
    if options.json {
        let timings: Vec<String> = figures
            .iter()
            .map(|(name, seconds)| format!("\"{name}\": {seconds:.4}"))
            .collect();
        println!(
            "{{\"nodes\": {}, \"edges\": {}, \"threads\": {}, \"pivots\": {}, \"modularity\": {:.6}, \"communities\": {}, \"leiden_iterations\": {}, \"components\": {}, \"timings\": {{{}}}}}",
            graph.node_count(),
            graph.edge_count(),
            options.threads,
            options.pivots,
            communities.quality,
            communities.count(),
            communities.iterations,
            parts.count(),
            timings.join(", ")
        );
    } else {
        println!(
            "nodes {} edges {} threads {}",
            graph.node_count(),
            graph.edge_count(),
            options.threads
        );
        println!(
            "modularity {:.6} communities {} (leiden iterations {}), components {}",
            communities.quality,
            communities.count(),
            communities.iterations,
            parts.count()
        );
        println!(
            "pagerank sum {rank_sum:.6}; bfs reached {reached} (weighted {weighted_reached}); 2-hop total {hood_total}; top betweenness {top_between:.0}"
        );
    }
}
