//! The handlers, one module per resource. Each extracts and checks the request, makes
//! one façade call (on the blocking pool, through `AppState::call`) and maps its
//! answer.

pub(crate) mod admin;
pub(crate) mod alerts;
pub(crate) mod cases;
pub(crate) mod enrolment;
pub(crate) mod inquiries;
pub(crate) mod jobs;
pub(crate) mod part23;
pub(crate) mod queries;
pub(crate) mod session;

use axum::http::StatusCode;

use crate::ApiError;

/// Any path no route matches.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
}
