//! The 28 CFR Part 23 routes in process (validation, watches, retention, the
//! dissemination log): a small DEA criminal-intelligence feed ingested into a fresh
//! SQLite store, accounts of each role, every request through the whole router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::{ServerOptions, router};
use service::{Service, Settings};
use store::{Agency, Store, UserAccount};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

/// (user, agency, roles)
const ACCOUNTS: &[(&str, &str, &[&str])] = &[
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

struct Fixture {
    app: Router,
    _directory: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", directory.path().join("store.db").display());
    let store = store_sqlite::SqliteStore::open(&url).expect("open store");
    for id in ["dea", "sheriff"] {
        store
            .directory()
            .put_agency(&Agency {
                id: id.to_string(),
                name: id.to_uppercase(),
                contact: format!("{id} desk, +1 213 555 0100"),
            })
            .expect("agency");
    }
    let password_hash = auth::hash_password(PASSWORD).expect("hash");
    for (id, agency, roles) in ACCOUNTS {
        store
            .directory()
            .create_user(&UserAccount {
                id: id.to_string(),
                agency: agency.to_string(),
                display_name: id.to_string(),
                roles: roles.iter().map(|role| role.to_string()).collect(),
                clearance: model::Sensitivity::LawEnforcement,
                caveats: Vec::new(),
                password_hash: password_hash.clone(),
                totp_secret: None,
                locked_at: None,
                disabled: false,
                created_at: chrono::Utc::now(),
            })
            .expect("account");
    }
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
    let schema = model::Schema::builtin();
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
    let service = Service::open(
        Arc::new(store),
        Arc::new(schema.clone()),
        Settings {
            require_second_factor: false,
            ..Settings::default()
        },
    )
    .expect("open the façade");
    Fixture {
        app: router(Arc::new(service), &ServerOptions::default()),
        _directory: directory,
    }
}

struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Fixture {
    async fn send(&self, method: Method, path: &str, cookie: &str, body: Option<Value>) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(COOKIE, cookie);
        let body = match body {
            Some(body) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .expect("infallible");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Answer { status, body }
    }

    async fn log_on(&self, user: &str) -> String {
        let request = Request::post("/api/session")
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"user": user, "password": PASSWORD}).to_string(),
            ))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "{user} signs on");
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    async fn ok(&self, method: Method, path: &str, cookie: &str, body: Option<Value>) -> Value {
        let answer = self.send(method.clone(), path, cookie, body).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{method} {path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    async fn status(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        body: Option<Value>,
    ) -> StatusCode {
        self.send(method, path, cookie, body).await.status
    }
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
