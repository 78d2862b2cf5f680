//! The case workspace and agency/agreement administration over HTTP: status codes,
//! bodies and refusals, through the whole router onto a façade over a fresh store.

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
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.supervisor", "dea", &["supervisor"]),
    ("sheriff.supervisor", "sheriff", &["supervisor"]),
    ("hidta.admin", "hidta", &["administrator"]),
];

struct Fixture {
    app: Router,
    _directory: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", directory.path().join("store.db").display());
    let store = store_sqlite::SqliteStore::open(&url).expect("open store");
    for (id, name) in [
        ("dea", "Drug Enforcement Administration"),
        ("sheriff", "County Sheriff"),
        ("hidta", "HIDTA task force"),
    ] {
        store
            .directory()
            .put_agency(&Agency {
                id: id.to_string(),
                name: name.to_string(),
                contact: format!("{name} desk"),
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
    let service = Service::open(
        Arc::new(store),
        Arc::new(model::Schema::builtin().clone()),
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
    cookie: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Fixture {
    async fn call(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
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
        let cookie = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::to_string);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Answer {
            status,
            body,
            cookie,
        }
    }

    async fn log_on(&self, user: &str) -> String {
        let answer = self
            .call(
                Method::POST,
                "/api/session",
                None,
                Some(json!({"user": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{user} signs on");
        answer.cookie.expect("a session cookie")
    }
}

#[tokio::test]
async fn a_supervisor_opens_a_case_and_manages_its_members() {
    let fixture = fixture();
    let supervisor = fixture.log_on("dea.supervisor").await;
    let opened = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&supervisor),
            Some(json!({"id": "DEA-2024-0042", "title": "Port shipments"})),
        )
        .await;
    assert_eq!(
        opened.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&opened.body)
    );
    assert_eq!(opened.json()["agency"], "dea");
    assert_eq!(opened.json()["members"], json!(["dea.supervisor"]));
    let twice = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&supervisor),
            Some(json!({"id": "DEA-2024-0042", "title": "again"})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);

    let added = fixture
        .call(
            Method::POST,
            "/api/cases/DEA-2024-0042/members",
            Some(&supervisor),
            Some(json!({"user": "dea.analyst"})),
        )
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT);
    let analyst = fixture.log_on("dea.analyst").await;
    let workspace = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(workspace.status, StatusCode::OK);
    let body = workspace.json();
    assert_eq!(body["case"]["id"], "DEA-2024-0042");
    assert_eq!(body["may_manage"], false);
    assert!(body["records"].is_array() && body["entities"].is_array());
    let members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["user"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["dea.analyst", "dea.supervisor"]);

    // A member who does not supervise removes no one.
    let refused = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.supervisor",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");

    let removed = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.analyst",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    // No longer a member: the case is not found for them.
    let analyst = fixture.log_on("dea.analyst").await;
    let gone = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.analyst",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Another agency's supervisor neither sees nor manages it.
    let sheriff = fixture.log_on("sheriff.supervisor").await;
    let other = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&sheriff),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let other = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.supervisor",
            Some(&sheriff),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    // The administrator sees the members and no records.
    let admin = fixture.log_on("hidta.admin").await;
    let workspace = fixture
        .call(Method::GET, "/api/cases/DEA-2024-0042", Some(&admin), None)
        .await;
    assert_eq!(workspace.status, StatusCode::OK);
    assert_eq!(workspace.json()["records"], json!([]));
    assert_eq!(workspace.json()["may_manage"], true);
}

#[tokio::test]
async fn analysts_open_no_cases_and_only_administrators_change_agencies_and_agreements() {
    let fixture = fixture();
    let analyst = fixture.log_on("dea.analyst").await;
    let agreement = json!({
        "from_agency": "sheriff",
        "to_agency": "dea",
        "data_classes": ["investigative_case", "public"],
        "max_sensitivity": "law_enforcement"
    });
    for (method, path, body) in [
        (
            Method::POST,
            "/api/cases",
            Some(json!({"id": "X-1", "title": "no"})),
        ),
        (Method::GET, "/api/agreements", None),
        (Method::PUT, "/api/agreements", Some(agreement.clone())),
        (Method::DELETE, "/api/agreements/sheriff/dea", None),
        (
            Method::PUT,
            "/api/agencies/dea",
            Some(json!({"id": "dea", "name": "renamed", "contact": ""})),
        ),
    ] {
        let answer = fixture
            .call(method.clone(), path, Some(&analyst), body)
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let supervisor = fixture.log_on("dea.supervisor").await;
    let answer = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&supervisor),
            Some(agreement.clone()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = fixture
        .call(Method::GET, "/api/agreements", None, None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    let admin = fixture.log_on("hidta.admin").await;
    let put = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&admin),
            Some(agreement.clone()),
        )
        .await;
    assert_eq!(
        put.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&put.body)
    );
    let listed = fixture
        .call(Method::GET, "/api/agreements", Some(&admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([agreement]));
    let removed = fixture
        .call(
            Method::DELETE,
            "/api/agreements/sheriff/dea",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let removed = fixture
        .call(
            Method::DELETE,
            "/api/agreements/sheriff/dea",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    let bad = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&admin),
            Some(json!({"from_agency": "sheriff", "to_agency": "nowhere", "data_classes": ["public"], "max_sensitivity": "public"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let agency = json!({"id": "port", "name": "Port Police", "contact": "Port desk"});
    let put = fixture
        .call(
            Method::PUT,
            "/api/agencies/port",
            Some(&admin),
            Some(agency.clone()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!(put.json(), agency);
    let mismatch = fixture
        .call(
            Method::PUT,
            "/api/agencies/other",
            Some(&admin),
            Some(agency),
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    let agencies = fixture
        .call(Method::GET, "/api/agencies", Some(&admin), None)
        .await;
    assert!(
        agencies
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == "port")
    );
    // The administrator opens a case for another agency.
    let opened = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&admin),
            Some(json!({"id": "PORT-1", "title": "Port case", "agency": "port"})),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED);
    assert_eq!(opened.json()["members"], json!([]));
}
