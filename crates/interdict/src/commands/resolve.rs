//! `interdict resolve`: people of one file deduplicated, or of two files linked, into
//! entities, straight from the files (no store).
//!
//! Rows go through the ingest crate's reader and row mapper, so a file resolves exactly
//! as it would ingest, with one difference: a value that does not parse (a birth date
//! `19934022`) is left out of that record's evidence rather than costing the whole
//! record, and reported as an ignored value. A row that still gives no person (no name,
//! broken quoting) is quarantined. Both are reported on stderr with file, line, field
//! and reason, and counted. The person values are then blocked, scored by a
//! Fellegi–Sunter model fitted on these very files, and clustered.
//!
//! `--explain FILE` writes one JSON line per pair with weight at least the threshold
//! minus [`EXPLAIN_BAND`]: the merged pairs and the borderline ones a reviewer should
//! see, each with its per-field evidence and whether clustering merged it.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use ingest::profile::MappingProfile;
use ingest::{BatchContext, RawRow, ReadItem, ReadOptions, RowMapper, open_reader};
use model::{BatchId, Schema, SourceRecord};
use resolution::{
    BlockingRule, Judgements, MatchModel, PersonRecord, PreparedPerson, ResolveOptions, ScoredPair,
    parallel, resolve, shared_keys,
};
use serde::Serialize;

use crate::cli::ResolveArgs;

/// How far below the threshold, in match-weight bits, `--explain` still reports pairs.
pub const EXPLAIN_BAND: f64 = 6.0;

/// Records prepared together, on all cores, while reading goes on.
const PREPARE_BATCH: usize = 32_768;

/// How many quarantined rows and ignored values are listed on stderr.
const LISTED_PROBLEMS: usize = 20;

/// Person properties that each hold a whole name; `given_name`, `middle_name` and
/// `family_name` are joined into one more.
const NAME_PROPERTIES: [&str; 2] = ["name", "alias"];

/// What a run did, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct ResolveSummary {
    pub mode: &'static str,
    pub records: usize,
    pub rows_quarantined: usize,
    pub values_ignored: usize,
    pub candidate_pairs: usize,
    /// Candidate pairs per blocking rule (a pair found by several counts for each).
    pub pairs_by_rule: BTreeMap<&'static str, usize>,
    pub blocks_skipped: usize,
    pub em_iterations: usize,
    pub em_converged: bool,
    pub match_proportion: f64,
    pub threshold: f64,
    pub pairs_above_threshold: usize,
    pub clusters: usize,
    pub clusters_with_several_records: usize,
    pub refused_merges: usize,
    /// Wall-clock seconds per stage: read and prepare, block, compare, train, score,
    /// cluster, write.
    pub seconds: BTreeMap<&'static str, f64>,
    pub peak_rss_bytes: Option<u64>,
}

/// One row that could not give a person, or one value left out of a record.
#[derive(Debug, Serialize)]
pub(crate) struct QuarantinedPersonRow {
    file: String,
    line: u64,
    field: Option<String>,
    reason: String,
}

pub fn run(arguments: &ResolveArgs) -> Result<ExitCode> {
    if let Some(command) = &arguments.command {
        return super::resolve_store::run_command(command);
    }
    if let Some(url) = &arguments.db {
        return super::resolve_store::resolve_store(url, arguments);
    }
    let (Some(profile_path), Some(out)) = (&arguments.profile, &arguments.out) else {
        bail!("resolve needs --input, --profile and --out, or --db");
    };
    if arguments.inputs.len() > 2 {
        bail!(
            "resolve takes one --input (deduplicate) or two (link), not {}",
            arguments.inputs.len()
        );
    }
    let mut seconds: BTreeMap<&'static str, f64> = BTreeMap::new();
    let started = Instant::now();
    let (people, sources, problems) = read_prepared(profile_path, &arguments.inputs)?;
    problems.report();
    seconds.insert("read and prepare", started.elapsed().as_secs_f64());
    let linking = arguments.inputs.len() == 2;
    let options = ResolveOptions {
        threshold: arguments.threshold,
        keep_below_threshold: if arguments.explain.is_some() {
            EXPLAIN_BAND
        } else {
            0.0
        },
        seed: arguments.seed,
        ..ResolveOptions::default()
    };
    let resolution = resolve(
        &people,
        linking.then_some(sources.as_slice()),
        &options,
        &Judgements::default(),
    );
    let (model, threshold, clustering) = (
        &resolution.model,
        resolution.threshold,
        &resolution.clustering,
    );
    let stage = Instant::now();
    write_clusters(out, &clustering.assignments())
        .with_context(|| format!("writing {}", out.display()))?;
    if let Some(explain) = &arguments.explain {
        let merged: std::collections::HashSet<(u32, u32)> = clustering
            .clusters
            .iter()
            .flat_map(|cluster| &cluster.links)
            .map(|link| (link.left, link.right))
            .collect();
        write_explanations(
            explain,
            model,
            &people,
            &resolution.scores,
            threshold,
            &merged,
        )
        .with_context(|| format!("writing {}", explain.display()))?;
    }
    seconds.insert("write", stage.elapsed().as_secs_f64());
    seconds.extend(
        resolution
            .seconds
            .iter()
            .map(|(stage, time)| (*stage, *time)),
    );

    let summary = ResolveSummary {
        mode: if linking { "link" } else { "deduplicate" },
        records: people.len(),
        rows_quarantined: problems.quarantined.len(),
        values_ignored: problems.ignored.len(),
        candidate_pairs: resolution.candidate_pairs,
        pairs_by_rule: BlockingRule::ALL
            .iter()
            .zip(resolution.pairs_by_rule)
            .map(|(rule, count)| (rule.name(), count))
            .collect(),
        blocks_skipped: resolution.skipped_blocks.len(),
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
        seconds,
        peak_rss_bytes: crate::memory::peak_rss_bytes(),
    };
    if arguments.json {
        super::print_json(&summary)?;
    } else {
        print_summary(&summary, out);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the people of `inputs` through `profile`, prepared for resolution, with the
/// input each came from (0 or 1) and what could not be read.
pub(crate) fn read_prepared(
    profile_path: &Path,
    inputs: &[std::path::PathBuf],
) -> Result<(Vec<PreparedPerson>, Vec<u8>, Problems)> {
    let schema = Schema::builtin();
    let profile = MappingProfile::load(profile_path, schema)
        .with_context(|| format!("loading profile {}", profile_path.display()))?;
    let mapper = RowMapper::compile(&profile, schema)
        .with_context(|| format!("compiling profile {}", profile_path.display()))?;
    let person_entities = profile
        .entities
        .iter()
        .filter(|entity| entity.kind == "Person")
        .count();
    if person_entities != 1 {
        bail!(
            "profile {} maps {person_entities} Person entities; resolve needs exactly one",
            profile_path.display()
        );
    }
    // Records are prepared in batches as they are read, so the raw values of a
    // million rows never sit in memory next to their prepared form.
    let mut people: Vec<PreparedPerson> = Vec::new();
    let mut sources: Vec<u8> = Vec::new();
    let mut problems = Problems::default();
    // Record ids name rows in the output, so two rows with one id cannot both go in.
    let mut seen_ids: HashMap<String, u8> = HashMap::new();
    for (source, input) in inputs.iter().enumerate() {
        let before = people.len();
        read_people(
            &profile,
            &mapper,
            input,
            source as u8,
            inputs,
            &mut seen_ids,
            &mut people,
            &mut problems,
        )?;
        sources.resize(sources.len() + people.len() - before, source as u8);
    }
    Ok((people, sources, problems))
}

/// Rows quarantined and values ignored while reading.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub quarantined: Vec<QuarantinedPersonRow>,
    pub ignored: Vec<QuarantinedPersonRow>,
}

impl Problems {
    /// Lists the first few of each on stderr, then how many more there were.
    pub fn report(&self) {
        for (what, rows) in [
            ("quarantined", &self.quarantined),
            ("value ignored", &self.ignored),
        ] {
            for row in rows.iter().take(LISTED_PROBLEMS) {
                eprintln!(
                    "{what}: {}:{} field {}: {}",
                    row.file,
                    row.line,
                    row.field.as_deref().unwrap_or("-"),
                    row.reason
                );
            }
            if rows.len() > LISTED_PROBLEMS {
                eprintln!("{what}: … and {} more", rows.len() - LISTED_PROBLEMS);
            }
        }
    }
}

/// Reads one file's rows into person records. A value that fails its type is left out
/// and reported; a row that gives no person is quarantined.
#[allow(clippy::too_many_arguments)]
fn read_people(
    profile: &MappingProfile,
    mapper: &RowMapper,
    input: &Path,
    source: u8,
    inputs: &[std::path::PathBuf],
    seen_ids: &mut HashMap<String, u8>,
    people: &mut Vec<PreparedPerson>,
    problems: &mut Problems,
) -> Result<()> {
    let mut pending: Vec<PersonRecord> = Vec::with_capacity(PREPARE_BATCH);
    let file_name = input.display().to_string();
    let file = File::open(input).with_context(|| format!("opening {file_name}"))?;
    let mut reader = open_reader(profile, mapper, file, ReadOptions::default())
        .with_context(|| format!("reading {file_name}"))?;
    let context = BatchContext {
        batch_id: BatchId::new(&profile.agency, &profile.feed, &file_name),
        source_file: file_name.clone(),
        batch_time: chrono::Utc::now(),
    };
    let slot_count = mapper.columns().len();
    let mut row = RawRow::new(slot_count);
    let mut mapped: Vec<SourceRecord> = Vec::new();
    let problem = |line: u64, field: Option<String>, reason: String| QuarantinedPersonRow {
        file: file_name.clone(),
        line,
        field,
        reason,
    };
    while let Some(item) = reader
        .next_row(&mut row)
        .with_context(|| format!("reading {file_name}"))?
    {
        let line = match item {
            ReadItem::Bad(bad) => {
                problems
                    .quarantined
                    .push(problem(bad.line, bad.field, bad.reason));
                continue;
            }
            ReadItem::Row => row.line,
        };
        let mut dropped: Vec<usize> = Vec::new();
        let mut ignored: Vec<QuarantinedPersonRow> = Vec::new();
        let outcome = loop {
            mapped.clear();
            let attempt = if dropped.is_empty() {
                mapper.map_row(&row, &context, &mut mapped)
            } else {
                mapper.map_row(
                    &without_slots(&row, &dropped, slot_count),
                    &context,
                    &mut mapped,
                )
            };
            match attempt {
                Ok(()) => break Ok(()),
                Err(error) => {
                    // Leave the offending column out and try again, unless it is not a
                    // single column or leaving it out does not help.
                    let slot = error.field.as_deref().and_then(|field| mapper.slot(field));
                    match slot {
                        Some(slot) if !dropped.contains(&slot) => {
                            dropped.push(slot);
                            ignored.push(problem(line, error.field, error.reason));
                        }
                        _ => break Err(error),
                    }
                }
            }
        };
        if let Err(error) = outcome {
            let first = ignored.into_iter().next();
            let (field, reason) = match first {
                // Report the first cause: what a user has to fix.
                Some(first) => (first.field, first.reason),
                None => (error.field, error.reason),
            };
            problems.quarantined.push(problem(line, field, reason));
            continue;
        }
        let Some(record) = mapped.iter().find(|record| record.kind == "Person") else {
            problems
                .quarantined
                .push(problem(line, None, "the row gives no Person".to_string()));
            continue;
        };
        let person = person_record(record);
        if let Some(first_source) = seen_ids.get(&person.id) {
            problems.quarantined.push(problem(
                line,
                profile.id_column.clone(),
                format!(
                    "record id {} already used in {}",
                    person.id,
                    inputs[usize::from(*first_source)].display()
                ),
            ));
            continue;
        }
        problems.ignored.extend(ignored);
        seen_ids.insert(person.id.clone(), source);
        pending.push(person);
        if pending.len() == PREPARE_BATCH {
            people.extend(parallel::map(&pending, PreparedPerson::prepare));
            pending.clear();
        }
    }
    people.extend(parallel::map(&pending, PreparedPerson::prepare));
    Ok(())
}

/// A copy of `row` with the values of `slots` left out.
fn without_slots(row: &RawRow, slots: &[usize], slot_count: usize) -> RawRow {
    let mut copy = RawRow::new(slot_count);
    copy.clear(row.line);
    for slot in (0..slot_count).filter(|slot| !slots.contains(slot)) {
        for value in row.values(slot) {
            copy.push(slot, value);
        }
    }
    copy
}

/// The matchable values of a mapped Person, keyed by its source record id.
fn person_record(record: &SourceRecord) -> PersonRecord {
    person_values(record, record.provenance.source_record_id.clone())
}

/// The matchable values of a Person record under the id `id`: names from `name`,
/// `alias` and the joined `given_name middle_name family_name`; birth dates, phones,
/// identifier numbers, addresses and emails as stored (canonical already). Files and
/// the store both go through here, so they resolve alike.
pub(crate) fn person_values(record: &SourceRecord, id: String) -> PersonRecord {
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
        id,
        names,
        birth_dates: values("birth_date"),
        phones: values("phone"),
        id_numbers: values("id_number"),
        // A feed keeps one numbering scheme; the store path names it.
        id_scheme: None,
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

/// One scored pair as `--explain` writes it.
#[derive(Debug, Serialize)]
struct PairExplanation<'a> {
    left: &'a str,
    right: &'a str,
    weight: f64,
    probability: f64,
    /// Whether clustering took this pair as a link (pairs above the threshold can
    /// be refused, or already together through other links).
    merged: bool,
    above_threshold: bool,
    conflicting_id_numbers: bool,
    /// The blocking keys the two records share: why they were compared.
    blocked_by: Vec<String>,
    evidence: Vec<EvidenceLine>,
}

#[derive(Debug, Serialize)]
struct EvidenceLine {
    field: &'static str,
    level: &'static str,
    weight: f64,
    detail: String,
}

fn write_explanations(
    path: &Path,
    model: &MatchModel,
    people: &[PreparedPerson],
    scores: &[ScoredPair],
    threshold: f64,
    merged: &std::collections::HashSet<(u32, u32)>,
) -> Result<()> {
    let mut writer = BufWriter::new(File::create(path)?);
    for pair in scores {
        let (left, right) = (&people[pair.left as usize], &people[pair.right as usize]);
        let score = model.score(left, right);
        let explanation = PairExplanation {
            left: &left.id,
            right: &right.id,
            weight: score.weight,
            probability: score.probability,
            merged: merged.contains(&(pair.left, pair.right)),
            above_threshold: score.weight >= threshold,
            conflicting_id_numbers: score.conflicting_id_numbers,
            blocked_by: shared_keys(left, right)
                .into_iter()
                .map(|key| format!("{}={}", key.rule.name(), key.value))
                .collect(),
            evidence: score
                .evidence
                .into_iter()
                .map(|evidence| EvidenceLine {
                    field: evidence.field.name(),
                    level: evidence.level,
                    weight: evidence.weight,
                    detail: evidence.detail,
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
        "{} records ({}), {} rows quarantined, {} values ignored",
        summary.records, summary.mode, summary.rows_quarantined, summary.values_ignored
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
    let stages: Vec<String> = summary
        .seconds
        .iter()
        .map(|(stage, seconds)| format!("{stage} {seconds:.2}"))
        .collect();
    println!("seconds: {}", stages.join(", "));
    println!("clusters written to {}", out.display());
}
