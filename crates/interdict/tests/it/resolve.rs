//! `interdict resolve` and `interdict eval resolution` end to end: a generated file of
//! people with noisy duplicates, deduplicated and then linked as two files, scored
//! against its truth.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::{interdict, run_ok};

const PROFILE: &str = r#"
agency = "county"
feed = "people"
format = "csv"
id_column = "ID"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "person"
kind = "Person"
key = ["ID"]
[entities.properties]
name = "NAME"
birth_date = "DOB"
phone = "PHONE"
id_number = "DL"
address = "ADDRESS"
"#;

const HEADER: &str = "ID,NAME,DOB,PHONE,DL,ADDRESS\n";

/// Given names with nicknames the resolver's table knows.
const GIVEN_NAMES: &[(&str, &[&str])] = &[
    ("William", &["Bill", "Will"]),
    ("Robert", &["Bob", "Rob"]),
    ("Joseph", &["Joe"]),
    ("Jose", &["Pepe"]),
    ("Francisco", &["Paco", "Pancho"]),
    ("Elizabeth", &["Liz", "Beth"]),
    ("Margaret", &["Peggy", "Maggie"]),
    ("James", &["Jim", "Jimmy"]),
    ("Michael", &["Mike"]),
    ("Katherine", &["Kate", "Kathy"]),
    ("Anthony", &["Tony"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Thomas", &["Tom"]),
    ("Patricia", &["Patty", "Trish"]),
    ("Xochitl", &[]),
    ("Guillermo", &[]),
    ("Lucia", &[]),
    ("Andre", &[]),
];

const SURNAMES: &[&str] = &[
    "Garcia",
    "Hernandez",
    "Lopez",
    "Martinez",
    "Gonzalez",
    "Rodriguez",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Castillo",
    "Delgado",
];

const STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Palm Drive",
    "Imperial Avenue",
    "Market Street",
    "El Cajon Boulevard",
    "Harbor Drive",
    "University Avenue",
];

/// SplitMix64: dice for the generator without a dependency; the same seed gives the
/// same files on every platform.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, probability: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One generated row, its true entity, and whether it is an original (file A in link
/// mode) or a duplicate (file B).
struct Row {
    id: String,
    entity: String,
    original: bool,
    columns: [String; 5],
}

impl Row {
    fn csv_line(&self) -> String {
        let quote = |value: &str| {
            if value.contains([',', '"']) {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value.to_string()
            }
        };
        let mut line = quote(&self.id);
        for column in &self.columns {
            line.push(',');
            line.push_str(&quote(column));
        }
        line.push('\n');
        line
    }
}

/// Swaps two neighbouring letters after the first.
fn typo(dice: &mut Dice, word: &str) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    let position = 1 + dice.below(letters.len() - 2);
    letters.swap(position, position + 1);
    letters.into_iter().collect()
}

fn phone_form(dice: &mut Dice, digits: &str) -> String {
    let (area, exchange, line) = (&digits[..3], &digits[3..6], &digits[6..]);
    match dice.below(4) {
        0 => format!("({area}) {exchange}-{line}"),
        1 => format!("{area}.{exchange}.{line}"),
        2 => format!("+1 {area} {exchange} {line}"),
        _ => format!("{area}-{exchange}-{line}"),
    }
}

/// About 300 rows: 180 people, a third of them with one or two noisy duplicates, plus
/// the namesakes: two people with one name and birth date but different licences, and
/// a third record (licence-less, same phone as the first) that could chain them.
fn generate_people(seed: u64) -> Vec<Row> {
    let mut dice = Dice(seed);
    let mut rows = Vec::new();
    for person in 0..180 {
        let (given, nicknames) = *dice.pick(GIVEN_NAMES);
        let surname = *dice.pick(SURNAMES);
        let (year, month, day) = (
            1950 + dice.below(50),
            1 + dice.below(12),
            1 + dice.below(28),
        );
        let phone = format!("619{:03}{:04}", 200 + dice.below(700), dice.below(10_000));
        let licence = format!("D{:07}", dice.below(10_000_000));
        let address = format!(
            "{} {}, San Diego CA 921{:02}",
            1 + dice.below(9_999),
            dice.pick(STREETS),
            dice.below(100)
        );
        let has_phone = dice.chance(0.8);
        let has_licence = dice.chance(0.5);
        let has_address = dice.chance(0.7);
        let entity = format!("E{person:03}");
        rows.push(Row {
            id: format!("R{:04}", rows.len()),
            entity: entity.clone(),
            original: true,
            columns: [
                format!("{given} {surname}"),
                format!("{year}-{month:02}-{day:02}"),
                if has_phone {
                    phone_form(&mut dice, &phone)
                } else {
                    String::new()
                },
                if has_licence {
                    licence.clone()
                } else {
                    String::new()
                },
                if has_address {
                    address.clone()
                } else {
                    String::new()
                },
            ],
        });
        let duplicates = match dice.below(6) {
            0 | 1 => 1,
            2 => 2,
            _ => 0,
        };
        for _ in 0..duplicates {
            let given = if !nicknames.is_empty() && dice.chance(0.35) {
                *dice.pick(nicknames)
            } else {
                given
            };
            let surname = if dice.chance(0.2) {
                typo(&mut dice, surname)
            } else {
                surname.to_string()
            };
            let name = if dice.chance(0.5) {
                format!("{}, {given}", surname.to_uppercase())
            } else {
                format!("{given} {surname}")
            };
            let birth_date = match dice.below(10) {
                0 if day <= 12 => format!("{year}-{day:02}-{month:02}"),
                1 | 2 => format!("{month:02}/{day:02}/{year}"),
                _ => format!("{year}-{month:02}-{day:02}"),
            };
            rows.push(Row {
                id: format!("R{:04}", rows.len()),
                entity: entity.clone(),
                original: false,
                columns: [
                    name,
                    birth_date,
                    if has_phone && dice.chance(0.7) {
                        phone_form(&mut dice, &phone)
                    } else {
                        String::new()
                    },
                    if has_licence && dice.chance(0.6) {
                        licence.clone()
                    } else {
                        String::new()
                    },
                    if has_address && dice.chance(0.6) {
                        address.clone()
                    } else {
                        String::new()
                    },
                ],
            });
        }
    }
    let namesake = |id: &str, entity: &str, original: bool, phone: &str, licence: &str| Row {
        id: id.to_string(),
        entity: entity.to_string(),
        original,
        columns: [
            "Carlos Mendoza".to_string(),
            "1980-05-05".to_string(),
            phone.to_string(),
            licence.to_string(),
            "1200 Imperial Avenue, San Diego CA 92101".to_string(),
        ],
    };
    rows.push(namesake(
        "N1",
        "NAMESAKE-1",
        true,
        "619-555-0101",
        "D1111111",
    ));
    rows.push(namesake("N2", "NAMESAKE-2", true, "", "D2222222"));
    rows.push(namesake("N3", "NAMESAKE-1", false, "(619) 555-0101", ""));
    rows
}

fn write_rows(path: &Path, rows: &[&Row], extra_lines: &str) {
    let mut text = HEADER.to_string();
    for row in rows {
        text.push_str(&row.csv_line());
    }
    text.push_str(extra_lines);
    std::fs::write(path, text).unwrap();
}

fn write_truth(path: &Path, rows: &[Row]) {
    let mut text = "record_id,entity_id\n".to_string();
    for row in rows {
        writeln!(text, "{},{}", row.id, row.entity).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// `record_id → cluster_id` of a `resolve` output, checking the header and order.
fn read_clusters(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("record_id,cluster_id"));
    let pairs: Vec<(String, String)> = lines
        .map(|line| {
            let (record, cluster) = line.split_once(',').expect("two columns");
            (record.to_string(), cluster.to_string())
        })
        .collect();
    let mut sorted = pairs.clone();
    sorted.sort();
    assert_eq!(pairs, sorted, "clusters.csv is sorted by record id");
    pairs.into_iter().collect()
}

fn evaluate(clusters: &Path, truth: &Path) -> Value {
    let output = run_ok(
        interdict()
            .args(["eval", "resolution", "--json", "--clusters"])
            .arg(clusters)
            .arg("--truth")
            .arg(truth),
    );
    serde_json::from_slice(&output.stdout).expect("eval prints JSON")
}

fn figure(metrics: &Value, group: &str, name: &str) -> f64 {
    metrics[group][name]
        .as_f64()
        .unwrap_or_else(|| panic!("no {group}.{name} in {metrics}"))
}

#[test]
fn resolve_deduplicates_and_links_noisy_people() {
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path();
    let rows = generate_people(2026);
    assert!((280..=340).contains(&rows.len()), "{} rows", rows.len());
    let profile = folder.join("people.profile.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let truth = folder.join("truth.csv");
    write_truth(&truth, &rows);

    // Deduplicate one file, with a row whose date is none (the record stays, without
    // that value) and a row without a name (quarantined: nothing to resolve on).
    let people = folder.join("people.csv");
    let all_rows: Vec<&Row> = rows.iter().collect();
    write_rows(
        &people,
        &all_rows,
        "BAD1,Nobody Known,31/31/1999,,,\nBAD2,,01/02/1990,,,\n",
    );
    let clusters = folder.join("clusters.csv");
    let explain = folder.join("pairs.jsonl");
    let output = run_ok(
        interdict()
            .args(["resolve", "--json", "--seed", "7", "--input"])
            .arg(&people)
            .arg("--profile")
            .arg(&profile)
            .arg("--out")
            .arg(&clusters)
            .arg("--explain")
            .arg(&explain),
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["records"], rows.len() + 1, "{summary}");
    assert_eq!(summary["rows_quarantined"], 1, "{summary}");
    assert_eq!(summary["values_ignored"], 1, "{summary}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let bad_line = rows.len() + 2;
    assert!(
        stderr.contains(&format!(
            "value ignored: {}:{bad_line} field DOB",
            people.display()
        )),
        "report: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "quarantined: {}:{} field",
            people.display(),
            bad_line + 1
        )),
        "report: {stderr}"
    );
    let assignment = read_clusters(&clusters);
    assert_eq!(
        assignment.len(),
        rows.len() + 1,
        "every record, singletons too"
    );
    assert_eq!(
        assignment["BAD1"], "BAD1",
        "a record without a date stays, alone"
    );
    assert_ne!(
        assignment["N1"], assignment["N2"],
        "namesakes with different licences merged"
    );
    // N3 (no licence) links to both; the veto, not chance, keeps them apart.
    assert!(
        summary["refused_merges"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    assert_eq!(assignment["N1"], assignment["N3"]);
    let explanations = std::fs::read_to_string(&explain).unwrap();
    let explained: Vec<Value> = explanations
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let first = &explained[0];
    assert_eq!(first["evidence"].as_array().unwrap().len(), 6, "{first}");
    assert!(
        !first["blocked_by"].as_array().unwrap().is_empty(),
        "{first}"
    );
    // Every pair above the threshold, and borderline ones below it, each with
    // whether clustering merged it.
    let above = explained
        .iter()
        .filter(|pair| pair["above_threshold"] == true)
        .count();
    assert_eq!(
        above,
        summary["pairs_above_threshold"].as_u64().unwrap() as usize
    );
    assert!(explained.len() >= above);
    assert!(explained.len() <= summary["candidate_pairs"].as_u64().unwrap() as usize);
    let merged = explained
        .iter()
        .filter(|pair| pair["merged"] == true)
        .count();
    assert!(merged > 0 && merged <= above, "{merged} merged of {above}");

    let metrics = evaluate(&clusters, &truth);
    eprintln!("deduplication: {metrics}");
    assert!(figure(&metrics, "pairwise", "f1") >= 0.9, "{metrics}");
    assert!(figure(&metrics, "b_cubed", "f1") >= 0.9, "{metrics}");

    // The same output twice: deterministic.
    let again = folder.join("clusters-again.csv");
    run_ok(
        interdict()
            .args(["resolve", "--json", "--seed", "7", "--input"])
            .arg(&people)
            .arg("--profile")
            .arg(&profile)
            .arg("--out")
            .arg(&again),
    );
    assert_eq!(
        std::fs::read(&clusters).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // Link originals (file A) with duplicates (file B).
    let (originals, duplicates): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|row| row.original);
    let (file_a, file_b) = (folder.join("a.csv"), folder.join("b.csv"));
    write_rows(&file_a, &originals, "");
    write_rows(&file_b, &duplicates, "");
    let linked = folder.join("linked.csv");
    let output = run_ok(
        interdict()
            .args(["resolve", "--json", "--input"])
            .arg(&file_a)
            .arg("--input")
            .arg(&file_b)
            .arg("--profile")
            .arg(&profile)
            .arg("--out")
            .arg(&linked),
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["mode"], "link", "{summary}");
    let assignment = read_clusters(&linked);
    assert_eq!(assignment.len(), rows.len());
    assert_ne!(assignment["N1"], assignment["N2"]);
    let metrics = evaluate(&linked, &truth);
    eprintln!("linkage: {metrics}");
    assert!(figure(&metrics, "pairwise", "f1") >= 0.9, "{metrics}");
}

/// The FEBRL-style generator, resolver and evaluator together: the figures the
/// benchmark in docs/benchmarks.md reports at a million records, here at a few
/// thousand.
#[test]
fn febrl_style_people_resolve_with_high_f1() {
    let folder = tempfile::tempdir().unwrap();
    let world = folder.path().join("people");
    run_ok(
        interdict()
            .args(["simulate", "--people", "4000", "--seed", "3", "--out"])
            .arg(&world),
    );
    let clusters = folder.path().join("clusters.csv");
    let output = run_ok(
        interdict()
            .args(["resolve", "--json", "--input"])
            .arg(world.join("people.csv"))
            .arg("--profile")
            .arg(world.join("people.profile.toml"))
            .arg("--out")
            .arg(&clusters),
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let read = summary["records"].as_u64().unwrap() + summary["rows_quarantined"].as_u64().unwrap();
    assert_eq!(read, 4000, "every row read or quarantined: {summary}");
    let metrics = evaluate(&clusters, &world.join("truth.csv"));
    eprintln!("FEBRL-style: {metrics}");
    assert!(figure(&metrics, "pairwise", "f1") >= 0.97, "{metrics}");
    assert!(figure(&metrics, "b_cubed", "f1") >= 0.98, "{metrics}");
}
