//! The TOTP routes in process: a signed-on user enrols a second factor (offer, then
//! confirm with a current code), after which log-on asks for the code; administrators
//! reset it, and nobody else may.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::{ServerOptions, router};
use service::{Service, Settings};
use store::{Agency, Store, UserAccount};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    app: Router,
    _directory: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", directory.path().join("store.db").display());
    let store = store_sqlite::SqliteStore::open(&url).expect("open store");
    store
        .directory()
        .put_agency(&Agency {
            id: "dea".to_string(),
            name: "Drug Enforcement Administration".to_string(),
            contact: "DEA desk".to_string(),
        })
        .expect("agency");
    let password_hash = auth::hash_password(PASSWORD).expect("hash");
    for (id, role) in [("dea.analyst", "analyst"), ("dea.admin", "administrator")] {
        store
            .directory()
            .create_user(&UserAccount {
                id: id.to_string(),
                agency: "dea".to_string(),
                display_name: id.to_string(),
                roles: vec![role.to_string()],
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

    fn expect(self, status: StatusCode) -> Answer {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}

impl Fixture {
    /// Sends `method path` with an optional `Cookie` or `Authorization` header value
    /// and JSON body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        credential: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some((name, value)) = credential {
            request = request.header(name, value);
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
        let cookie = response.headers().get(SET_COOKIE).map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string()
        });
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

    async fn log_on(&self, user: &str, totp: Option<&str>) -> Answer {
        self.send(
            Method::POST,
            "/api/session",
            None,
            Some(json!({"user": user, "password": PASSWORD, "totp": totp})),
        )
        .await
    }

    /// Signs on (password only) and returns the `Cookie` value.
    async fn cookie(&self, user: &str) -> String {
        self.log_on(user, None)
            .await
            .expect(StatusCode::OK)
            .cookie
            .expect("a session cookie")
    }
}

fn code_now(secret: &str) -> String {
    auth::totp::code_at(secret, chrono::Utc::now().timestamp()).unwrap()
}

/// A six-digit code no step near now gives for `secret`.
fn wrong_code(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let near: Vec<String> = (-3..=3)
        .map(|step| auth::totp::code_at(secret, now + step * 30).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

#[tokio::test]
async fn enrolling_needs_a_session() {
    let fixture = fixture();
    let answer = fixture
        .send(Method::POST, "/api/me/totp", None, None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["code"], "unauthenticated");
    fixture
        .send(
            Method::POST,
            "/api/me/totp/confirm",
            None,
            Some(json!({"code": "123456"})),
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_user_enrols_and_then_signs_on_with_the_code() {
    let fixture = fixture();
    let cookie = fixture.cookie("dea.analyst").await;
    let session = Some((COOKIE.as_str(), cookie.as_str()));
    let offer = fixture
        .send(Method::POST, "/api/me/totp", session, None)
        .await
        .expect(StatusCode::OK)
        .json();
    let secret = offer["secret"].as_str().expect("a secret").to_string();
    let uri = offer["uri"].as_str().expect("a URI");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");

    let wrong = fixture
        .send(
            Method::POST,
            "/api/me/totp/confirm",
            session,
            Some(json!({"code": wrong_code(&secret)})),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["code"], "bad_request");
    // Still without a factor: password only works.
    fixture
        .log_on("dea.analyst", None)
        .await
        .expect(StatusCode::OK);

    let confirmed = fixture
        .send(
            Method::POST,
            "/api/me/totp/confirm",
            session,
            Some(json!({"code": code_now(&secret)})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(confirmed.body.is_empty());

    let missing = fixture
        .log_on("dea.analyst", None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(missing.json()["code"], "second_factor_required");
    fixture
        .log_on("dea.analyst", Some(&code_now(&secret)))
        .await
        .expect(StatusCode::OK);

    // The administrator sees the factor; a second offer is refused.
    let admin = fixture.cookie("dea.admin").await;
    let users = fixture
        .send(
            Method::GET,
            "/api/users",
            Some((COOKIE.as_str(), admin.as_str())),
            None,
        )
        .await
        .expect(StatusCode::OK)
        .json();
    let analyst = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["id"] == "dea.analyst")
        .expect("listed");
    assert_eq!(analyst["second_factor"], true);
    fixture
        .send(Method::POST, "/api/me/totp", session, None)
        .await
        .expect(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_administrators_reset_a_factor() {
    let fixture = fixture();
    let analyst = fixture.cookie("dea.analyst").await;
    let as_analyst = Some((COOKIE.as_str(), analyst.as_str()));
    let secret = fixture
        .send(Method::POST, "/api/me/totp", as_analyst, None)
        .await
        .expect(StatusCode::OK)
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    fixture
        .send(
            Method::POST,
            "/api/me/totp/confirm",
            as_analyst,
            Some(json!({"code": code_now(&secret)})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);

    let refused = fixture
        .send(
            Method::DELETE,
            "/api/users/dea.analyst/totp",
            as_analyst,
            None,
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");

    let admin = fixture.cookie("dea.admin").await;
    let as_admin = Some((COOKIE.as_str(), admin.as_str()));
    fixture
        .send(Method::DELETE, "/api/users/nobody/totp", as_admin, None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let view = fixture
        .send(
            Method::DELETE,
            "/api/users/dea.analyst/totp",
            as_admin,
            None,
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(view["id"], "dea.analyst");
    assert_eq!(view["second_factor"], false);
    // The password alone signs on again (this server does not require a factor).
    fixture
        .log_on("dea.analyst", None)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_api_token_cannot_enrol_a_factor() {
    let fixture = fixture();
    let cookie = fixture.cookie("dea.analyst").await;
    let token = fixture
        .send(
            Method::POST,
            "/api/tokens",
            Some((COOKIE.as_str(), cookie.as_str())),
            Some(json!({"label": "script", "scopes": ["read"]})),
        )
        .await
        .expect(StatusCode::CREATED)
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {token}");
    fixture
        .send(
            Method::POST,
            "/api/me/totp",
            Some((AUTHORIZATION.as_str(), bearer.as_str())),
            None,
        )
        .await
        .expect(StatusCode::FORBIDDEN);
}
