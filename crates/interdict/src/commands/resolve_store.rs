//! `interdict resolve --db URL` and the review flow on a store: `resolve judge`,
//! `resolve judgements`, `resolve review` and `resolve explain`.
//!
//! A store run loads every Person record (all agencies and feeds), replays the
//! judgement log into constraints (reversed entries dropped, the latest entry per pair
//! wins), resolves with the same pipeline as files, carries entity ids over from the
//! previous run (`resolution::stable_ids`), and writes the assignment, the redirects of
//! merged-away ids, the links that built each entity, the review queue and a run row in
//! one transaction. Source records are never touched.
//!
//! # The review queue
//!
//! Borderline pairs are the scored pairs within [`REVIEW_BAND`] bits of the threshold
//! that no judgement in force covers. A pair's value is
//! `uncertainty × records affected`: `uncertainty = 2 / (1 + 2^|weight − threshold|)`
//! (1 at the threshold, where the posterior odds equal the merge odds, halving with
//! every bit away; with the default threshold it is `2·min(p, 1 − p)` for the posterior
//! `p`), and `records affected` is the size of both entities when the pair sits across
//! two (a `same` decision would join them) or the size of its entity when it sits in
//! one (a `different` decision would split it). The most valuable [`REVIEW_KEPT`] are
//! stored with their evidence; `resolve review` lists them.
//!
//! # Explaining
//!
//! `resolve explain A B` weighs the pair with the latest run's stored model and
//! threshold (a store resolved before runs kept their model has it fitted again, with
//! the run's seed: resolution is deterministic) to show every field's level, weight and
//! detail, the blocking keys the records share, total weight and posterior; then, from
//! the stored state, their entities and the links and judgements that connect them.
//!
//! # Incremental runs
//!
//! `resolve --db --incremental` matches only the Person records no run has assigned
//! yet (ingested since) against the latest full run's entities, with that run's fitted
//! model and threshold (`resolution::incremental`): each joins the entity it matches
//! best, or forms a new one with other new records; a record that also matches a
//! second entity goes to the review queue. Existing assignments, links and review
//! pairs are carried over; judgements take effect at the next full run.
//!
//! Records are named on the command line by their record id (32 hex digits, as the
//! review queue and explanations print them) or `AGENCY/FEED/SOURCE_RECORD_ID`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use model::{RecordId, SourceRecord};
use resolution::{
    Judgements, MatchModel, PreparedPerson, Resolution, ResolveOptions, assign_stable_ids,
    parallel, resolve, shared_keys,
};
use serde::Serialize;
use serde_json::{Value, json};
use store::{
    AssignmentUpdate, Judgement, JudgementKind, NewJudgement, PairRole, RecordQuery,
    RedirectReason, RunPair, Store, active_judgements,
};

use crate::cli::{
    JudgeKind, ResolveArgs, ResolveCommand, ResolveEntitiesArgs, ResolveExplainArgs,
    ResolveJudgeArgs, ResolveJudgementsArgs, ResolveReviewArgs,
};
use crate::open::open_store;

/// How far from the threshold, in bits, a pair is borderline.
pub const REVIEW_BAND: f64 = 4.0;

/// How many review pairs a run keeps.
pub const REVIEW_KEPT: usize = 500;

/// Records read from the store per page.
const PAGE: u64 = 20_000;

pub fn run_command(command: &ResolveCommand) -> Result<ExitCode> {
    match command {
        ResolveCommand::Judge(arguments) => judge(arguments),
        ResolveCommand::Judgements(arguments) => judgements(arguments),
        ResolveCommand::Review(arguments) => review(arguments),
        ResolveCommand::Explain(arguments) => explain(arguments),
        ResolveCommand::Entities(arguments) => entities(arguments),
    }
}

// ---------------------------------------------------------------------------------
// Loading people
// ---------------------------------------------------------------------------------

/// Where a record came from, for display and for `AGENCY/FEED/ID` references.
#[derive(Debug, Clone, Serialize)]
struct RecordSource {
    id: RecordId,
    agency: String,
    feed: String,
    source_record_id: String,
}

impl RecordSource {
    fn of(record: &SourceRecord) -> RecordSource {
        RecordSource {
            id: record.id,
            agency: record.provenance.agency.clone(),
            feed: record.provenance.feed.clone(),
            source_record_id: record.provenance.source_record_id.clone(),
        }
    }

    fn label(&self) -> String {
        format!(
            "{} ({}/{}/{})",
            self.id, self.agency, self.feed, self.source_record_id
        )
    }
}

/// Every Person of the store, by record id, prepared for matching.
struct People {
    sources: Vec<RecordSource>,
    prepared: Vec<PreparedPerson>,
    index: HashMap<RecordId, u32>,
}

impl People {
    fn load(store: &dyn Store) -> Result<People> {
        let mut sources = Vec::new();
        let mut prepared = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .records(&RecordQuery {
                    kind: Some("Person".to_string()),
                    after,
                    limit: PAGE,
                    ..RecordQuery::default()
                })
                .context("reading Person records")?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let people: Vec<resolution::PersonRecord> = page
                .iter()
                .map(|record| {
                    let mut person = super::resolve::person_values(record, record.id.to_hex());
                    // Each feed keeps its own numbering (booking numbers, state and
                    // federal record numbers, licences): numbers of two feeds are
                    // compared for equality only.
                    person.id_scheme = Some(format!(
                        "{}/{}",
                        record.provenance.agency, record.provenance.feed
                    ));
                    person
                })
                .collect();
            prepared.extend(parallel::map(&people, PreparedPerson::prepare));
            sources.extend(page.iter().map(RecordSource::of));
        }
        let index = sources
            .iter()
            .enumerate()
            .map(|(index, source)| (source.id, index as u32))
            .collect();
        Ok(People {
            sources,
            prepared,
            index,
        })
    }

    fn find(&self, reference: &str) -> Result<u32> {
        let id = find_record_id(reference, self.sources.iter())?;
        self.index
            .get(&id)
            .copied()
            .with_context(|| format!("record {id} is not a Person record of this store"))
    }
}

/// The record id a command-line reference names: 32 hex digits, or
/// `AGENCY/FEED/SOURCE_RECORD_ID` among `sources`.
fn find_record_id<'a>(
    reference: &str,
    sources: impl Iterator<Item = &'a RecordSource>,
) -> Result<RecordId> {
    if let Ok(id) = reference.parse::<RecordId>() {
        return Ok(id);
    }
    let parts: Vec<&str> = reference.splitn(3, '/').collect();
    let [agency, feed, source_record_id] = parts[..] else {
        bail!(
            "{reference:?} is neither a record id (32 hex digits) nor AGENCY/FEED/SOURCE_RECORD_ID"
        );
    };
    let found: Vec<RecordId> = sources
        .filter(|source| {
            source.agency == agency
                && source.feed == feed
                && source.source_record_id == source_record_id
        })
        .map(|source| source.id)
        .collect();
    match found[..] {
        [id] => Ok(id),
        [] => bail!("no Person record {reference}"),
        _ => bail!(
            "{reference} has {} versions ({}); name one by its record id",
            found.len(),
            found
                .iter()
                .map(RecordId::to_hex)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Person sources of the store, for references, without preparing them.
fn person_sources(store: &dyn Store) -> Result<Vec<RecordSource>> {
    let mut sources = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .records(&RecordQuery {
                kind: Some("Person".to_string()),
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })
            .context("reading Person records")?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        sources.extend(page.iter().map(RecordSource::of));
    }
    Ok(sources)
}

/// A reference resolved against the store: the hex form is checked to be a Person.
fn resolve_reference(store: &dyn Store, reference: &str) -> Result<RecordId> {
    if let Ok(id) = reference.parse::<RecordId>() {
        let record = store
            .record(id)
            .context("reading the record")?
            .with_context(|| format!("no record {id} in the store"))?;
        if record.kind != "Person" {
            bail!("record {id} is a {}, not a Person", record.kind);
        }
        return Ok(id);
    }
    find_record_id(reference, person_sources(store)?.iter())
}

// ---------------------------------------------------------------------------------
// resolve --db
// ---------------------------------------------------------------------------------

/// The judgement log replayed into clustering constraints over `people`.
struct Replayed {
    judgements: Judgements,
    active: usize,
    /// Active judgements naming a record that is not a Person of the store.
    unmatched: usize,
    pairs: BTreeSet<(u32, u32)>,
}

fn replay(log: &[Judgement], people: &People) -> Replayed {
    let mut judgements = Judgements::default();
    let mut unmatched = 0;
    let mut pairs = BTreeSet::new();
    let active = active_judgements(log);
    for entry in &active {
        let (Some(&left), Some(&right)) = (
            people.index.get(&entry.judgement.left),
            people.index.get(&entry.judgement.right),
        ) else {
            unmatched += 1;
            continue;
        };
        pairs.insert((left.min(right), left.max(right)));
        match entry.judgement.kind {
            JudgementKind::Same => judgements.same.push((left, right)),
            JudgementKind::Different => judgements.different.push((left, right)),
        }
    }
    Replayed {
        judgements,
        active: active.len(),
        unmatched,
        pairs,
    }
}

/// What a store run did, as `--json` prints it.
#[derive(Debug, Serialize)]
struct StoreRunSummary {
    run: u64,
    records: usize,
    clusters: usize,
    clusters_with_several_records: usize,
    /// Records minus clusters: how many records joined another.
    merges: usize,
    judgements_in_force: usize,
    judgements_applied: usize,
    judgements_unmatched: usize,
    contradictions: usize,
    ids_kept: usize,
    ids_new: usize,
    ids_redirected: usize,
    splits: usize,
    threshold: f64,
    candidate_pairs: usize,
    pairs_above_threshold: usize,
    refused_merges: usize,
    review_pairs: usize,
    seconds: f64,
}

pub fn resolve_store(url: &str, arguments: &ResolveArgs) -> Result<ExitCode> {
    if arguments.incremental {
        return resolve_incremental(url, arguments);
    }
    let store = open_store(url)?;
    let summary = full_run(store.as_ref(), arguments.threshold, arguments.seed)?;
    if arguments.json {
        super::print_json(&summary)?;
    } else {
        print_full_run(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

/// The store-wide resolution run for the service's jobs (`Service::start_resolution`):
/// a full run with the default threshold and seed, nothing printed, its summary as
/// JSON.
pub fn resolution_runner() -> service::ResolutionRunner {
    Box::new(|store: &dyn Store| {
        let summary = full_run(store, None, DEFAULT_SEED).map_err(|error| format!("{error:#}"))?;
        serde_json::to_value(&summary).map_err(|error| error.to_string())
    })
}

/// The seed of `resolve --db` when none is given.
const DEFAULT_SEED: u64 = 1;

/// A full run on the store (see the module doc), written in one transaction.
fn full_run(store: &dyn Store, threshold: Option<f64>, seed: u64) -> Result<StoreRunSummary> {
    let started_at = Utc::now();
    let clock = std::time::Instant::now();
    let state = store.resolution();
    let people = People::load(store)?;
    let log = state.judgements().context("reading the judgement log")?;
    let replayed = replay(&log, &people);
    let options = ResolveOptions {
        threshold,
        keep_below_threshold: REVIEW_BAND,
        seed,
        ..ResolveOptions::default()
    };
    let resolution = resolve(&people.prepared, None, &options, &replayed.judgements);

    let previous: BTreeMap<String, String> = state
        .assignment()
        .context("reading the current assignment")?
        .into_iter()
        .map(|(record, entity)| (record.to_hex(), entity))
        .collect();
    let retired: BTreeSet<String> = state
        .redirects()
        .context("reading redirects")?
        .into_iter()
        .map(|redirect| redirect.from)
        .collect();
    let clusters = &resolution.clustering.clusters;
    let members: Vec<&[String]> = clusters
        .iter()
        .map(|cluster| cluster.members.as_slice())
        .collect();
    let stable = assign_stable_ids(&members, &previous, &retired);

    let mut assignments = Vec::with_capacity(people.sources.len());
    // Cluster of each record (by index), for the review queue.
    let mut cluster_of = vec![0usize; people.sources.len()];
    for (cluster_index, (cluster, entity)) in clusters.iter().zip(&stable.ids).enumerate() {
        for member in &cluster.members {
            let id: RecordId = member.parse().map_err(anyhow::Error::msg)?;
            cluster_of[people.index[&id] as usize] = cluster_index;
            assignments.push((id, entity.clone()));
        }
    }
    let mut pairs = link_pairs(&resolution, &people);
    let review = review_queue(&resolution, &people, &replayed, &cluster_of, &stable.ids);
    let review_pairs = review.len();
    pairs.extend(review);

    let clustering = &resolution.clustering;
    let judgements_applied = replayed.judgements.same.len() + replayed.judgements.different.len();
    let mut summary = StoreRunSummary {
        run: 0,
        records: people.sources.len(),
        clusters: clusters.len(),
        clusters_with_several_records: clusters
            .iter()
            .filter(|cluster| cluster.members.len() > 1)
            .count(),
        merges: people.sources.len() - clusters.len(),
        judgements_in_force: replayed.active,
        judgements_applied,
        judgements_unmatched: replayed.unmatched,
        contradictions: clustering.contradictions.len(),
        ids_kept: stable.kept,
        ids_new: stable.fresh,
        ids_redirected: stable.redirects.len(),
        splits: stable.splits.len(),
        threshold: resolution.threshold,
        candidate_pairs: resolution.candidate_pairs,
        pairs_above_threshold: clustering.pairs_above_threshold,
        refused_merges: clustering.refused_merges,
        review_pairs,
        seconds: 0.0,
    };
    let mut counts = serde_json::to_value(&summary)?;
    counts["split_offs"] = json!(
        stable
            .splits
            .iter()
            .map(|split| json!({"from": split.from, "to": split.to, "records": split.records}))
            .collect::<Vec<_>>()
    );
    let run = state
        .replace_assignment(AssignmentUpdate {
            started_at,
            threshold: resolution.threshold,
            model: model_summary(&resolution.model, &options),
            counts,
            assignments,
            redirects: stable
                .redirects
                .iter()
                .map(|redirect| {
                    (
                        redirect.from.clone(),
                        redirect.to.clone(),
                        RedirectReason::Merged,
                    )
                })
                .collect(),
            pairs,
        })
        .context("writing the resolution")?;
    summary.run = run.id;
    summary.seconds = clock.elapsed().as_secs_f64();
    Ok(summary)
}

fn print_full_run(summary: &StoreRunSummary) {
    println!(
        "run {}: {} Person records → {} entities ({} with several records, {} merges)",
        summary.run,
        summary.records,
        summary.clusters,
        summary.clusters_with_several_records,
        summary.merges
    );
    println!(
        "judgements: {} in force, {} applied, {} naming unknown records, {} contradictions",
        summary.judgements_in_force,
        summary.judgements_applied,
        summary.judgements_unmatched,
        summary.contradictions
    );
    println!(
        "entity ids: {} kept, {} new, {} redirected (merged), {} split-off parts",
        summary.ids_kept, summary.ids_new, summary.ids_redirected, summary.splits
    );
    println!(
        "{} candidate pairs, {} with weight ≥ {:.2}, {} merges refused; {} pairs to review",
        summary.candidate_pairs,
        summary.pairs_above_threshold,
        summary.threshold,
        summary.refused_merges,
        summary.review_pairs
    );
    println!("{:.2} s", summary.seconds);
}

/// The fitted model as the run row keeps it, with the options to refit it; `fitted`
/// is the whole model, which incremental runs weigh with.
fn model_summary(model: &MatchModel, options: &ResolveOptions) -> Value {
    json!({
        "fitted": model,
        "match_proportion": model.match_proportion,
        "iterations": model.iterations,
        "converged": model.converged,
        "seed": options.seed,
        "threshold_option": options.threshold,
        "fields": model.fields.iter().map(|field| json!({
            "field": field.field.name(),
            "levels": field.levels.iter().zip(field.field.level_names()).map(|(level, name)| json!({
                "level": name,
                "m": level.m,
                "u": level.u,
                "weight": level.weight(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// What an incremental run did, as `--json` prints it.
#[derive(Debug, Serialize)]
struct IncrementalSummary {
    run: u64,
    /// The full run whose model and entities new records were matched against.
    based_on_run: u64,
    records: usize,
    new_records: usize,
    joined_existing: usize,
    new_entities: usize,
    to_review: usize,
    seconds: f64,
    match_seconds: f64,
}

/// `resolve --db --incremental` (see the module doc).
fn resolve_incremental(url: &str, arguments: &ResolveArgs) -> Result<ExitCode> {
    let started_at = Utc::now();
    let clock = std::time::Instant::now();
    let store = open_store(url)?;
    let state = store.resolution();
    let Some(latest) = state.latest_run().context("reading the latest run")? else {
        bail!("no resolution run yet: run `interdict resolve --db` once before --incremental");
    };
    let model: MatchModel = serde_json::from_value(latest.model["fitted"].clone())
        .context("the latest run keeps no fitted model; run a full `resolve --db` first")?;
    let based_on_run = latest.counts["based_on_run"].as_u64().unwrap_or(latest.id);
    let threshold = arguments.threshold.unwrap_or(latest.threshold);
    let people = People::load(store.as_ref())?;
    let previous = state
        .assignment()
        .context("reading the current assignment")?;

    // Resolved records by entity number; new ones apart.
    let mut entity_names: Vec<String> = Vec::new();
    let mut entity_number: HashMap<&str, u32> = HashMap::new();
    let (mut resolved, mut resolved_entity, mut resolved_position) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut arriving, mut arriving_position) = (Vec::new(), Vec::new());
    for (position, source) in people.sources.iter().enumerate() {
        match previous.get(&source.id) {
            Some(entity) => {
                let number = *entity_number.entry(entity.as_str()).or_insert_with(|| {
                    entity_names.push(entity.clone());
                    entity_names.len() as u32 - 1
                });
                resolved.push(people.prepared[position].clone());
                resolved_entity.push(number);
                resolved_position.push(position as u32);
            }
            None => {
                arriving.push(people.prepared[position].clone());
                arriving_position.push(position as u32);
            }
        }
    }
    if arriving.is_empty() {
        let summary = IncrementalSummary {
            run: latest.id,
            based_on_run,
            records: people.sources.len(),
            new_records: 0,
            joined_existing: 0,
            new_entities: 0,
            to_review: 0,
            seconds: clock.elapsed().as_secs_f64(),
            match_seconds: 0.0,
        };
        if arguments.json {
            super::print_json(&summary)?;
        } else {
            println!("no Person record since run {}: nothing to match", latest.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let match_clock = std::time::Instant::now();
    let index = resolution::EntityIndex::build(
        resolved,
        resolved_entity,
        model.clone(),
        threshold,
        &resolution::BlockingParameters::default(),
    );
    let matches = index.match_records(&arriving);
    let match_seconds = match_clock.elapsed().as_secs_f64();

    // New entities get fresh ids that no id in use or retired can collide with.
    let mut new_groups: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for found in &matches {
        if let resolution::Placement::New(number) = found.placement {
            new_groups.entry(number).or_default().push(
                people.sources[arriving_position[found.record] as usize]
                    .id
                    .to_hex(),
            );
        }
    }
    let mut taken: BTreeSet<String> = previous.values().cloned().collect();
    taken.extend(
        state
            .redirects()
            .context("reading redirects")?
            .into_iter()
            .map(|redirect| redirect.from),
    );
    let groups: Vec<Vec<String>> = new_groups.values().cloned().collect();
    let fresh = assign_stable_ids(&groups, &BTreeMap::new(), &taken);
    let fresh_of: HashMap<u32, &String> = new_groups.keys().copied().zip(&fresh.ids).collect();

    let mut assignments: Vec<(RecordId, String)> = previous.into_iter().collect();
    let mut pairs = Vec::new();
    for role in [PairRole::Link, PairRole::Judged, PairRole::Review] {
        pairs.extend(
            state
                .run_pairs(role)
                .context("reading the latest run's pairs")?,
        );
    }
    let mut links = pairs
        .iter()
        .filter(|pair| pair.role == PairRole::Link)
        .count() as u64;
    let mut reviews = pairs
        .iter()
        .filter(|pair| pair.role == PairRole::Review)
        .count() as u64;
    let (mut joined_existing, mut to_review) = (0, 0);
    for found in &matches {
        let position = arriving_position[found.record];
        let record = people.sources[position as usize].id;
        let entity = match found.placement {
            resolution::Placement::Existing(number) => {
                joined_existing += 1;
                entity_names[number as usize].clone()
            }
            resolution::Placement::New(number) => fresh_of[&number].clone(),
        };
        assignments.push((record, entity));
        if let Some((best, weight)) = found.best_pair {
            let other = resolved_position[best as usize];
            links += 1;
            pairs.push(RunPair {
                role: PairRole::Link,
                rank: links,
                left: record,
                right: people.sources[other as usize].id,
                weight: Some(weight),
                probability: Some(model.probability(weight)),
                evidence: Value::Null,
            });
        }
        if let Some((entity, weight, other)) = found.competing {
            to_review += 1;
            reviews += 1;
            let other = resolved_position[other as usize];
            pairs.push(RunPair {
                role: PairRole::Review,
                rank: reviews,
                left: record,
                right: people.sources[other as usize].id,
                weight: Some(weight),
                probability: Some(model.probability(weight)),
                evidence: json!({
                    "reason": "a new record matches two entities; are they one?",
                    "source": people.sources[position as usize],
                    "also_matches_entity": entity_names[entity as usize],
                }),
            });
        }
    }
    let mut summary = IncrementalSummary {
        run: 0,
        based_on_run,
        records: people.sources.len(),
        new_records: arriving.len(),
        joined_existing,
        new_entities: new_groups.len(),
        to_review,
        seconds: 0.0,
        match_seconds,
    };
    let mut counts = serde_json::to_value(&summary)?;
    counts["incremental"] = json!(true);
    let run = state
        .replace_assignment(AssignmentUpdate {
            started_at,
            threshold,
            model: latest.model.clone(),
            counts,
            assignments,
            redirects: Vec::new(),
            pairs,
        })
        .context("writing the incremental resolution")?;
    summary.run = run.id;
    summary.seconds = clock.elapsed().as_secs_f64();
    if arguments.json {
        super::print_json(&summary)?;
    } else {
        println!(
            "run {} (incremental on run {}): {} new of {} Person records matched in {:.2} s",
            summary.run,
            summary.based_on_run,
            summary.new_records,
            summary.records,
            summary.match_seconds
        );
        println!(
            "{} joined existing entities, {} new entities, {} matching two entities sent to review",
            summary.joined_existing, summary.new_entities, summary.to_review
        );
        println!("{:.2} s", summary.seconds);
    }
    Ok(ExitCode::SUCCESS)
}

/// The links that built each entity: model links and `same` judgements.
fn link_pairs(resolution: &Resolution, people: &People) -> Vec<RunPair> {
    let mut pairs = Vec::new();
    let probability = |weight: f64| resolution.model.probability(weight);
    for cluster in &resolution.clustering.clusters {
        for link in &cluster.links {
            pairs.push(RunPair {
                role: PairRole::Link,
                rank: pairs.len() as u64 + 1,
                left: people.sources[link.left as usize].id,
                right: people.sources[link.right as usize].id,
                weight: Some(link.weight),
                probability: Some(probability(link.weight)),
                evidence: Value::Null,
            });
        }
    }
    let links = pairs.len() as u64;
    for cluster in &resolution.clustering.clusters {
        for (left, right) in &cluster.judged_links {
            pairs.push(RunPair {
                role: PairRole::Judged,
                rank: pairs.len() as u64 + 1 - links,
                left: people.sources[*left as usize].id,
                right: people.sources[*right as usize].id,
                weight: None,
                probability: None,
                evidence: Value::Null,
            });
        }
    }
    pairs
}

/// Borderline pairs ranked by value (see the module doc), with their evidence.
fn review_queue(
    resolution: &Resolution,
    people: &People,
    replayed: &Replayed,
    cluster_of: &[usize],
    entity_ids: &[String],
) -> Vec<RunPair> {
    let sizes: Vec<usize> = resolution
        .clustering
        .clusters
        .iter()
        .map(|cluster| cluster.members.len())
        .collect();
    let threshold = resolution.threshold;
    let mut candidates: Vec<(f64, u32, u32, f64)> = resolution
        .scores
        .iter()
        .filter(|pair| (pair.weight - threshold).abs() <= REVIEW_BAND)
        .filter(|pair| {
            !replayed
                .pairs
                .contains(&(pair.left.min(pair.right), pair.left.max(pair.right)))
        })
        .map(|pair| {
            let (left_cluster, right_cluster) = (
                cluster_of[pair.left as usize],
                cluster_of[pair.right as usize],
            );
            let affected = if left_cluster == right_cluster {
                sizes[left_cluster]
            } else {
                sizes[left_cluster] + sizes[right_cluster]
            };
            let uncertainty = 2.0 / (1.0 + (pair.weight - threshold).abs().exp2());
            (
                uncertainty * affected as f64,
                pair.left,
                pair.right,
                pair.weight,
            )
        })
        .collect();
    candidates.sort_by(|left, right| {
        right
            .0
            .total_cmp(&left.0)
            .then_with(|| (left.1, left.2).cmp(&(right.1, right.2)))
    });
    candidates.truncate(REVIEW_KEPT);
    candidates
        .into_iter()
        .enumerate()
        .map(|(rank, (value, left, right, weight))| {
            let evidence = pair_evidence(&resolution.model, people, left, right);
            let together = cluster_of[left as usize] == cluster_of[right as usize];
            RunPair {
                role: PairRole::Review,
                rank: rank as u64 + 1,
                left: people.sources[left as usize].id,
                right: people.sources[right as usize].id,
                weight: Some(weight),
                probability: Some(resolution.model.probability(weight)),
                evidence: json!({
                    "value": value,
                    "together": together,
                    "left_entity": entity_ids[cluster_of[left as usize]],
                    "right_entity": entity_ids[cluster_of[right as usize]],
                    "left_source": people.sources[left as usize],
                    "right_source": people.sources[right as usize],
                    "blocked_by": evidence["blocked_by"],
                    "fields": evidence["fields"],
                    "conflicting_id_numbers": evidence["conflicting_id_numbers"],
                }),
            }
        })
        .collect()
}

/// A pair's evidence: every field's level, weight and detail, and the blocking keys.
fn pair_evidence(model: &MatchModel, people: &People, left: u32, right: u32) -> Value {
    let (left, right) = (
        &people.prepared[left as usize],
        &people.prepared[right as usize],
    );
    let score = model.score(left, right);
    json!({
        "weight": score.weight,
        "probability": score.probability,
        "conflicting_id_numbers": score.conflicting_id_numbers,
        "blocked_by": shared_keys(left, right)
            .into_iter()
            .map(|key| format!("{}={}", key.rule.name(), key.value))
            .collect::<Vec<_>>(),
        "fields": score.evidence.iter().map(|evidence| json!({
            "field": evidence.field.name(),
            "level": evidence.level,
            "weight": evidence.weight,
            "detail": evidence.detail,
        })).collect::<Vec<_>>(),
    })
}

fn print_fields(evidence: &Value) {
    for field in evidence["fields"].as_array().into_iter().flatten() {
        println!(
            "    {:<11} {:<14} {:>+7.2}  {}",
            field["field"].as_str().unwrap_or("?"),
            field["level"].as_str().unwrap_or("?"),
            field["weight"].as_f64().unwrap_or(0.0),
            field["detail"].as_str().unwrap_or("")
        );
    }
    let keys: Vec<&str> = evidence["blocked_by"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    println!("    blocked by: {}", keys.join(", "));
}

// ---------------------------------------------------------------------------------
// judge, judgements
// ---------------------------------------------------------------------------------

fn judge(arguments: &ResolveJudgeArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let state = store.resolution();
    let judgement = match arguments.reverse {
        Some(reversed_id) => {
            let log = state.judgements().context("reading the judgement log")?;
            let reversed = log
                .iter()
                .find(|entry| entry.id == reversed_id)
                .with_context(|| format!("no judgement {reversed_id}"))?;
            NewJudgement {
                reverses: Some(reversed_id),
                decided_by: arguments.decided_by.clone(),
                reason: arguments.reason.clone(),
                ..reversed.judgement.clone()
            }
        }
        None => {
            let (Some(kind), Some(left), Some(right)) =
                (arguments.kind, &arguments.left, &arguments.right)
            else {
                bail!("judge needs same|different and two records, or --reverse ID");
            };
            NewJudgement {
                kind: match kind {
                    JudgeKind::Same => JudgementKind::Same,
                    JudgeKind::Different => JudgementKind::Different,
                },
                left: resolve_reference(store.as_ref(), left)?,
                right: resolve_reference(store.as_ref(), right)?,
                decided_by: arguments.decided_by.clone(),
                reason: arguments.reason.clone(),
                reverses: None,
            }
        }
    };
    let appended = state
        .append_judgement(judgement)
        .context("recording the judgement")?;
    if arguments.json {
        super::print_json(&appended)?;
    } else {
        let what = match appended.judgement.reverses {
            Some(reversed) => format!("reverses judgement {reversed} ("),
            None => String::new(),
        };
        let close = if what.is_empty() { "" } else { ")" };
        println!(
            "judgement {}: {what}{} {} {}{close} by {}",
            appended.id,
            appended.judgement.kind,
            appended.judgement.left,
            appended.judgement.right,
            appended.judgement.decided_by
        );
        println!("run `interdict resolve --db …` to apply it");
    }
    Ok(ExitCode::SUCCESS)
}

/// One log entry with what replaying the log makes of it.
#[derive(Debug, Serialize)]
struct LoggedJudgement<'a> {
    #[serde(flatten)]
    judgement: &'a Judgement,
    /// `in_force`, `reversed`, `superseded` or `reversal`.
    status: &'static str,
}

fn judgements(arguments: &ResolveJudgementsArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let log = store
        .resolution()
        .judgements()
        .context("reading the judgement log")?;
    let in_force: BTreeSet<u64> = active_judgements(&log)
        .iter()
        .map(|entry| entry.id)
        .collect();
    let reversed: BTreeSet<u64> = log
        .iter()
        .filter_map(|entry| entry.judgement.reverses)
        .collect();
    let listed: Vec<LoggedJudgement<'_>> = log
        .iter()
        .map(|judgement| LoggedJudgement {
            judgement,
            status: if judgement.judgement.reverses.is_some() {
                "reversal"
            } else if in_force.contains(&judgement.id) {
                "in_force"
            } else if reversed.contains(&judgement.id) {
                "reversed"
            } else {
                "superseded"
            },
        })
        .collect();
    if arguments.json {
        super::print_json(&listed)?;
        return Ok(ExitCode::SUCCESS);
    }
    if listed.is_empty() {
        println!("no judgements");
    }
    for entry in &listed {
        let judgement = &entry.judgement.judgement;
        let reverses = judgement
            .reverses
            .map(|id| format!(" reverses {id}"))
            .unwrap_or_default();
        println!(
            "{:>4}  {}  {:<9} {} {}  by {}{reverses}  [{}]  {}",
            entry.judgement.id,
            entry.judgement.decided_at.format("%Y-%m-%d %H:%M:%S UTC"),
            judgement.kind,
            judgement.left,
            judgement.right,
            judgement.decided_by,
            entry.status,
            judgement.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// entities
// ---------------------------------------------------------------------------------

/// One entity as `resolve entities` lists it.
#[derive(Debug, Serialize)]
struct EntitySize {
    entity: String,
    records: Vec<RecordId>,
}

fn entities(arguments: &ResolveEntitiesArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let mut by_entity: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for (record, entity) in store
        .resolution()
        .assignment()
        .context("reading the assignment")?
    {
        by_entity.entry(entity).or_default().push(record);
    }
    let mut listed: Vec<EntitySize> = by_entity
        .into_iter()
        .filter(|(_, records)| records.len() >= arguments.min_records)
        .map(|(entity, records)| EntitySize { entity, records })
        .collect();
    listed.sort_by(|left, right| {
        right
            .records
            .len()
            .cmp(&left.records.len())
            .then_with(|| left.entity.cmp(&right.entity))
    });
    listed.truncate(arguments.limit);
    if arguments.json {
        super::print_json(&listed)?;
        return Ok(ExitCode::SUCCESS);
    }
    for entity in &listed {
        println!("{}  {} records", entity.entity, entity.records.len());
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// review
// ---------------------------------------------------------------------------------

fn review(arguments: &ResolveReviewArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let state = store.resolution();
    let Some(run) = state.latest_run().context("reading the latest run")? else {
        bail!("no resolution run yet: run `interdict resolve --db …` first");
    };
    // Pairs judged since the run are decided; they leave the queue.
    let log = state.judgements().context("reading the judgement log")?;
    let judged: BTreeSet<(RecordId, RecordId)> = active_judgements(&log)
        .iter()
        .map(|entry| {
            let (left, right) = (entry.judgement.left, entry.judgement.right);
            (left.min(right), left.max(right))
        })
        .collect();
    let queue: Vec<RunPair> = state
        .run_pairs(PairRole::Review)
        .context("reading the review queue")?
        .into_iter()
        .filter(|pair| !judged.contains(&(pair.left.min(pair.right), pair.left.max(pair.right))))
        .take(arguments.limit)
        .collect();
    if arguments.json {
        super::print_json(&json!({ "run": run.id, "threshold": run.threshold, "pairs": queue }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "review queue of run {} (threshold {:.2}): {} pairs shown",
        run.id,
        run.threshold,
        queue.len()
    );
    for pair in &queue {
        let evidence = &pair.evidence;
        println!(
            "#{} value {:.3}  weight {:+.2}  p {:.3}  {}",
            pair.rank,
            evidence["value"].as_f64().unwrap_or(0.0),
            pair.weight.unwrap_or(f64::NAN),
            pair.probability.unwrap_or(f64::NAN),
            if evidence["together"].as_bool() == Some(true) {
                "same entity now (a `different` would split it)"
            } else {
                "different entities now (a `same` would join them)"
            }
        );
        for side in ["left", "right"] {
            let source = &evidence[format!("{side}_source")];
            println!(
                "  {} {}/{}/{}  entity {}",
                source["id"].as_str().unwrap_or("?"),
                source["agency"].as_str().unwrap_or("?"),
                source["feed"].as_str().unwrap_or("?"),
                source["source_record_id"].as_str().unwrap_or("?"),
                evidence[format!("{side}_entity")].as_str().unwrap_or("?")
            );
        }
        print_fields(evidence);
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------

fn explain(arguments: &ResolveExplainArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    match (&arguments.entity, &arguments.left, &arguments.right) {
        (Some(entity), _, _) => explain_entity(store.as_ref(), entity, arguments.json),
        (None, Some(left), Some(right)) => {
            explain_pair(store.as_ref(), left, right, arguments.json)
        }
        _ => bail!("explain needs two records or --entity ID"),
    }
}

/// Stored links and judged merges of the latest run, as an adjacency list.
fn stored_links(store: &dyn Store) -> Result<HashMap<RecordId, Vec<(RecordId, Value)>>> {
    let state = store.resolution();
    let mut adjacency: HashMap<RecordId, Vec<(RecordId, Value)>> = HashMap::new();
    for role in [PairRole::Link, PairRole::Judged] {
        for pair in state.run_pairs(role).context("reading links")? {
            let description = json!({
                "role": role,
                "left": pair.left,
                "right": pair.right,
                "weight": pair.weight,
                "probability": pair.probability,
            });
            adjacency
                .entry(pair.left)
                .or_default()
                .push((pair.right, description.clone()));
            adjacency
                .entry(pair.right)
                .or_default()
                .push((pair.left, description));
        }
    }
    Ok(adjacency)
}

/// The links from `from` to `to` (breadth first), if they are connected.
fn link_path(
    adjacency: &HashMap<RecordId, Vec<(RecordId, Value)>>,
    from: RecordId,
    to: RecordId,
) -> Option<Vec<Value>> {
    let mut previous: HashMap<RecordId, (RecordId, &Value)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(current) = queue.pop_front() {
        if current == to {
            let mut path = Vec::new();
            let mut at = to;
            while at != from {
                let (before, link) = previous[&at];
                path.push(link.clone());
                at = before;
            }
            path.reverse();
            return Some(path);
        }
        for (next, link) in adjacency.get(&current).into_iter().flatten() {
            if seen.insert(*next) {
                previous.insert(*next, (current, link));
                queue.push_back(*next);
            }
        }
    }
    None
}

fn judgements_touching(log: &[Judgement], records: &BTreeSet<RecordId>) -> Vec<Value> {
    let in_force: BTreeSet<u64> = active_judgements(log)
        .iter()
        .map(|entry| entry.id)
        .collect();
    log.iter()
        .filter(|entry| {
            records.contains(&entry.judgement.left) || records.contains(&entry.judgement.right)
        })
        .map(|entry| {
            let mut value = serde_json::to_value(entry).unwrap_or(Value::Null);
            value["in_force"] = json!(in_force.contains(&entry.id));
            value
        })
        .collect()
}

fn explain_pair(store: &dyn Store, left: &str, right: &str, as_json: bool) -> Result<ExitCode> {
    let state = store.resolution();
    let people = People::load(store)?;
    let (left, right) = (people.find(left)?, people.find(right)?);
    let run = state.latest_run().context("reading the latest run")?;
    // The latest run keeps its fitted model; only a store resolved before models were
    // kept needs the model fitted again (deterministic, so the same model).
    let stored = run.as_ref().and_then(|run| {
        let model: MatchModel = serde_json::from_value(run.model["fitted"].clone()).ok()?;
        Some((model, run.threshold))
    });
    let (model, threshold) = match stored {
        Some(stored) => stored,
        None => {
            let options = ResolveOptions {
                threshold: run
                    .as_ref()
                    .and_then(|run| run.model["threshold_option"].as_f64()),
                seed: run
                    .as_ref()
                    .and_then(|run| run.model["seed"].as_u64())
                    .unwrap_or(1),
                ..ResolveOptions::default()
            };
            let resolution = resolve(&people.prepared, None, &options, &Judgements::default());
            (resolution.model, resolution.threshold)
        }
    };
    let mut evidence = pair_evidence(&model, &people, left, right);
    let (left_id, right_id) = (
        people.sources[left as usize].id,
        people.sources[right as usize].id,
    );
    let left_entity = state.entity_of(left_id)?;
    let right_entity = state.entity_of(right_id)?;
    let together = left_entity.is_some() && left_entity == right_entity;
    let path = if together {
        link_path(&stored_links(store)?, left_id, right_id)
    } else {
        None
    };
    let log = state.judgements().context("reading the judgement log")?;
    let pair: BTreeSet<RecordId> = [left_id, right_id].into();
    let judgements: Vec<Value> = judgements_touching(&log, &pair)
        .into_iter()
        .filter(|entry| {
            let ids = [entry["left"].as_str(), entry["right"].as_str()];
            ids.contains(&Some(left_id.to_hex().as_str()))
                && ids.contains(&Some(right_id.to_hex().as_str()))
        })
        .collect();
    evidence["threshold"] = json!(threshold);
    evidence["above_threshold"] =
        json!(evidence["weight"].as_f64().unwrap_or(f64::MIN) >= threshold);
    evidence["left"] = json!(people.sources[left as usize]);
    evidence["right"] = json!(people.sources[right as usize]);
    evidence["left_entity"] = json!(left_entity);
    evidence["right_entity"] = json!(right_entity);
    evidence["same_entity"] = json!(together);
    evidence["connected_by"] = json!(path);
    evidence["judgements"] = json!(judgements);
    if as_json {
        super::print_json(&evidence)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("left:  {}", people.sources[left as usize].label());
    println!("right: {}", people.sources[right as usize].label());
    println!(
        "weight {:+.2} (threshold {:.2}), posterior {:.4}{}",
        evidence["weight"].as_f64().unwrap_or(f64::NAN),
        threshold,
        evidence["probability"].as_f64().unwrap_or(f64::NAN),
        if evidence["conflicting_id_numbers"].as_bool() == Some(true) {
            ", conflicting identifier numbers"
        } else {
            ""
        }
    );
    print_fields(&evidence);
    match (&left_entity, &right_entity) {
        (Some(left_entity), Some(right_entity)) if together => {
            println!("one entity now: {left_entity}");
            for link in path.into_iter().flatten() {
                println!(
                    "  via {} {} – {}{}",
                    link["role"].as_str().unwrap_or("?"),
                    link["left"].as_str().unwrap_or("?"),
                    link["right"].as_str().unwrap_or("?"),
                    link["weight"]
                        .as_f64()
                        .map(|weight| format!(" weight {weight:+.2}"))
                        .unwrap_or_default()
                );
            }
        }
        (Some(left_entity), Some(right_entity)) => {
            println!("different entities now: {left_entity} and {right_entity}");
        }
        _ => println!("not resolved yet: run `interdict resolve --db …`"),
    }
    for judgement in &judgements {
        print_judgement(judgement, false);
    }
    Ok(ExitCode::SUCCESS)
}

/// One judgement line of `explain`; `with_records` names the two records too (an
/// entity's judgements touch several pairs, a pair's only that pair).
fn print_judgement(judgement: &Value, with_records: bool) {
    let records = if with_records {
        format!(
            " {} {}",
            judgement["left"].as_str().unwrap_or("?"),
            judgement["right"].as_str().unwrap_or("?")
        )
    } else {
        String::new()
    };
    println!(
        "  judgement {} {}{records} by {}{}: {}",
        judgement["id"],
        judgement["kind"].as_str().unwrap_or("?"),
        judgement["decided_by"].as_str().unwrap_or("?"),
        if judgement["in_force"].as_bool() == Some(true) {
            " (in force)"
        } else {
            ""
        },
        judgement["reason"].as_str().unwrap_or("")
    );
}

fn explain_entity(store: &dyn Store, entity: &str, as_json: bool) -> Result<ExitCode> {
    let state = store.resolution();
    let chain = state
        .resolve_entity(entity)
        .context("following redirects")?
        .with_context(|| format!("no entity {entity}"))?;
    let current = chain.last().cloned().unwrap_or_else(|| entity.to_string());
    let records = state
        .entity_records(&current)
        .context("reading the entity's records")?;
    let members: BTreeSet<RecordId> = records.iter().copied().collect();
    let mut sources = Vec::new();
    for id in &records {
        let record = store
            .record(*id)
            .context("reading a record")?
            .with_context(|| format!("record {id} is assigned but not stored"))?;
        let mut source = serde_json::to_value(RecordSource::of(&record))?;
        source["names"] = json!(super::resolve::person_values(&record, id.to_hex()).names);
        sources.push(source);
    }
    let mut links = Vec::new();
    for role in [PairRole::Link, PairRole::Judged] {
        for pair in state.run_pairs(role).context("reading links")? {
            if members.contains(&pair.left) {
                links.push(json!({
                    "role": role,
                    "left": pair.left,
                    "right": pair.right,
                    "weight": pair.weight,
                    "probability": pair.probability,
                }));
            }
        }
    }
    let log = state.judgements().context("reading the judgement log")?;
    let judgements = judgements_touching(&log, &members);
    let explanation = json!({
        "entity": current,
        "redirected_from": &chain[..chain.len() - 1],
        "records": sources,
        "links": links,
        "judgements": judgements,
    });
    if as_json {
        super::print_json(&explanation)?;
        return Ok(ExitCode::SUCCESS);
    }
    if chain.len() > 1 {
        println!("{} redirects to {current}", chain.join(" → "));
    }
    println!("entity {current}: {} records", records.len());
    for source in &sources {
        let names: Vec<&str> = source["names"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        println!(
            "  {} {}/{}/{}  {}",
            source["id"].as_str().unwrap_or("?"),
            source["agency"].as_str().unwrap_or("?"),
            source["feed"].as_str().unwrap_or("?"),
            source["source_record_id"].as_str().unwrap_or("?"),
            names.join("; ")
        );
    }
    for link in &links {
        println!(
            "  {} {} – {}{}",
            link["role"].as_str().unwrap_or("?"),
            link["left"].as_str().unwrap_or("?"),
            link["right"].as_str().unwrap_or("?"),
            link["weight"]
                .as_f64()
                .map(|weight| format!(" weight {weight:+.2}"))
                .unwrap_or_default()
        );
    }
    for judgement in &judgements {
        print_judgement(judgement, true);
    }
    Ok(ExitCode::SUCCESS)
}
