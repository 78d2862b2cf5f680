//! The HTTP API over the [`service`] façade, and the embedded web UI.
//!
//! Handlers are thin: they extract and check the request (the caller as
//! [`Authenticated`], query parameters, a JSON body), run one façade call on the
//! blocking pool (the façade is synchronous and does store IO and heavy analytics),
//! and map its answer or its [`service::ServiceError`] through one table
//! ([`ApiError`]). Access, audit and everything the caller may see are the façade's:
//! this crate never decides them.
//!
//! Every route is listed once in `routes::ROUTES`, which builds the router and which
//! a test compares with the hand-written OpenAPI document (`openapi.json`).

mod error;
mod extract;
mod handlers;
mod routes;
mod ui;

use routes::ROUTES;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use service::{LiveAlert, Service};
use tokio::sync::{broadcast, watch};

pub use error::ApiError;
pub use extract::{Authenticated, SESSION_COOKIE};

/// How the router behaves.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Mark the session cookie `Secure` (served over TLS, or behind a TLS proxy).
    pub secure_cookies: bool,
}

/// The certificate chain and private key (PEM files) to serve HTTPS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

/// Request bodies larger than this are refused (413).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// How long open connections get to finish after ctrl-c.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Live alerts waiting for a slow event-stream client before it skips some.
const ALERT_BUFFER: usize = 256;

/// The router of the whole API and UI. Registers one alert sink on the service
/// (every call registers another: call it once per service).
pub fn router(service: Arc<Service>, options: &ServerOptions) -> Router {
    build(service, options).0
}

/// Binds `listen` (port 0 picks a free port), calls `on_ready` with the bound address
/// and serves until ctrl-c. The session cookie is `Secure` when serving TLS.
pub async fn serve(
    service: Arc<Service>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let options = ServerOptions {
        secure_cookies: tls.is_some(),
    };
    serve_with(service, listen, tls, &options, on_ready).await
}

/// [`serve`] with the options given (e.g. `Secure` cookies behind a TLS proxy).
pub async fn serve_with(
    service: Arc<Service>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    options: &ServerOptions,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let (app, shutdown) = build(service, options);
    let make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            on_ready(listener.local_addr().context("reading the bound address")?);
            axum::serve(listener, make_service)
                .with_graceful_shutdown(async move {
                    wait_for_ctrl_c().await;
                    // Event streams never end by themselves: end them so the
                    // graceful shutdown can finish.
                    shutdown.send_replace(true);
                })
                .await
                .context("serving HTTP")?;
        }
        Some(tls) => {
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert_pem, &tls.key_pem)
                    .await
                    .with_context(|| {
                        format!(
                            "reading the TLS certificate {} and key {}",
                            tls.cert_pem.display(),
                            tls.key_pem.display()
                        )
                    })?;
            let listener =
                std::net::TcpListener::bind(listen).with_context(|| format!("binding {listen}"))?;
            listener
                .set_nonblocking(true)
                .context("making the listener non-blocking")?;
            let bound = listener.local_addr().context("reading the bound address")?;
            let handle = axum_server::Handle::<SocketAddr>::new();
            let shutdown_handle = handle.clone();
            tokio::spawn(async move {
                wait_for_ctrl_c().await;
                shutdown.send_replace(true);
                shutdown_handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
            });
            on_ready(bound);
            axum_server::from_tcp_rustls(listener, config)
                .context("serving HTTPS")?
                .handle(handle)
                .serve(make_service)
                .await
                .context("serving HTTPS")?;
        }
    }
    Ok(())
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub service: Arc<Service>,
    pub alerts: broadcast::Sender<LiveAlert>,
    /// Set to `true` at shutdown: event streams end.
    pub shutdown: Arc<watch::Sender<bool>>,
    pub secure_cookies: bool,
}

impl AppState {
    /// Runs one façade call on the blocking pool.
    pub async fn call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Service) -> service::ServiceResult<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let service = Arc::clone(&self.service);
        tokio::task::spawn_blocking(move || call(&service))
            .await
            .map_err(|join_error| {
                ApiError::internal(format!("the façade call failed: {join_error}"))
            })?
            .map_err(ApiError::from)
    }
}

fn build(service: Arc<Service>, options: &ServerOptions) -> (Router, Arc<watch::Sender<bool>>) {
    // Uploads and resolution runs are jobs on their own threads holding the service.
    service.enable_jobs();
    let (alerts, _) = broadcast::channel(ALERT_BUFFER);
    let sink = alerts.clone();
    service.on_alert(move |alert| {
        // No subscriber is not an error: nobody is watching the stream right now.
        let _ = sink.send(alert.clone());
    });
    let shutdown = Arc::new(watch::Sender::new(false));
    let state = AppState {
        service,
        alerts,
        shutdown: Arc::clone(&shutdown),
        secure_cookies: options.secure_cookies,
    };
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(route.path, route.method_router());
    }
    let router = router
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(ui::security_headers))
        .with_state(state);
    (router, shutdown)
}

async fn wait_for_ctrl_c() {
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::error!(%error, "cannot listen for ctrl-c; serving until killed");
        std::future::pending::<()>().await;
    }
}
