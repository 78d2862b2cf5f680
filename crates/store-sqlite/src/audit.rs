//! The audit log in SQLite (see `store::audit` for the chain and its threat model).
//!
//! Each append opens its own connection with `synchronous=FULL`, so the WAL is synced
//! before the commit returns (the store's writer runs with NORMAL, which may lose the
//! last commits on power loss: acceptable for a re-runnable ingest, not for an audit
//! trail). `BEGIN IMMEDIATE` takes SQLite's one write lock before the head is read, so
//! appends from threads and processes queue up and the chain stays linear. A fresh
//! connection per transaction costs well under a millisecond next to the fsync, and
//! keeps audit writes off the batch writer's mutex (an open batch in this process would
//! otherwise block them with no timeout). Within a process, appends that arrive while
//! one is committing are committed together in the next transaction (group commit):
//! each caller still returns only once its own entry is durable.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

use chrono::Utc;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};
use store::{
    AuditAnchor, AuditEntry, AuditLog, AuditQuery, ChainHash, NewAuditEntry, StoreError,
    StoreResult,
};

use crate::{SqliteStore, codec, database};

const COLUMNS: &str = "sequence, recorded_at, actor, actor_agency, action, target, reason, \
                       case_number, source, outcome, previous_hash, hash";

/// Appends waiting for the one committing thread (group commit): under load many
/// requests end in an audit entry, and one fsync per entry would queue them all
/// behind the disk. Every caller still returns only after the transaction holding
/// its entry is durably committed.
#[derive(Default)]
pub(crate) struct AuditQueue {
    state: Mutex<QueueState>,
    changed: Condvar,
}

#[derive(Default)]
struct QueueState {
    next_ticket: u64,
    waiting: Vec<(u64, NewAuditEntry)>,
    finished: HashMap<u64, StoreResult<AuditEntry>>,
    committing: bool,
}

/// At most this many entries go into one transaction.
const GROUP_LIMIT: usize = 256;

impl SqliteStore {
    /// Writes entries after the head in one durable transaction.
    fn append_group(&self, entries: Vec<NewAuditEntry>) -> StoreResult<Vec<AuditEntry>> {
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let mut head = read_head(&transaction)?.ok_or_else(|| StoreError::Corrupt {
            table: "audit_head",
            reason: "the head record is missing; run `interdict audit verify`".to_string(),
        })?;
        let mut appended_all = Vec::with_capacity(entries.len());
        {
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO audit_log ({COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                ))
                .map_err(database)?;
            let mut move_head = transaction
                .prepare_cached("UPDATE audit_head SET sequence = ?1, hash = ?2 WHERE id = 1")
                .map_err(database)?;
            for entry in entries {
                let appended = AuditEntry::chained(&head, Utc::now(), entry);
                insert
                    .execute(params![
                        codec::clamp(appended.sequence),
                        codec::micros(appended.recorded_at),
                        appended.entry.actor,
                        appended.entry.actor_agency,
                        appended.entry.action.as_str(),
                        appended.entry.target,
                        appended.entry.reason,
                        appended.entry.case_number,
                        appended.entry.source,
                        appended.entry.outcome.as_str(),
                        appended.previous_hash.as_bytes().as_slice(),
                        appended.hash.as_bytes().as_slice(),
                    ])
                    .map_err(database)?;
                head = AuditAnchor {
                    sequence: appended.sequence,
                    hash: appended.hash,
                };
                // The head's trigger lets it move forward one entry at a time.
                move_head
                    .execute(params![
                        codec::clamp(head.sequence),
                        head.hash.as_bytes().as_slice()
                    ])
                    .map_err(database)?;
                appended_all.push(appended);
            }
        }
        transaction.commit().map_err(database)?;
        Ok(appended_all)
    }
}

impl AuditLog for SqliteStore {
    fn append(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        self.append_all(vec![entry])?
            .pop()
            .ok_or_else(|| StoreError::Database("an append returned no entry".to_string()))
    }

    fn append_all(&self, entries: Vec<NewAuditEntry>) -> StoreResult<Vec<AuditEntry>> {
        let queue = &self.audit_queue;
        let lock = || queue.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = lock();
        let mut tickets = Vec::with_capacity(entries.len());
        for entry in entries {
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.waiting.push((ticket, entry));
            tickets.push(ticket);
        }
        loop {
            if tickets
                .iter()
                .all(|ticket| state.finished.contains_key(ticket))
            {
                return tickets
                    .iter()
                    .map(|ticket| {
                        state.finished.remove(ticket).unwrap_or_else(|| {
                            Err(StoreError::Database("an audit ticket vanished".to_string()))
                        })
                    })
                    .collect();
            }
            if state.committing {
                state = queue
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // This caller commits for everyone waiting (itself included).
            state.committing = true;
            let take = state.waiting.len().min(GROUP_LIMIT);
            let group: Vec<(u64, NewAuditEntry)> = state.waiting.drain(..take).collect();
            drop(state);
            let (group_tickets, group_entries): (Vec<u64>, Vec<NewAuditEntry>) =
                group.into_iter().unzip();
            let outcome = self.append_group(group_entries);
            state = lock();
            match outcome {
                Ok(appended) => {
                    for (ticket, entry) in group_tickets.into_iter().zip(appended) {
                        state.finished.insert(ticket, Ok(entry));
                    }
                }
                Err(error) => {
                    let message = error.to_string();
                    for ticket in group_tickets {
                        state
                            .finished
                            .insert(ticket, Err(StoreError::Database(message.clone())));
                    }
                }
            }
            state.committing = false;
            queue.changed.notify_all();
        }
    }

    fn entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        let mut condition = |sql: &str, value: Value| {
            values.push(value);
            conditions.push(format!("{sql} ?{}", values.len()));
        };
        if let Some(actor) = &query.actor {
            condition("actor =", Value::Text(actor.clone()));
        }
        if let Some(since) = query.since {
            condition("recorded_at >=", Value::Integer(codec::micros(since)));
        }
        if let Some(after) = query.after_sequence {
            condition("sequence >", Value::Integer(codec::clamp(after)));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let order = if query.newest_first { "DESC" } else { "ASC" };
        values.push(Value::Integer(codec::clamp(query.limit)));
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log {filter} ORDER BY sequence {order} LIMIT ?{}",
            values.len()
        );
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement
                .query(params_from_iter(values))
                .map_err(database)?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                entries.push(entry_from_row(row)?);
            }
            Ok(entries)
        })
    }

    fn head(&self) -> StoreResult<Option<AuditAnchor>> {
        self.read(|connection| read_head(connection))
    }
}

fn read_head(connection: &Connection) -> StoreResult<Option<AuditAnchor>> {
    let head = connection
        .query_row(
            "SELECT sequence, hash FROM audit_head WHERE id = 1",
            [],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
        )
        .optional()
        .map_err(database)?;
    head.map(|(sequence, hash)| {
        Ok(AuditAnchor {
            sequence: codec::count(sequence),
            hash: chain_hash(&hash, "audit_head")?,
        })
    })
    .transpose()
}

fn entry_from_row(row: &Row<'_>) -> StoreResult<AuditEntry> {
    let text = |index: usize| -> StoreResult<String> { row.get(index).map_err(database) };
    let sequence = codec::count(row.get(0).map_err(database)?);
    // A row that does not parse names its sequence, so an auditor can find it.
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "audit_log",
        reason: format!("entry {sequence}: {reason}"),
    };
    Ok(AuditEntry {
        sequence,
        recorded_at: codec::moment(row.get(1).map_err(database)?, "audit_log")?,
        entry: NewAuditEntry {
            actor: text(2)?,
            actor_agency: text(3)?,
            action: text(4)?.parse().map_err(corrupt)?,
            target: text(5)?,
            reason: text(6)?,
            case_number: row.get(7).map_err(database)?,
            source: text(8)?,
            outcome: text(9)?.parse().map_err(corrupt)?,
        },
        previous_hash: chain_hash(&row.get::<_, Vec<u8>>(10).map_err(database)?, "audit_log")?,
        hash: chain_hash(&row.get::<_, Vec<u8>>(11).map_err(database)?, "audit_log")?,
    })
}

fn chain_hash(bytes: &[u8], table: &'static str) -> StoreResult<ChainHash> {
    ChainHash::from_slice(bytes).ok_or_else(|| StoreError::Corrupt {
        table,
        reason: format!("hash of {} bytes, expected 32", bytes.len()),
    })
}
