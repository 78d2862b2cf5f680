//! The audit log, accounts, agencies, cases and the status of the loaded data.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use service::{StatusView, UserRequest, UserView, VerifyView};

use crate::extract::{JsonBody, Params};
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_AUDIT_ENTRIES: usize = 100;

/// `GET /api/audit?limit=&before=` (newest first; `before` is a sequence number).
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<store::AuditEntry>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_AUDIT_ENTRIES);
    let before = params.number("before")?;
    Ok(Json(
        state
            .call(move |service| service.audit_log(&actor, limit, before))
            .await?,
    ))
}

/// `GET /api/audit/verify`.
pub(crate) async fn audit_verify(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<VerifyView>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.audit_verify(&actor))
            .await?,
    ))
}

/// `GET /api/users`.
pub(crate) async fn users(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(
        state.call(move |service| service.users(&actor)).await?,
    ))
}

/// `PUT /api/users/{id}`: creates the account or changes its rights.
pub(crate) async fn put_user(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UserRequest>,
) -> Result<Json<UserView>, ApiError> {
    if request.id != id {
        return Err(ApiError::bad_request(
            "the account id in the path and in the body differ",
        ));
    }
    Ok(Json(
        state
            .call(move |service| service.put_user(&actor, &request))
            .await?,
    ))
}

/// `POST /api/users/{id}/unlock`.
pub(crate) async fn unlock_user(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.unlock_user(&actor, &id))
            .await?,
    ))
}

/// `GET /api/agencies`.
pub(crate) async fn agencies(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<store::Agency>>, ApiError> {
    Ok(Json(
        state.call(move |service| service.agencies(&actor)).await?,
    ))
}

/// `GET /api/cases`.
pub(crate) async fn cases(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<store::CaseFile>>, ApiError> {
    Ok(Json(
        state.call(move |service| service.cases(&actor)).await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct MemberRequest {
    user: String,
}

/// `POST /api/cases/{id}/members` `{"user": "…"}`.
pub(crate) async fn add_case_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(case): Path<String>,
    JsonBody(request): JsonBody<MemberRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .call(move |service| service.add_case_member(&actor, &case, &request.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/status`.
pub(crate) async fn status(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<StatusView>, ApiError> {
    Ok(Json(
        state.call(move |service| service.status(&actor)).await?,
    ))
}
