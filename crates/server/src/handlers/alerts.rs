//! Registering planned operations, the alerts inbox, and its live event stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use service::{AlertView, LiveAlert, OperationRequest, OperationResult};
use tokio::sync::{broadcast, watch};

use crate::extract::{JsonBody, Params};
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_ALERTS: usize = 100;

/// Proxies drop idle connections; a comment this often keeps the stream open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `POST /api/operations`.
pub(crate) async fn register_operation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<OperationRequest>,
) -> Result<Json<OperationResult>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.register_operation(&actor, &request))
            .await?,
    ))
}

/// `GET /api/alerts?limit=`.
pub(crate) async fn alerts(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_ALERTS);
    Ok(Json(
        state
            .call(move |service| service.alerts(&actor, limit))
            .await?,
    ))
}

/// `GET /api/alerts/stream`: Server-Sent Events named `alert`, each an [`AlertView`]
/// addressed to the caller's agency, raised from the moment the stream opens.
pub(crate) async fn stream(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let listener = AlertListener {
        alerts: state.alerts.subscribe(),
        shutdown: state.shutdown.subscribe(),
        agency: actor.user.agency,
        user: actor.user.id,
    };
    let events = futures_util::stream::unfold(listener, |mut listener| async move {
        let event = listener.next_event().await?;
        Some((Ok(event), listener))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

struct AlertListener {
    alerts: broadcast::Receiver<LiveAlert>,
    shutdown: watch::Receiver<bool>,
    agency: String,
    user: String,
}

impl AlertListener {
    /// The next alert for the agency; `None` ends the stream (server shutting down).
    async fn next_event(&mut self) -> Option<Event> {
        loop {
            let received = tokio::select! {
                _ = self.shutdown.wait_for(|stopping| *stopping) => return None,
                received = self.alerts.recv() => received,
            };
            match received {
                Ok(live) if live.is_for(&self.agency, &self.user) => {
                    match Event::default().event("alert").json_data(&live.alert) {
                        Ok(event) => return Some(event),
                        Err(error) => tracing::error!(%error, "cannot encode a live alert"),
                    }
                }
                Ok(_) => {}
                // The client was too slow; the inbox (`GET /api/alerts`) still has them.
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, agency = %self.agency, "an alert stream skipped alerts");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
