//! The case workspace and the administration of agencies and sharing agreements.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use service::{CaseRequest, CaseWorkspace};
use store::{Agency, Agreement, CaseFile};

use crate::extract::JsonBody;
use crate::{ApiError, AppState, Authenticated};

/// `POST /api/cases` `{"id", "title", "agency"?}`: opens a case.
pub(crate) async fn create_case(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<CaseRequest>,
) -> Result<(StatusCode, Json<CaseFile>), ApiError> {
    let case = state
        .call(move |service| service.create_case_for(&actor, &request))
        .await?;
    Ok((StatusCode::CREATED, Json(case)))
}

/// `GET /api/cases/{id}`: the case's workspace.
pub(crate) async fn case_workspace(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<CaseWorkspace>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.case_workspace(&actor, &id))
            .await?,
    ))
}

/// `DELETE /api/cases/{id}/members/{user}`.
pub(crate) async fn remove_case_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((case, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .call(move |service| service.remove_case_member(&actor, &case, &user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/agencies/{id}`: adds an agency or changes its name and contact.
pub(crate) async fn put_agency(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(agency): JsonBody<Agency>,
) -> Result<Json<Agency>, ApiError> {
    if agency.id != id {
        return Err(ApiError::bad_request(
            "the agency id in the path and in the body differ",
        ));
    }
    Ok(Json(
        state
            .call(move |service| service.put_agency(&actor, &agency))
            .await?,
    ))
}

/// `GET /api/agreements`.
pub(crate) async fn agreements(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<Agreement>>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.agreements(&actor))
            .await?,
    ))
}

/// `PUT /api/agreements`: adds an agreement or replaces the one between the same two
/// agencies.
pub(crate) async fn put_agreement(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(agreement): JsonBody<Agreement>,
) -> Result<Json<Agreement>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.put_agreement(&actor, &agreement))
            .await?,
    ))
}

/// `DELETE /api/agreements/{from}/{to}`.
pub(crate) async fn remove_agreement(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((from, to)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .call(move |service| service.remove_agreement(&actor, &from, &to))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
