//! What the in-process HTTP tests share: a fresh SQLite store with a small directory
//! of agencies and accounts, the whole router over a façade on it, and helpers to send
//! requests through it and sign on.
#![allow(dead_code)] // each test file uses some of it

use std::path::Path;
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
use store_sqlite::SqliteStore;
use tower::ServiceExt;

/// Every account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// (id, name) of an agency.
pub type AgencyRow = (&'static str, &'static str);

/// (user, agency, roles) of an account.
pub type AccountRow = (&'static str, &'static str, &'static [&'static str]);

/// A router over its own store; the folder lives as long as the fixture.
pub struct Fixture {
    pub app: Router,
    _directory: tempfile::TempDir,
}

/// A fixture with `agencies` and `accounts` and the default server options.
pub fn fixture(agencies: &[AgencyRow], accounts: &[AccountRow]) -> Fixture {
    fixture_with(agencies, accounts, &ServerOptions::default())
}

/// A fixture with `agencies` and `accounts` and the server `options`.
pub fn fixture_with(
    agencies: &[AgencyRow],
    accounts: &[AccountRow],
    options: &ServerOptions,
) -> Fixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let store = open_store(directory.path(), agencies, accounts);
    serve(store, directory, options)
}

/// A store in `folder` with `agencies` and `accounts` (no second factors).
pub fn open_store(folder: &Path, agencies: &[AgencyRow], accounts: &[AccountRow]) -> SqliteStore {
    let url = format!("sqlite:{}", folder.join("store.db").display());
    let store = SqliteStore::open(&url).expect("open store");
    for (id, name) in agencies {
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
    for (id, agency, roles) in accounts {
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
    store
}

/// The router over a façade (no second factor required) on `store`, which lives in
/// `directory`.
pub fn serve(store: SqliteStore, directory: tempfile::TempDir, options: &ServerOptions) -> Fixture {
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
        app: router(Arc::new(service), options),
        _directory: directory,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("a text header")
    }

    /// The `Cookie` value to send back, from the `Set-Cookie` header if any.
    pub fn cookie(&self) -> Option<String> {
        self.headers.get(SET_COOKIE).map(|value| {
            value
                .to_str()
                .expect("a text header")
                .split(';')
                .next()
                .unwrap()
                .to_string()
        })
    }

    /// The answer, having checked its status.
    pub fn expect(self, status: StatusCode) -> Answer {
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
    pub async fn send(&self, request: Request<Body>) -> Answer {
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

    /// Sends `method path` with an optional header (a `Cookie` or `Authorization`
    /// name and value) and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        header: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let body = match body {
            Some(body) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Sends `method path` with an optional session cookie and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let header = cookie.map(|cookie| (COOKIE.as_str(), cookie));
        self.request(method, path, header, body).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.call(Method::GET, path, cookie, None).await
    }

    pub async fn post_json(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Value,
    ) -> Answer {
        self.call(method, path, cookie, Some(body)).await
    }

    /// `method path` as `cookie`'s session, which must answer 200; the body.
    pub async fn ok(&self, method: Method, path: &str, cookie: &str, body: Option<Value>) -> Value {
        let answer = self.call(method.clone(), path, Some(cookie), body).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{method} {path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    /// The status of `method path` as `cookie`'s session.
    pub async fn status(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        body: Option<Value>,
    ) -> StatusCode {
        self.call(method, path, Some(cookie), body).await.status
    }

    /// Asks for a session with the `credentials` (user, password, perhaps a code).
    pub async fn session(&self, credentials: Value) -> Answer {
        self.call(Method::POST, "/api/session", None, Some(credentials))
            .await
    }

    pub async fn log_on_answer(&self, user: &str, password: &str) -> Answer {
        self.session(json!({"user": user, "password": password}))
            .await
    }

    /// Signs on and returns the `Cookie` header value to send back.
    pub async fn log_on(&self, user: &str) -> String {
        let answer = self.log_on_answer(user, PASSWORD).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{user} signs on: {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.cookie().expect("a session cookie")
    }
}
