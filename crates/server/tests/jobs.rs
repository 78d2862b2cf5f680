//! Jobs over HTTP: uploads ingested as jobs, polled, their quarantine; another
//! agency sees neither; profiles of another agency refused; the review flow's access.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::{ServerOptions, router};
use service::{Service, Settings};
use store::{Agency, Store, UserAccount};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

/// A router over its own store; the folder lives as long as the fixture.
struct Fixture {
    app: Router,
    _directory: tempfile::TempDir,
}

/// (user, agency, roles)
const ACCOUNTS: &[(&str, &str, &[&str])] = &[
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.supervisor", "dea", &["supervisor"]),
    ("sheriff.analyst", "sheriff", &["analyst"]),
];

fn fixture() -> Fixture {
    let options = &ServerOptions::default();
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", directory.path().join("store.db").display());
    let store = store_sqlite::SqliteStore::open(&url).expect("open store");
    for (id, name) in [
        ("dea", "Drug Enforcement Administration"),
        ("sheriff", "County Sheriff"),
    ] {
        store
            .directory()
            .put_agency(&Agency {
                id: id.to_string(),
                name: name.to_string(),
                contact: format!("{name} desk, +1 213 555 0100"),
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
    let settings = Settings {
        require_second_factor: false,
        ..Settings::default()
    };
    let service = Service::open(
        Arc::new(store),
        Arc::new(model::Schema::builtin().clone()),
        settings,
    )
    .expect("open the façade");
    Fixture {
        app: router(Arc::new(service), options),
        _directory: directory,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("a text header")
    }
}

impl Fixture {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post_json(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Value,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    async fn log_on_answer(&self, user: &str, password: &str) -> Answer {
        self.post_json(
            Method::POST,
            "/api/session",
            None,
            json!({"user": user, "password": password}),
        )
        .await
    }

    /// Signs on and returns the `Cookie` header value to send back.
    async fn log_on(&self, user: &str) -> String {
        let answer = self.log_on_answer(user, PASSWORD).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let set_cookie = answer.header(SET_COOKIE.as_str());
        set_cookie.split(';').next().unwrap().to_string()
    }
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
