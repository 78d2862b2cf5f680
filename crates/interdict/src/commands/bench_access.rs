//! `interdict bench access`: what applying access costs, for one law-enforcement user.
//!
//! 1. Building the user's view (a decision per record, the network of the readable
//!    records, protected properties removed) against building the unrestricted
//!    network of every record with the same entity assignment: time and peak memory,
//!    each measured in a child process of its own (`--measure-build`) so that one
//!    build's memory does not hide in the other's.
//! 2. Per query (search, entity profile, neighbourhood at depth 2): median and p99
//!    through the façade, which answers from the user's view, against the same
//!    operations on the unrestricted network called directly (token look-up over all
//!    records, node look-up, `Network::neighbourhood`). The façade appends an audit
//!    entry per query; it runs twice, once with the entry chained in memory (the access
//!    overhead proper) and once with the store's durable append.
//!
//! The world is a demo store (`interdict demo --no-serve` in a child process), or an
//! existing one given with `--db`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use model::{Schema, SourceRecord};
use network::{BuildOptions, LinkFilter, Network};
use serde::{Deserialize, Serialize};
use service::{Actor, GraphRequest, LogonRequest, SearchRequest, Service, Settings};
use store::{
    AuditAnchor, AuditEntry, AuditLog, AuditQuery, BatchHeader, BatchSummary, BatchWriter,
    Directory, NewAuditEntry, Operations, QuarantinedRow, RecordQuery, ResolutionState, Retention,
    Store, StoreResult, StoreStatus, Watchlists,
};

use crate::open::open_store;

/// Search hits, link-chart nodes and profile neighbours, as the façade's defaults.
const HITS: usize = 50;
const CHART_NODES: usize = 150;
const PROFILE_NEIGHBOURS: usize = 100;

#[derive(Debug, Args)]
pub struct BenchAccessArgs {
    /// World size when no `--db` is given: small or medium.
    #[arg(long, default_value = "small")]
    pub scale: String,
    /// Queries of each kind.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// An existing demo store (`interdict demo`) instead of preparing one.
    #[arg(long)]
    pub db: Option<String>,
    /// The law-enforcement user whose view is measured (a demo account).
    #[arg(long, default_value = "dea.analyst")]
    pub user: String,
    /// Builds timed per kind (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Scratch folder for the prepared world (default: a temporary folder).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the figures as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Internal: build one thing in this process and print its figure as JSON.
    #[arg(long, value_enum, hide = true)]
    pub measure_build: Option<BuildTarget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum BuildTarget {
    /// The user's view.
    View,
    /// The network of every record, no access applied.
    Unrestricted,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BuildFigure {
    median_seconds: f64,
    peak_mib: f64,
    records: usize,
    nodes: usize,
    links: usize,
}

#[derive(Debug, Clone, Serialize)]
struct QueryFigure {
    query: &'static str,
    count: usize,
    baseline_median_ms: f64,
    baseline_p99_ms: f64,
    facade_median_ms: f64,
    facade_p99_ms: f64,
    overhead_percent: f64,
    durable_median_ms: f64,
    durable_p99_ms: f64,
    durable_overhead_percent: f64,
}

#[derive(Debug, Clone, Serialize)]
struct Report {
    machine: String,
    store: String,
    user: String,
    records: usize,
    view_build: BuildFigure,
    unrestricted_build: BuildFigure,
    build_overhead_percent: f64,
    first_analytics_seconds: f64,
    queries: Vec<QueryFigure>,
    durable_audit_append_median_ms: f64,
    view_lookup_median_ms: f64,
    chained_audit_append_median_ms: f64,
}

pub fn run(arguments: &BenchAccessArgs) -> Result<ExitCode> {
    if let Some(target) = arguments.measure_build {
        let database = arguments
            .db
            .as_deref()
            .ok_or_else(|| anyhow!("--measure-build needs --db"))?;
        let figure = measure_build(database, &arguments.user, target, arguments.repeat)?;
        super::print_json(&figure)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _scratch;
    let database = match &arguments.db {
        Some(database) => database.clone(),
        None => {
            let folder = match &arguments.work_dir {
                Some(folder) => {
                    std::fs::create_dir_all(folder)?;
                    tempfile::tempdir_in(folder)?
                }
                None => tempfile::tempdir()?,
            };
            let demo = folder.path().join("demo");
            if !arguments.json {
                eprintln!(
                    "preparing a {} demo world in {} …",
                    arguments.scale,
                    demo.display()
                );
            }
            let status = Command::new(std::env::current_exe()?)
                .args(["demo", "--no-serve", "--scale", &arguments.scale])
                .args(["--seed", &arguments.seed.to_string()])
                .arg("--dir")
                .arg(&demo)
                .stdout(Stdio::null())
                .status()
                .context("running interdict demo")?;
            if !status.success() {
                bail!("interdict demo failed ({status})");
            }
            _scratch = folder;
            format!("sqlite:{}", demo.join("interdict.sqlite").display())
        }
    };

    let view_build = build_child(&database, &arguments.user, BuildTarget::View, arguments)?;
    let unrestricted_build = build_child(
        &database,
        &arguments.user,
        BuildTarget::Unrestricted,
        arguments,
    )?;

    let store = BenchStore::open(&database)?;
    let durable = store.audit.durable.clone();
    let store: Arc<dyn Store> = Arc::new(store);
    let schema = Arc::new(Schema::builtin().clone());
    let service = open_service(store.clone(), schema.clone())?;
    let actor = sign_on(&service, &arguments.user)?;
    let snapshot = service.snapshot();
    let unrestricted = Network::build(
        snapshot.records.clone(),
        snapshot.assignment(),
        &schema,
        &BuildOptions::default(),
    );
    // Snapshot record index → index in the unrestricted network (both ordered by id;
    // the network leaves out operations).
    let inner_of: Vec<u32> = {
        let position: HashMap<model::RecordId, u32> = unrestricted
            .records
            .iter()
            .enumerate()
            .map(|(index, record)| (record.id, index as u32))
            .collect();
        snapshot
            .records
            .iter()
            .map(|record| position.get(&record.id).copied().unwrap_or(u32::MAX))
            .collect()
    };
    let mut outer_of = vec![u32::MAX; unrestricted.records.len()];
    for (outer, &inner) in inner_of.iter().enumerate() {
        if inner != u32::MAX {
            outer_of[inner as usize] = outer as u32;
        }
    }
    let (view, _) = service.build_view_uncached(&actor);

    // Sample queries: words of the token index, and nodes of the user's view with links.
    let words = sample(&snapshot.common_tokens(2, usize::MAX), arguments.queries);
    let linked: Vec<String> = view
        .network
        .nodes
        .iter()
        .enumerate()
        .filter(|(index, _)| !view.network.links_at(*index as u32).is_empty())
        .map(|(_, node)| node.id.clone())
        .filter(|id| unrestricted.node_by_id(id).is_some())
        .collect();
    let nodes = sample(&linked, arguments.queries);
    drop(view);
    if words.is_empty() || nodes.is_empty() {
        bail!(
            "the store has no searchable words or linked entities for {}",
            arguments.user
        );
    }

    // The first analytic query builds rings, roles and key players of the view.
    let started = Instant::now();
    service
        .rings(&actor)
        .map_err(|error| anyhow!("warm-up rings: {error}"))?;
    service
        .entity(&actor, &nodes[0])
        .map_err(|error| anyhow!("warm-up profile: {error}"))?;
    let first_analytics_seconds = started.elapsed().as_secs_f64();

    let mut queries = Vec::new();
    for kind in ["search", "entity profile", "neighbourhood (depth 2)"] {
        let baseline: Vec<f64> = match kind {
            "search" => time_each(&words, |word| {
                std::hint::black_box(baseline_search(
                    &snapshot.matching_all(word),
                    &inner_of,
                    &snapshot,
                    &unrestricted,
                    word,
                ));
            }),
            "entity profile" => time_each(&nodes, |node| {
                std::hint::black_box(baseline_profile(&unrestricted, &snapshot, &outer_of, node));
            }),
            _ => time_each(&nodes, |node| {
                std::hint::black_box(baseline_neighbourhood(&unrestricted, node));
            }),
        };
        let facade = |durable_audit: bool| -> Result<Vec<f64>> {
            durable.store(durable_audit, Ordering::SeqCst);
            let mut failure = None;
            let times = match kind {
                "search" => time_each(&words, |word| {
                    let request = SearchRequest {
                        q: word.clone(),
                        ..SearchRequest::default()
                    };
                    if let Err(error) = service.search(&actor, &request) {
                        failure.get_or_insert(error);
                    }
                }),
                "entity profile" => time_each(&nodes, |node| {
                    if let Err(error) = service.entity(&actor, node) {
                        failure.get_or_insert(error);
                    }
                }),
                _ => time_each(&nodes, |node| {
                    let request = GraphRequest {
                        node: node.clone(),
                        depth: Some(2),
                        ..GraphRequest::default()
                    };
                    if let Err(error) = service.neighbourhood(&actor, &request) {
                        failure.get_or_insert(error);
                    }
                }),
            };
            durable.store(false, Ordering::SeqCst);
            match failure {
                Some(error) => Err(anyhow!("{kind} through the façade: {error}")),
                None => Ok(times),
            }
        };
        let in_memory = facade(false)?;
        let durable_times = facade(true)?;
        let (baseline_median, baseline_p99) = quantiles(baseline);
        let (facade_median, facade_p99) = quantiles(in_memory);
        let (durable_median, durable_p99) = quantiles(durable_times);
        queries.push(QueryFigure {
            query: kind,
            count: if kind == "search" {
                words.len()
            } else {
                nodes.len()
            },
            baseline_median_ms: baseline_median,
            baseline_p99_ms: baseline_p99,
            facade_median_ms: facade_median,
            facade_p99_ms: facade_p99,
            overhead_percent: percent(facade_median, baseline_median),
            durable_median_ms: durable_median,
            durable_p99_ms: durable_p99,
            durable_overhead_percent: percent(durable_median, baseline_median),
        });
    }
    // The fixed part of applying access per query: finding the user's cached view.
    let lookups = time_each(&nodes, |_| {
        std::hint::black_box(service.lookup_view(&actor));
    });
    // What one durable audit append costs on this store.
    let probes: Vec<usize> = (0..arguments.queries.clamp(1, 50)).collect();
    let append = |probe: &usize| {
        let _ = store.audit().append(NewAuditEntry {
            actor: actor.user.id.clone(),
            actor_agency: actor.user.agency.clone(),
            action: store::AuditAction::Search,
            target: format!("bench:audit-append-probe;n={probe}"),
            reason: "interdict bench access".to_string(),
            case_number: None,
            source: "bench".to_string(),
            outcome: store::AuditOutcome::Allowed,
        });
    };
    let chained = time_each(&probes, append);
    durable.store(true, Ordering::SeqCst);
    let appends = time_each(&probes, append);
    let report = Report {
        machine: machine_line(),
        store: redacted(&database),
        user: arguments.user.clone(),
        records: snapshot.records.len(),
        build_overhead_percent: percent(
            view_build.median_seconds,
            unrestricted_build.median_seconds,
        ),
        view_build,
        unrestricted_build,
        first_analytics_seconds,
        queries,
        durable_audit_append_median_ms: quantiles(appends).0,
        view_lookup_median_ms: quantiles(lookups).0,
        chained_audit_append_median_ms: quantiles(chained).0,
    };
    if arguments.json {
        super::print_json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &Report) {
    println!("{}", report.machine);
    println!(
        "store {} · {} records · user {}",
        report.store, report.records, report.user
    );
    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "build", "seconds", "peak MiB", "records", "nodes", "links"
    );
    for (name, figure) in [
        ("view (access applied)", &report.view_build),
        ("unrestricted network", &report.unrestricted_build),
    ] {
        println!(
            "{:<28} {:>10.3} {:>10.1} {:>10} {:>10} {:>10}",
            name,
            figure.median_seconds,
            figure.peak_mib,
            figure.records,
            figure.nodes,
            figure.links
        );
    }
    println!(
        "view build vs unrestricted build: {:+.1}% time, {:+.1}% peak memory",
        report.build_overhead_percent,
        percent(
            report.view_build.peak_mib,
            report.unrestricted_build.peak_mib
        )
    );
    println!(
        "first analytic query on the view (rings, roles, key players): {:.3} s, once per view",
        report.first_analytics_seconds
    );
    println!();
    println!(
        "{:<24} {:>6} {:>19} {:>19} {:>9} {:>19} {:>9}",
        "query (ms)",
        "n",
        "unrestricted p50/p99",
        "façade p50/p99",
        "overhead",
        "+durable audit",
        "overhead"
    );
    for figure in &report.queries {
        println!(
            "{:<24} {:>6} {:>9.3}/{:<9.3} {:>9.3}/{:<9.3} {:>8.1}% {:>9.3}/{:<9.3} {:>8.1}%",
            figure.query,
            figure.count,
            figure.baseline_median_ms,
            figure.baseline_p99_ms,
            figure.facade_median_ms,
            figure.facade_p99_ms,
            figure.overhead_percent,
            figure.durable_median_ms,
            figure.durable_p99_ms,
            figure.durable_overhead_percent,
        );
    }
    println!(
        "finding the user's cached view (every façade query): {:.4} ms (median)",
        report.view_lookup_median_ms
    );
    println!(
        "one audit entry chained in memory (in every façade figure): {:.4} ms (median)",
        report.chained_audit_append_median_ms
    );
    println!(
        "one durable audit append: {:.3} ms (median)",
        report.durable_audit_append_median_ms
    );
}

/// Runs `--measure-build` in a child process and reads its figure.
fn build_child(
    database: &str,
    user: &str,
    target: BuildTarget,
    arguments: &BenchAccessArgs,
) -> Result<BuildFigure> {
    let output = Command::new(std::env::current_exe()?)
        .args(["bench", "access", "--db", database, "--user", user])
        .args(["--repeat", &arguments.repeat.max(1).to_string()])
        .args([
            "--measure-build",
            match target {
                BuildTarget::View => "view",
                BuildTarget::Unrestricted => "unrestricted",
            },
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running the build measurement")?;
    if !output.status.success() {
        bail!("the build measurement failed ({})", output.status);
    }
    serde_json::from_slice(&output.stdout).context("reading the build measurement")
}

/// In the child: loads the store, then builds the target `repeat` times; the peak is
/// the first build's growth of the resident set over what loading left.
fn measure_build(
    database: &str,
    user: &str,
    target: BuildTarget,
    repeat: usize,
) -> Result<BuildFigure> {
    let store: Arc<dyn Store> = Arc::from(open_store(database)?);
    let schema = Arc::new(Schema::builtin().clone());
    let service = open_service(store, schema.clone())?;
    let actor = sign_on(&service, user)?;
    let snapshot = service.snapshot();
    let mut times = Vec::new();
    let mut peak = 0u64;
    let mut shape = (0, 0, 0);
    for round in 0..repeat.max(1) {
        let before = if round == 0 { reset_peak() } else { None };
        let started = Instant::now();
        match target {
            BuildTarget::View => {
                let (view, timing) = service.build_view_uncached(&actor);
                times.push(started.elapsed().as_secs_f64());
                shape = (timing.readable, timing.nodes, timing.links);
                if let Some(before) = before {
                    peak = crate::memory::peak_rss_bytes()
                        .unwrap_or(0)
                        .saturating_sub(before);
                }
                drop(view);
            }
            BuildTarget::Unrestricted => {
                let network = Network::build(
                    snapshot.records.clone(),
                    snapshot.assignment(),
                    &schema,
                    &BuildOptions::default(),
                );
                times.push(started.elapsed().as_secs_f64());
                shape = (
                    network.records.len(),
                    network.nodes.len(),
                    network.links.len(),
                );
                if let Some(before) = before {
                    peak = crate::memory::peak_rss_bytes()
                        .unwrap_or(0)
                        .saturating_sub(before);
                }
                drop(network);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(BuildFigure {
        median_seconds: times[times.len() / 2],
        peak_mib: peak as f64 / (1024.0 * 1024.0),
        records: shape.0,
        nodes: shape.1,
        links: shape.2,
    })
}

/// Resets the peak resident set (VmHWM) to the current one; returns the current one.
fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

fn open_service(store: Arc<dyn Store>, schema: Arc<Schema>) -> Result<Service> {
    Service::open(
        store,
        schema,
        Settings {
            require_second_factor: false,
            ..Settings::default()
        },
    )
    .map_err(|error| anyhow!("opening the façade: {error}"))
}

fn sign_on(service: &Service, user: &str) -> Result<Actor> {
    let granted = service
        .log_on(
            &LogonRequest {
                user: user.to_string(),
                password: service::demo::DEMO_PASSWORD.to_string(),
                totp: None,
            },
            "bench",
        )
        .map_err(|error| anyhow!("{user} signs on with the demo password: {error}"))?;
    let actor = service
        .session_actor(&granted.session, "bench")
        .map_err(|error| anyhow!("{error}"))?;
    if !actor
        .user
        .roles
        .iter()
        .any(|role| role.is_law_enforcement())
    {
        bail!("{user} has no law-enforcement role");
    }
    Ok(actor)
}

/// `count` items spread evenly over `items`.
fn sample<T: Clone>(items: &[T], count: usize) -> Vec<T> {
    if items.is_empty() || count == 0 {
        return Vec::new();
    }
    (0..count)
        .map(|position| items[position * items.len() / count % items.len()].clone())
        .collect()
}

fn time_each<T>(items: &[T], mut run: impl FnMut(&T)) -> Vec<f64> {
    items
        .iter()
        .map(|item| {
            let started = Instant::now();
            run(item);
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

/// (median, p99) in the unit given.
fn quantiles(mut values: Vec<f64>) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let at = |quantile: f64| {
        let rank = ((quantile * values.len() as f64).ceil() as usize).clamp(1, values.len());
        values[rank - 1]
    };
    (at(0.5), at(0.99))
}

fn percent(value: f64, baseline: f64) -> f64 {
    (value / baseline - 1.0) * 100.0
}

/// Hits (node, records) and the kind and agency facets of a search.
type SearchAnswer = (Vec<(String, usize)>, Vec<(String, u64)>, Vec<(String, u64)>);

/// The search without access, step for step as the façade does it (facets, hits per
/// node with their matched values, ranking) on the unrestricted network: no view, no
/// per-record decision, no pointers, no audit.
fn baseline_search(
    matching: &[u32],
    inner_of: &[u32],
    snapshot: &service::Snapshot,
    network: &Network,
    q: &str,
) -> SearchAnswer {
    let words: Vec<String> = service::search_tokens(q).collect();
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut agencies: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_node: HashMap<u32, (usize, BTreeSet<String>)> = HashMap::new();
    for &outer in matching {
        let record = &snapshot.records[outer as usize];
        *kinds.entry(record.kind.clone()).or_default() += 1;
        *agencies
            .entry(record.provenance.agency.clone())
            .or_default() += 1;
        let inner = inner_of[outer as usize];
        if inner == u32::MAX {
            continue;
        }
        let Some(node) = network.node_of_record(inner) else {
            continue;
        };
        let entry = by_node.entry(node).or_default();
        entry.0 += 1;
        for (property, values) in &network.records[inner as usize].properties {
            for value in values {
                let value_tokens: Vec<String> = service::search_tokens(value).collect();
                if words
                    .iter()
                    .any(|word| value_tokens.iter().any(|token| token.starts_with(word)))
                    && entry.1.len() < 5
                {
                    entry.1.insert(format!("{property}: {value}"));
                }
            }
        }
    }
    let mut hits: Vec<service::SearchHit> = by_node
        .into_iter()
        .map(|(node, (records, matched))| {
            let agencies = network
                .agencies(node)
                .into_iter()
                .map(str::to_string)
                .collect();
            let node = network.node(node);
            service::SearchHit {
                node: node.id.clone(),
                kind: node.kind.clone(),
                label: node.label.clone(),
                agencies,
                records,
                matched: matched.into_iter().collect(),
            }
        })
        .collect();
    hits.sort_by(|left, right| {
        right
            .records
            .cmp(&left.records)
            .then_with(|| left.label.cmp(&right.label))
            .then_with(|| left.node.cmp(&right.node))
    });
    hits.truncate(HITS);
    (
        hits.into_iter()
            .map(|hit| (hit.node, hit.records))
            .collect(),
        kinds.into_iter().collect(),
        agencies.into_iter().collect(),
    )
}

/// A profile without access, as the façade builds one: the node's records in full,
/// its neighbours, and the resolution pairs of its records.
fn baseline_profile(
    network: &Network,
    snapshot: &service::Snapshot,
    outer_of: &[u32],
    node_id: &str,
) -> Option<(usize, usize, usize)> {
    let node = network.node_by_id(node_id)?;
    let outer: Vec<u32> = network
        .node(node)
        .records
        .iter()
        .map(|&inner| outer_of[inner as usize])
        .collect();
    let records: Vec<service::RecordView> = outer
        .iter()
        .map(|&index| record_view(&snapshot.records[index as usize]))
        .collect();
    let mut neighbours: BTreeMap<u32, service::NeighbourView> = BTreeMap::new();
    for &link in network.links_at(node) {
        let link = &network.links[link as usize];
        let other = link.other(node);
        let other_node = network.node(other);
        let entry = neighbours
            .entry(other)
            .or_insert_with(|| service::NeighbourView {
                node: other_node.id.clone(),
                kind: other_node.kind.clone(),
                label: other_node.label.clone(),
                relations: Vec::new(),
                count: 0,
                weight: 0.0,
            });
        entry.relations.push(link.relation.clone());
        entry.count += link.count;
        entry.weight += link.weight;
    }
    let mut neighbours: Vec<service::NeighbourView> = neighbours.into_values().collect();
    neighbours.sort_by(|left, right| right.weight.total_cmp(&left.weight));
    neighbours.truncate(PROFILE_NEIGHBOURS);
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    for &index in &outer {
        for pair in snapshot.pairs_of(index) {
            if seen.insert((pair.left, pair.right)) {
                pairs.push(service::ResolutionPairView {
                    left: pair.left.to_string(),
                    right: pair.right.to_string(),
                    weight: pair.weight,
                    probability: pair.probability,
                    role: pair.role.as_str().to_string(),
                    evidence: pair.evidence.clone(),
                });
            }
        }
    }
    Some((records.len(), neighbours.len(), pairs.len()))
}

/// A record as a profile shows it, in full.
fn record_view(record: &SourceRecord) -> service::RecordView {
    service::RecordView::of(record, None, Vec::new())
}

/// A depth-2 neighbourhood without access: at most as many nodes as the façade's
/// chart, and the links among them.
fn baseline_neighbourhood(network: &Network, node_id: &str) -> Option<(usize, usize)> {
    let start = network.node_by_id(node_id)?;
    let filter = LinkFilter::default();
    let mut chosen = vec![(start, 0)];
    for (node, hops, _) in network.neighbourhood(start, 2, &filter) {
        if chosen.len() >= CHART_NODES {
            break;
        }
        chosen.push((node, hops));
    }
    let members: HashSet<u32> = chosen.iter().map(|(node, _)| *node).collect();
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for &(node, _) in &chosen {
        for &index in network.links_at(node) {
            let link = &network.links[index as usize];
            if members.contains(&link.other(node)) && seen.insert(index) {
                links.push((
                    network.node(link.source).id.clone(),
                    network.node(link.target).id.clone(),
                    link.relation.clone(),
                    link.weight,
                ));
            }
        }
    }
    let nodes: Vec<(String, String, u32)> = chosen
        .iter()
        .map(|&(node, hops)| {
            (
                network.node(node).id.clone(),
                network.node(node).label.clone(),
                hops,
            )
        })
        .collect();
    Some((nodes.len(), links.len()))
}

fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    format!("machine: {cores} cores, {cpu}; load average {load}")
}

/// A store URL without a password.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The store with a switchable audit log: the façade's entries are chained (hashed)
/// in memory unless `durable` is set, so the query figures can show the access
/// overhead with and without the durable append.
struct BenchStore {
    inner: Arc<dyn Store>,
    audit: SwitchAudit,
}

struct SwitchAudit {
    inner: Arc<dyn Store>,
    durable: Arc<AtomicBool>,
    head: Mutex<Option<AuditAnchor>>,
}

impl BenchStore {
    fn open(url: &str) -> Result<BenchStore> {
        let inner: Arc<dyn Store> = Arc::from(open_store(url)?);
        Ok(BenchStore {
            audit: SwitchAudit {
                inner: inner.clone(),
                durable: Arc::new(AtomicBool::new(true)),
                head: Mutex::new(None),
            },
            inner,
        })
    }
}

impl AuditLog for SwitchAudit {
    fn append(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        if self.durable.load(Ordering::SeqCst) {
            return self.inner.audit().append(entry);
        }
        let mut head = self
            .head
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = match *head {
            Some(anchor) => anchor,
            None => self.inner.audit().head()?.unwrap_or(AuditAnchor::EMPTY),
        };
        let appended = AuditEntry::chained(&previous, chrono::Utc::now(), entry);
        *head = Some(AuditAnchor {
            sequence: appended.sequence,
            hash: appended.hash,
        });
        Ok(appended)
    }

    fn entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        self.inner.audit().entries(query)
    }

    fn head(&self) -> StoreResult<Option<AuditAnchor>> {
        self.inner.audit().head()
    }
}

impl Store for BenchStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    fn begin_batch(&self, header: BatchHeader) -> StoreResult<Box<dyn BatchWriter + '_>> {
        self.inner.begin_batch(header)
    }
    fn committed_batch(&self, id: model::BatchId) -> StoreResult<Option<BatchSummary>> {
        self.inner.committed_batch(id)
    }
    fn batches(&self) -> StoreResult<Vec<BatchSummary>> {
        self.inner.batches()
    }
    fn status(&self) -> StoreResult<StoreStatus> {
        self.inner.status()
    }
    fn quarantined(
        &self,
        batch: Option<model::BatchId>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<QuarantinedRow>> {
        self.inner.quarantined(batch, offset, limit)
    }
    fn record(&self, id: model::RecordId) -> StoreResult<Option<SourceRecord>> {
        self.inner.record(id)
    }
    fn records(&self, query: &RecordQuery) -> StoreResult<Vec<SourceRecord>> {
        self.inner.records(query)
    }
    fn audit(&self) -> &dyn AuditLog {
        &self.audit
    }
    fn resolution(&self) -> &dyn ResolutionState {
        self.inner.resolution()
    }
    fn operations(&self) -> &dyn Operations {
        self.inner.operations()
    }
    fn watchlists(&self) -> &dyn Watchlists {
        self.inner.watchlists()
    }
    fn retention(&self) -> &dyn Retention {
        self.inner.retention()
    }
    fn directory(&self) -> &dyn Directory {
        self.inner.directory()
    }
}
