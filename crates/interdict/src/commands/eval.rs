//! `interdict eval resolution`: a `resolve` output scored against ground truth.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use resolution::{ResolutionMetrics, Scores, evaluate};
use serde::Serialize;

use crate::cli::EvalResolutionArgs;

/// The metrics as `--json` prints them.
#[derive(Debug, Serialize)]
pub struct ResolutionReport {
    pub records: usize,
    /// Records in the clusters file that the truth does not name, and the reverse;
    /// neither is scored.
    pub records_without_truth: usize,
    pub truth_records_not_clustered: usize,
    pub predicted_pairs: u64,
    pub true_pairs: u64,
    pub correct_pairs: u64,
    pub pairwise: ScoresReport,
    pub b_cubed: ScoresReport,
}

#[derive(Debug, Serialize)]
pub struct ScoresReport {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl From<Scores> for ScoresReport {
    fn from(scores: Scores) -> ScoresReport {
        ScoresReport {
            precision: scores.precision,
            recall: scores.recall,
            f1: scores.f1,
        }
    }
}

pub fn resolution(arguments: &EvalResolutionArgs) -> Result<ExitCode> {
    let (clusters, truth, clusters_name) = match (&arguments.db, &arguments.clusters) {
        (Some(url), _) => {
            let (clusters, truth) = store_labels(url, &arguments.truth)?;
            (clusters, truth, url.clone())
        }
        (None, Some(path)) => (
            read_labels(path, "cluster_id")?,
            read_labels(&arguments.truth, "entity_id")?,
            path.display().to_string(),
        ),
        (None, None) => bail!("eval resolution needs --clusters FILE or --db URL"),
    };
    let labels: Vec<(&str, &str)> = clusters
        .iter()
        .filter_map(|(record, cluster)| Some((cluster.as_str(), truth.get(record)?.as_str())))
        .collect();
    if labels.is_empty() {
        bail!(
            "no record of {clusters_name} is named in {}",
            arguments.truth.display()
        );
    }
    let metrics: ResolutionMetrics = evaluate(&labels);
    let report = ResolutionReport {
        records: metrics.records,
        records_without_truth: clusters.len() - labels.len(),
        truth_records_not_clustered: truth
            .keys()
            .filter(|record| !clusters.contains_key(*record))
            .count(),
        predicted_pairs: metrics.predicted_pairs,
        true_pairs: metrics.true_pairs,
        correct_pairs: metrics.correct_pairs,
        pairwise: metrics.pairwise.into(),
        b_cubed: metrics.b_cubed.into(),
    };
    if arguments.json {
        super::print_json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

/// The store's latest assignment and a simulated world's truth, both keyed by
/// `agency/feed/source_record_id`: what the simulator's `truth/entities.csv` names.
fn store_labels(
    url: &str,
    truth: &Path,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    let store = crate::open::open_store(url)?;
    let assignment = store
        .resolution()
        .assignment()
        .context("reading the store's entity assignment")?;
    if assignment.is_empty() {
        bail!("{url} has no resolution yet: run `interdict resolve --db {url}` first");
    }
    let mut clusters = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .records(&store::RecordQuery {
                kind: Some("Person".to_string()),
                after,
                limit: 20_000,
                ..store::RecordQuery::default()
            })
            .context("reading Person records")?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for record in &page {
            if let Some(entity) = assignment.get(&record.id) {
                let key = format!(
                    "{}/{}/{}",
                    record.provenance.agency,
                    record.provenance.feed,
                    record.provenance.source_record_id
                );
                clusters.insert(key, entity.clone());
            }
        }
    }
    let truth_file = if truth.is_dir() {
        [
            truth.join("truth").join("entities.csv"),
            truth.join("entities.csv"),
        ]
        .into_iter()
        .find(|path| path.exists())
        .with_context(|| format!("{} holds no truth/entities.csv", truth.display()))?
    } else {
        truth.to_path_buf()
    };
    let context = || format!("reading {}", truth_file.display());
    let mut reader = csv::Reader::from_path(&truth_file).with_context(context)?;
    let headers = reader.headers().with_context(context)?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .with_context(|| format!("{} has no {name} column", truth_file.display()))
    };
    let (agency, feed, source, kind, true_id) = (
        column("agency")?,
        column("feed")?,
        column("source_record_id")?,
        column("kind")?,
        column("true_id")?,
    );
    let mut labels = BTreeMap::new();
    for row in reader.records() {
        let row = row.with_context(context)?;
        if &row[kind] == "Person" {
            labels.insert(
                format!("{}/{}/{}", &row[agency], &row[feed], &row[source]),
                row[true_id].to_string(),
            );
        }
    }
    Ok((clusters, labels))
}

/// `record_id → label column` of a CSV with a header naming both.
fn read_labels(path: &Path, label_column: &str) -> Result<BTreeMap<String, String>> {
    let context = || format!("reading {}", path.display());
    let mut reader = csv::Reader::from_path(path).with_context(context)?;
    let headers = reader.headers().with_context(context)?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header.trim() == name)
            .with_context(|| format!("{} has no {name} column", path.display()))
    };
    let (record_column, label_column) = (column("record_id")?, column(label_column)?);
    let mut labels = BTreeMap::new();
    for row in reader.records() {
        let row = row.with_context(context)?;
        let (Some(record), Some(label)) = (row.get(record_column), row.get(label_column)) else {
            bail!("{}: a row lacks a column: {row:?}", path.display());
        };
        if labels
            .insert(record.to_string(), label.to_string())
            .is_some()
        {
            bail!("{}: record {record} appears twice", path.display());
        }
    }
    Ok(labels)
}

fn print_report(report: &ResolutionReport) {
    println!(
        "{} records scored ({} without truth, {} truth records not clustered)",
        report.records, report.records_without_truth, report.truth_records_not_clustered
    );
    println!(
        "pairwise  precision {:.4}  recall {:.4}  F1 {:.4}  ({} predicted pairs, {} true, {} correct)",
        report.pairwise.precision,
        report.pairwise.recall,
        report.pairwise.f1,
        report.predicted_pairs,
        report.true_pairs,
        report.correct_pairs
    );
    println!(
        "B-cubed   precision {:.4}  recall {:.4}  F1 {:.4}",
        report.b_cubed.precision, report.b_cubed.recall, report.b_cubed.f1
    );
}
