//! `interdict retention review | purge` end to end: criminal intelligence due for
//! review (a correction keeps the original clock), and a purge that leaves no copy in
//! the store, the entity assignment or alerts, keeps its tombstone and the audit trail,
//! names the earlier recipients for notice, and never breaks `audit verify`.

use std::path::Path;

use serde_json::Value;

use crate::watch::{cli, cli_json, write_feed};
use crate::{interdict, run_ok};

/// A DEA criminal-intelligence feed: reported on ENTERED, reviewed by REVIEW.
fn write_intelligence(folder: &Path, rows: &str) {
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(
        folder.join("intel.profile.toml"),
        r#"
agency = "dea"
feed = "intel"
files = ["intel.csv"]
format = "csv"
id_column = "SUBJECT_ID"
reported_at_column = "ENTERED"

[labels]
sensitivity = "law_enforcement"
data_class = "criminal_intelligence"
predicate = "reasonable suspicion of 21 USC 841 distribution"
review_by_column = "REVIEW"

[[entities]]
name = "subject"
kind = "Person"
key = ["SUBJECT_ID"]
[entities.properties]
name = "NAME"
"#,
    )
    .unwrap();
    std::fs::write(
        folder.join("intel.csv"),
        format!("SUBJECT_ID,NAME,ENTERED,REVIEW\n{rows}"),
    )
    .unwrap();
}

#[test]
fn review_lists_what_is_due_and_a_correction_keeps_the_original_clock() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    let first = folder.path().join("v1");
    write_intelligence(
        &first,
        "C-1,JOHN DOE,2022-01-10,2024-06-30\nC-2,JANE ROE,2026-01-10,2030-12-31\n",
    );
    cli(&url, &["ingest", first.to_str().unwrap()]);
    // The correction of C-1 carries a fresh review date far out.
    let second = folder.path().join("v2");
    write_intelligence(&second, "C-1,JOHN Q DOE,2026-01-10,2030-12-31\n");
    cli(&url, &["ingest", second.to_str().unwrap()]);
    let due = cli_json(&url, &["retention", "review"]);
    let groups = due.as_array().unwrap();
    assert_eq!(groups.len(), 1, "{due}");
    assert_eq!(
        (groups[0]["agency"].as_str(), groups[0]["feed"].as_str()),
        (Some("dea"), Some("intel"))
    );
    let records = groups[0]["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "both versions of C-1: {due}");
    for record in records {
        assert_eq!(record["source_record_id"], "C-1");
        assert_eq!(record["effective_review_by"], "2024-06-30", "{record}");
    }
    // A window long enough takes in C-2; another agency has nothing due.
    let window = cli_json(&url, &["retention", "review", "--due-within", "3650"]);
    assert_eq!(
        window[0]["records"].as_array().unwrap().len(),
        3,
        "{window}"
    );
    let sheriff = cli_json(&url, &["retention", "review", "--agency", "sheriff"]);
    assert_eq!(sheriff, Value::Array(Vec::new()));
}

fn check_purge(folder: &Path, url: &str) {
    write_feed(
        &folder.join("v1"),
        "law_enforcement",
        "S-1,JOHN DOE,1980-01-02,false\nS-2,JANE ROE,1975-03-04,false\n",
    );
    cli(url, &["ingest", folder.join("v1").to_str().unwrap()]);
    for (agency, user) in [("sheriff", "sgt.lee"), ("dea", "sa.reyes")] {
        cli(
            url,
            &[
                "watch",
                "add",
                "--agency",
                agency,
                "--user",
                user,
                "--entity",
                "dea/subjects/S-1",
                "--why",
                "suspect",
            ],
        );
    }
    write_feed(
        &folder.join("v2"),
        "law_enforcement",
        "S-1,JOHN Q DOE,1980-01-02,false\n",
    );
    cli(url, &["ingest", folder.join("v2").to_str().unwrap()]);
    cli(url, &["resolve"]);
    let corrected = cli_json(url, &["watch", "alerts", "--agency", "dea"])[0]["record"]
        .as_str()
        .unwrap()
        .to_string();

    let purged = cli_json(
        url,
        &[
            "retention",
            "purge",
            "--record",
            "dea/subjects/S-1",
            "--by",
            "supervisor.ortiz",
            "--why",
            "no longer meets the criminal predicate",
        ],
    );
    let purged = purged.as_array().unwrap();
    assert_eq!(purged.len(), 2, "both versions: {purged:?}");
    let notices: Vec<&Value> = purged
        .iter()
        .flat_map(|report| report["notify"].as_array().unwrap())
        .collect();
    let mut recipients: Vec<&str> = notices
        .iter()
        .map(|notice| notice["agency"].as_str().unwrap())
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["dea", "sheriff"], "{purged:?}");
    assert!(
        purged
            .iter()
            .map(|report| report["assignments_removed"].as_u64().unwrap())
            .sum::<u64>()
            == 2,
        "{purged:?}"
    );

    // Gone from the store, resolution and alerts.
    let status = cli_json(url, &["status"]);
    let stored: u64 = status["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|count| count["records"].as_u64().unwrap())
        .sum();
    assert_eq!(stored, 1, "only S-2 is left: {status}");
    let entities = cli(url, &["resolve", "entities", "--min-records", "1"]);
    assert_eq!(
        entities
            .lines()
            .filter(|line| line.contains("record"))
            .count(),
        1,
        "{entities}"
    );
    let own = cli_json(url, &["watch", "alerts", "--agency", "dea"]);
    assert_eq!(own[0]["purged"], true, "{own}");
    assert_eq!(own[0]["content"], Value::Null);
    assert!(!own.to_string().contains("JOHN"), "{own}");
    let failed = interdict()
        .args(["retention", "purge", "--db", url, "--record", &corrected])
        .args(["--by", "x", "--why", "again"])
        .env_remove("INTERDICT_DB")
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("was purged"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );

    // The trail remains: disseminations of the purged record, the purge itself, and
    // an intact chain.
    let trail = cli_json(url, &["audit", "disseminations", "--record", &corrected]);
    assert_eq!(trail.as_array().unwrap().len(), 2, "{trail}");
    let log = cli_json(url, &["audit", "log", "--limit", "1000"]);
    let purges = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "purge")
        .count();
    assert_eq!(purges, 2, "{log}");
    run_ok(
        interdict()
            .args(["audit", "verify", "--db", url])
            .env_remove("INTERDICT_DB"),
    );

    // Another file sends the purged original again: ingest purges it again at once.
    write_feed(
        &folder.join("v3"),
        "law_enforcement",
        "S-1,JOHN DOE,1980-01-02,false\nS-9,NEW PERSON,1999-09-09,false\n",
    );
    cli(url, &["ingest", folder.join("v3").to_str().unwrap()]);
    let status = cli_json(url, &["status"]);
    let stored: u64 = status["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|count| count["records"].as_u64().unwrap())
        .sum();
    assert_eq!(stored, 2, "S-2 and S-9: {status}");
    assert!(!cli(url, &["watch", "alerts", "--agency", "dea"]).contains("JOHN"));
    let log = cli_json(url, &["audit", "log", "--limit", "1000"]);
    let purges = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "purge")
        .count();
    assert_eq!(purges, 3, "{log}");
    run_ok(
        interdict()
            .args(["audit", "verify", "--db", url])
            .env_remove("INTERDICT_DB"),
    );
}

#[test]
fn a_purged_record_leaves_only_its_tombstone_and_the_audit_trail_on_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    check_purge(folder.path(), &url);
}

#[test]
fn a_purged_record_leaves_only_its_tombstone_and_the_audit_trail_on_postgres() {
    let folder = tempfile::tempdir().unwrap();
    check_purge(folder.path(), &pg_throwaway::fresh_database_url());
}
