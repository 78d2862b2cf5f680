//! The web UI embedded in the binary (`ui/`), the OpenAPI document, and the security
//! headers every response carries.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The hand-written OpenAPI 3.1 document; `routes` tests that it matches the router.
pub(crate) const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Every file of `ui/` (notes for developers excepted), embedded at build time in
/// every profile, so the binary serves its UI from anywhere.
#[derive(rust_embed::Embed)]
#[folder = "ui/"]
#[exclude = "*.md"]
struct UiFiles;

const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
];

/// `GET /`: the single page.
pub(crate) async fn index() -> Response {
    embedded("index.html")
}

/// `GET /assets/{file}`.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    embedded(&file)
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi() -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        OPENAPI_JSON,
    )
        .into_response()
}

/// Adds the security headers to every response (errors and the fallback included).
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

fn embedded(path: &str) -> Response {
    let Some(file) = UiFiles::get(path) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such file").into_response();
    };
    let mime = file.metadata.mimetype();
    let textual = mime.starts_with("text/")
        || mime == "application/javascript"
        || mime == "application/json"
        || mime.ends_with("+json");
    let content_type = if textual && !mime.contains("charset") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    let content_type = HeaderValue::from_str(&content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (CONTENT_TYPE, content_type),
            // The UI changes with the binary: revalidate rather than serve a stale copy.
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        file.data,
    )
        .into_response()
}
