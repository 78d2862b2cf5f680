//! `interdict watch` end to end, from the side of the watcher who must not see: a
//! sheriff's watch on a DEA subject learns that the DEA holds something new and whom to
//! call, never the content; a restricted correction raises no alert for the sheriff at
//! all; the DEA's own watcher sees the record without its protected fields; every
//! alert is a dissemination in the audit log, which still verifies.

use std::path::Path;

use serde_json::Value;

use crate::{interdict, run_ok};

const PROFILE: &str = r#"
agency = "dea"
feed = "subjects"
format = "csv"
id_column = "SUBJECT_ID"

[labels]
sensitivity = "SENSITIVITY"
data_class = "investigative_case"

[[entities]]
name = "subject"
kind = "Person"
key = ["SUBJECT_ID"]
[entities.properties]
name = "NAME"
birth_date = "DOB"
informant = "CI"
"#;

/// Writes a DEA subjects feed of `rows` (after the header) labelled `sensitivity` into
/// `folder`.
pub fn write_feed(folder: &Path, sensitivity: &str, rows: &str) {
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(
        folder.join("subjects.profile.toml"),
        format!(
            "files = [\"subjects.csv\"]\n{}",
            PROFILE.replace("SENSITIVITY", sensitivity)
        ),
    )
    .unwrap();
    std::fs::write(
        folder.join("subjects.csv"),
        format!("SUBJECT_ID,NAME,DOB,CI\n{rows}"),
    )
    .unwrap();
}

/// Runs `interdict ARGS --db URL` and returns stdout.
pub fn cli(url: &str, arguments: &[&str]) -> String {
    let output = run_ok(
        interdict()
            .args(arguments)
            .args(["--db", url])
            .env_remove("INTERDICT_DB")
            .env_remove("INTERDICT_POLICY"),
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn cli_json(url: &str, arguments: &[&str]) -> Value {
    let stdout = cli(url, &[arguments, &["--json"]].concat());
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

fn ingest(url: &str, folder: &Path) {
    cli(url, &["ingest", folder.to_str().unwrap()]);
}

fn check_pointer_not_content(folder: &Path, url: &str) {
    write_feed(
        &folder.join("v1"),
        "law_enforcement",
        "S-1,JOHN DOE,1980-01-02,false\nS-2,JANE ROE,1975-03-04,false\n",
    );
    ingest(url, &folder.join("v1"));
    let sheriff = cli_json(
        url,
        &[
            "watch",
            "add",
            "--agency",
            "sheriff",
            "--user",
            "sgt.lee",
            "--entity",
            "dea/subjects/S-1",
            "--why",
            "suspect in burglary ring",
            "--case",
            "SO-24-0117",
            "--role",
            "investigator",
        ],
    );
    assert!(
        sheriff["target"].as_str().unwrap().starts_with("key:"),
        "{sheriff}"
    );
    cli_json(
        url,
        &[
            "watch",
            "add",
            "--agency",
            "dea",
            "--user",
            "sa.reyes",
            "--entity",
            "dea/subjects/S-1",
            "--why",
            "own subject",
            "--clearance",
            "restricted",
        ],
    );
    // Nothing new yet: the first batch came in before the watches.
    let first = cli_json(url, &["watch", "check"]);
    assert_eq!(first["alerts"], Value::Array(Vec::new()), "{first}");

    // A correction of S-1 (and news about someone else).
    write_feed(
        &folder.join("v2"),
        "law_enforcement",
        "S-1,JOHN Q DOE,1980-01-02,true\nS-3,OTHER PERSON,1990-01-01,false\n",
    );
    let policy = folder.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"agreements": [], "contacts": {"dea": "DEA LA duty desk, +1 213 555 0100"}}"#,
    )
    .unwrap();
    run_ok(
        interdict()
            .args(["watch", "check", "--db", url, "--policy"])
            .arg(&policy)
            .env_remove("INTERDICT_DB"),
    );
    run_ok(
        interdict()
            .args(["ingest", "--db", url])
            .arg(folder.join("v2"))
            .env("INTERDICT_POLICY", &policy)
            .env_remove("INTERDICT_DB"),
    );
    let alerts = cli_json(url, &["watch", "alerts", "--agency", "sheriff"]);
    let alerts = alerts.as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["disclosure"], "pointer");
    assert_eq!(alert["record_agency"], "dea");
    assert_eq!(alert["contact"], "DEA LA duty desk, +1 213 555 0100");
    assert_eq!(alert["content"], Value::Null);
    let shown = Value::Array(alerts.clone()).to_string();
    for secret in ["JOHN", "DOE", "1980", "informant"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    // The owner's own watcher reads it, without the protected informant flag.
    let own = cli_json(url, &["watch", "alerts", "--agency", "dea"]);
    let own = own.as_array().unwrap();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["disclosure"], "redacted");
    assert_eq!(own[0]["content"]["name"][0], "JOHN Q DOE");
    assert_eq!(own[0]["content"].get("informant"), None, "{own:?}");

    // A restricted correction: the sheriff may not even learn it exists.
    write_feed(
        &folder.join("v3"),
        "restricted",
        "S-1,JOHN QUINCY DOE,1980-01-02,true\n",
    );
    ingest(url, &folder.join("v3"));
    let again = cli_json(url, &["watch", "alerts", "--agency", "sheriff"]);
    assert_eq!(again.as_array().unwrap().len(), 1, "{again}");
    assert_eq!(
        cli_json(url, &["watch", "alerts", "--agency", "dea"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Checking again is no news.
    let repeat = cli_json(url, &["watch", "check"]);
    assert_eq!(repeat["alerts"], Value::Array(Vec::new()), "{repeat}");

    // A removed watch raises nothing more.
    cli(
        url,
        &[
            "watch", "remove", "--agency", "dea", "--user", "sa.reyes", "--id", "2",
        ],
    );
    write_feed(
        &folder.join("v4"),
        "law_enforcement",
        "S-1,J DOE,1980-01-02,false\n",
    );
    ingest(url, &folder.join("v4"));
    assert_eq!(
        cli_json(url, &["watch", "alerts", "--agency", "dea"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        cli_json(url, &["watch", "alerts", "--agency", "sheriff"])
            .as_array()
            .unwrap()
            .len(),
        2,
        "the sheriff's watch still fires"
    );

    // Every alert is a dissemination, per recipient.
    let to_sheriff = cli_json(url, &["audit", "disseminations", "--recipient", "sheriff"]);
    assert_eq!(to_sheriff.as_array().unwrap().len(), 2, "{to_sheriff}");
    assert_eq!(to_sheriff[0]["target"]["recipient_user"], "sgt.lee");
    assert_eq!(to_sheriff[0]["entry"]["case_number"], "SO-24-0117");
    let all = cli_json(url, &["audit", "disseminations"]);
    assert_eq!(all.as_array().unwrap().len(), 4, "{all}");
    let verify = cli_json(url, &["audit", "verify"]);
    assert_eq!(verify["fault"], Value::Null, "{verify}");
}

#[test]
fn a_watcher_of_another_agency_gets_a_pointer_not_content_on_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    check_pointer_not_content(folder.path(), &url);
}

#[test]
fn a_watcher_of_another_agency_gets_a_pointer_not_content_on_postgres() {
    let folder = tempfile::tempdir().unwrap();
    check_pointer_not_content(folder.path(), &pg_throwaway::fresh_database_url());
}

#[test]
fn a_watch_on_a_resolved_entity_fires_for_another_agencys_record_of_it() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
    let folder = folder.path();
    write_feed(
        &folder.join("v1"),
        "law_enforcement",
        "S-1,JOHN DOE,1980-01-02,false\nS-2,JANE ROE,1975-03-04,false\n",
    );
    ingest(&url, &folder.join("v1"));
    cli(&url, &["resolve"]);
    let watch = cli_json(
        &url,
        &[
            "watch",
            "add",
            "--agency",
            "sheriff",
            "--user",
            "sgt.lee",
            "--entity",
            "dea/subjects/S-1",
            "--why",
            "suspect",
        ],
    );
    let target = watch["target"].as_str().unwrap().to_string();
    assert!(target.starts_with("entity:"), "{watch}");
    // The same entity id, given directly, is the same target.
    let direct = cli_json(
        &url,
        &[
            "watch", "add", "--agency", "fbi", "--user", "sa.kim", "--entity", &target, "--why",
            "suspect",
        ],
    );
    assert_eq!(direct["target"], target.as_str());
    // An analyst links a record of another feed to that person; after a run, news of
    // it fires the watch.
    std::fs::create_dir_all(folder.join("other")).unwrap();
    std::fs::write(
        folder.join("other").join("people.profile.toml"),
        PROFILE.replace("SENSITIVITY", "law_enforcement").replace(
            "feed = \"subjects\"",
            "feed = \"informants\"\nfiles = [\"people.csv\"]",
        ),
    )
    .unwrap();
    std::fs::write(
        folder.join("other").join("people.csv"),
        "SUBJECT_ID,NAME,DOB,CI\nI-9,JOHNNY DOE,1980-01-02,false\n",
    )
    .unwrap();
    cli(&url, &["ingest", folder.join("other").to_str().unwrap()]);
    cli(
        &url,
        &[
            "resolve",
            "judge",
            "same",
            "dea/subjects/S-1",
            "dea/informants/I-9",
            "--by",
            "analyst.kim",
            "--why",
            "same person per case file",
        ],
    );
    // The check after that ingest ran before any run linked I-9: no news yet.
    assert_eq!(
        cli_json(&url, &["watch", "alerts", "--agency", "fbi"]),
        Value::Array(Vec::new())
    );
    cli(&url, &["resolve"]);
    // The batch stayed open for checks until a run had seen it.
    let check = cli_json(&url, &["watch", "check"]);
    assert_eq!(check["alerts"].as_array().unwrap().len(), 2, "{check}");
    let alerts = cli_json(&url, &["watch", "alerts", "--agency", "fbi"]);
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["disclosure"], "pointer");
    assert_eq!(alerts[0]["record_feed"], "informants");
    assert!(!alerts.to_string().contains("JOHNNY"), "{alerts}");
    // Done now: nothing more.
    let again = cli_json(&url, &["watch", "check"]);
    assert_eq!(again["alerts"], Value::Array(Vec::new()), "{again}");
}
