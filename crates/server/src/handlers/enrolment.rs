//! The TOTP second factor: a signed-on user enrols one, administrators reset it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use service::{TotpEnrolment, UserView};

use crate::extract::JsonBody;
use crate::{ApiError, AppState, Authenticated};

/// `POST /api/me/totp`: a new secret and its `otpauth://` URI, shown once and pending
/// until confirmed.
pub(crate) async fn begin(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<TotpEnrolment>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.begin_totp_enrolment(&actor))
            .await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct ConfirmRequest {
    code: String,
}

/// `POST /api/me/totp/confirm` `{"code": "123456"}`: enrols the pending secret.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<ConfirmRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .call(move |service| service.confirm_totp_enrolment(&actor, &request.code))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/users/{id}/totp`: removes the user's second factor (administrators).
pub(crate) async fn reset(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.reset_second_factor(&actor, &id))
            .await?,
    ))
}
