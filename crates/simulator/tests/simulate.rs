//! Integration tests: a Small world is deterministic, its profiles load, and its truth covers
//! every row written, including the rows broken on purpose.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use ingest::profile::{FileFormat, MappingProfile};
use simulator::{Scale, SimulationConfig, SimulationSummary, simulate};

fn small(seed: u64) -> (tempfile::TempDir, SimulationSummary) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut calls = 0;
    let summary = simulate(
        &SimulationConfig::new(seed, Scale::Small),
        dir.path(),
        &mut |_| calls += 1,
    )
    .expect("simulate");
    assert!(calls >= 1, "progress is reported at least at the end");
    (dir, summary)
}

fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|name| name != "summary.json") {
                files.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// Truth lines of `truth/entities.csv`, keyed by (agency, feed, line).
struct EntityTruth {
    rows: Vec<BTreeMap<String, String>>,
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            headers
                .iter()
                .zip(record.iter())
                .map(|(header, value)| (header.to_string(), value.to_string()))
                .collect()
        })
        .collect()
}

fn entity_truth(out: &Path) -> EntityTruth {
    EntityTruth {
        rows: read_csv(&out.join("truth/entities.csv")),
    }
}

/// A feed's data lines as raw bytes with their physical line numbers.
fn data_lines(path: &Path, has_header: bool) -> Vec<(u64, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let mut lines: Vec<&[u8]> = bytes.split(|byte| *byte == b'\n').collect();
    if lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    let skip = usize::from(has_header);
    lines
        .into_iter()
        .enumerate()
        .skip(skip)
        .map(|(index, line)| (index as u64 + 1, line.to_vec()))
        .collect()
}

#[test]
fn same_seed_gives_identical_output_and_other_seeds_differ() {
    let (first_dir, first) = small(7);
    let (second_dir, second) = small(7);
    let (third_dir, _) = small(8);
    let first_files = files_under(first_dir.path());
    assert!(
        first_files.len() > 30,
        "feeds, profiles and truth: {}",
        first_files.len()
    );
    assert_eq!(first_files, files_under(second_dir.path()));
    assert_eq!(first.total_rows, second.total_rows);
    let third_files = files_under(third_dir.path());
    let differing = first_files
        .iter()
        .filter(|(path, content)| third_files.get(*path) != Some(content))
        .count();
    assert!(
        differing > 20,
        "another seed changes most files, changed {differing}"
    );
}

#[test]
fn every_profile_loads_against_the_schema_and_names_its_file() {
    let (dir, summary) = small(1);
    let agencies: BTreeSet<&str> = summary
        .feeds
        .iter()
        .map(|feed| feed.agency.as_str())
        .collect();
    assert!(agencies.len() >= 6, "{agencies:?}");
    let mut formats = BTreeSet::new();
    let mut encodings = BTreeSet::new();
    let mut delimiters = BTreeSet::new();
    for feed in &summary.feeds {
        let profile = MappingProfile::load(&feed.profile, model::Schema::builtin())
            .unwrap_or_else(|error| panic!("{}: {error}", feed.profile.display()));
        assert_eq!(profile.agency, feed.agency);
        assert_eq!(profile.feed, feed.feed);
        let files = profile.resolve_files(&feed.profile);
        assert_eq!(files, vec![feed.file.clone()]);
        assert!(feed.file.starts_with(dir.path().join(&feed.agency)));
        assert!(feed.rows > 0, "{} {} is empty", feed.agency, feed.feed);
        assert!(
            profile.id_column.is_some(),
            "{} names its id column",
            feed.feed
        );
        let first = &profile.entities[0];
        assert_eq!(
            first.key,
            vec![profile.id_column.clone().unwrap()],
            "{}: first entity keyed by the row id",
            feed.feed
        );
        formats.insert(format!("{:?}", profile.format));
        encodings.insert(profile.encoding.clone());
        delimiters.insert(profile.delimiter);
    }
    assert!(formats.contains(&format!("{:?}", FileFormat::Jsonl)));
    assert!(encodings.contains("windows-1252"));
    assert!(delimiters.contains(&';'));
}

#[test]
fn truth_covers_every_row_and_lists_every_bad_row() {
    let (dir, summary) = small(3);
    let out = dir.path();
    let truth = entity_truth(out);
    let bad_rows = read_csv(&out.join("truth/bad_rows.csv"));
    assert_eq!(bad_rows.len() as u64, summary.total_bad_rows);
    let reasons: BTreeSet<&str> = bad_rows.iter().map(|row| row["reason"].as_str()).collect();
    for reason in [
        "wrong_field_count",
        "bad_date",
        "missing_required",
        "invalid_utf8",
        "malformed_json",
        "truncated",
    ] {
        assert!(reasons.contains(reason), "no {reason} in {reasons:?}");
    }
    let mut truth_lines: HashMap<(String, String), BTreeMap<u64, String>> = HashMap::new();
    for row in &truth.rows {
        let key = (row["agency"].clone(), row["feed"].clone());
        truth_lines
            .entry(key)
            .or_default()
            .insert(row["line"].parse().unwrap(), row["row_id"].clone());
    }
    for feed in &summary.feeds {
        let profile = MappingProfile::load(&feed.profile, model::Schema::builtin()).unwrap();
        let csv = profile.format == FileFormat::Csv;
        let lines = data_lines(&feed.file, csv);
        assert_eq!(
            lines.len() as u64,
            feed.rows,
            "{}: rows written",
            feed.file.display()
        );
        let bad: BTreeMap<u64, &str> = bad_rows
            .iter()
            .filter(|row| row["agency"] == feed.agency && row["feed"] == feed.feed)
            .map(|row| (row["line"].parse().unwrap(), row["reason"].as_str()))
            .collect();
        assert_eq!(bad.len() as u64, feed.bad_rows);
        let good = truth_lines
            .get(&(feed.agency.clone(), feed.feed.clone()))
            .cloned()
            .unwrap_or_default();
        let header = if csv {
            let bytes = std::fs::read(&feed.file).unwrap();
            let first_line = bytes.split(|byte| *byte == b'\n').next().unwrap().to_vec();
            String::from_utf8(first_line)
                .unwrap()
                .split(profile.delimiter)
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let id_index = header
            .iter()
            .position(|column| Some(column) == profile.id_column.as_ref());
        for (line, bytes) in &lines {
            match (bad.get(line), good.get(line)) {
                (Some(_), Some(_)) => panic!("{} line {line} is both bad and good", feed.feed),
                (None, None) => panic!("{} line {line} has no truth", feed.feed),
                (Some(reason), None) => check_broken(
                    feed.feed.as_str(),
                    bytes,
                    reason,
                    header.len(),
                    profile.delimiter,
                ),
                (None, Some(row_id)) => {
                    // The truth's row id is the value of the id column on that line.
                    if csv {
                        let mut reader = csv::ReaderBuilder::new()
                            .has_headers(false)
                            .delimiter(profile.delimiter as u8)
                            .from_reader(bytes.as_slice());
                        let record = reader.byte_records().next().unwrap().unwrap();
                        assert_eq!(record.len(), header.len(), "{} line {line}", feed.feed);
                        assert_eq!(&record[id_index.unwrap()], row_id.as_bytes());
                    } else {
                        let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                        let id = value[profile.id_column.as_deref().unwrap()]
                            .as_str()
                            .unwrap();
                        assert_eq!(id, row_id);
                    }
                }
            }
        }
    }
}

fn check_broken(feed: &str, bytes: &[u8], reason: &str, width: usize, delimiter: char) {
    let fields = |bytes: &[u8]| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter as u8)
            .from_reader(bytes);
        reader
            .byte_records()
            .next()
            .map_or(0, |record| record.map_or(0, |record| record.len()))
    };
    match reason {
        "invalid_utf8" => assert!(
            std::str::from_utf8(bytes).is_err(),
            "{feed}: still valid UTF-8"
        ),
        "wrong_field_count" => assert_ne!(fields(bytes), width, "{feed}"),
        "truncated" => assert!(fields(bytes) < width, "{feed}"),
        "bad_date" => assert!(
            bytes.windows(10).any(|window| window == b"13/45/2019"),
            "{feed}"
        ),
        "malformed_json" => assert!(
            serde_json::from_slice::<serde_json::Value>(bytes).is_err(),
            "{feed}"
        ),
        "missing_required" => {
            let has_gap = bytes
                .windows(2)
                .any(|window| window[0] == delimiter as u8 && window[1] == delimiter as u8)
                || bytes.windows(4).any(|window| window == b"null");
            assert!(has_gap, "{feed}: nothing missing");
        }
        other => panic!("unknown reason {other}"),
    }
}

#[test]
fn the_same_person_is_spelled_differently_by_different_agencies() {
    let (dir, _) = small(5);
    let out = dir.path();
    let truth = entity_truth(out);
    // Where each feed writes a person's name, by the profile's entity name.
    let name_columns: &[(&str, &str, &str, &[&str])] = &[
        ("dea", "subjects", "subject", &["SUBJECT_NAME"]),
        (
            "ca_doj",
            "arrests",
            "arrestee",
            &["FIRST_NAME", "LAST_NAME"],
        ),
        ("sheriff", "bookings", "inmate", &["FIRST", "LAST"]),
        ("fiu", "cash_deposits", "conductor", &["CONDUCTOR_NAME"]),
        ("cbp", "parcels", "consignee", &["CONSIGNEE_NAME"]),
    ];
    let mut spellings: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    for (agency, feed, entity, columns) in name_columns {
        let extension = "csv";
        let path = out.join(agency).join(format!("{feed}.{extension}"));
        let delimiter = if *feed == "parcels" { b';' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_path(&path)
            .unwrap();
        let headers = reader.byte_headers().unwrap().clone();
        let indices: Vec<usize> = columns
            .iter()
            .map(|column| {
                headers
                    .iter()
                    .position(|header| header == column.as_bytes())
                    .unwrap()
            })
            .collect();
        let mut names_by_line = HashMap::new();
        for record in reader.byte_records().flatten() {
            let line = record.position().unwrap().line();
            let name: Vec<String> = indices
                .iter()
                .map(|index| String::from_utf8_lossy(&record[*index]).to_string())
                .collect();
            names_by_line.insert(line, name.join(" "));
        }
        for row in truth.rows.iter().filter(|row| {
            row["agency"] == *agency && row["feed"] == *feed && row["entity"] == *entity
        }) {
            let line: u64 = row["line"].parse().unwrap();
            if let Some(name) = names_by_line.get(&line) {
                spellings
                    .entry(row["true_id"].clone())
                    .or_default()
                    .insert((agency.to_string(), name.clone()));
            }
        }
    }
    let normalise = |name: &str| {
        let mut words: Vec<String> = name
            .to_uppercase()
            .split(|character: char| !character.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_string)
            .collect();
        words.sort();
        words.join(" ")
    };
    let mut across_agencies = 0;
    let mut spelled_differently = 0;
    for names in spellings.values() {
        let agencies: BTreeSet<&str> = names.iter().map(|(agency, _)| agency.as_str()).collect();
        if agencies.len() >= 2 {
            across_agencies += 1;
            let distinct: BTreeSet<String> =
                names.iter().map(|(_, name)| normalise(name)).collect();
            if distinct.len() >= 2 {
                spelled_differently += 1;
            }
        }
    }
    assert!(
        across_agencies >= 20,
        "people seen by two agencies or more: {across_agencies}"
    );
    assert!(
        spelled_differently * 4 >= across_agencies,
        "{spelled_differently} of {across_agencies} spelled differently"
    );
}

#[test]
fn small_world_is_small_and_its_truth_files_are_consistent() {
    let (dir, summary) = small(11);
    let out = dir.path();
    assert!(
        (2_000..=15_000).contains(&summary.total_rows),
        "small scale wrote {} rows",
        summary.total_rows
    );
    assert_eq!(
        summary.total_rows,
        summary.feeds.iter().map(|feed| feed.rows).sum::<u64>()
    );
    let truth = entity_truth(out);
    assert_eq!(truth.rows.len() as u64, summary.truth_entities);
    let source_ids: BTreeSet<(String, String, String)> = truth
        .rows
        .iter()
        .map(|row| {
            (
                row["agency"].clone(),
                row["feed"].clone(),
                row["source_record_id"].clone(),
            )
        })
        .collect();
    let patterns = read_csv(&out.join("truth/money_patterns.csv"));
    let types: BTreeSet<&str> = patterns
        .iter()
        .map(|row| row["pattern_type"].as_str())
        .collect();
    for wanted in [
        "structuring",
        "funnel_in",
        "funnel_out",
        "cycle",
        "rapid_pass_through",
        "crypto_hops",
        "front_business_deposits",
    ] {
        assert!(types.contains(wanted), "no {wanted} pattern in {types:?}");
    }
    for row in &patterns {
        let key = (
            row["agency"].clone(),
            row["feed"].clone(),
            row["source_record_id"].clone(),
        );
        assert!(
            source_ids.contains(&key),
            "pattern transfer {key:?} is not a written record"
        );
    }
    let clusters = read_csv(&out.join("truth/overdose_clusters.csv"));
    assert!(!clusters.is_empty());
    for row in &clusters {
        let key = (
            row["agency"].clone(),
            row["feed"].clone(),
            row["source_record_id"].clone(),
        );
        assert!(
            source_ids.contains(&key),
            "cluster incident {key:?} is not a written record"
        );
    }
    let rings = read_csv(&out.join("truth/rings.csv"));
    let roles: BTreeSet<&str> = rings.iter().map(|row| row["role"].as_str()).collect();
    for role in [
        "leader",
        "importer",
        "courier",
        "hub",
        "supplier",
        "street_dealer",
        "money_handler",
        "front_business",
    ] {
        assert!(roles.contains(role), "no {role}");
    }
    let conflicts = read_csv(&out.join("truth/operation_conflicts.csv"));
    assert!(!conflicts.is_empty(), "some planned operations conflict");
    let people = read_csv(&out.join("truth/people.csv"));
    assert_eq!(people.len() as u64, summary.people);
    let informants = truth
        .rows
        .iter()
        .filter(|row| row["feed"] == "subjects")
        .count();
    assert!(informants > 0);
}
