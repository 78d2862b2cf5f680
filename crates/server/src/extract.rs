//! Extractors: the caller ([`Authenticated`]), where the request came from, query
//! parameters that may repeat, and JSON bodies whose rejections use the API's errors.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use service::Actor;

use crate::{ApiError, AppState};

/// The session cookie set by `POST /api/session`.
pub const SESSION_COOKIE: &str = "interdict_session";

/// The header naming the case the user works under, kept in the audit log.
const CASE_HEADER: &str = "x-case-number";

const MAX_CASE_NUMBER_CHARS: usize = 64;

/// The signed-on caller: from `Authorization: Bearer <API token>`, else from the
/// session cookie; 401 otherwise. `X-Case-Number` sets the case for the audit log.
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let source = source_address(parts);
        let case = case_number(parts)?;
        let credential = credential(parts)?;
        let mut actor = state
            .call(move |service| match credential {
                Credential::Token(secret) => service.token_actor(&secret, &source),
                Credential::Session(secret) => service.session_actor(&secret, &source),
            })
            .await?;
        if case.is_some() {
            actor.case = case;
        }
        Ok(Authenticated(actor))
    }
}

/// Where the request came from: the peer's IP address (`unknown` when the server was
/// not started with connection info, as in tests).
pub struct SourceAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SourceAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(SourceAddress(source_address(parts)))
    }
}

/// The query string as its pairs, in order, so keys may repeat (`kind=a&kind=b`).
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The last value of `key`, if any and not empty.
    pub fn one(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(name, value)| name == key && !value.is_empty())
            .map(|(_, value)| value.clone())
    }

    /// Every non-empty value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(name, value)| name == key && !value.is_empty())
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// A required value.
    pub fn required(&self, key: &str) -> Result<String, ApiError> {
        self.one(key)
            .ok_or_else(|| ApiError::bad_request(format!("the query parameter {key} is required")))
    }

    /// A number, if given.
    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.one(key)
            .map(|text| {
                text.trim().parse::<T>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "the query parameter {key} must be a whole number"
                    ))
                })
            })
            .transpose()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        Ok(Params(
            form_urlencoded::parse(query.as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        ))
    }
}

/// A JSON body; a malformed or oversized one answers with the API's error body.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "bad_request",
                };
                let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                Err(ApiError::new(status, code, rejection.body_text()))
            }
        }
    }
}

enum Credential {
    Token(String),
    Session(String),
}

fn credential(parts: &Parts) -> Result<Credential, ApiError> {
    let unauthenticated =
        |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message);
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let header = header
            .to_str()
            .map_err(|_| unauthenticated("the Authorization header is not readable"))?;
        let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(unauthenticated("use Authorization: Bearer <API token>"));
        }
        return Ok(Credential::Token(token.trim().to_string()));
    }
    session_cookie(parts)
        .map(Credential::Session)
        .ok_or_else(|| unauthenticated("sign in first"))
}

/// The value of the session cookie, if the request carries one.
pub(crate) fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

fn source_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn case_number(parts: &Parts) -> Result<Option<String>, ApiError> {
    let Some(header) = parts.headers.get(CASE_HEADER) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request(format!(
            "X-Case-Number must be printable text of at most {MAX_CASE_NUMBER_CHARS} characters"
        ))
    };
    let case = header.to_str().map_err(|_| invalid())?.trim();
    if case.is_empty() {
        return Ok(None);
    }
    if case.chars().count() > MAX_CASE_NUMBER_CHARS || case.chars().any(char::is_control) {
        return Err(invalid());
    }
    Ok(Some(case.to_string()))
}

#[cfg(test)]
mod tests {
    use super::Params;

    fn params(query: &str) -> Params {
        Params(
            form_urlencoded::parse(query.as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    #[test]
    fn repeated_keys_are_kept_in_order_and_decoded() {
        let params = params("q=ana+lopez&kind=Person&kind=Phone&agency=&limit=5&q=jo%C3%A3o");
        assert_eq!(params.all("kind"), ["Person", "Phone"]);
        assert!(
            params.all("agency").is_empty(),
            "empty values count as absent"
        );
        assert_eq!(
            params.one("q").as_deref(),
            Some("joão"),
            "the last one wins"
        );
        assert_eq!(params.number::<usize>("limit").unwrap(), Some(5));
        assert_eq!(params.number::<usize>("top").unwrap(), None);
        assert_eq!(params.number::<usize>("q").unwrap_err().code, "bad_request");
        assert_eq!(params.required("node").unwrap_err().status, 400);
    }
}
