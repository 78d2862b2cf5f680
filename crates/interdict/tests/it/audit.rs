//! `interdict audit`: verify, log and anchor through the binary, on SQLite and on a
//! throwaway PostgreSQL (tampered with through psql, as a database owner could).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{interdict, run_ok};

fn audit(url: &str, arguments: &[&str]) -> Command {
    let mut command = interdict();
    command
        .arg("audit")
        .args(arguments)
        .args(["--db", url])
        .env_remove("INTERDICT_DB");
    command
}

fn entries(url: &str, arguments: &[&str]) -> Vec<Value> {
    let output = run_ok(&mut audit(
        url,
        &[&["log", "--json", "--user", "reader"], arguments].concat(),
    ));
    serde_json::from_slice::<Value>(&output.stdout)
        .expect("JSON entries")
        .as_array()
        .expect("an array")
        .clone()
}

/// Runs `audit verify`, expecting exit 1, and returns its stderr.
fn verify_fails(url: &str, arguments: &[&str]) -> String {
    let output = audit(url, &[&["verify"], arguments].concat())
        .output()
        .expect("interdict runs");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "verify must fail: {stderr}");
    stderr
}

fn anchor(url: &str, file: &Path, user: &str) {
    let file = file.to_str().expect("a UTF-8 path");
    run_ok(&mut audit(url, &["anchor", "--user", user, "--out", file]));
}

#[test]
fn audit_verify_log_and_anchor_on_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("audit.sqlite").display());
    let fresh = run_ok(&mut audit(&url, &["verify"]));
    assert!(
        String::from_utf8_lossy(&fresh.stdout).contains("audit log intact: 0 entries"),
        "{fresh:?}"
    );
    let anchor_file = folder.path().join("anchor.json");
    anchor(&url, &anchor_file, "alice");
    let listed = entries(&url, &[]);
    assert_eq!(
        listed.len(),
        1,
        "reading is audited after the read: {listed:?}"
    );
    assert_eq!(listed[0]["actor"], "alice");
    assert_eq!(listed[0]["action"], "audit_access");
    assert_eq!(listed[0]["sequence"], 1);
    assert_eq!(
        entries(&url, &["--actor", "reader"]).len(),
        1,
        "the first read"
    );
    assert!(entries(&url, &["--since", "2999-01-01"]).is_empty());
    let table = run_ok(&mut audit(&url, &["log", "--user", "reader"]));
    let table = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(
        table.contains("audit_access") && table.contains("alice"),
        "{table}"
    );

    let verified = run_ok(&mut audit(
        &url,
        &["verify", "--anchor", anchor_file.to_str().unwrap()],
    ));
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("anchor at entry 1 matches"),
        "{verified:?}"
    );
    // An anchor past the end: what deleting the newest entries and the head looks like.
    let mut forged: Value =
        serde_json::from_str(&std::fs::read_to_string(&anchor_file).unwrap()).unwrap();
    forged["sequence"] = Value::from(99);
    let forged_file = folder.path().join("forged.json");
    std::fs::write(&forged_file, forged.to_string()).unwrap();
    let stderr = verify_fails(&url, &["--anchor", forged_file.to_str().unwrap()]);
    assert!(
        stderr.contains("entry 6") && stderr.contains("truncated"),
        "five entries (an anchor, four reads): the first missing one is named: {stderr}"
    );
}

#[test]
fn audit_verify_names_the_first_edited_entry_on_postgres() {
    let url = pg_throwaway::fresh_database_url();
    let folder = tempfile::tempdir().unwrap();
    let anchor_file = folder.path().join("anchor.json");
    for user in ["alice", "bob", "carol"] {
        anchor(&url, &anchor_file, user);
    }
    run_ok(&mut audit(
        &url,
        &["verify", "--anchor", anchor_file.to_str().unwrap()],
    ));
    let psql = |sql: &str| {
        run_ok(Command::new("/usr/lib/postgresql/15/bin/psql").args([
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            &url,
            "-c",
            sql,
        ]))
    };
    psql(
        "DROP TRIGGER audit_log_append_only ON audit_log; \
         UPDATE audit_log SET actor = 'mallory' WHERE sequence = 2",
    );
    let stderr = verify_fails(&url, &[]);
    assert!(
        stderr.contains("entry 2") && stderr.contains("edited"),
        "{stderr}"
    );
    // Removing the newest entry and putting the head back on the one before it fools
    // the database, but not the anchor.
    psql(
        "UPDATE audit_log SET actor = 'bob' WHERE sequence = 2; \
         DROP TRIGGER audit_head_forward_only ON audit_head; \
         DELETE FROM audit_log WHERE sequence = 3; \
         UPDATE audit_head SET sequence = 2, \
             hash = (SELECT hash FROM audit_log WHERE sequence = 2)",
    );
    run_ok(&mut audit(&url, &["verify"]));
    let stderr = verify_fails(&url, &["--anchor", anchor_file.to_str().unwrap()]);
    assert!(
        stderr.contains("entry 3") && stderr.contains("truncated"),
        "{stderr}"
    );
}
