//! The TOTP routes in process: a signed-on user enrols a second factor (offer, then
//! confirm with a current code), after which log-on asks for the code; administrators
//! reset it, and nobody else may.

mod support;

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{AccountRow, AgencyRow, Answer, Fixture, PASSWORD};

const AGENCIES: &[AgencyRow] = &[("dea", "Drug Enforcement Administration")];

/// (user, agency, roles)
const ACCOUNTS: &[AccountRow] = &[
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.admin", "dea", &["administrator"]),
];

fn fixture() -> Fixture {
    support::fixture(AGENCIES, ACCOUNTS)
}

/// Signs on with the password and perhaps a second-factor `totp` code.
async fn log_on(fixture: &Fixture, user: &str, totp: Option<&str>) -> Answer {
    fixture
        .session(json!({"user": user, "password": PASSWORD, "totp": totp}))
        .await
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
        .request(Method::POST, "/api/me/totp", None, None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["code"], "unauthenticated");
    fixture
        .request(
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
    let cookie = fixture.log_on("dea.analyst").await;
    let session = Some((COOKIE.as_str(), cookie.as_str()));
    let offer = fixture
        .request(Method::POST, "/api/me/totp", session, None)
        .await
        .expect(StatusCode::OK)
        .json();
    let secret = offer["secret"].as_str().expect("a secret").to_string();
    let uri = offer["uri"].as_str().expect("a URI");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");

    let wrong = fixture
        .request(
            Method::POST,
            "/api/me/totp/confirm",
            session,
            Some(json!({"code": wrong_code(&secret)})),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["code"], "bad_request");
    // Still without a factor: password only works.
    log_on(&fixture, "dea.analyst", None)
        .await
        .expect(StatusCode::OK);

    let confirmed = fixture
        .request(
            Method::POST,
            "/api/me/totp/confirm",
            session,
            Some(json!({"code": code_now(&secret)})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(confirmed.body.is_empty());

    let missing = log_on(&fixture, "dea.analyst", None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(missing.json()["code"], "second_factor_required");
    log_on(&fixture, "dea.analyst", Some(&code_now(&secret)))
        .await
        .expect(StatusCode::OK);

    // The administrator sees the factor; a second offer is refused.
    let admin = fixture.log_on("dea.admin").await;
    let users = fixture
        .request(
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
        .request(Method::POST, "/api/me/totp", session, None)
        .await
        .expect(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_administrators_reset_a_factor() {
    let fixture = fixture();
    let analyst = fixture.log_on("dea.analyst").await;
    let as_analyst = Some((COOKIE.as_str(), analyst.as_str()));
    let secret = fixture
        .request(Method::POST, "/api/me/totp", as_analyst, None)
        .await
        .expect(StatusCode::OK)
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    fixture
        .request(
            Method::POST,
            "/api/me/totp/confirm",
            as_analyst,
            Some(json!({"code": code_now(&secret)})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);

    let refused = fixture
        .request(
            Method::DELETE,
            "/api/users/dea.analyst/totp",
            as_analyst,
            None,
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");

    let admin = fixture.log_on("dea.admin").await;
    let as_admin = Some((COOKIE.as_str(), admin.as_str()));
    fixture
        .request(Method::DELETE, "/api/users/nobody/totp", as_admin, None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let view = fixture
        .request(
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
    log_on(&fixture, "dea.analyst", None)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_api_token_cannot_enrol_a_factor() {
    let fixture = fixture();
    let cookie = fixture.log_on("dea.analyst").await;
    let token = fixture
        .request(
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
        .request(
            Method::POST,
            "/api/me/totp",
            Some((AUTHORIZATION.as_str(), bearer.as_str())),
            None,
        )
        .await
        .expect(StatusCode::FORBIDDEN);
}
