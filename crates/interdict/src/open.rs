//! Opens a store from its URL: the one place the binary names concrete backends.

use anyhow::{Context, Result, bail};
use store::Store;

/// `sqlite:PATH` (or a bare path) opens the embedded store, `postgres://…` the server.
pub fn open_store(url: &str) -> Result<Box<dyn Store>> {
    let store: Box<dyn Store> = if url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        // The backend's errors name the URL with its password redacted.
        Box::new(store_postgres::PostgresStore::open(url).context("opening the PostgreSQL store")?)
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        Box::new(store_sqlite::SqliteStore::open(url).context("opening the SQLite store")?)
    } else {
        bail!(
            "unknown store URL {:?}: use sqlite:PATH or postgres://USER@HOST:PORT/DB",
            store_postgres::redact_password(url)
        );
    };
    Ok(store)
}

/// A SQLite store held by this process alone, for a bulk load (`ingest --exclusive`).
pub fn open_store_exclusive(url: &str) -> Result<Box<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        bail!("--exclusive is for SQLite stores; PostgreSQL takes bulk loads beside its readers");
    }
    let store = store_sqlite::SqliteStore::open_exclusive(url)
        .context("opening the SQLite store exclusively")?;
    Ok(Box::new(store))
}
