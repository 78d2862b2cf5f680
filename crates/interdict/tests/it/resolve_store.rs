//! `interdict resolve --db` and the review flow end to end: a small simulated world
//! ingested into a store, resolved, judged, re-resolved; on SQLite and PostgreSQL.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{interdict, run_ok};

/// A store holding a small simulated world, and the folder that keeps it alive.
struct World {
    url: String,
    _folder: Option<tempfile::TempDir>,
}

fn simulate_and_ingest(folder: &Path, url: &str) {
    let world = folder.join("world");
    run_ok(interdict().args([
        "simulate",
        "--scale",
        "small",
        "--seed",
        "3",
        "--out",
        world.to_str().unwrap(),
    ]));
    run_ok(
        interdict()
            .args(["ingest", "--db", url, world.to_str().unwrap()])
            .env_remove("INTERDICT_DB"),
    );
}

fn sqlite_world() -> World {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    simulate_and_ingest(folder.path(), &url);
    World {
        url,
        _folder: Some(folder),
    }
}

fn postgres_world() -> World {
    let folder = tempfile::tempdir().unwrap();
    let url = pg_throwaway::fresh_database_url();
    simulate_and_ingest(folder.path(), &url);
    World { url, _folder: None }
}

impl World {
    /// `interdict resolve SUBCOMMAND … --db URL`; no subcommand runs `resolve --db`.
    fn resolve(&self, arguments: &[&str]) -> Command {
        let mut command = interdict();
        command
            .arg("resolve")
            .args(arguments)
            .args(["--db", &self.url])
            .env_remove("INTERDICT_DB");
        command
    }

    fn json(&self, arguments: &[&str]) -> Value {
        let output = run_ok(&mut self.resolve(&[arguments, &["--json"]].concat()));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "{arguments:?}: {error}: {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Runs `resolve --db` and returns its summary.
    fn run(&self) -> Value {
        self.json(&[])
    }

    /// Entities with at least two records: `(entity id, record ids)`.
    fn entities(&self) -> Vec<(String, Vec<String>)> {
        self.json(&["entities", "--limit", "100000"])
            .as_array()
            .unwrap()
            .iter()
            .map(|entity| {
                (
                    entity["entity"].as_str().unwrap().to_string(),
                    entity["records"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|record| record.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    }

    /// Two-record entities, the simplest merged pairs.
    fn pairs(&self) -> Vec<(String, Vec<String>)> {
        self.entities()
            .into_iter()
            .filter(|(_, records)| records.len() == 2)
            .collect()
    }

    fn explain(&self, left: &str, right: &str) -> Value {
        self.json(&["explain", left, right])
    }

    fn together(&self, left: &str, right: &str) -> bool {
        self.explain(left, right)["same_entity"].as_bool().unwrap()
    }

    fn judge(&self, arguments: &[&str]) -> Value {
        self.json(
            &[
                &["judge"],
                arguments,
                &["--by", "analyst.lopez", "--why", "reviewed both files"],
            ]
            .concat(),
        )
    }
}

fn count(summary: &Value, field: &str) -> u64 {
    summary[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {summary}"))
}

/// A `different` judgement splits a merged pair, survives further runs, and its
/// reversal merges them again; ids stay stable across a run with no changes.
fn check_split_survives_and_reversal_merges(world: &World) {
    let first = world.run();
    assert!(count(&first, "records") > 500, "{first}");
    assert_eq!(count(&first, "ids_new"), count(&first, "clusters"));
    let before = world.entities();
    let unchanged = world.run();
    assert_eq!(
        (count(&unchanged, "ids_kept"), count(&unchanged, "ids_new")),
        (count(&first, "clusters"), 0),
        "a run with no changes keeps every id: {unchanged}"
    );
    assert_eq!(
        world.entities(),
        before,
        "the same entities under the same ids"
    );

    let (entity, records) = world.pairs().into_iter().next().expect("a merged pair");
    let (left, right) = (records[0].as_str(), records[1].as_str());
    assert!(world.together(left, right));
    let judgement = world.judge(&["different", left, right]);
    let split = world.run();
    assert_eq!(count(&split, "judgements_applied"), 1, "{split}");
    assert_eq!(count(&split, "splits"), 1, "{split}");
    assert!(!world.together(left, right), "the judgement split the pair");
    // The part that kept the id still answers to it.
    let kept = world.json(&["explain", "--entity", &entity]);
    assert_eq!(kept["records"].as_array().unwrap().len(), 1, "{kept}");
    let again = world.run();
    assert_eq!(count(&again, "ids_new"), 0, "{again}");
    assert!(
        !world.together(left, right),
        "the split survives re-resolution"
    );

    let id = judgement["id"].as_u64().unwrap().to_string();
    let reversal = world.judge(&["--reverse", &id]);
    assert_eq!(reversal["reverses"].as_u64(), judgement["id"].as_u64());
    assert_eq!(reversal["kind"], "different");
    world.run();
    assert!(
        world.together(left, right),
        "the reversal merged them again"
    );
    let log = world.json(&["judgements"]);
    let statuses: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["reversed", "reversal"]);
    // Every other entity kept its id; the rejoined pair answers to its first id
    // (directly, or through a redirect when the split-off part's id was smaller).
    let after = world.entities();
    assert_eq!(after.len(), before.len());
    let others = |entities: &[(String, Vec<String>)]| -> Vec<(String, Vec<String>)> {
        entities
            .iter()
            .filter(|(_, members)| !members.contains(&left.to_string()))
            .cloned()
            .collect()
    };
    assert_eq!(others(&after), others(&before));
    let rejoined = world.json(&["explain", "--entity", &entity]);
    let members: Vec<&str> = rejoined["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["id"].as_str().unwrap())
        .collect();
    assert_eq!(members, vec![left, right], "{rejoined}");
}

#[test]
fn a_different_judgement_splits_until_reversed_and_ids_stay_stable_on_sqlite() {
    check_split_survives_and_reversal_merges(&sqlite_world());
}

#[test]
fn a_different_judgement_splits_until_reversed_and_ids_stay_stable_on_postgres() {
    check_split_survives_and_reversal_merges(&postgres_world());
}

#[test]
fn a_same_judgement_merges_and_the_merged_away_id_redirects() {
    let world = sqlite_world();
    world.run();
    // Two people the model kept apart, each alone in an entity.
    let singletons: Vec<(String, Vec<String>)> = world
        .json(&["entities", "--min-records", "1", "--limit", "100000"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|entity| entity["records"].as_array().unwrap().len() == 1)
        .take(2)
        .map(|entity| {
            (
                entity["entity"].as_str().unwrap().to_string(),
                vec![entity["records"][0].as_str().unwrap().to_string()],
            )
        })
        .collect();
    let (first_entity, first) = (&singletons[0].0, &singletons[0].1[0]);
    let (second_entity, second) = (&singletons[1].0, &singletons[1].1[0]);
    let apart = world.explain(first, second);
    assert_eq!(apart["same_entity"], false, "{apart}");
    // AGENCY/FEED/SOURCE_RECORD_ID names a record as well as its id.
    let source = &apart["left"];
    let reference = format!(
        "{}/{}/{}",
        source["agency"].as_str().unwrap(),
        source["feed"].as_str().unwrap(),
        source["source_record_id"].as_str().unwrap()
    );
    let judgement = world.judge(&["same", &reference, second]);
    assert_eq!(&judgement["left"], &source["id"]);
    let merged = world.run();
    assert_eq!(count(&merged, "ids_redirected"), 1, "{merged}");
    assert!(world.together(first, second));
    // Equal parts: the smaller id is kept, the other redirects to it.
    let (kept, redirected) = if first_entity < second_entity {
        (first_entity, second_entity)
    } else {
        (second_entity, first_entity)
    };
    let explanation = world.json(&["explain", "--entity", redirected]);
    assert_eq!(explanation["entity"], kept.as_str(), "{explanation}");
    assert_eq!(explanation["redirected_from"][0], redirected.as_str());
    assert_eq!(explanation["records"].as_array().unwrap().len(), 2);
    assert_eq!(explanation["links"][0]["role"], "judged", "{explanation}");
    assert_eq!(explanation["judgements"].as_array().unwrap().len(), 1);
    let pair = world.explain(first, second);
    assert_eq!(pair["connected_by"][0]["role"], "judged", "{pair}");
    assert_eq!(pair["judgements"][0]["in_force"], true, "{pair}");
    let text = String::from_utf8_lossy(
        &run_ok(&mut world.resolve(&["explain", "--entity", redirected])).stdout,
    )
    .to_string();
    assert!(
        text.contains("redirects to") && text.contains("judged"),
        "{text}"
    );
}

#[test]
fn judgements_are_refused_without_a_reason_or_a_known_record() {
    let world = sqlite_world();
    world.run();
    let (_, records) = world.pairs().into_iter().next().unwrap();
    for arguments in [
        vec![
            "judge",
            "same",
            records[0].as_str(),
            records[1].as_str(),
            "--by",
            "x",
            "--why",
            " ",
        ],
        vec![
            "judge",
            "same",
            records[0].as_str(),
            "nobody/none/1",
            "--by",
            "x",
            "--why",
            "y",
        ],
        vec!["judge", "--reverse", "7", "--by", "x", "--why", "y"],
    ] {
        let output = world.resolve(&arguments).output().unwrap();
        assert!(!output.status.success(), "{arguments:?} must fail");
        assert!(!String::from_utf8_lossy(&output.stderr).is_empty());
    }
    assert_eq!(world.json(&["judgements"]), serde_json::json!([]));
}

#[test]
fn explain_and_review_print_the_evidence() {
    let world = sqlite_world();
    world.run();
    let (entity, records) = world.pairs().into_iter().next().unwrap();
    let output = run_ok(&mut world.resolve(&["explain", &records[0], &records[1]]));
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "weight",
        "posterior",
        "name",
        "birth_date",
        "blocked by",
        "one entity now",
        "via link",
        entity.as_str(),
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    let pair = world.explain(&records[0], &records[1]);
    assert_eq!(pair["fields"].as_array().unwrap().len(), 6, "{pair}");
    let total: f64 = pair["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["weight"].as_f64().unwrap())
        .sum();
    assert!(
        (total - pair["weight"].as_f64().unwrap()).abs() < 1e-6,
        "the weight is the sum of the fields' weights: {pair}"
    );

    let review = world.json(&["review", "--limit", "5"]);
    let queue = review["pairs"].as_array().unwrap();
    assert!(!queue.is_empty(), "{review}");
    let values: Vec<f64> = queue
        .iter()
        .map(|pair| pair["evidence"]["value"].as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).all(|pair| pair[0] >= pair[1]),
        "most valuable first: {values:?}"
    );
    assert!(queue[0]["evidence"]["fields"].as_array().unwrap().len() == 6);
    // A judged pair leaves the queue.
    let first = &queue[0];
    world.judge(&[
        "same",
        first["left"].as_str().unwrap(),
        first["right"].as_str().unwrap(),
    ]);
    let after = world.json(&["review", "--limit", "5"]);
    assert_ne!(after["pairs"][0]["rank"], first["rank"], "{after}");
    let text =
        String::from_utf8_lossy(&run_ok(&mut world.resolve(&["review", "--limit", "1"])).stdout)
            .to_string();
    assert!(
        text.contains("value") && text.contains("blocked by"),
        "{text}"
    );
}

#[test]
fn resolving_files_still_needs_input_profile_and_out() {
    let output = interdict()
        .args(["resolve", "--profile", "x.toml"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--input") || stderr.contains("--out"),
        "{stderr}"
    );
}

/// Records ingested after a full run are matched incrementally: they join the
/// entities they belong to, the ids already given stay, and a later full run agrees.
#[test]
fn later_records_are_matched_incrementally_on_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    let world = folder.path().join("world");
    run_ok(interdict().args([
        "simulate",
        "--scale",
        "small",
        "--seed",
        "3",
        "--out",
        world.to_str().unwrap(),
    ]));
    // Everything but the sheriff's bookings first; the bookings arrive later.
    let agencies: Vec<std::path::PathBuf> = std::fs::read_dir(&world)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() && !path.ends_with("truth"))
        .collect();
    let bookings = world.join("sheriff").join("bookings.profile.toml");
    assert!(bookings.exists());
    let mut early: Vec<std::path::PathBuf> = Vec::new();
    for agency in &agencies {
        for entry in std::fs::read_dir(agency).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".profile.toml") && path != bookings {
                early.push(path);
            }
        }
    }
    run_ok(
        interdict()
            .args(["ingest", "--db", &url])
            .args(&early)
            .env_remove("INTERDICT_DB"),
    );
    let store = World {
        url: url.clone(),
        _folder: None,
    };
    let first = store.run();
    let before: std::collections::BTreeMap<String, String> = store
        .entities()
        .into_iter()
        .flat_map(|(entity, records)| {
            records
                .into_iter()
                .map(move |record| (record, entity.clone()))
        })
        .collect();

    // Nothing new: an incremental run writes nothing.
    let idle = store.json(&["--incremental"]);
    assert_eq!(count(&idle, "new_records"), 0, "{idle}");
    assert_eq!(count(&idle, "run"), count(&first, "run"), "{idle}");

    run_ok(
        interdict()
            .args(["ingest", "--db", &url])
            .arg(&bookings)
            .env_remove("INTERDICT_DB"),
    );
    let incremental = store.json(&["--incremental"]);
    let new_records = count(&incremental, "new_records");
    assert!(new_records > 50, "{incremental}");
    assert_eq!(
        count(&incremental, "records"),
        count(&first, "records") + new_records
    );
    assert!(count(&incremental, "joined_existing") > 0, "{incremental}");
    assert!(count(&incremental, "new_entities") > 0, "{incremental}");
    assert_eq!(count(&incremental, "based_on_run"), count(&first, "run"));

    // Records resolved before keep their entity ids.
    let after: std::collections::BTreeMap<String, String> = store
        .entities()
        .into_iter()
        .flat_map(|(entity, records)| {
            records
                .into_iter()
                .map(move |record| (record, entity.clone()))
        })
        .collect();
    for (record, entity) in &before {
        assert_eq!(after.get(record), Some(entity), "{record} moved");
    }
    assert!(
        after.len() > before.len(),
        "new records joined multi-record entities"
    );

    // A full run afterwards mostly agrees with the incremental placement.
    let full = store.run();
    assert_eq!(count(&full, "records"), count(&incremental, "records"));
    let again: std::collections::BTreeMap<String, String> = store
        .entities()
        .into_iter()
        .flat_map(|(entity, records)| {
            records
                .into_iter()
                .map(move |record| (record, entity.clone()))
        })
        .collect();
    let agreeing = after
        .iter()
        .filter(|(record, entity)| again.get(*record) == Some(entity))
        .count();
    assert!(
        agreeing * 10 >= after.len() * 9,
        "{agreeing} of {} agree",
        after.len()
    );
}

/// The latest store run scored against the simulated world's truth across agencies.
#[test]
fn a_store_run_is_scored_against_the_world_truth() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    simulate_and_ingest(folder.path(), &url);
    let eval = |url: &str| {
        interdict()
            .args(["eval", "resolution", "--json", "--db", url, "--truth"])
            .arg(folder.path().join("world"))
            .env_remove("INTERDICT_DB")
            .output()
            .unwrap()
    };
    // Before any run there is nothing to score, and the user is told what to do.
    let early = eval(&url);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("resolve --db"));

    let store = World {
        url: url.clone(),
        _folder: None,
    };
    store.run();
    let output = eval(&url);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metrics: Value = serde_json::from_slice(&output.stdout).unwrap();
    eprintln!("small world across agencies: {metrics}");
    assert!(metrics["records"].as_u64().unwrap() > 500, "{metrics}");
    assert_eq!(metrics["records_without_truth"], 0, "{metrics}");
    // Cross-agency records often share only a name; the figures are modest but real.
    assert!(
        metrics["pairwise"]["precision"].as_f64().unwrap() > 0.8,
        "{metrics}"
    );
    assert!(
        metrics["pairwise"]["recall"].as_f64().unwrap() > 0.8,
        "{metrics}"
    );
}
