//! Inquiries about an agency's records, and common associates.

use axum::Json;
use axum::extract::State;
use service::{CommonAssociateView, InquiryView};

use crate::extract::Params;
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_INQUIRIES: usize = 200;

/// `GET /api/inquiries?limit=`: searches by other agencies pointed to the caller's.
pub(crate) async fn inquiries(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<InquiryView>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_INQUIRIES);
    Ok(Json(
        state
            .call(move |service| service.inquiries(&actor, limit))
            .await?,
    ))
}

/// `GET /api/graph/common?node=A&node=B[&depth=]`.
pub(crate) async fn common(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<CommonAssociateView>>, ApiError> {
    let nodes = params.all("node");
    let depth = params.number("depth")?;
    Ok(Json(
        state
            .call(move |service| service.common_associates(&actor, &nodes, depth))
            .await?,
    ))
}
