//! Opens a store from its URL: the one place the binary names concrete backends.

use anyhow::{Context, Result, bail};
use store::Store;

/// `sqlite:PATH` (or a bare path) opens the embedded store, `postgres://…` the server.
pub fn open_store(url: &str) -> Result<Box<dyn Store>> {
    let store: Box<dyn Store> = if url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Box::new(
            store_postgres::PostgresStore::open(url)
                .with_context(|| format!("opening PostgreSQL store {}", redact_password(url)))?,
        )
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        Box::new(
            store_sqlite::SqliteStore::open(url)
                .with_context(|| format!("opening SQLite store {url}"))?,
        )
    } else {
        bail!("unknown store URL {url:?}: use sqlite:PATH or postgres://USER@HOST:PORT/DB");
    };
    Ok(store)
}

/// Keeps passwords out of error messages and logs.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://app:secret@db:5432/interdict"),
            "postgres://app:***@db:5432/interdict"
        );
        assert_eq!(
            redact_password("postgres://app@db/x"),
            "postgres://app@db/x"
        );
        assert_eq!(redact_password("sqlite:x.sqlite"), "sqlite:x.sqlite");
    }
}
