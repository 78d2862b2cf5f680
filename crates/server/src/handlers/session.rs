//! The system-use notice, log-on and log-off, the signed-on user, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use service::{LogonRequest, Me};

use crate::extract::{JsonBody, SourceAddress};
use crate::{ApiError, AppState, Authenticated, SESSION_COOKIE};

#[derive(Serialize)]
pub(crate) struct Notice {
    notice: &'static str,
}

/// `GET /api/notice`: shown before log-on, so it needs none.
pub(crate) async fn notice(State(state): State<AppState>) -> Json<Notice> {
    Json(Notice {
        notice: state.service.system_use_notice(),
    })
}

/// `POST /api/session`: the session secret goes into an HttpOnly cookie, never into
/// the body, so scripts on the page cannot read it.
pub(crate) async fn log_on(
    State(state): State<AppState>,
    SourceAddress(source): SourceAddress,
    JsonBody(request): JsonBody<LogonRequest>,
) -> Result<Response, ApiError> {
    let granted = state
        .call(move |service| service.log_on(&request, &source))
        .await?;
    let cookie = session_cookie(&granted.session, state.secure_cookies)?;
    Ok(([(SET_COOKIE, cookie)], Json(granted.me)).into_response())
}

/// `DELETE /api/session`: ends the session and clears the cookie.
pub(crate) async fn log_off(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Response, ApiError> {
    state.call(move |service| service.log_off(&actor)).await?;
    let cleared = session_cookie("", state.secure_cookies)?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cleared)]).into_response())
}

/// `GET /api/me`.
pub(crate) async fn me(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(state.call(move |service| service.me(&actor)).await?))
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    label: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct IssuedToken {
    id: String,
    /// Shown once; only its hash is stored.
    secret: String,
}

/// `POST /api/tokens`.
pub(crate) async fn issue_token(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let (id, secret) = state
        .call(move |service| service.issue_token(&actor, &request.label, &request.scopes))
        .await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { id, secret })))
}

/// The `Set-Cookie` value for a session secret; an empty secret clears the cookie.
fn session_cookie(secret: &str, secure: bool) -> Result<HeaderValue, ApiError> {
    // RFC 6265 cookie-octets, narrowed to what our secrets use: anything else would
    // let a secret break out of the cookie's attributes.
    if !secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '='))
    {
        return Err(ApiError::internal(
            "a session secret holds characters a cookie cannot",
        ));
    }
    let mut cookie = format!("{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/");
    if secret.is_empty() {
        cookie.push_str("; Max-Age=0");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).map_err(ApiError::internal)
}
