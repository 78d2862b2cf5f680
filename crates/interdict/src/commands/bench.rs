//! `interdict bench`: throughput and peak memory, printed as figures.
//!
//! Each measurement runs in a child process (`interdict simulate|ingest --json`) so
//! that its peak resident memory is its own; the child reports its wall time and
//! VmHWM. PostgreSQL runs in a throwaway cluster started for the benchmark.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use simulator::Scale;

use super::ingest::IngestRun;
use super::simulate::SimulateRun;
use crate::cli::{BenchBackend, BenchIngestArgs, BenchResolveArgs, BenchSimulateArgs};

#[derive(Debug, Serialize)]
struct SimulateFigure {
    scale: String,
    rows: u64,
    seconds: f64,
    rows_per_second: f64,
    peak_rss_mib: f64,
}

#[derive(Debug, Serialize)]
struct IngestFigure {
    scale: String,
    backend: &'static str,
    rows_read: u64,
    records_written: u64,
    duplicates_skipped: u64,
    rows_quarantined: u64,
    seconds: f64,
    /// New records stored per second.
    records_per_second: f64,
    /// Records mapped from rows per second, new or already stored.
    records_processed_per_second: f64,
    rows_per_second: f64,
    peak_rss_mib: f64,
}

pub fn simulate(arguments: &BenchSimulateArgs) -> Result<ExitCode> {
    let scratch = Scratch::new(arguments.work_dir.as_deref())?;
    let mut figures = Vec::new();
    for scale in parse_scales(&arguments.scales)? {
        let world = scratch.path.join(format!("world-{scale}"));
        let run = simulate_child(arguments.seed, scale, &world)?;
        figures.push(SimulateFigure {
            scale: scale.to_string(),
            rows: run.summary.total_rows,
            seconds: run.seconds,
            rows_per_second: run.summary.total_rows as f64 / run.seconds.max(1e-9),
            peak_rss_mib: mebibytes(run.peak_rss_bytes),
        });
        std::fs::remove_dir_all(&world).ok();
    }
    if arguments.json {
        super::print_json(&figures)?;
    } else {
        println!("{}", machine_line());
        println!(
            "{:<8} {:>12} {:>9} {:>12} {:>10}",
            "scale", "rows", "seconds", "rows/s", "peak MiB"
        );
        for figure in &figures {
            println!(
                "{:<8} {:>12} {:>9.2} {:>12.0} {:>10.1}",
                figure.scale,
                figure.rows,
                figure.seconds,
                figure.rows_per_second,
                figure.peak_rss_mib
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn ingest(arguments: &BenchIngestArgs) -> Result<ExitCode> {
    let scratch = Scratch::new(arguments.work_dir.as_deref())?;
    let wants_sqlite = matches!(arguments.backend, BenchBackend::Sqlite | BenchBackend::Both);
    let wants_postgres = matches!(
        arguments.backend,
        BenchBackend::Postgres | BenchBackend::Both
    );
    let cluster = if wants_postgres {
        // A server's memory rather than PostgreSQL's small defaults: shared buffers that
        // hold the primary key of some 20M records, and checkpoints every 4 GB of WAL
        // rather than 1 GB during bulk loads.
        let settings = ["shared_buffers=1GB", "max_wal_size=4GB"];
        let cluster = pg_throwaway::PgCluster::start_with(&settings)
            .context("starting a throwaway PostgreSQL cluster")?;
        Some(cluster)
    } else {
        None
    };
    let mut figures = Vec::new();
    for scale in parse_scales(&arguments.scales)? {
        let world = scratch.path.join(format!("world-{scale}"));
        simulate_child(arguments.seed, scale, &world)?;
        // (label, store URL, ingest options, SQLite file to remove afterwards)
        let mut targets: Vec<(&'static str, String, &[&str], Option<PathBuf>)> = Vec::new();
        if wants_sqlite {
            // The default (WAL, readers beside the load), then a bulk load that holds
            // the file alone.
            for (label, options) in [("sqlite", &[][..]), ("sqlite-excl", &["--exclusive"][..])] {
                let database = scratch.path.join(format!("bench-{scale}-{label}.sqlite"));
                let url = format!("sqlite:{}", database.display());
                targets.push((label, url, options, Some(database)));
            }
        }
        if let Some(cluster) = &cluster {
            let url = cluster.create_database(&format!("bench_{scale}"));
            targets.push(("postgres", url, &[], None));
        }
        for (backend, url, options, sqlite_file) in targets {
            let run = ingest_child(&url, options, &world).with_context(|| {
                let mut context = format!("ingesting the {scale} world into {backend}");
                // A server that stopped (on a full disk, say) shows only as a lost
                // connection to the client: its own log says why.
                if let (Some(cluster), "postgres") = (&cluster, backend) {
                    let log = cluster.directory().join("server.log");
                    context.push_str(&format!(
                        "; the end of the PostgreSQL server's log ({}):\n{}",
                        log.display(),
                        last_lines(&log, 12)
                    ));
                }
                context
            })?;
            figures.push(IngestFigure {
                scale: scale.to_string(),
                backend,
                rows_read: run.totals.rows_read,
                records_written: run.totals.records_written,
                duplicates_skipped: run.totals.duplicates_skipped,
                rows_quarantined: run.totals.rows_quarantined,
                seconds: run.seconds,
                records_per_second: run.totals.records_written as f64 / run.seconds.max(1e-9),
                records_processed_per_second: (run.totals.records_written
                    + run.totals.duplicates_skipped)
                    as f64
                    / run.seconds.max(1e-9),
                rows_per_second: run.totals.rows_read as f64 / run.seconds.max(1e-9),
                peak_rss_mib: mebibytes(run.peak_rss_bytes),
            });
            // The large world's file takes gigabytes that the next run needs.
            if let Some(database) = sqlite_file {
                remove_sqlite_files(&database);
            }
        }
        std::fs::remove_dir_all(&world).ok();
    }
    if arguments.json {
        super::print_json(&figures)?;
    } else {
        println!("{}", machine_line());
        println!(
            "{:<7} {:<11} {:>10} {:>11} {:>11} {:>8} {:>9} {:>10} {:>12} {:>9}",
            "scale",
            "backend",
            "rows",
            "records",
            "duplicates",
            "seconds",
            "rows/s",
            "records/s",
            "processed/s",
            "peak MiB"
        );
        for figure in &figures {
            println!(
                "{:<7} {:<11} {:>10} {:>11} {:>11} {:>8.2} {:>9.0} {:>10.0} {:>12.0} {:>9.1}",
                figure.scale,
                figure.backend,
                figure.rows_read,
                figure.records_written,
                figure.duplicates_skipped,
                figure.seconds,
                figure.rows_per_second,
                figure.records_per_second,
                figure.records_processed_per_second,
                figure.peak_rss_mib
            );
        }
        println!(
            "records: new records stored; processed: records mapped from rows, new or already stored"
        );
        if wants_sqlite {
            println!("sqlite-excl: `ingest --exclusive`, a bulk load that holds the file alone");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct ResolveFigures {
    records: usize,
    /// Full deduplication, in a child process (`interdict resolve`).
    full_seconds: f64,
    full_stage_seconds: serde_json::Value,
    full_peak_rss_mib: f64,
    candidate_pairs: u64,
    /// Share of true pairs that blocking proposes (pair completeness), and of all
    /// pairs it spares (reduction ratio).
    pair_completeness: f64,
    reduction_ratio: f64,
    full_pairwise_f1: f64,
    full_pairwise_precision: f64,
    full_pairwise_recall: f64,
    full_b_cubed_f1: f64,
    /// Incremental matching, in this process.
    incremental_records: usize,
    index_build_seconds: f64,
    incremental_read_seconds: f64,
    incremental_match_seconds: f64,
    incremental_joined_existing: usize,
    incremental_competing: usize,
    /// Quality over all records after the incremental step.
    combined_pairwise_f1: f64,
    combined_b_cubed_f1: f64,
}

/// `bench resolve`: FEBRL-style people (see `simulator::people`) resolved in full, then
/// a sample of further people, interleaved through the file so that many have
/// duplicates among the resolved ones, matched incrementally.
pub fn resolve(arguments: &BenchResolveArgs) -> Result<ExitCode> {
    use std::io::{BufRead, Write};

    let scratch = Scratch::new(arguments.work_dir.as_deref())?;
    let world = scratch.path.join("people");
    let config = simulator::people::PeopleConfig {
        records: arguments.records + arguments.incremental,
        seed: arguments.seed,
        ..simulator::people::PeopleConfig::default()
    };
    simulator::people::write_people(&config, &world)
        .with_context(|| format!("writing people into {}", world.display()))?;
    let profile = world.join("people.profile.toml");

    // Every k-th row arrives later.
    let (resolved_path, arriving_path) = (world.join("resolved.csv"), world.join("arriving.csv"));
    {
        let every = (config.records / arguments.incremental.max(1)).max(1);
        let source = std::io::BufReader::new(std::fs::File::open(world.join("people.csv"))?);
        let mut resolved = std::io::BufWriter::new(std::fs::File::create(&resolved_path)?);
        let mut arriving = std::io::BufWriter::new(std::fs::File::create(&arriving_path)?);
        let mut taken = 0;
        for (number, line) in source.lines().enumerate() {
            let line = line?;
            if number == 0 {
                writeln!(resolved, "{line}")?;
                writeln!(arriving, "{line}")?;
            } else if number % every == 0 && taken < arguments.incremental {
                taken += 1;
                writeln!(arriving, "{line}")?;
            } else {
                writeln!(resolved, "{line}")?;
            }
        }
        resolved.flush()?;
        arriving.flush()?;
    }
    let truth = read_truth(&world.join("truth.csv"))?;

    let clusters_path = scratch.path.join("clusters.csv");
    let started = std::time::Instant::now();
    let output = Command::new(std::env::current_exe()?)
        .args(["resolve", "--json", "--input"])
        .arg(&resolved_path)
        .arg("--profile")
        .arg(&profile)
        .arg("--out")
        .arg(&clusters_path)
        .output()
        .context("running interdict resolve")?;
    let full_seconds = started.elapsed().as_secs_f64();
    let summary: serde_json::Value = parse_child_output(output, "resolve")?;
    let mut reader = csv::Reader::from_path(&clusters_path)?;
    let mut full_labels: Vec<(String, String)> = Vec::new();
    for row in reader.records() {
        let row = row?;
        if let Some(entity) = truth.get(&row[0]) {
            full_labels.push((row[1].to_string(), entity.clone()));
        }
    }
    let full = resolution::evaluate(&full_labels);

    // Incremental: resolve the same records in this process, index them, match.
    let (people, _, _) =
        super::resolve::read_prepared(&profile, std::slice::from_ref(&resolved_path))?;
    let (pair_completeness, reduction_ratio) = blocking_quality(&people, &truth);
    let first = resolution::resolve(
        &people,
        None,
        &resolution::ResolveOptions::default(),
        &resolution::Judgements::default(),
    );
    let mut entity_of = vec![0u32; people.len()];
    let position: std::collections::HashMap<&str, usize> = people
        .iter()
        .enumerate()
        .map(|(position, person)| (person.id.as_str(), position))
        .collect();
    for (number, cluster) in first.clustering.clusters.iter().enumerate() {
        for member in &cluster.members {
            entity_of[position[member.as_str()]] = number as u32;
        }
    }
    drop(position);
    let cluster_names: Vec<String> = first
        .clustering
        .clusters
        .iter()
        .map(|cluster| cluster.id.clone())
        .collect();
    let resolved_ids: Vec<String> = people.iter().map(|person| person.id.to_string()).collect();
    let started = std::time::Instant::now();
    let index = resolution::EntityIndex::build(
        people,
        entity_of.clone(),
        first.model.clone(),
        first.threshold,
        &resolution::BlockingParameters::default(),
    );
    let index_build_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let (arriving, _, _) =
        super::resolve::read_prepared(&profile, std::slice::from_ref(&arriving_path))?;
    let incremental_read_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let matches = index.match_records(&arriving);
    let incremental_match_seconds = started.elapsed().as_secs_f64();

    let mut combined: Vec<(String, String)> = Vec::new();
    for (id, entity) in resolved_ids.iter().zip(&entity_of) {
        if let Some(truth) = truth.get(id) {
            combined.push((cluster_names[*entity as usize].clone(), truth.clone()));
        }
    }
    for found in &matches {
        let id = arriving[found.record].id.as_str();
        let cluster = match found.placement {
            resolution::Placement::Existing(entity) => cluster_names[entity as usize].clone(),
            resolution::Placement::New(number) => format!("new-{number}"),
        };
        if let Some(truth) = truth.get(id) {
            combined.push((cluster, truth.clone()));
        }
    }
    let combined = resolution::evaluate(&combined);

    let figures = ResolveFigures {
        records: resolved_ids.len(),
        full_seconds,
        full_stage_seconds: summary["seconds"].clone(),
        full_peak_rss_mib: mebibytes(summary["peak_rss_bytes"].as_u64()),
        candidate_pairs: summary["candidate_pairs"].as_u64().unwrap_or(0),
        pair_completeness,
        reduction_ratio,
        full_pairwise_f1: full.pairwise.f1,
        full_pairwise_precision: full.pairwise.precision,
        full_pairwise_recall: full.pairwise.recall,
        full_b_cubed_f1: full.b_cubed.f1,
        incremental_records: arriving.len(),
        index_build_seconds,
        incremental_read_seconds,
        incremental_match_seconds,
        incremental_joined_existing: matches
            .iter()
            .filter(|found| matches!(found.placement, resolution::Placement::Existing(_)))
            .count(),
        incremental_competing: matches
            .iter()
            .filter(|found| found.competing.is_some())
            .count(),
        combined_pairwise_f1: combined.pairwise.f1,
        combined_b_cubed_f1: combined.b_cubed.f1,
    };
    if arguments.json {
        super::print_json(&figures)?;
    } else {
        println!("{}", machine_line());
        println!(
            "full: {} records in {:.1} s, peak {:.0} MiB, {} candidate pairs; stages {}",
            figures.records,
            figures.full_seconds,
            figures.full_peak_rss_mib,
            figures.candidate_pairs,
            figures.full_stage_seconds
        );
        println!(
            "blocking: pair completeness {:.4}, reduction ratio {:.6}",
            figures.pair_completeness, figures.reduction_ratio
        );
        println!(
            "full: pairwise precision {:.4} recall {:.4} F1 {:.4}; B-cubed F1 {:.4}",
            figures.full_pairwise_precision,
            figures.full_pairwise_recall,
            figures.full_pairwise_f1,
            figures.full_b_cubed_f1
        );
        println!(
            "incremental: {} new records matched in {:.2} s (read and prepare {:.2} s; index of {} built in {:.1} s); {} joined existing entities, {} also matched a second one",
            figures.incremental_records,
            figures.incremental_match_seconds,
            figures.incremental_read_seconds,
            figures.records,
            figures.index_build_seconds,
            figures.incremental_joined_existing,
            figures.incremental_competing
        );
        println!(
            "after incremental: pairwise F1 {:.4}; B-cubed F1 {:.4}",
            figures.combined_pairwise_f1, figures.combined_b_cubed_f1
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Pair completeness (true pairs among the candidates over all true pairs) and
/// reduction ratio (1 − candidates over all pairs) of the default blocking.
fn blocking_quality(
    people: &[resolution::PreparedPerson],
    truth: &std::collections::HashMap<String, String>,
) -> (f64, f64) {
    let entity: Vec<Option<&String>> = people
        .iter()
        .map(|person| truth.get(person.id.as_str()))
        .collect();
    let blocking = resolution::candidate_pairs(people, &resolution::BlockingParameters::default());
    let found = blocking
        .pairs
        .iter()
        .filter(|pair| {
            let (left, right) = (entity[pair.left as usize], entity[pair.right as usize]);
            left.is_some() && left == right
        })
        .count() as f64;
    let mut sizes: std::collections::HashMap<&String, u64> = std::collections::HashMap::new();
    for entity in entity.iter().flatten() {
        *sizes.entry(entity).or_default() += 1;
    }
    let true_pairs: u64 = sizes.values().map(|size| size * (size - 1) / 2).sum();
    let n = people.len() as f64;
    let all_pairs = n * (n - 1.0) / 2.0;
    (
        found / (true_pairs.max(1) as f64),
        1.0 - blocking.pairs.len() as f64 / all_pairs.max(1.0),
    )
}

/// `record_id → entity_id` of a truth file.
fn read_truth(path: &Path) -> Result<std::collections::HashMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let mut truth = std::collections::HashMap::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("reading {}", path.display()))?;
        truth.insert(row[0].to_string(), row[1].to_string());
    }
    Ok(truth)
}

fn parse_scales(scales: &[String]) -> Result<Vec<Scale>> {
    scales
        .iter()
        .map(|scale| scale.parse().map_err(|error: String| anyhow!(error)))
        .collect()
}

fn simulate_child(seed: u64, scale: Scale, world: &Path) -> Result<SimulateRun> {
    let output = Command::new(std::env::current_exe()?)
        .args([
            "simulate",
            "--json",
            "--seed",
            &seed.to_string(),
            "--scale",
            &scale.to_string(),
        ])
        .arg("--out")
        .arg(world)
        .output()
        .context("running interdict simulate")?;
    parse_child_output(output, "simulate")
}

/// Removes a SQLite database with its WAL, shared-memory and journal files.
fn remove_sqlite_files(database: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// Runs `interdict ingest` on the world, with `options`; its seconds are the child's
/// whole life, from start to exit, so that work a store finishes as it closes
/// (SQLite's last checkpoint, or turning WAL back on) counts too.
fn ingest_child(url: &str, options: &[&str], world: &Path) -> Result<IngestRun> {
    // The last run's files still being written back to disk would slow this one down.
    let _ = Command::new("sync").status();
    let started = std::time::Instant::now();
    let output = Command::new(std::env::current_exe()?)
        .args(["ingest", "--json", "--db", url])
        .args(options)
        .arg(world)
        .output()
        .context("running interdict ingest")?;
    let seconds = started.elapsed().as_secs_f64();
    let run: IngestRun = parse_child_output(output, "ingest")?;
    Ok(IngestRun { seconds, ..run })
}

fn parse_child_output<T: serde::de::DeserializeOwned>(
    output: std::process::Output,
    command: &str,
) -> Result<T> {
    if !output.status.success() {
        bail!(
            "interdict {command} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("reading the JSON report of interdict {command}"))
}

/// The last `count` lines of a text file, or why it could not be read.
fn last_lines(path: &Path, count: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(count)..].join("\n")
        }
        Err(error) => format!("(could not be read: {error})"),
    }
}

fn mebibytes(bytes: Option<u64>) -> f64 {
    bytes.map_or(f64::NAN, |bytes| bytes as f64 / (1024.0 * 1024.0))
}

/// Cores and memory of this machine, printed above the figures.
fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text
                .lines()
                .find(|line| line.starts_with("MemTotal:"))?
                .to_string();
            let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kilobytes / (1024.0 * 1024.0))
        })
        .unwrap_or(f64::NAN);
    format!("machine: {cores} cores, {memory:.1} GiB memory")
}

/// A scratch folder: the one given, or a temporary one removed afterwards.
struct Scratch {
    path: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

impl Scratch {
    fn new(work_dir: Option<&Path>) -> Result<Scratch> {
        match work_dir {
            Some(path) => {
                std::fs::create_dir_all(path)
                    .with_context(|| format!("creating {}", path.display()))?;
                Ok(Scratch {
                    path: path.to_path_buf(),
                    _temporary: None,
                })
            }
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("interdict-bench-")
                    .tempdir()
                    .context("creating a scratch folder")?;
                Ok(Scratch {
                    path: temporary.path().to_path_buf(),
                    _temporary: Some(temporary),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_gives_the_end_of_a_file_or_why_not() {
        let path =
            std::env::temp_dir().join(format!("interdict-last-lines-{}.log", std::process::id()));
        let text: String = (1..=20).map(|n| format!("line {n}\n")).collect();
        std::fs::write(&path, text).unwrap();
        assert_eq!(last_lines(&path, 3), "line 18\nline 19\nline 20");
        assert_eq!(last_lines(&path, 50).lines().count(), 20);
        std::fs::remove_file(&path).unwrap();
        assert!(last_lines(&path, 3).starts_with("(could not be read"));
    }
}
