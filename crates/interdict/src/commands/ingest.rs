//! `interdict ingest`: feed files into a store, every row accepted or quarantined.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use ingest::{FeedJob, FileReport, FileToIngest, IngestOptions, Stage};
use serde::{Deserialize, Serialize};
use store::{BatchCounts, Store};

use crate::cli::IngestArgs;
use crate::open::{open_store, open_store_exclusive};
use crate::progress::{Unit, bar};
use indicatif::ProgressBar;

/// The whole run, as `--json` prints it.
#[derive(Debug, Serialize, Deserialize)]
pub struct IngestRun {
    pub files: Vec<FileReport>,
    pub totals: BatchCounts,
    pub batches_committed: u64,
    pub files_already_ingested: u64,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
}

pub fn run(arguments: &IngestArgs) -> Result<ExitCode> {
    let store = if arguments.exclusive {
        open_store_exclusive(&arguments.store.db)?
    } else {
        open_store(&arguments.store.db)?
    };
    let jobs = jobs(arguments.profile.as_deref(), &arguments.paths)?;
    let run = ingest_jobs(store.as_ref(), &jobs, !arguments.json)?;
    let committed: Vec<_> = run
        .files
        .iter()
        .filter(|report| !report.already_ingested)
        .map(|report| report.batch_id)
        .collect();
    super::retention::purge_again_after_ingest(store.as_ref(), &committed)?;
    super::watch::check_after_ingest(store.as_ref())?;
    if arguments.json {
        super::print_json(&run)?;
    } else {
        print_run(&run);
    }
    let quarantined = run.totals.rows_quarantined;
    if arguments.strict && quarantined > 0 {
        eprintln!(
            "error: --strict: {quarantined} rows were quarantined (see `interdict quarantine`)"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the arguments ask to ingest, every profile checked before anything is read.
pub fn jobs(profile: Option<&Path>, paths: &[PathBuf]) -> Result<Vec<FeedJob>> {
    match profile {
        Some(profile_path) => {
            let job = FeedJob::load(profile_path)
                .with_context(|| format!("loading profile {}", profile_path.display()))?;
            Ok(paths
                .iter()
                .map(|data_path| FeedJob::with_file(job.profile.clone(), data_path))
                .collect())
        }
        None => {
            let mut jobs = Vec::new();
            for path in paths {
                jobs.extend(
                    ingest::discover(path)
                        .with_context(|| format!("finding profiles in {}", path.display()))?,
                );
            }
            Ok(jobs)
        }
    }
}

/// Ingests every file of every job, one batch per file, through one pipeline (the next
/// file is mapped while the last one commits).
pub fn ingest_jobs(store: &dyn Store, jobs: &[FeedJob], show_progress: bool) -> Result<IngestRun> {
    let started = Instant::now();
    let to_ingest: Vec<FileToIngest<'_>> = jobs
        .iter()
        .flat_map(|job| {
            job.files.iter().map(|path| FileToIngest {
                profile: &job.profile,
                path,
            })
        })
        .collect();
    let label = |index: usize| {
        let profile = to_ingest[index].profile;
        format!("{}/{}", profile.agency, profile.feed)
    };
    // One bar per file, made when the file's turn comes.
    let mut current: Option<(usize, ProgressBar)> = None;
    // The whole run shares one batch time: the reported-at of rows without their own.
    let options = IngestOptions::new(chrono::Utc::now());
    let outcome = ingest::ingest_files(store, &to_ingest, &options, &mut |index, event| {
        if current.as_ref().map(|(shown, _)| *shown) != Some(index) {
            if let Some((_, done)) = current.take() {
                done.finish_and_clear();
            }
            let progress_bar = bar(0, &label(index), Unit::Bytes);
            if !show_progress {
                progress_bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            current = Some((index, progress_bar));
        }
        if let Some((_, progress_bar)) = &current {
            progress_bar.set_length(event.bytes_total);
            progress_bar.set_position(event.bytes_done);
            if event.stage == Stage::Hashing {
                progress_bar.set_message(format!("{} (hashing)", label(index)));
            } else {
                progress_bar.set_message(label(index));
            }
        }
    });
    if let Some((_, done)) = current.take() {
        done.finish_and_clear();
    }
    let files = outcome.map_err(|failure| {
        let file = &to_ingest[failure.index];
        anyhow::Error::new(failure.error).context(format!(
            "ingesting {} with feed {}",
            file.path.display(),
            label(failure.index)
        ))
    })?;
    let mut totals = BatchCounts::default();
    for report in &files {
        if report.already_ingested {
            totals.duplicates_skipped +=
                report.counts.records_written + report.counts.duplicates_skipped;
            continue;
        }
        totals.rows_read += report.counts.rows_read;
        totals.rows_accepted += report.counts.rows_accepted;
        totals.rows_quarantined += report.counts.rows_quarantined;
        totals.records_written += report.counts.records_written;
        totals.duplicates_skipped += report.counts.duplicates_skipped;
    }
    let files_already_ingested = files
        .iter()
        .filter(|report| report.already_ingested)
        .count() as u64;
    Ok(IngestRun {
        batches_committed: files.len() as u64 - files_already_ingested,
        files_already_ingested,
        totals,
        files,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: crate::memory::peak_rss_bytes(),
    })
}

pub fn print_run(run: &IngestRun) {
    for report in &run.files {
        let counts = &report.counts;
        if report.already_ingested {
            println!(
                "{:<36} already ingested as batch {} — nothing written",
                format!("{}/{}", report.agency, report.feed),
                report.batch_id
            );
        } else {
            println!(
                "{:<36} {:>9} rows  {:>9} records new  {:>7} duplicates  {:>5} quarantined",
                format!("{}/{}", report.agency, report.feed),
                counts.rows_read,
                counts.records_written,
                counts.duplicates_skipped,
                counts.rows_quarantined
            );
        }
    }
    let totals = &run.totals;
    let rate = totals.records_written as f64 / run.seconds.max(1e-9);
    println!(
        "\n{} batches committed, {} files already in; {} rows read, {} records written ({:.0}/s), {} duplicates skipped, {} rows quarantined",
        run.batches_committed,
        run.files_already_ingested,
        totals.rows_read,
        totals.records_written,
        rate,
        totals.duplicates_skipped,
        totals.rows_quarantined
    );
    if totals.rows_quarantined > 0 {
        println!(
            "`interdict quarantine` lists the quarantined rows with file, line, field and reason."
        );
    }
}
