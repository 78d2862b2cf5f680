//! `interdict simulate`: a multi-agency world as feed files, profiles and truth.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use simulator::{Scale, SimulationConfig, SimulationSummary};

use crate::cli::SimulateArgs;

/// The run, as `--json` prints it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SimulateRun {
    pub summary: SimulationSummary,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
}
use crate::progress::{Unit, bar};

pub fn run(arguments: &SimulateArgs) -> Result<ExitCode> {
    if let Some(records) = arguments.people {
        return people(arguments, records);
    }
    let scale: Scale = arguments
        .scale
        .parse()
        .map_err(|error: String| anyhow!(error))?;
    let config = SimulationConfig {
        seed: arguments.seed,
        scale,
        start: arguments.start,
        days: arguments.days,
    };
    let started = Instant::now();
    let summary = simulate_into(&config, &arguments.out, !arguments.json)?;
    if arguments.json {
        super::print_json(&SimulateRun {
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_bytes: crate::memory::peak_rss_bytes(),
            summary,
        })?;
    } else {
        print_summary(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

/// `simulate --people N`: a FEBRL-style people file for resolution benchmarks.
fn people(arguments: &SimulateArgs, records: usize) -> Result<ExitCode> {
    ensure_empty(&arguments.out)?;
    let config = simulator::people::PeopleConfig {
        records,
        seed: arguments.seed,
        ..simulator::people::PeopleConfig::default()
    };
    let started = Instant::now();
    let summary = simulator::people::write_people(&config, &arguments.out)
        .with_context(|| format!("writing people into {}", arguments.out.display()))?;
    if arguments.json {
        super::print_json(&summary)?;
    } else {
        println!(
            "{} people rows ({} originals, {} duplicates, {} true pairs) in {} ({:.1} s)",
            summary.records,
            summary.originals,
            summary.duplicates,
            summary.true_pairs,
            arguments.out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a folder that already holds files, so worlds never mix.
fn ensure_empty(out: &Path) -> Result<()> {
    if out.exists()
        && out
            .read_dir()
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} is not empty: choose a new folder for the world",
            out.display()
        );
    }
    Ok(())
}

/// Writes a world into `out`, which must be absent or empty so worlds never mix.
pub fn simulate_into(
    config: &SimulationConfig,
    out: &Path,
    show_progress: bool,
) -> Result<SimulationSummary> {
    ensure_empty(out)?;
    let progress_bar = bar(0, &format!("simulating ({})", config.scale), Unit::Rows);
    if !show_progress {
        progress_bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let summary = simulator::simulate(config, out, &mut |progress| {
        progress_bar.set_length(progress.rows_expected.max(progress.rows_written));
        progress_bar.set_position(progress.rows_written);
    })
    .with_context(|| format!("simulating into {}", out.display()))?;
    progress_bar.finish_and_clear();
    Ok(summary)
}

pub fn print_summary(summary: &SimulationSummary) {
    println!(
        "simulated seed {} at {} scale: {} people, {} rings",
        summary.config.seed, summary.config.scale, summary.people, summary.rings
    );
    for feed in &summary.feeds {
        println!(
            "  {:<36} {:>10} rows  {:>6} broken on purpose",
            format!("{}/{}", feed.agency, feed.feed),
            feed.rows,
            feed.bad_rows
        );
    }
    println!(
        "{} rows in {} feeds ({} broken on purpose); ground truth in {}",
        summary.total_rows,
        summary.feeds.len(),
        summary.total_bad_rows,
        summary.truth_dir.display()
    );
}
