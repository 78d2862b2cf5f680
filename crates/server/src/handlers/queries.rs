//! Search, entity profiles, the link chart, paths, rings, key players, overdose traces,
//! the map and the GraphML export.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use service::{
    EntityProfile, GraphNode, GraphRequest, GraphView, KeyPlayerView, MapResponse, PathsResponse,
    SearchRequest, SearchResponse,
};

use crate::extract::Params;
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_PATHS: usize = 3;
const DEFAULT_KEY_PLAYERS: usize = 20;
const DEFAULT_OVERDOSES: usize = 100;

/// `GET /api/search?q=&kind=&agency=&limit=` (`kind` and `agency` may repeat).
pub(crate) async fn search(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<SearchResponse>, ApiError> {
    let request = SearchRequest {
        q: params.one("q").unwrap_or_default(),
        kinds: params.all("kind"),
        agencies: params.all("agency"),
        limit: params.number("limit")?,
    };
    Ok(Json(
        state
            .call(move |service| service.search(&actor, &request))
            .await?,
    ))
}

/// `GET /api/entities/{node}`.
pub(crate) async fn entity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(node): Path<String>,
) -> Result<Json<EntityProfile>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.entity(&actor, &node))
            .await?,
    ))
}

/// `GET /api/graph/neighbourhood?node=&depth=&relation=&since=&until=&limit=`.
pub(crate) async fn neighbourhood(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<GraphView>, ApiError> {
    let request = graph_request(&params)?;
    Ok(Json(
        state
            .call(move |service| service.neighbourhood(&actor, &request))
            .await?,
    ))
}

/// `GET /api/graph/paths?from=&to=&k=`.
pub(crate) async fn paths(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<PathsResponse>, ApiError> {
    let from = params.required("from")?;
    let to = params.required("to")?;
    let k = params.number("k")?.unwrap_or(DEFAULT_PATHS);
    Ok(Json(
        state
            .call(move |service| service.paths(&actor, &from, &to, k))
            .await?,
    ))
}

/// `GET /api/graph/export.graphml?…`: the neighbourhood as a GraphML attachment.
pub(crate) async fn export_graphml(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let request = graph_request(&params)?;
    let file_name: String = request
        .node
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let graphml = state
        .call(move |service| service.export_graphml(&actor, &request))
        .await?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"interdict-{file_name}.graphml\""
    ))
    .map_err(ApiError::internal)?;
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            ),
            (CONTENT_DISPOSITION, disposition),
        ],
        graphml,
    )
        .into_response())
}

/// `GET /api/rings`.
pub(crate) async fn rings(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<network::rings::Ring>>, ApiError> {
    Ok(Json(
        state.call(move |service| service.rings(&actor)).await?,
    ))
}

/// `GET /api/key-players?top=`.
pub(crate) async fn key_players(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<KeyPlayerView>>, ApiError> {
    let top = params.number("top")?.unwrap_or(DEFAULT_KEY_PLAYERS);
    Ok(Json(
        state
            .call(move |service| service.key_players(&actor, top))
            .await?,
    ))
}

/// `GET /api/overdoses?limit=`.
pub(crate) async fn overdoses(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<GraphNode>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_OVERDOSES);
    Ok(Json(
        state
            .call(move |service| service.overdoses(&actor, limit))
            .await?,
    ))
}

/// `GET /api/trace/{overdose}`.
pub(crate) async fn trace(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(overdose): Path<String>,
) -> Result<Json<network::trace::Trace>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.trace(&actor, &overdose))
            .await?,
    ))
}

/// `GET /api/map?since=&until=`.
pub(crate) async fn map(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<MapResponse>, ApiError> {
    let since = params.one("since");
    let until = params.one("until");
    Ok(Json(
        state
            .call(move |service| service.map(&actor, since.as_deref(), until.as_deref()))
            .await?,
    ))
}

fn graph_request(params: &Params) -> Result<GraphRequest, ApiError> {
    Ok(GraphRequest {
        node: params.required("node")?,
        depth: params.number("depth")?,
        relations: params.all("relation"),
        since: params.one("since"),
        until: params.one("until"),
        limit: params.number("limit")?,
    })
}
