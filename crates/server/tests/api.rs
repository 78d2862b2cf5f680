//! The HTTP API in process: requests go through the whole router (`oneshot`) onto a
//! façade over a fresh SQLite store with a small directory of accounts.

mod support;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::ServerOptions;
use support::{AccountRow, AgencyRow, Fixture, PASSWORD};
use tower::ServiceExt;

const AGENCIES: &[AgencyRow] = &[
    ("dea", "Drug Enforcement Administration"),
    ("sheriff", "County Sheriff"),
];

/// (user, agency, roles)
const ACCOUNTS: &[AccountRow] = &[
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.auditor", "dea", &["auditor"]),
    ("sheriff.analyst", "sheriff", &["analyst"]),
];

fn fixture() -> Fixture {
    fixture_with(&ServerOptions::default())
}

fn fixture_with(options: &ServerOptions) -> Fixture {
    support::fixture_with(AGENCIES, ACCOUNTS, options)
}

#[tokio::test]
async fn the_notice_needs_no_sign_in() {
    let fixture = fixture();
    let answer = fixture.get("/api/notice", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["notice"], auth::SYSTEM_USE_NOTICE);
}

#[tokio::test]
async fn log_on_sets_a_strict_http_only_session_cookie() {
    let fixture = fixture();
    let answer = fixture.log_on_answer("dea.analyst", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    let set_cookie = answer.header("set-cookie");
    assert!(set_cookie.starts_with("interdict_session="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
    assert_eq!(answer.json()["user"], "dea.analyst");
    assert!(
        answer.json().get("session").is_none(),
        "the secret stays out of the body"
    );

    let cookie = set_cookie.split(';').next().unwrap();
    let me = fixture.get("/api/me", Some(cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"], "dea.analyst");
    assert_eq!(me.json()["agency"], "dea");
}

#[tokio::test]
async fn the_cookie_is_secure_when_asked() {
    let fixture = fixture_with(&ServerOptions {
        secure_cookies: true,
    });
    let answer = fixture.log_on_answer("dea.analyst", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.header("set-cookie").contains("; Secure"));
}

#[tokio::test]
async fn a_wrong_password_is_401_with_an_error_body() {
    let fixture = fixture();
    let answer = fixture
        .log_on_answer("dea.analyst", "not the password at all")
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.headers.get("set-cookie").is_none());
    let body = answer.json();
    assert_eq!(body["code"], "unauthenticated");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|message| !message.is_empty())
    );
}

#[tokio::test]
async fn me_without_a_session_is_401() {
    let fixture = fixture();
    let answer = fixture.get("/api/me", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["code"], "unauthenticated");

    let forged = fixture
        .get("/api/me", Some("interdict_session=forged"))
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn log_off_ends_the_session_and_clears_the_cookie() {
    let fixture = fixture();
    let cookie = fixture.log_on("dea.analyst").await;
    let request = Request::delete("/api/session")
        .header(COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let answer = fixture.send(request).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.header("set-cookie").contains("Max-Age=0"));
    let after = fixture.get("/api/me", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_auditor_reads_the_audit_log_and_an_analyst_may_not() {
    let fixture = fixture();
    let auditor = fixture.log_on("dea.auditor").await;
    let answer = fixture.get("/api/audit?limit=10", Some(&auditor)).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let entries = answer.json();
    assert!(
        entries
            .as_array()
            .is_some_and(|entries| !entries.is_empty()),
        "log-ons are audited: {entries}"
    );

    let analyst = fixture.log_on("dea.analyst").await;
    let refused = fixture.get("/api/audit", Some(&analyst)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");
}

#[tokio::test]
async fn an_api_token_authenticates_as_bearer() {
    let fixture = fixture();
    let cookie = fixture.log_on("dea.analyst").await;
    let issued = fixture
        .post_json(
            Method::POST,
            "/api/tokens",
            Some(&cookie),
            json!({"label": "a script", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(
        issued.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let secret = issued.json()["secret"].as_str().unwrap().to_string();
    let request = Request::get("/api/me")
        .header("authorization", format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let me = fixture.send(request).await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&me.body)
    );
    assert_eq!(me.json()["user"], "dea.analyst");

    let wrong = Request::get("/api/me")
        .header("authorization", "Basic ZGVhOmRlYQ==")
        .body(Body::empty())
        .unwrap();
    assert_eq!(fixture.send(wrong).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let fixture = fixture();
    let cookie = fixture.log_on("dea.analyst").await;
    for answer in [
        fixture.get("/api/notice", None).await,
        fixture.get("/api/me", None).await,
        fixture.get("/api/me", Some(&cookie)).await,
        fixture.get("/no/such/page", None).await,
        fixture.get("/", None).await,
    ] {
        assert_eq!(
            answer.header("content-security-policy"),
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
        );
        assert_eq!(answer.header("x-content-type-options"), "nosniff");
        assert_eq!(answer.header("referrer-policy"), "no-referrer");
        assert_eq!(answer.header("x-frame-options"), "DENY");
    }
}

#[tokio::test]
async fn the_ui_is_served_from_the_binary() {
    let fixture = fixture();
    let index = fixture.get("/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(index.header("cache-control"), "no-cache");
    let css = fixture.get("/assets/app.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(
        fixture.get("/assets/no-such.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fixture.get("/assets/PROVENANCE.md", None).await.status,
        StatusCode::NOT_FOUND,
        "developer notes are not embedded"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let fixture = fixture();
    let answer = fixture.get("/api/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    let document = answer.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/api/search"]["get"].is_object());
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused_with_the_error_body() {
    let fixture = fixture();
    let request = Request::post("/api/session")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let malformed = fixture.send(request).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["code"], "bad_request");

    let huge = format!(
        r#"{{"user": "dea.analyst", "password": "{}"}}"#,
        "x".repeat(server::MAX_BODY_BYTES)
    );
    let request = Request::post("/api/session")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    let oversized = fixture.send(request).await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.json()["code"], "payload_too_large");
}

#[tokio::test]
async fn a_bad_case_number_header_is_refused() {
    let fixture = fixture();
    let cookie = fixture.log_on("dea.analyst").await;
    let request = Request::get("/api/me")
        .header(COOKIE, &cookie)
        .header("x-case-number", "x".repeat(65))
        .body(Body::empty())
        .unwrap();
    assert_eq!(fixture.send(request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_conflicting_operation_reaches_the_other_agencys_alert_stream_only() {
    let fixture = fixture();
    let dea = fixture.log_on("dea.analyst").await;
    let sheriff = fixture.log_on("sheriff.analyst").await;

    let stream_request = |cookie: &str| {
        Request::get("/api/alerts/stream")
            .header(COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let dea_stream = fixture
        .app
        .clone()
        .oneshot(stream_request(&dea))
        .await
        .unwrap();
    assert_eq!(dea_stream.status(), StatusCode::OK);
    assert_eq!(
        dea_stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut dea_events = dea_stream.into_body();

    let operation = |name: &str| {
        json!({
            "name": name,
            "latitude": 34.05, "longitude": -118.25, "radius_m": 500.0,
            "starts_at": "2030-01-10T06:00:00Z", "ends_at": "2030-01-10T10:00:00Z",
            "contact_name": "Duty desk", "contact_phone": "+1 213 555 0199"
        })
    };
    let first = fixture
        .post_json(
            Method::POST,
            "/api/operations",
            Some(&dea),
            operation("dawn raid"),
        )
        .await;
    assert_eq!(
        first.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let second = fixture
        .post_json(
            Method::POST,
            "/api/operations",
            Some(&sheriff),
            operation("buy-bust"),
        )
        .await;
    assert_eq!(
        second.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    assert_eq!(second.json()["conflicts"].as_array().map(Vec::len), Some(1));

    // The DEA stream gets the alert addressed to DEA (the earlier operation's agency
    // is told of the new one).
    let frame = tokio::time::timeout(std::time::Duration::from_secs(10), dea_events.frame())
        .await
        .expect("an alert within 10 s")
        .expect("a frame")
        .expect("no error");
    let text = String::from_utf8(frame.into_data().expect("data").to_vec()).unwrap();
    assert!(text.starts_with("event: alert\n"), "{text}");
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("a data line");
    let alert: Value = serde_json::from_str(data).unwrap();
    assert_eq!(alert["agency"], "dea");
    let nothing_more =
        tokio::time::timeout(std::time::Duration::from_millis(500), dea_events.frame()).await;
    assert!(
        nothing_more.is_err(),
        "the sheriff's alert stays off the DEA stream"
    );
}
