//! Jobs over HTTP: uploads ingested as jobs, polled, their quarantine; another
//! agency sees neither; profiles of another agency refused; the review flow's access.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{AccountRow, AgencyRow, Fixture};

const AGENCIES: &[AgencyRow] = &[
    ("dea", "Drug Enforcement Administration"),
    ("sheriff", "County Sheriff"),
];

/// (user, agency, roles)
const ACCOUNTS: &[AccountRow] = &[
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.supervisor", "dea", &["supervisor"]),
    ("sheriff.analyst", "sheriff", &["analyst"]),
];

fn fixture() -> Fixture {
    support::fixture(AGENCIES, ACCOUNTS)
}

const PROFILE: &str = include_str!("../../../e2e/fixtures/field_interviews.profile.toml");
const DATA: &str = include_str!("../../../e2e/fixtures/field_interviews.csv");

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut buffer = [0u8; 3];
        buffer[..chunk.len()].copy_from_slice(chunk);
        let value = u32::from_be_bytes([0, buffer[0], buffer[1], buffer[2]]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(ALPHABET[(value >> (18 - 6 * index) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn wait_for_job(fixture: &Fixture, cookie: &str, job: u64) -> Value {
    for _ in 0..600 {
        let answer = fixture.get(&format!("/api/jobs/{job}"), Some(cookie)).await;
        assert_eq!(answer.status, StatusCode::OK);
        let view = answer.json();
        if view["state"] == "done" || view["state"] == "failed" {
            return view;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("job {job} did not finish");
}

#[tokio::test]
async fn an_upload_is_a_job_its_quarantine_is_its_agencys_only() {
    let fixture = fixture();
    let sheriff = fixture.log_on("sheriff.analyst").await;
    let started = fixture
        .post_json(
            Method::POST,
            "/api/ingest",
            Some(&sheriff),
            json!({"file_name": "field_interviews.csv", "data_base64": base64(DATA.as_bytes()), "profile_toml": PROFILE}),
        )
        .await;
    assert_eq!(
        started.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let job = started.json()["job"].as_u64().expect("a job id");
    let view = wait_for_job(&fixture, &sheriff, job).await;
    assert_eq!(view["state"], "done", "{view}");
    assert_eq!(view["kind"], "ingest");
    assert_eq!(view["result"]["rows_read"], 4);
    assert_eq!(view["result"]["rows_quarantined"], 1);
    let batch = view["result"]["batch"].as_str().expect("batch").to_string();

    let listed = fixture.get("/api/jobs", Some(&sheriff)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed
            .json()
            .as_array()
            .expect("array")
            .iter()
            .any(|item| item["id"] == job)
    );

    let rows = fixture
        .get(&format!("/api/batches/{batch}/quarantine"), Some(&sheriff))
        .await;
    assert_eq!(rows.status, StatusCode::OK);
    let rows = rows.json();
    assert_eq!(rows.as_array().expect("array").len(), 1);
    assert_eq!(rows[0]["file"], "field_interviews.csv");
    assert_eq!(rows[0]["line"], 4);
    assert_eq!(rows[0]["field"], "DOB");

    let dea = fixture.log_on("dea.analyst").await;
    let other = fixture.get(&format!("/api/jobs/{job}"), Some(&dea)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let other = fixture.get("/api/jobs", Some(&dea)).await;
    assert_eq!(other.json(), json!([]));
    let other = fixture
        .get(&format!("/api/batches/{batch}/quarantine"), Some(&dea))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        fixture.get("/api/jobs/nope", Some(&dea)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fixture.get("/api/jobs", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn uploads_of_another_agencys_profile_or_bad_base64_are_refused() {
    let fixture = fixture();
    let dea = fixture.log_on("dea.analyst").await;
    let refused = fixture
        .post_json(
            Method::POST,
            "/api/ingest",
            Some(&dea),
            json!({"file_name": "x.csv", "data_base64": base64(DATA.as_bytes()), "profile_toml": PROFILE}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");
    let bad = fixture
        .post_json(
            Method::POST,
            "/api/ingest",
            Some(&dea),
            json!({"file_name": "x.csv", "data_base64": "***", "profile_toml": PROFILE}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_review_flow_is_on_the_callers_view() {
    let fixture = fixture();
    let dea = fixture.log_on("dea.analyst").await;
    let queue = fixture
        .get("/api/resolution/review?limit=10", Some(&dea))
        .await;
    assert_eq!(queue.status, StatusCode::OK);
    assert_eq!(queue.json(), json!([]));
    let unknown = fixture
        .post_json(
            Method::POST,
            "/api/resolution/judgements",
            Some(&dea),
            json!({"left": "00000000000000000000000000000001", "right": "00000000000000000000000000000002", "same": false, "reason": "different people"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let run = fixture
        .post_json(Method::POST, "/api/resolution/run", Some(&dea), json!({}))
        .await;
    assert_eq!(run.status, StatusCode::FORBIDDEN);
    let supervisor = fixture.log_on("dea.supervisor").await;
    let run = fixture
        .post_json(
            Method::POST,
            "/api/resolution/run",
            Some(&supervisor),
            json!({}),
        )
        .await;
    assert_eq!(
        run.status,
        StatusCode::BAD_REQUEST,
        "no runner in this server"
    );
}
