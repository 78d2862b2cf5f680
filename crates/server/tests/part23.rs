//! The 28 CFR Part 23 routes in process (validation, watches, retention, the
//! dissemination log): a small DEA criminal-intelligence feed ingested into a fresh
//! SQLite store, accounts of each role, every request through the whole router.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use server::ServerOptions;
use support::{AccountRow, AgencyRow, Fixture};

const AGENCIES: &[AgencyRow] = &[("dea", "DEA"), ("sheriff", "SHERIFF")];

/// (user, agency, roles)
const ACCOUNTS: &[AccountRow] = &[
    ("dea.supervisor", "dea", &["supervisor"]),
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.auditor", "dea", &["auditor"]),
    ("sheriff.analyst", "sheriff", &["analyst"]),
];

const PROFILE: &str = r#"
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
"#;

fn fixture() -> Fixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let store = support::open_store(directory.path(), AGENCIES, ACCOUNTS);
    let feed = directory.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::write(feed.join("intel.profile.toml"), PROFILE).unwrap();
    std::fs::write(
        feed.join("intel.csv"),
        "SUBJECT_ID,NAME,ENTERED,REVIEW\n\
         C-1,JOHN DOE,2022-01-10,2024-06-30\n\
         C-2,JANE ROE,2026-01-10,2030-12-31\n",
    )
    .unwrap();
    let jobs = ingest::discover(&feed).expect("the feed");
    let profile = &jobs[0].profile;
    let report = ingest::ingest_file(
        &store,
        profile,
        &feed.join("intel.csv"),
        &ingest::IngestOptions::new(chrono::Utc::now()),
        &mut |_| {},
    )
    .expect("ingesting");
    assert_eq!(report.counts.records_written, 2);
    support::serve(store, directory, &ServerOptions::default())
}

#[tokio::test]
async fn a_supervisor_validates_and_an_analyst_may_not() {
    let fixture = fixture();
    let supervisor = fixture.log_on("dea.supervisor").await;
    let analyst = fixture.log_on("dea.analyst").await;
    let pending = fixture
        .ok(Method::GET, "/api/validations/pending", &supervisor, None)
        .await;
    let pending = pending.as_array().unwrap().clone();
    assert_eq!(pending.len(), 2, "{pending:?}");
    let record = pending[0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/validations/{record}");
    assert_eq!(
        fixture
            .status(Method::GET, "/api/validations/pending", &analyst, None)
            .await,
        StatusCode::FORBIDDEN
    );
    let decision = json!({"validated": true, "note": "predicate reviewed"});
    assert_eq!(
        fixture
            .status(Method::POST, &path, &analyst, Some(decision.clone()))
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fixture
            .status(
                Method::POST,
                &path,
                &supervisor,
                Some(json!({"validated": true, "note": ""}))
            )
            .await,
        StatusCode::BAD_REQUEST,
        "a validation needs a note"
    );
    fixture
        .ok(Method::POST, &path, &supervisor, Some(decision))
        .await;
    let after = fixture
        .ok(Method::GET, "/api/validations/pending", &supervisor, None)
        .await;
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_ne!(after[0]["id"], record.as_str());
}

#[tokio::test]
async fn watches_are_added_listed_and_removed_by_law_enforcement_only() {
    let fixture = fixture();
    let analyst = fixture.log_on("dea.analyst").await;
    let auditor = fixture.log_on("dea.auditor").await;
    let supervisor = fixture.log_on("dea.supervisor").await;
    let pending = fixture
        .ok(Method::GET, "/api/validations/pending", &supervisor, None)
        .await;
    let record = pending[0]["id"].as_str().unwrap().to_string();
    let request = json!({"entity": record, "reason": "subject of interest"});
    assert_eq!(
        fixture
            .status(
                Method::POST,
                "/api/watches",
                &auditor,
                Some(request.clone())
            )
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fixture
            .status(
                Method::POST,
                "/api/watches",
                &analyst,
                Some(json!({"entity": "no-such-entity", "reason": "x"}))
            )
            .await,
        StatusCode::NOT_FOUND
    );
    let watch = fixture
        .ok(Method::POST, "/api/watches", &analyst, Some(request))
        .await;
    assert!(
        watch["target"].as_str().unwrap().starts_with("key:"),
        "{watch}"
    );
    assert_eq!(watch["active"], true);
    let listed = fixture
        .ok(Method::GET, "/api/watches", &supervisor, None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "the agency's watches");
    let path = format!("/api/watches/{}", watch["id"]);
    let removed = fixture.ok(Method::DELETE, &path, &analyst, None).await;
    assert_eq!(removed["active"], false);
    assert_eq!(
        fixture.status(Method::DELETE, &path, &analyst, None).await,
        StatusCode::BAD_REQUEST,
        "removed once"
    );
    assert_eq!(
        fixture
            .status(Method::GET, "/api/watches", &auditor, None)
            .await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_supervisor_reviews_and_purges_and_the_auditor_reads_the_trail() {
    let fixture = fixture();
    let supervisor = fixture.log_on("dea.supervisor").await;
    let analyst = fixture.log_on("dea.analyst").await;
    let sheriff = fixture.log_on("sheriff.analyst").await;
    let auditor = fixture.log_on("dea.auditor").await;
    // C-1's review date has passed; C-2 falls due within ten years.
    let due = fixture
        .ok(Method::GET, "/api/retention/due", &supervisor, None)
        .await;
    assert_eq!(due.as_array().unwrap().len(), 1, "{due}");
    assert_eq!(due[0]["effective_review_by"], "2024-06-30");
    let window = fixture
        .ok(
            Method::GET,
            "/api/retention/due?within=3650",
            &supervisor,
            None,
        )
        .await;
    assert_eq!(window.as_array().unwrap().len(), 2);
    assert_eq!(
        fixture
            .status(Method::GET, "/api/retention/due", &analyst, None)
            .await,
        StatusCode::FORBIDDEN
    );
    let record = due[0]["record"].as_str().unwrap().to_string();
    let purge = json!({"record": record, "reason": "28 CFR 23.54: review lapsed"});
    for refused in [&analyst, &sheriff] {
        assert_eq!(
            fixture
                .status(
                    Method::POST,
                    "/api/retention/purge",
                    refused,
                    Some(purge.clone())
                )
                .await,
            StatusCode::FORBIDDEN
        );
    }
    let report = fixture
        .ok(
            Method::POST,
            "/api/retention/purge",
            &supervisor,
            Some(purge.clone()),
        )
        .await;
    assert_eq!(report["tombstone"]["record"], record.as_str());
    assert_eq!(report["tombstone"]["purged_by"], "dea.supervisor");
    assert!(report["notify"].is_array());
    assert_eq!(
        fixture
            .status(
                Method::POST,
                "/api/retention/purge",
                &supervisor,
                Some(purge)
            )
            .await,
        StatusCode::NOT_FOUND,
        "purged once"
    );
    let pending = fixture
        .ok(Method::GET, "/api/validations/pending", &supervisor, None)
        .await;
    assert!(
        pending
            .as_array()
            .unwrap()
            .iter()
            .all(|view| view["id"] != record.as_str())
    );
    let trail = fixture
        .ok(
            Method::GET,
            "/api/disseminations?agency=dea",
            &auditor,
            None,
        )
        .await;
    assert!(trail.is_array());
    fixture
        .ok(
            Method::GET,
            &format!("/api/disseminations?record={record}"),
            &supervisor,
            None,
        )
        .await;
    assert_eq!(
        fixture
            .status(Method::GET, "/api/disseminations", &analyst, None)
            .await,
        StatusCode::FORBIDDEN
    );
}
