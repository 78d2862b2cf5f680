//! `interdict serve`: the HTTP API and the web UI over a store, until ctrl-c.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use server::{ServerOptions, TlsFiles};
use service::{Service, Settings};

use crate::cli::ServeArgs;
use crate::open::open_store;

pub fn run(arguments: &ServeArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let schema = Arc::new(model::Schema::builtin().clone());
    let settings = Settings {
        require_second_factor: !arguments.no_second_factor,
        ..Settings::default()
    };
    let service = Service::open(Arc::from(store), schema, settings)
        .context("loading the store into the service")?;
    service.set_resolution_runner(super::resolve_store::resolution_runner());
    let tls = match (&arguments.tls_cert, &arguments.tls_key) {
        (Some(cert_pem), Some(key_pem)) => Some(TlsFiles {
            cert_pem: cert_pem.clone(),
            key_pem: key_pem.clone(),
        }),
        _ => None,
    };
    let secure_cookies = tls.is_some();
    serve_blocking(Arc::new(service), arguments.listen, tls, secure_cookies)?;
    Ok(ExitCode::SUCCESS)
}

/// Blocking-pool threads per core for façade calls.
const BLOCKING_THREADS_PER_CORE: usize = 4;

/// Serves `service` on a multi-threaded runtime until ctrl-c, printing the address
/// once bound (`interdict demo` serves its world through this too).
pub fn serve_blocking(
    service: Arc<Service>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    secure_cookies: bool,
) -> Result<()> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    // Façade calls run on the blocking pool. A few threads per core keep a slow call
    // (a user's first view) from stalling the rest, while hundreds of clients queue
    // instead of time-slicing the cores, which is what stretched the tail latency.
    let cores = std::thread::available_parallelism().map_or(2, |count| count.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores * BLOCKING_THREADS_PER_CORE)
        .build()
        .context("starting the async runtime")?;
    let options = ServerOptions { secure_cookies };
    runtime.block_on(server::serve_with(
        service,
        listen,
        tls,
        &options,
        |bound| {
            println!("Interdict is serving at {scheme}://{bound}/");
        },
    ))
}
