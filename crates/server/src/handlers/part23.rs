//! The 28 CFR Part 23 workflow (validation, retention review and purge), watches and
//! the dissemination log.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use service::{DisseminationView, PurgeBody, PurgeReport, RecordView, WatchRequest, WatchView};

use crate::extract::{JsonBody, Params};
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_PENDING: usize = 200;

/// `GET /api/validations/pending?limit=`: the actor's agency's criminal intelligence
/// pending validation, oldest first (supervisors).
pub(crate) async fn pending_validations(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<RecordView>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_PENDING);
    Ok(Json(
        state
            .call(move |service| service.pending_validations(&actor, limit))
            .await?,
    ))
}

/// A validation decision.
#[derive(Debug, Deserialize)]
pub(crate) struct ValidationBody {
    validated: bool,
    note: String,
}

/// `POST /api/validations/{record}` `{"validated": bool, "note": "…"}`.
pub(crate) async fn validate_record(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(record): Path<String>,
    JsonBody(body): JsonBody<ValidationBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .call(move |service| service.validate_record(&actor, &record, body.validated, &body.note))
        .await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// `GET /api/watches`: the watches of the actor's agency.
pub(crate) async fn watches(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<WatchView>>, ApiError> {
    Ok(Json(
        state.call(move |service| service.watches(&actor)).await?,
    ))
}

/// `POST /api/watches` `{"entity", "reason", "case"?}`.
pub(crate) async fn add_watch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<WatchRequest>,
) -> Result<Json<WatchView>, ApiError> {
    Ok(Json(
        state
            .call(move |service| {
                service.add_watch(
                    &actor,
                    &request.entity,
                    &request.reason,
                    request.case.as_deref(),
                )
            })
            .await?,
    ))
}

/// `DELETE /api/watches/{id}`.
pub(crate) async fn remove_watch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<WatchView>, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("a watch id is a number"))?;
    Ok(Json(
        state
            .call(move |service| service.remove_watch(&actor, id))
            .await?,
    ))
}

/// `GET /api/retention/due?within=`: criminal intelligence of the actor's agency due
/// for review within `within` days (default 0: due now).
pub(crate) async fn retention_due(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<store::ReviewItem>>, ApiError> {
    let within = params.number("within")?.unwrap_or(0);
    Ok(Json(
        state
            .call(move |service| service.retention_due(&actor, within))
            .await?,
    ))
}

/// `POST /api/retention/purge` `{"record", "reason"}`.
pub(crate) async fn purge(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<PurgeBody>,
) -> Result<Json<PurgeReport>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.purge(&actor, &body.record, &body.reason))
            .await?,
    ))
}

/// `GET /api/disseminations?record=&agency=` (auditors: all; supervisors: their
/// agency's records).
pub(crate) async fn disseminations(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<DisseminationView>>, ApiError> {
    let record = params.one("record");
    let agency = params.one("agency");
    Ok(Json(
        state
            .call(move |service| {
                service.disseminations(&actor, record.as_deref(), agency.as_deref())
            })
            .await?,
    ))
}
