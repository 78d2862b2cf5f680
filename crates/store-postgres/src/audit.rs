//! The audit log in PostgreSQL (see `store::audit` for the chain and its threat model).
//!
//! An append locks the head row (`SELECT ... FOR UPDATE`), so appends from any
//! number of clients queue up and the chain stays linear, then inserts the entry and
//! moves the head in the same transaction. `synchronous_commit` is forced on for that
//! transaction: a server configured with it off would otherwise acknowledge commits
//! it could still lose.

use chrono::{DateTime, Utc};
use postgres::GenericClient;
use postgres::types::ToSql;
use store::{
    AuditAnchor, AuditEntry, AuditLog, AuditQuery, ChainHash, NewAuditEntry, StoreError,
    StoreResult,
};

use crate::{PostgresStore, codec, database};

const COLUMNS: &str = "sequence, recorded_at, actor, actor_agency, action, target, reason, \
                       case_number, source, outcome, previous_hash, hash";

impl AuditLog for PostgresStore {
    fn append(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let mut client = self.client()?;
        let result = (|| {
            let mut transaction = client.transaction().map_err(database)?;
            transaction
                .batch_execute("SET LOCAL synchronous_commit = on")
                .map_err(database)?;
            let head =
                read_head(&mut transaction, " FOR UPDATE")?.ok_or_else(|| StoreError::Corrupt {
                    table: "audit_head",
                    reason: "the head record is missing; run `interdict audit verify`".to_string(),
                })?;
            // Read the clock after the lock, so times follow the chain's order.
            let appended = AuditEntry::chained(&head, Utc::now(), entry);
            let sequence = codec::clamp(appended.sequence);
            transaction
                .execute(
                    &format!(
                        "INSERT INTO audit_log ({COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ),
                    &[
                        &sequence,
                        &appended.recorded_at,
                        &appended.entry.actor,
                        &appended.entry.actor_agency,
                        &appended.entry.action.as_str(),
                        &appended.entry.target,
                        &appended.entry.reason,
                        &appended.entry.case_number,
                        &appended.entry.source,
                        &appended.entry.outcome.as_str(),
                        &appended.previous_hash.as_bytes().as_slice(),
                        &appended.hash.as_bytes().as_slice(),
                    ],
                )
                .map_err(database)?;
            transaction
                .execute(
                    "UPDATE audit_head SET sequence = $1, hash = $2 WHERE id = 1",
                    &[&sequence, &appended.hash.as_bytes().as_slice()],
                )
                .map_err(database)?;
            transaction.commit().map_err(database)?;
            Ok(appended)
        })();
        self.give_back(client);
        result
    }

    fn entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let mut conditions = Vec::new();
        let mut parameters: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let mut condition = |sql: &str, value: Box<dyn ToSql + Sync>| {
            parameters.push(value);
            conditions.push(format!("{sql} ${}", parameters.len()));
        };
        if let Some(actor) = &query.actor {
            condition("actor =", Box::new(actor.clone()));
        }
        if let Some(since) = query.since {
            condition("recorded_at >=", Box::new(since));
        }
        if let Some(after) = query.after_sequence {
            condition("sequence >", Box::new(codec::clamp(after)));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let order = if query.newest_first { "DESC" } else { "ASC" };
        parameters.push(Box::new(codec::clamp(query.limit)));
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log {filter} ORDER BY sequence {order} LIMIT ${}",
            parameters.len()
        );
        self.read(|transaction| {
            let references: Vec<&(dyn ToSql + Sync)> =
                parameters.iter().map(|value| value.as_ref()).collect();
            let rows = transaction.query(&sql, &references).map_err(database)?;
            rows.iter().map(entry_from_row).collect()
        })
    }

    fn head(&self) -> StoreResult<Option<AuditAnchor>> {
        self.read(|transaction| read_head(transaction, ""))
    }
}

fn read_head(client: &mut impl GenericClient, lock: &str) -> StoreResult<Option<AuditAnchor>> {
    let row = client
        .query_opt(
            &format!("SELECT sequence, hash FROM audit_head WHERE id = 1{lock}"),
            &[],
        )
        .map_err(database)?;
    row.map(|row| {
        Ok(AuditAnchor {
            sequence: codec::count(row.try_get(0).map_err(database)?),
            hash: chain_hash(row.try_get(1).map_err(database)?, "audit_head")?,
        })
    })
    .transpose()
}

fn entry_from_row(row: &postgres::Row) -> StoreResult<AuditEntry> {
    let sequence = codec::count(row.try_get(0).map_err(database)?);
    // A row that does not parse names its sequence, so an auditor can find it.
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "audit_log",
        reason: format!("entry {sequence}: {reason}"),
    };
    let text = |index: usize| -> StoreResult<String> { row.try_get(index).map_err(database) };
    Ok(AuditEntry {
        sequence,
        recorded_at: row.try_get::<_, DateTime<Utc>>(1).map_err(database)?,
        entry: NewAuditEntry {
            actor: text(2)?,
            actor_agency: text(3)?,
            action: text(4)?.parse().map_err(corrupt)?,
            target: text(5)?,
            reason: text(6)?,
            case_number: row.try_get(7).map_err(database)?,
            source: text(8)?,
            outcome: text(9)?.parse().map_err(corrupt)?,
        },
        previous_hash: chain_hash(row.try_get(10).map_err(database)?, "audit_log")?,
        hash: chain_hash(row.try_get(11).map_err(database)?, "audit_log")?,
    })
}

fn chain_hash(bytes: &[u8], table: &'static str) -> StoreResult<ChainHash> {
    ChainHash::from_slice(bytes).ok_or_else(|| StoreError::Corrupt {
        table,
        reason: format!("hash of {} bytes, expected 32", bytes.len()),
    })
}
