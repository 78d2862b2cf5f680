//! `interdict agencies | users | agreements | cases` through the binary: the first
//! agency and administrator of a fresh store (password on stdin, never listed),
//! refusals that name what is wrong, TOTP enrolment by the operator, and an audit log
//! that records every change and still verifies.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::{interdict, run_ok};

const PASSWORD: &str = "correct horse battery staple";

fn command(url: &str, arguments: &[&str]) -> Command {
    let mut command = interdict();
    command
        .args(arguments)
        .args(["--db", url])
        .env_remove("INTERDICT_DB")
        .env("USER", "operator.one");
    command
}

/// Runs a command with `stdin` piped in.
fn with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("interdict runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writing stdin");
    child.wait_with_output().expect("interdict ends")
}

fn ok(url: &str, arguments: &[&str]) -> String {
    String::from_utf8(run_ok(&mut command(url, arguments)).stdout).unwrap()
}

fn json(url: &str, arguments: &[&str]) -> Value {
    let stdout = ok(url, &[arguments, &["--json"]].concat());
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// Runs a command that must fail and returns its stderr.
fn fails(output: Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !output.status.success(),
        "expected a failure; stdout: {}; stderr: {stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

/// Runs a command that must fail and returns its stderr.
fn refusal(url: &str, arguments: &[&str]) -> String {
    fails(command(url, arguments).output().unwrap())
}

fn add_user(url: &str, arguments: &[&str], password: &str) -> Output {
    with_stdin(
        command(url, &[&["users", "add"], arguments].concat()),
        &format!("{password}\n"),
    )
}

/// Adds a user of one role, which must be refused; its stderr.
fn add_user_refused(
    url: &str,
    (id, agency, role, clearance): (&str, &str, &str, &str),
    password: &str,
) -> String {
    let arguments = [
        "--id",
        id,
        "--agency",
        agency,
        "--role",
        role,
        "--clearance",
        clearance,
    ];
    fails(add_user(url, &arguments, password))
}

#[test]
fn the_first_agency_and_administrator_of_a_fresh_store() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());

    ok(
        &url,
        &[
            "agencies",
            "add",
            "--id",
            "dea",
            "--name",
            "Drug Enforcement Administration",
            "--contact",
            "DEA desk, +1 213 555 0100",
        ],
    );
    let agencies = json(&url, &["agencies", "list"]);
    assert_eq!(agencies[0]["id"], "dea", "{agencies}");
    assert_eq!(agencies[0]["contact"], "DEA desk, +1 213 555 0100");
    let again = refusal(
        &url,
        &[
            "agencies",
            "add",
            "--id",
            "dea",
            "--name",
            "x",
            "--contact",
            "y",
        ],
    );
    assert!(again.contains("agency \"dea\" already exists"), "{again}");

    let admin = [
        "--id",
        "dea.admin",
        "--agency",
        "dea",
        "--role",
        "administrator",
        "--role",
        "Auditor",
        "--clearance",
        "law_enforcement",
        "--caveat",
        "noforn",
        "--name",
        "Pat Admin",
    ];
    let added = add_user(&url, &admin, PASSWORD);
    assert!(added.status.success(), "{added:?}");

    // Listed without its hash; no secret anywhere in the output.
    let listing = ok(&url, &["users", "list", "--json"]);
    assert!(!listing.contains("argon2"), "{listing}");
    assert!(!listing.contains("password"), "{listing}");
    let users: Value = serde_json::from_str(&listing).unwrap();
    let user = &users[0];
    assert_eq!(user["id"], "dea.admin");
    assert_eq!(user["display_name"], "Pat Admin");
    assert_eq!(
        user["roles"],
        serde_json::json!(["administrator", "auditor"])
    );
    assert_eq!(user["clearance"], "law_enforcement");
    assert_eq!(user["caveats"], serde_json::json!(["NOFORN"]));
    assert_eq!(user["second_factor"], false);
    let table = ok(&url, &["users", "list"]);
    assert!(table.contains("dea.admin"), "{table}");
    assert!(!table.contains("argon2"), "{table}");

    // Refusals name what is wrong, and change nothing.
    let duplicate = fails(add_user(&url, &admin, PASSWORD));
    assert!(
        duplicate.contains("user \"dea.admin\" already exists"),
        "{duplicate}"
    );
    let weak = add_user_refused(&url, ("weak", "dea", "analyst", "public"), "short");
    assert!(weak.contains("too short"), "{weak}");
    let no_agency = add_user_refused(&url, ("x", "fbi", "analyst", "public"), PASSWORD);
    assert!(no_agency.contains("unknown agency \"fbi\""), "{no_agency}");
    let no_role = add_user_refused(&url, ("x", "dea", "wizard", "public"), PASSWORD);
    assert!(no_role.contains("unknown role \"wizard\""), "{no_role}");
    let no_clearance = add_user_refused(&url, ("x", "dea", "analyst", "top"), PASSWORD);
    assert!(
        no_clearance.contains("bad clearance \"top\""),
        "{no_clearance}"
    );
    assert_eq!(json(&url, &["users", "list"]).as_array().unwrap().len(), 1);

    // The operator enrols the second factor: the URI and the secret, shown once.
    let enrolled = run_ok(&mut command(&url, &["users", "totp", "--id", "dea.admin"]));
    let stdout = String::from_utf8(enrolled.stdout.clone()).unwrap();
    let uri = stdout.lines().next().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Interdict:dea.admin?secret="),
        "{stdout}"
    );
    let secret = stdout
        .lines()
        .find_map(|line| line.strip_prefix("secret: "))
        .expect("the secret");
    assert!(uri.contains(secret));
    assert!(
        String::from_utf8_lossy(&enrolled.stderr).contains("shown once"),
        "{enrolled:?}"
    );
    assert_eq!(json(&url, &["users", "list"])[0]["second_factor"], true);
    assert!(!ok(&url, &["users", "list", "--json"]).contains(secret));
    let unknown = refusal(&url, &["users", "totp", "--id", "nobody"]);
    assert!(unknown.contains("unknown user \"nobody\""), "{unknown}");

    ok(&url, &["users", "unlock", "--id", "dea.admin"]);

    // Agreements and cases.
    ok(
        &url,
        &[
            "agencies",
            "add",
            "--id",
            "sheriff",
            "--name",
            "County Sheriff",
            "--contact",
            "Desk",
        ],
    );
    ok(
        &url,
        &[
            "agreements",
            "add",
            "--from",
            "dea",
            "--to",
            "sheriff",
            "--class",
            "investigative_case",
            "--class",
            "public",
            "--up-to",
            "sensitive",
        ],
    );
    let agreements = json(&url, &["agreements", "list"]);
    assert_eq!(agreements[0]["from_agency"], "dea", "{agreements}");
    assert_eq!(
        agreements[0]["data_classes"],
        serde_json::json!(["investigative_case", "public"])
    );
    assert_eq!(agreements[0]["max_sensitivity"], "sensitive");
    let bad_class = refusal(
        &url,
        &[
            "agreements",
            "add",
            "--from",
            "dea",
            "--to",
            "sheriff",
            "--class",
            "gossip",
            "--up-to",
            "public",
        ],
    );
    assert!(
        bad_class.contains("unknown data class \"gossip\""),
        "{bad_class}"
    );

    ok(
        &url,
        &[
            "cases",
            "add",
            "--id",
            "DEA-24-001",
            "--agency",
            "dea",
            "--title",
            "Harbour",
            "--member",
            "dea.admin",
        ],
    );
    let refused = refusal(
        &url,
        &[
            "cases",
            "member",
            "--case",
            "DEA-24-001",
            "--user",
            "nobody",
        ],
    );
    assert!(refused.contains("unknown user \"nobody\""), "{refused}");
    ok(
        &url,
        &[
            "cases",
            "member",
            "--case",
            "DEA-24-001",
            "--user",
            "dea.admin",
            "--remove",
        ],
    );
    let cases = json(&url, &["cases", "list"]);
    assert_eq!(cases[0]["id"], "DEA-24-001", "{cases}");
    assert_eq!(cases[0]["members"], serde_json::json!([]));
    assert_eq!(cases[0]["created_by"], "operator.one");

    ok(&url, &["users", "disable", "--id", "dea.admin"]);
    assert_eq!(json(&url, &["users", "list"])[0]["disabled"], true);

    // Every change is in the audit log, by the operator, from the CLI; it verifies.
    let verify = json(&url, &["audit", "verify"]);
    assert_eq!(verify["fault"], Value::Null, "{verify}");
    let log = json(
        &url,
        &["audit", "log", "--user", "reader", "--limit", "1000"],
    );
    let changes: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["actor"] == "operator.one" && entry["source"] == "cli")
        .map(|entry| {
            format!(
                "{} {}",
                entry["action"].as_str().unwrap(),
                entry["target"].as_str().unwrap()
            )
        })
        .collect();
    let expected = [
        "privileged_action agency add;agency=dea",
        "permission_change user=dea.admin;agency=dea;roles=administrator,auditor;clearance=law_enforcement;caveats=NOFORN",
        "permission_change totp enrolled;user=dea.admin",
        "permission_change unlock;user=dea.admin",
        "privileged_action agency add;agency=sheriff",
        "permission_change agreement;from=dea;to=sheriff;classes=investigative_case,public;up_to=sensitive",
        "permission_change case=DEA-24-001;agency=dea;members=dea.admin",
        "permission_change case=DEA-24-001;remove=dea.admin",
        "permission_change disable;user=dea.admin",
    ];
    assert_eq!(changes, expected, "{log}");
}
