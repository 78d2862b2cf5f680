//! The `interdict` binary end to end: simulate, ingest (twice, after a crash, strict),
//! status and quarantine, on SQLite and on a throwaway PostgreSQL cluster.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::{interdict, run_ok};

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn simulate_small(folder: &Path, seed: u64) -> PathBuf {
    let world = folder.join("world");
    run_ok(
        interdict()
            .args([
                "simulate",
                "--scale",
                "small",
                "--json",
                "--seed",
                &seed.to_string(),
                "--out",
            ])
            .arg(&world),
    );
    world
}

fn ingest_json(url: &str, paths: &[&Path]) -> Value {
    ingest_json_with(&[], url, paths)
}

/// `ingest --json` with more options (`--exclusive`).
fn ingest_json_with(options: &[&str], url: &str, paths: &[&Path]) -> Value {
    json(&run_ok(
        interdict()
            .args(["ingest", "--json", "--db", url])
            .args(options)
            .args(paths),
    ))
}

fn status_json(url: &str) -> Value {
    json(&run_ok(interdict().args(["status", "--json", "--db", url])))
}

fn sqlite_url(folder: &Path, name: &str) -> String {
    format!("sqlite:{}", folder.join(name).display())
}

/// (source file name, line) of every row the simulator broke on purpose.
fn injected_bad_rows(world: &Path) -> BTreeSet<(String, u64)> {
    let mut reader =
        csv::Reader::from_path(world.join("truth/bad_rows.csv")).expect("bad_rows.csv");
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .unwrap_or_else(|| panic!("truth/bad_rows.csv has no {name} column: {headers:?}"))
    };
    let (file_column, line_column) = (column("file"), column("line"));
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let file = Path::new(&record[file_column])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, record[line_column].parse().unwrap())
        })
        .collect()
}

#[test]
fn ingesting_a_world_twice_changes_nothing_the_second_time() {
    let folder = tempfile::tempdir().unwrap();
    let world = simulate_small(folder.path(), 3);
    let url = sqlite_url(folder.path(), "twice.sqlite");

    let first = ingest_json(&url, &[&world]);
    let status_after_first = status_json(&url);
    let second = ingest_json(&url, &[&world]);
    let status_after_second = status_json(&url);

    assert_eq!(status_after_first, status_after_second);
    let records_written = first["totals"]["records_written"].as_u64().unwrap();
    assert!(
        records_written > 1000,
        "a small world gives thousands of records: {first}"
    );
    assert_eq!(second["totals"]["records_written"], 0);
    assert_eq!(second["batches_committed"], 0);
    assert_eq!(second["files_already_ingested"], first["batches_committed"]);
    let totals = &first["totals"];
    assert_eq!(
        totals["rows_read"].as_u64(),
        Some(
            totals["rows_accepted"].as_u64().unwrap()
                + totals["rows_quarantined"].as_u64().unwrap()
        ),
        "every row is accepted or quarantined: {totals}"
    );
}

#[test]
fn every_row_broken_on_purpose_is_quarantined_with_its_line_and_nothing_else_is() {
    let folder = tempfile::tempdir().unwrap();
    let world = simulate_small(folder.path(), 5);
    let url = sqlite_url(folder.path(), "quarantine.sqlite");
    ingest_json(&url, &[&world]);

    let quarantined = json(&run_ok(interdict().args([
        "quarantine",
        "--json",
        "--limit",
        "100000",
        "--db",
        &url,
    ])));
    let quarantined_rows: BTreeSet<(String, u64)> = quarantined
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert!(
                !row["reason"].as_str().unwrap().is_empty(),
                "a reason for {row}"
            );
            let file = Path::new(row["source_file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, row["line"].as_u64().unwrap())
        })
        .collect();
    let injected = injected_bad_rows(&world);
    assert!(!injected.is_empty());
    assert_eq!(quarantined_rows, injected);

    let text = run_ok(interdict().args(["quarantine", "--db", &url]));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("field"), "the listing names fields:\n{text}");
}

#[test]
fn strict_ingest_fails_when_a_row_is_quarantined_but_keeps_the_good_rows() {
    let folder = tempfile::tempdir().unwrap();
    let world = simulate_small(folder.path(), 9);
    let url = sqlite_url(folder.path(), "strict.sqlite");
    let output = interdict()
        .args(["ingest", "--strict", "--db", &url])
        .arg(&world)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("quarantined"));
    let status = status_json(&url);
    assert!(
        status["records"].as_array().unwrap().len() > 5,
        "good rows went in: {status}"
    );
}

#[test]
fn an_exclusive_ingest_stores_what_a_shared_one_does_and_gives_the_file_back() {
    let folder = tempfile::tempdir().unwrap();
    let world = simulate_small(folder.path(), 5);
    let shared_url = sqlite_url(folder.path(), "shared.sqlite");
    let exclusive_url = sqlite_url(folder.path(), "exclusive.sqlite");

    let shared = ingest_json(&shared_url, &[&world]);
    let exclusive = ingest_json_with(&["--exclusive"], &exclusive_url, &[&world]);
    assert_eq!(exclusive["totals"], shared["totals"]);
    assert_eq!(status_json(&exclusive_url), status_json(&shared_url));

    // The file is a shared store's again: a plain rerun finds every file in.
    let again = ingest_json(&exclusive_url, &[&world]);
    assert_eq!(again["batches_committed"], 0);
    assert_eq!(again["files_already_ingested"], shared["batches_committed"]);

    let output = interdict()
        .args([
            "ingest",
            "--exclusive",
            "--db",
            "postgres://app@localhost/x",
        ])
        .arg(&world)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--exclusive is for SQLite"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn bad_usage_and_unreadable_input_exit_2_with_a_message() {
    let folder = tempfile::tempdir().unwrap();
    let output = interdict()
        .args(["ingest", "--db", "mysql://x/y"])
        .arg(folder.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown store URL"));

    let url = sqlite_url(folder.path(), "empty.sqlite");
    let output = interdict()
        .args(["ingest", "--db", &url])
        .arg(folder.path().join("missing.profile.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.profile.toml"));
}

#[test]
fn postgres_and_sqlite_hold_the_same_world() {
    let folder = tempfile::tempdir().unwrap();
    let world = simulate_small(folder.path(), 11);
    let sqlite = sqlite_url(folder.path(), "same.sqlite");
    let postgres = pg_throwaway::fresh_database_url();
    let sqlite_run = ingest_json(&sqlite, &[&world]);
    let postgres_run = ingest_json(&postgres, &[&world]);
    assert_eq!(sqlite_run["totals"], postgres_run["totals"]);
    assert_eq!(
        status_json(&sqlite)["records"],
        status_json(&postgres)["records"]
    );
    assert_eq!(
        status_json(&sqlite)["quarantined"],
        status_json(&postgres)["quarantined"]
    );
    let again = ingest_json(&postgres, &[&world]);
    assert_eq!(again["totals"]["records_written"], 0);
}

const PEOPLE_PROFILE: &str = r#"
agency = "sheriff"
feed = "people"
files = ["people.csv"]
id_column = "ID"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[[entities]]
name = "person"
kind = "Person"
key = ["ID"]
[entities.properties]
name = "NAME"
birth_date = "DOB"
phone = "PHONE"
"#;

/// A feed big enough that ingesting it takes a while even in a release build.
fn write_people_feed(folder: &Path, rows: u64) -> PathBuf {
    use std::io::Write;
    let profile = folder.join("people.profile.toml");
    std::fs::write(&profile, PEOPLE_PROFILE).unwrap();
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(folder.join("people.csv")).unwrap());
    writeln!(file, "ID,NAME,DOB,PHONE").unwrap();
    for row in 0..rows {
        writeln!(
            file,
            "P{row},Person Number {row},19{:02}-{:02}-{:02},415{:07}",
            row % 100,
            row % 12 + 1,
            row % 28 + 1,
            row % 10_000_000
        )
        .unwrap();
    }
    file.flush().unwrap();
    profile
}

#[test]
fn kill_9_mid_ingest_into_sqlite_leaves_no_partial_batch_and_a_rerun_gives_the_uninterrupted_counts()
 {
    let folder = tempfile::tempdir().unwrap();
    let mut databases = 0;
    check_kill_9_mid_ingest(folder.path(), &[], &mut || {
        databases += 1;
        sqlite_url(folder.path(), &format!("kill-{databases}.sqlite"))
    });
}

#[test]
fn kill_9_mid_exclusive_ingest_leaves_no_partial_batch_and_a_rerun_gives_the_uninterrupted_counts()
{
    let folder = tempfile::tempdir().unwrap();
    let mut databases = 0;
    check_kill_9_mid_ingest(folder.path(), &["--exclusive"], &mut || {
        databases += 1;
        sqlite_url(folder.path(), &format!("kill-exclusive-{databases}.sqlite"))
    });
}

#[test]
fn kill_9_mid_ingest_into_postgres_leaves_no_partial_batch_and_a_rerun_gives_the_uninterrupted_counts()
 {
    let folder = tempfile::tempdir().unwrap();
    check_kill_9_mid_ingest(folder.path(), &[], &mut pg_throwaway::fresh_database_url);
}

/// Ingests a large feed once without interruption, then again into a fresh store,
/// killed with SIGKILL part way; the killed store must hold nothing of the batch, and
/// a rerun must give the uninterrupted counts and status. Every ingest runs with
/// `options`.
fn check_kill_9_mid_ingest(folder: &Path, options: &[&str], fresh_url: &mut dyn FnMut() -> String) {
    let profile = write_people_feed(folder, 400_000);

    let uninterrupted_url = fresh_url();
    let started = Instant::now();
    let uninterrupted = ingest_json_with(options, &uninterrupted_url, &[&profile]);
    let full_run = started.elapsed();
    assert_eq!(uninterrupted["totals"]["records_written"], 400_000);

    // Kill a second run halfway through; if it was quicker than that, try earlier.
    let mut killed_url = None;
    for fraction in [0.5, 0.25, 0.1] {
        let url = fresh_url();
        let mut child = interdict()
            .args(["ingest", "--json", "--db", &url])
            .args(options)
            .arg(&profile)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full_run.mul_f64(fraction));
        if child.try_wait().unwrap().is_some() {
            continue;
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no commit.
        child.wait().unwrap();
        killed_url = Some(url);
        break;
    }
    let killed_url = killed_url.expect("the ingest finished every time before it could be killed");

    // An exclusive first load runs unsynced, marked so; the next store on this boot
    // syncs the file and removes the marker.
    let unsynced_marker = killed_url
        .strip_prefix("sqlite:")
        .map(|path| format!("{path}-unsynced"));
    if cfg!(target_os = "linux") && options.contains(&"--exclusive") {
        let marker = unsynced_marker.as_deref().unwrap();
        assert!(Path::new(marker).exists(), "{marker} marks the killed load");
    }
    let after_kill = status_json(&killed_url);
    if let Some(marker) = &unsynced_marker {
        assert!(
            !Path::new(marker).exists(),
            "{marker} outlived a store's open"
        );
    }
    assert_eq!(after_kill["batches"], 0, "no partial batch: {after_kill}");
    assert_eq!(
        after_kill["records"],
        serde_json::json!([]),
        "no partial records: {after_kill}"
    );

    let rerun = ingest_json_with(options, &killed_url, &[&profile]);
    assert_eq!(rerun["totals"], uninterrupted["totals"]);
    assert_eq!(status_json(&killed_url), status_json(&uninterrupted_url));
}

/// A reader that stops early (`interdict … | head`) ends the command quietly, as
/// SIGPIPE would, not with a panic message.
#[test]
fn a_closed_output_pipe_stops_quietly() {
    use std::fmt::Write as _;
    use std::io::{BufRead, BufReader};

    let folder = tempfile::tempdir().unwrap();
    let edges = folder.path().join("edges.csv");
    let mut text = String::from("source,target\n");
    for node in 0..5_000 {
        writeln!(text, "n{node},n{}", (node * 7 + 1) % 5_000).unwrap();
    }
    std::fs::write(&edges, text).unwrap();
    let mut child = interdict()
        .args(["graph", "key-players", "--top", "5000", "--edges"])
        .arg(&edges)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    // The reader is gone; the rest of the output meets a closed pipe.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!first_line.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        output.status.success() || output.status.code() == Some(141),
        "{:?}: {stderr}",
        output.status
    );
}
