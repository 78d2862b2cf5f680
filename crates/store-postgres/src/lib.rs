//! The server storage backend: PostgreSQL 15.
//!
//! Synchronous `postgres` clients in a small pool of our own (a `Vec` behind a
//! mutex: the store needs no more than reuse, and r2d2 would add a dependency for
//! it). A [`BatchWriter`] holds one client and one transaction for its whole life;
//! other clients never see that transaction until it commits.

mod audit;
mod codec;
mod directory;
mod migrations;
mod operations;
mod resolution;
mod retention;
mod watchlists;
mod writer;
mod written;

use std::sync::{Mutex, PoisonError};

use model::{BatchId, RecordId, SourceRecord};
use postgres::types::ToSql;
use postgres::{Client, Config, IsolationLevel, NoTls, Transaction};
use store::{AuditLog, Directory, Operations, ResolutionState, Retention, Watchlists};
use store::{
    BatchHeader, BatchSummary, BatchWriter, KindAgencyCount, QuarantineCount, QuarantinedRow,
    RecordQuery, Store, StoreError, StoreResult, StoreStatus,
};

pub use migrations::SCHEMA_VERSION;

/// Idle clients kept open; more are opened on demand and closed after use.
const MAX_IDLE_CLIENTS: usize = 8;

/// A store in one PostgreSQL database. Cheap to share across threads (`Send + Sync`).
pub struct PostgresStore {
    config: Config,
    idle: Mutex<Vec<Client>>,
    /// Ids written since `records` was found empty (see `written`).
    written: written::WrittenIds,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PostgresStore")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Runs `write` in one transaction that holds the advisory lock `lock` (one per
    /// kind of state, so appends stay in order) and commits synchronously.
    pub(crate) fn locked_write<T>(
        &self,
        lock: i64,
        write: impl FnOnce(&mut postgres::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut client = self.client()?;
        let result = (|| {
            let mut transaction = client.transaction().map_err(database)?;
            transaction
                .batch_execute("SET LOCAL synchronous_commit = on")
                .map_err(database)?;
            transaction
                .execute("SELECT pg_advisory_xact_lock($1)", &[&lock])
                .map_err(database)?;
            let value = write(&mut transaction)?;
            transaction.commit().map_err(database)?;
            Ok(value)
        })();
        self.give_back(client);
        result
    }

    /// Connects to `postgres://…` or `postgresql://…` (libpq URL syntax, e.g.
    /// `postgres://user@host:5432/db` or `postgres://user@localhost/db?host=/run/dir`)
    /// and brings the schema up to date.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        let open_error = |reason: String| StoreError::Open {
            url: redact_password(url),
            reason,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(open_error(
                "not a PostgreSQL URL (expected postgres://…)".to_string(),
            ));
        }
        let config: Config = url.parse().map_err(|error| open_error(describe(&error)))?;
        let mut client = config
            .connect(NoTls)
            .map_err(|error| open_error(describe(&error)))?;
        migrations::apply(&mut client)?;
        Ok(PostgresStore {
            config,
            idle: Mutex::new(vec![client]),
            written: written::WrittenIds::default(),
        })
    }

    fn client(&self) -> StoreResult<Client> {
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match idle {
                Some(client) if client.is_closed() => continue,
                Some(client) => return Ok(client),
                None => return self.config.connect(NoTls).map_err(database),
            }
        }
    }

    fn give_back(&self, client: Client) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_CLIENTS && !client.is_closed() {
            idle.push(client);
        }
    }

    /// Runs `read` in one read-only, repeatable-read transaction, so that the
    /// queries it makes see one snapshot.
    fn read<T>(&self, read: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut client = self.client()?;
        let result = (|| {
            let mut transaction = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(database)?;
            let value = read(&mut transaction)?;
            transaction.commit().map_err(database)?;
            Ok(value)
        })();
        self.give_back(client);
        result
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn begin_batch(&self, header: BatchHeader) -> StoreResult<Box<dyn BatchWriter + '_>> {
        let client = self.client()?;
        Ok(Box::new(writer::PostgresBatchWriter::begin(
            self, client, header,
        )?))
    }

    fn committed_batch(&self, id: BatchId) -> StoreResult<Option<BatchSummary>> {
        self.read(|transaction| {
            let sql = format!("SELECT {} FROM batches WHERE id = $1", codec::BATCH_COLUMNS);
            let row = transaction
                .query_opt(&sql, &[&codec::Uuid(*id.as_bytes())])
                .map_err(database)?;
            row.as_ref().map(codec::batch_from_row).transpose()
        })
    }

    fn batches(&self) -> StoreResult<Vec<BatchSummary>> {
        self.read(|transaction| {
            let sql = format!("SELECT {} FROM batches ORDER BY seq", codec::BATCH_COLUMNS);
            let rows = transaction.query(&sql, &[]).map_err(database)?;
            rows.iter().map(codec::batch_from_row).collect()
        })
    }

    fn status(&self) -> StoreResult<StoreStatus> {
        self.read(|transaction| {
            let records = transaction
                // Kept by each batch's transaction (see the migration), so this is
                // as consistent with the records as a count(*) in this snapshot.
                .query("SELECT kind, agency, records FROM record_counts", &[])
                .map_err(database)?
                .iter()
                .map(|row| {
                    Ok(KindAgencyCount {
                        kind: row.try_get(0).map_err(database)?,
                        agency: row.try_get(1).map_err(database)?,
                        records: codec::count(row.try_get(2).map_err(database)?),
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let quarantined = transaction
                .query(
                    "SELECT agency, feed, count(*) FROM quarantine GROUP BY agency, feed",
                    &[],
                )
                .map_err(database)?
                .iter()
                .map(|row| {
                    Ok(QuarantineCount {
                        agency: row.try_get(0).map_err(database)?,
                        feed: row.try_get(1).map_err(database)?,
                        rows: codec::count(row.try_get(2).map_err(database)?),
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let batches: i64 = transaction
                .query_one("SELECT count(*) FROM batches", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            Ok(StoreStatus {
                records,
                quarantined,
                batches: codec::count(batches),
            }
            .sorted())
        })
    }

    fn quarantined(
        &self,
        batch: Option<BatchId>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<QuarantinedRow>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {} FROM quarantine q JOIN batches b ON b.id = q.batch_id \
                 WHERE ($1::uuid IS NULL OR q.batch_id = $1) \
                 ORDER BY b.seq, q.line, q.seq LIMIT $2 OFFSET $3",
                codec::QUARANTINE_COLUMNS
            );
            let batch = batch.map(|id| codec::Uuid(*id.as_bytes()));
            let rows = transaction
                .query(&sql, &[&batch, &codec::clamp(limit), &codec::clamp(offset)])
                .map_err(database)?;
            rows.iter().map(codec::quarantined_from_row).collect()
        })
    }

    fn record(&self, id: RecordId) -> StoreResult<Option<SourceRecord>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {} FROM {} WHERE r.id = $1",
                codec::RECORD_COLUMNS,
                codec::RECORDS_WITH_BATCH
            );
            let row = transaction
                .query_opt(&sql, &[&codec::Uuid(*id.as_bytes())])
                .map_err(database)?;
            row.as_ref().map(codec::record_from_row).transpose()
        })
    }

    fn records(&self, query: &RecordQuery) -> StoreResult<Vec<SourceRecord>> {
        let mut conditions = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let mut condition = |sql: &str, value: Box<dyn ToSql + Sync>| {
            values.push(value);
            conditions.push(format!("{sql} ${}", values.len()));
        };
        if let Some(kind) = &query.kind {
            condition("r.kind =", Box::new(kind.clone()));
        }
        if let Some(agency) = &query.agency {
            condition("b.agency =", Box::new(agency.clone()));
        }
        if let Some(entity_key) = query.entity_key {
            condition(
                "r.entity_key =",
                Box::new(codec::Uuid(*entity_key.as_bytes())),
            );
        }
        if let Some(batch_id) = query.batch_id {
            condition("b.id =", Box::new(codec::Uuid(*batch_id.as_bytes())));
        }
        if let Some(after) = query.after {
            condition("r.id >", Box::new(codec::Uuid(*after.as_bytes())));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        values.push(Box::new(codec::clamp(query.limit)));
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY r.id LIMIT ${}",
            codec::RECORD_COLUMNS,
            codec::RECORDS_WITH_BATCH,
            values.len()
        );
        let parameters: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|value| value.as_ref()).collect();
        self.read(|transaction| {
            let rows = transaction.query(&sql, &parameters).map_err(database)?;
            rows.iter().map(codec::record_from_row).collect()
        })
    }

    fn audit(&self) -> &dyn AuditLog {
        self
    }

    fn resolution(&self) -> &dyn ResolutionState {
        self
    }

    fn operations(&self) -> &dyn Operations {
        self
    }

    fn watchlists(&self) -> &dyn Watchlists {
        self
    }

    fn retention(&self) -> &dyn Retention {
        self
    }

    fn directory(&self) -> &dyn Directory {
        self
    }
}

/// A database failure: for logs, not for end users.
pub(crate) fn database(error: postgres::Error) -> StoreError {
    StoreError::Database(describe(&error))
}

/// The server's own message (with SQLSTATE) when there is one: `postgres::Error`'s
/// Display alone says only "db error".
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db_error) => {
            let detail = db_error
                .detail()
                .map(|detail| format!(" ({detail})"))
                .unwrap_or_default();
            format!(
                "{} [{}]{detail}",
                db_error.message(),
                db_error.code().code()
            )
        }
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

/// The URL with its password replaced by `***`, for errors and logs.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
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
            redact_password("postgres://app:p@ss@db/x"),
            "postgres://app:***@db/x"
        );
        assert_eq!(
            redact_password("postgres://app@db/x"),
            "postgres://app@db/x"
        );
        assert_eq!(redact_password("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn open_errors_hide_the_password() {
        let Err(error) = PostgresStore::open("postgres://app:secret@127.0.0.1:1/x") else {
            panic!("nothing listens on port 1");
        };
        let message = error.to_string();
        assert!(!message.contains("secret"), "{message}");
        assert!(message.contains("app:***@"), "{message}");
    }
}
