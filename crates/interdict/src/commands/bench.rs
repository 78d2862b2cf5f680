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
use crate::cli::{BenchBackend, BenchIngestArgs, BenchSimulateArgs};

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
        Some(pg_throwaway::PgCluster::start().context("starting a throwaway PostgreSQL cluster")?)
    } else {
        None
    };
    let mut figures = Vec::new();
    for scale in parse_scales(&arguments.scales)? {
        let world = scratch.path.join(format!("world-{scale}"));
        simulate_child(arguments.seed, scale, &world)?;
        let mut targets: Vec<(&'static str, String)> = Vec::new();
        if wants_sqlite {
            let database = scratch.path.join(format!("bench-{scale}.sqlite"));
            targets.push(("sqlite", format!("sqlite:{}", database.display())));
        }
        if let Some(cluster) = &cluster {
            targets.push((
                "postgres",
                cluster.create_database(&format!("bench_{scale}")),
            ));
        }
        for (backend, url) in targets {
            let run = ingest_child(&url, &world)?;
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
        }
        std::fs::remove_dir_all(&world).ok();
    }
    if arguments.json {
        super::print_json(&figures)?;
    } else {
        println!("{}", machine_line());
        println!(
            "{:<7} {:<9} {:>10} {:>11} {:>11} {:>8} {:>9} {:>10} {:>12} {:>9}",
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
                "{:<7} {:<9} {:>10} {:>11} {:>11} {:>8.2} {:>9.0} {:>10.0} {:>12.0} {:>9.1}",
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
    }
    Ok(ExitCode::SUCCESS)
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

fn ingest_child(url: &str, world: &Path) -> Result<IngestRun> {
    let output = Command::new(std::env::current_exe()?)
        .args(["ingest", "--json", "--db", url])
        .arg(world)
        .output()
        .context("running interdict ingest")?;
    parse_child_output(output, "ingest")
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
