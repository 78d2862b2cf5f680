//! `interdict deconflict` end to end: the simulated world's planned operations loaded
//! and scored against the truth, and registrations by hand whose notices tell each
//! party the other's agency and contact but never its targets, place or name.

use std::path::Path;

use serde_json::Value;

use crate::{interdict, run_ok};

/// Runs `interdict deconflict ARGS --db URL --json` and parses its output.
fn deconflict_json(url: &str, arguments: &[&str]) -> Value {
    let output = run_ok(
        interdict()
            .arg("deconflict")
            .args(arguments)
            .args(["--db", url, "--json"])
            .env_remove("INTERDICT_DB"),
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// A target only the DEA knows: 32 hex digits that name no record (kept as an entity
/// key).
const SECRET_TARGET: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75e";

/// Registers a DEA operation on a secret target, then a sheriff's operation nearby on
/// the same target; checks what each side is told.
fn registrations_tell_only_agency_contact_and_overlap(url: &str) {
    let dea = deconflict_json(
        url,
        &[
            "register",
            "--agency",
            "dea",
            "--contact",
            "SA Dana Reyes, +1 213 555 0142",
            "--lat",
            "34.05223",
            "--lon",
            "-118.24368",
            "--radius-m",
            "300",
            "--start",
            "2031-06-01T08:00:00Z",
            "--end",
            "2031-06-01T14:00:00Z",
            "--target",
            SECRET_TARGET,
            "--label",
            "OPERATION NIGHTJAR",
            "--user",
            "sa.reyes",
        ],
    );
    assert_eq!(dea["conflicts"], Value::Array(Vec::new()), "{dea}");
    let sheriff_arguments = [
        "--agency",
        "sheriff",
        "--contact",
        "Sgt. Lee, +1 213 555 0177",
        "--lat",
        "34.05300",
        "--lon",
        "-118.24400",
        "--radius-m",
        "200",
        "--start",
        "2031-06-01 13:00",
        "--end",
        "2031-06-01 18:00",
        "--target",
        SECRET_TARGET,
        "--user",
        "sgt.lee",
    ];
    // A check registers nothing and notifies nobody.
    let check = deconflict_json(url, &[&["check"], &sheriff_arguments[..]].concat());
    assert_eq!(check["registered"], Value::Null);
    assert_eq!(check["conflicts"].as_array().unwrap().len(), 1, "{check}");
    let sheriff = deconflict_json(url, &[&["register"], &sheriff_arguments[..]].concat());
    let conflicts = sheriff["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{sheriff}");
    let notice = &conflicts[0];
    assert_eq!(notice["other_agency"], "dea");
    assert_eq!(notice["other_contact"]["name"], "SA Dana Reyes");
    assert_eq!(notice["other_contact"]["phone"], "+1 213 555 0142");
    let kinds: Vec<&str> = notice["overlaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|overlap| overlap["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["space_time", "shared_target"]);
    assert_eq!(
        notice["overlaps"][0]["overlap"]["start"],
        "2031-06-01T13:00:00Z"
    );
    assert_eq!(notice["overlaps"][0]["distance_band"], "under_100_m");
    // The DEA learns of it through its notifications, as a pointer to the sheriff.
    let notifications = deconflict_json(url, &["notifications", "--agency", "dea"]);
    let notifications = notifications.as_array().unwrap();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    assert_eq!(notifications[0]["other_agency"], "sheriff");
    assert_eq!(notifications[0]["other_contact"]["name"], "Sgt. Lee");
    assert_eq!(notifications[0]["your_operation"], dea["registered"]);
    // Neither side sees the other's target, label or centre.
    let sheriff_side = deconflict_json(url, &["notifications", "--agency", "sheriff"]);
    for shown in [
        sheriff.to_string(),
        sheriff_side.to_string(),
        check.to_string(),
    ] {
        for secret in [SECRET_TARGET, "NIGHTJAR", "34.05223", "-118.24368"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
    }
    // Nobody else was told.
    let others = deconflict_json(url, &["notifications", "--agency", "lapd"]);
    assert_eq!(others, Value::Array(Vec::new()));
    // Registrations, the check, the dissemination and the reads are in the audit log,
    // which still verifies.
    let log = run_ok(
        interdict()
            .args(["audit", "log", "--db", url, "--json"])
            .env_remove("INTERDICT_DB"),
    );
    let log = String::from_utf8_lossy(&log.stdout);
    assert!(log.contains("deconfliction notification 1"), "{log}");
    assert!(log.contains("\"dissemination\""), "{log}");
    run_ok(
        interdict()
            .args(["audit", "verify", "--db", url])
            .env_remove("INTERDICT_DB"),
    );
}

#[test]
fn deconflict_registrations_on_sqlite_notify_both_parties_with_pointers_only() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    registrations_tell_only_agency_contact_and_overlap(&url);
}

#[test]
fn deconflict_registrations_on_postgres_notify_both_parties_with_pointers_only() {
    registrations_tell_only_agency_contact_and_overlap(&pg_throwaway::fresh_database_url());
}

fn simulate_and_ingest(folder: &Path, url: &str) -> std::path::PathBuf {
    let world = folder.join("world");
    run_ok(interdict().args([
        "simulate",
        "--scale",
        "small",
        "--seed",
        "1",
        "--out",
        world.to_str().unwrap(),
    ]));
    run_ok(
        interdict()
            .args(["ingest", "--db", url, world.to_str().unwrap()])
            .env_remove("INTERDICT_DB"),
    );
    world
}

#[test]
fn deconflict_load_finds_the_simulated_conflicts_and_tells_pointers() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    let world = simulate_and_ingest(folder.path(), &url);
    let load = deconflict_json(&url, &["load"]);
    assert_eq!(load["operation_records"], 10, "{load}");
    assert_eq!(load["registered"], 10, "{load}");
    let notified = load["notifications"].as_u64().unwrap();
    assert!(notified >= 1, "{load}");
    // Loading again registers and notifies nothing new.
    let again = deconflict_json(&url, &["load"]);
    assert_eq!(again["registered"], 0, "{again}");
    assert_eq!(again["already_registered"], 10, "{again}");
    assert_eq!(again["notifications"], 0, "{again}");
    // Every conflicting pair of the truth is found, and nothing else.
    let output = run_ok(
        interdict()
            .args(["eval", "deconfliction", "--db", &url, "--json", "--truth"])
            .arg(world.join("truth"))
            .env_remove("INTERDICT_DB"),
    );
    let scores: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(scores["any"]["expected"].as_u64().unwrap() >= 1, "{scores}");
    assert_eq!(scores["any"]["recall"], 1.0, "{scores}");
    assert_eq!(scores["any"]["precision"], 1.0, "{scores}");
    // Each party sees the other's agency and contact, never its targets or place.
    let target_names: Vec<String> = csv::Reader::from_path(world.join("dea/operations.csv"))
        .unwrap()
        .records()
        // TARGET_NAME, the ninth column.
        .map(|row| row.unwrap()[8].to_string())
        .collect();
    assert!(!target_names.is_empty());
    let mut seen = 0;
    for agency in ["dea", "sheriff"] {
        let notices = deconflict_json(&url, &["notifications", "--agency", agency]);
        for notice in notices.as_array().unwrap() {
            seen += 1;
            let fields: Vec<&str> = notice
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                fields,
                [
                    "id",
                    "notified_at",
                    "other_agency",
                    "other_contact",
                    "overlaps",
                    "your_operation"
                ]
            );
            assert!(!notice["other_contact"]["name"].as_str().unwrap().is_empty());
            assert!(
                !notice["other_contact"]["phone"]
                    .as_str()
                    .unwrap()
                    .is_empty()
            );
            let shown = notice.to_string();
            assert!(!shown.contains("target\""), "{shown}");
            for target_name in &target_names {
                assert!(!shown.contains(target_name.as_str()), "{shown}");
            }
        }
    }
    assert_eq!(
        seen as u64,
        2 * notified,
        "each conflict told to both parties"
    );
}

#[test]
fn deconflict_load_after_resolution_notifies_a_shared_target_across_agencies() {
    // Seed 4: DEA's OP-DEA-0005 and the sheriff's SO-OP-0003 target one person, whom
    // the two agencies record differently (name, birth date, address vs name, phone).
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    let world = folder.path().join("world");
    run_ok(interdict().args([
        "simulate",
        "--scale",
        "small",
        "--seed",
        "4",
        "--out",
        world.to_str().unwrap(),
    ]));
    run_ok(
        interdict()
            .args(["ingest", "--db", &url, world.to_str().unwrap()])
            .env_remove("INTERDICT_DB"),
    );
    let eval = || -> Value {
        let output = run_ok(
            interdict()
                .args(["eval", "deconfliction", "--db", &url, "--json", "--truth"])
                .arg(world.join("truth"))
                .env_remove("INTERDICT_DB"),
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    deconflict_json(&url, &["load"]);
    // Without resolution, records of two agencies never match.
    let before = eval();
    assert_eq!(before["shared_target"]["expected"], 1, "{before}");
    assert_eq!(before["shared_target"]["found"], 0, "{before}");
    // An analyst links the two target records; resolution applies it.
    run_ok(
        interdict()
            .args([
                "resolve",
                "judge",
                "same",
                "dea/operations/OP-DEA-0005#target",
                "sheriff/operations/SO-OP-0003#target",
                "--by",
                "analyst.kim",
                "--why",
                "same person per case file",
                "--db",
                &url,
            ])
            .env_remove("INTERDICT_DB"),
    );
    run_ok(
        interdict()
            .args(["resolve", "--db", &url])
            .env_remove("INTERDICT_DB"),
    );
    let again = deconflict_json(&url, &["load"]);
    assert_eq!(again["registered"], 0, "{again}");
    assert_eq!(
        again["notifications"], 1,
        "the shared target is news: {again}"
    );
    let after = eval();
    assert_eq!(after["shared_target"]["recall"], 1.0, "{after}");
    assert_eq!(after["shared_target"]["precision"], 1.0, "{after}");
    // The sheriff is told of the shared target, not who it is.
    let notices = deconflict_json(&url, &["notifications", "--agency", "sheriff"]);
    let shared: Vec<&Value> = notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|notice| notice["overlaps"].to_string().contains("shared_target"))
        .collect();
    assert_eq!(shared.len(), 1, "{notices}");
    assert_eq!(shared[0]["other_agency"], "dea");
    assert!(!notices.to_string().contains("WILLIAMS"), "{notices}");
}
