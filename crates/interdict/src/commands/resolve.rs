//! `interdict resolve`: people of one file deduplicated, or of two files linked, into
//! entities, straight from the files (no store).
//!
//! Rows go through the ingest crate's reader and row mapper, so a file resolves exactly
//! as it would ingest; a row either gives one person or is quarantined (reported on
//! stderr with file, line, field and reason, and counted). The person values are then
//! blocked, scored by a Fellegi–Sunter model fitted on these very files, and clustered.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use ingest::profile::MappingProfile;
use ingest::{BadRow, BatchContext, RawRow, ReadItem, ReadOptions, RowMapper, open_reader};
use model::{BatchId, Schema, SourceRecord};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use resolution::{
    BlockingParameters, MatchModel, PairScore, PersonRecord, PreparedPerson, ScoringParameters,
    candidate_pairs, cluster,
};
use serde::Serialize;

use crate::cli::ResolveArgs;

/// Person properties that each hold a whole name; `given_name`, `middle_name` and
/// `family_name` are joined into one more.
const NAME_PROPERTIES: [&str; 2] = ["name", "alias"];

/// What a run did, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct ResolveSummary {
    pub mode: &'static str,
    pub records: usize,
    pub rows_quarantined: usize,
    pub candidate_pairs: usize,
    pub blocks_skipped: usize,
    pub em_iterations: usize,
    pub em_converged: bool,
    pub match_proportion: f64,
    pub threshold: f64,
    pub pairs_above_threshold: usize,
    pub clusters: usize,
    pub clusters_with_several_records: usize,
    pub refused_merges: usize,
}

/// One row that could not give a person.
#[derive(Debug, Serialize)]
struct QuarantinedPersonRow {
    file: String,
    line: u64,
    field: Option<String>,
    reason: String,
}

pub fn run(arguments: &ResolveArgs) -> Result<ExitCode> {
    if arguments.inputs.len() > 2 {
        bail!(
            "resolve takes one --input (deduplicate) or two (link), not {}",
            arguments.inputs.len()
        );
    }
    let schema = Schema::builtin();
    let profile = MappingProfile::load(&arguments.profile, schema)
        .with_context(|| format!("loading profile {}", arguments.profile.display()))?;
    let mapper = RowMapper::compile(&profile, schema)
        .with_context(|| format!("compiling profile {}", arguments.profile.display()))?;
    let person_entities = profile
        .entities
        .iter()
        .filter(|entity| entity.kind == "Person")
        .count();
    if person_entities != 1 {
        bail!(
            "profile {} maps {person_entities} Person entities; resolve needs exactly one",
            arguments.profile.display()
        );
    }

    let mut records: Vec<PersonRecord> = Vec::new();
    let mut sources: Vec<usize> = Vec::new();
    let mut quarantined: Vec<QuarantinedPersonRow> = Vec::new();
    // Record ids name rows in the output, so two rows with one id cannot both go in.
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    for (source, input) in arguments.inputs.iter().enumerate() {
        let before = records.len();
        read_people(
            &profile,
            &mapper,
            input,
            &mut seen_ids,
            &mut records,
            &mut quarantined,
        )?;
        sources.resize(sources.len() + records.len() - before, source);
    }
    for row in &quarantined {
        eprintln!(
            "quarantined: {}:{} field {}: {}",
            row.file,
            row.line,
            row.field.as_deref().unwrap_or("-"),
            row.reason
        );
    }

    let people: Vec<PreparedPerson> = records.iter().map(PreparedPerson::prepare).collect();
    let mut blocking = candidate_pairs(&people, &BlockingParameters::default());
    let linking = arguments.inputs.len() == 2;
    if linking {
        blocking
            .pairs
            .retain(|pair| sources[pair.left] != sources[pair.right]);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(arguments.seed);
    let model = MatchModel::estimate(
        &people,
        &blocking.pairs,
        &ScoringParameters::default(),
        &mut rng,
    );
    let scores = model.score_pairs(&people, &blocking.pairs);
    let threshold = arguments
        .threshold
        .unwrap_or_else(|| default_threshold(model.match_proportion));
    let clustering = cluster(&people, &scores, threshold);

    write_clusters(&arguments.out, &clustering.assignments())
        .with_context(|| format!("writing {}", arguments.out.display()))?;
    if let Some(explain) = &arguments.explain {
        write_explanations(explain, &scores)
            .with_context(|| format!("writing {}", explain.display()))?;
    }

    let summary = ResolveSummary {
        mode: if linking { "link" } else { "deduplicate" },
        records: people.len(),
        rows_quarantined: quarantined.len(),
        candidate_pairs: blocking.pairs.len(),
        blocks_skipped: blocking.skipped_blocks.len(),
        em_iterations: model.iterations,
        em_converged: model.converged,
        match_proportion: model.match_proportion,
        threshold,
        pairs_above_threshold: clustering.pairs_above_threshold,
        clusters: clustering.clusters.len(),
        clusters_with_several_records: clustering
            .clusters
            .iter()
            .filter(|cluster| cluster.members.len() > 1)
            .count(),
        refused_merges: clustering.refused_merges,
    };
    if arguments.json {
        super::print_json(&summary)?;
    } else {
        print_summary(&summary, &arguments.out);
    }
    Ok(ExitCode::SUCCESS)
}

/// The weight at which the posterior match probability is 0.5: prior odds λ/(1−λ)
/// times 2^w equal 1.
pub fn default_threshold(match_proportion: f64) -> f64 {
    let proportion = match_proportion.clamp(1e-9, 1.0 - 1e-9);
    ((1.0 - proportion) / proportion).log2()
}

/// Reads one file's rows into person records, quarantining those that give none.
fn read_people(
    profile: &MappingProfile,
    mapper: &RowMapper,
    input: &Path,
    seen_ids: &mut BTreeMap<String, String>,
    records: &mut Vec<PersonRecord>,
    quarantined: &mut Vec<QuarantinedPersonRow>,
) -> Result<()> {
    let file_name = input.display().to_string();
    let file = File::open(input).with_context(|| format!("opening {file_name}"))?;
    let mut reader = open_reader(profile, mapper, file, ReadOptions::default())
        .with_context(|| format!("reading {file_name}"))?;
    let context = BatchContext {
        batch_id: BatchId::new(&profile.agency, &profile.feed, &file_name),
        source_file: file_name.clone(),
        batch_time: chrono::Utc::now(),
    };
    let mut row = RawRow::new(mapper.columns().len());
    let mut mapped: Vec<SourceRecord> = Vec::new();
    let mut quarantine = |bad: BadRow| {
        quarantined.push(QuarantinedPersonRow {
            file: file_name.clone(),
            line: bad.line,
            field: bad.field,
            reason: bad.reason,
        })
    };
    while let Some(item) = reader
        .next_row(&mut row)
        .with_context(|| format!("reading {file_name}"))?
    {
        match item {
            ReadItem::Bad(bad) => quarantine(bad),
            ReadItem::Row => {
                mapped.clear();
                match mapper.map_row(&row, &context, &mut mapped) {
                    Ok(()) => match mapped.iter().find(|record| record.kind == "Person") {
                        Some(record) => {
                            let person = person_record(record);
                            if let Some(first_file) = seen_ids.get(&person.id) {
                                quarantine(BadRow {
                                    line: row.line,
                                    field: profile.id_column.clone(),
                                    reason: format!(
                                        "record id {} already used in {first_file}",
                                        person.id
                                    ),
                                    raw: reader.raw_text(),
                                });
                            } else {
                                seen_ids.insert(person.id.clone(), file_name.clone());
                                records.push(person);
                            }
                        }
                        None => quarantine(BadRow {
                            line: row.line,
                            field: None,
                            reason: "the row gives no Person".to_string(),
                            raw: reader.raw_text(),
                        }),
                    },
                    Err(error) => quarantine(BadRow {
                        line: row.line,
                        field: error.field,
                        reason: error.reason,
                        raw: reader.raw_text(),
                    }),
                }
            }
        }
    }
    Ok(())
}

/// The matchable values of a mapped Person, keyed by its source record id.
fn person_record(record: &SourceRecord) -> PersonRecord {
    let values = |property: &str| -> Vec<String> {
        record.properties.get(property).cloned().unwrap_or_default()
    };
    let mut names: Vec<String> = NAME_PROPERTIES
        .iter()
        .flat_map(|property| values(property))
        .collect();
    let split_name: Vec<String> = ["given_name", "middle_name", "family_name"]
        .iter()
        .flat_map(|property| values(property))
        .collect();
    if !split_name.is_empty() {
        names.push(split_name.join(" "));
    }
    PersonRecord {
        id: record.provenance.source_record_id.clone(),
        names,
        birth_dates: values("birth_date"),
        phones: values("phone"),
        id_numbers: values("id_number"),
        addresses: values("address"),
        emails: values("email"),
    }
}

fn write_clusters(path: &Path, assignments: &[(&str, &str)]) -> Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(["record_id", "cluster_id"])?;
    for (record_id, cluster_id) in assignments {
        writer.write_record([record_id, cluster_id])?;
    }
    writer.flush()?;
    Ok(())
}

/// One scored candidate pair as `--explain` writes it.
#[derive(Debug, Serialize)]
struct PairExplanation<'a> {
    left: &'a str,
    right: &'a str,
    weight: f64,
    probability: f64,
    conflicting_id_numbers: bool,
    evidence: Vec<EvidenceLine<'a>>,
}

#[derive(Debug, Serialize)]
struct EvidenceLine<'a> {
    field: &'static str,
    level: &'static str,
    weight: f64,
    detail: &'a str,
}

fn write_explanations(path: &Path, scores: &[PairScore]) -> Result<()> {
    let mut writer = BufWriter::new(File::create(path)?);
    for score in scores {
        let explanation = PairExplanation {
            left: &score.left,
            right: &score.right,
            weight: score.weight,
            probability: score.probability,
            conflicting_id_numbers: score.conflicting_id_numbers,
            evidence: score
                .evidence
                .iter()
                .map(|evidence| EvidenceLine {
                    field: evidence.field.name(),
                    level: evidence.level,
                    weight: evidence.weight,
                    detail: &evidence.detail,
                })
                .collect(),
        };
        serde_json::to_writer(&mut writer, &explanation)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(())
}

fn print_summary(summary: &ResolveSummary, out: &Path) {
    println!(
        "{} records ({}), {} rows quarantined",
        summary.records, summary.mode, summary.rows_quarantined
    );
    println!(
        "{} candidate pairs, {} oversized blocks skipped",
        summary.candidate_pairs, summary.blocks_skipped
    );
    println!(
        "EM: {} iterations, {}, λ = {:.4}",
        summary.em_iterations,
        if summary.em_converged {
            "converged"
        } else {
            "not converged"
        },
        summary.match_proportion
    );
    println!(
        "{} pairs with weight ≥ {:.2}; {} clusters ({} with several records); {} merges refused for conflicting identifiers",
        summary.pairs_above_threshold,
        summary.threshold,
        summary.clusters,
        summary.clusters_with_several_records,
        summary.refused_merges
    );
    println!("clusters written to {}", out.display());
}
