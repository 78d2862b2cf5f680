//! Resolution state in SQLite (see `store::resolution`): the append-only judgement log,
//! the assignment replaced whole by each run, redirects and runs.
//!
//! Writes open their own connection under `BEGIN IMMEDIATE`, like audit appends, so an
//! open ingest batch in this process does not block them behind the writer's mutex,
//! and judgements from several processes get consecutive ids. Judgements are synced
//! (`synchronous=FULL`): a reviewer's decision must not vanish on power loss.

use std::collections::BTreeMap;

use chrono::Utc;
use model::RecordId;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use store::{
    AssignmentUpdate, EntityRedirect, Judgement, NewJudgement, PairRole, ResolutionRun,
    ResolutionState, RunPair, StoreError, StoreResult,
};

use crate::{SqliteStore, codec, database};

const JUDGEMENT_COLUMNS: &str =
    "id, kind, left_record, right_record, decided_by, decided_at, reason, reverses";

const RUN_COLUMNS: &str = "id, started_at, finished_at, threshold, model, counts";

impl ResolutionState for SqliteStore {
    fn append_judgement(&self, judgement: NewJudgement) -> StoreResult<Judgement> {
        if let Some(problem) = judgement.problem() {
            return Err(StoreError::Refused(problem));
        }
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        if let Some(reversed_id) = judgement.reverses {
            let reversed = read_judgement(&transaction, reversed_id)?;
            let already: i64 = transaction
                .query_row(
                    "SELECT count(*) FROM resolution_judgements WHERE reverses = ?1",
                    [codec::clamp(reversed_id)],
                    |row| row.get(0),
                )
                .map_err(database)?;
            if let Some(problem) = judgement.reversal_problem(reversed.as_ref(), already > 0) {
                return Err(StoreError::Refused(problem));
            }
        }
        let next: i64 = transaction
            .query_row(
                "SELECT coalesce(max(id), 0) + 1 FROM resolution_judgements",
                [],
                |row| row.get(0),
            )
            .map_err(database)?;
        let appended = Judgement {
            id: codec::count(next),
            decided_at: codec::truncate_to_micros(Utc::now()),
            judgement,
        };
        transaction
            .execute(
                &format!(
                    "INSERT INTO resolution_judgements ({JUDGEMENT_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    next,
                    appended.judgement.kind.as_str(),
                    appended.judgement.left.as_bytes().as_slice(),
                    appended.judgement.right.as_bytes().as_slice(),
                    appended.judgement.decided_by,
                    codec::micros(appended.decided_at),
                    appended.judgement.reason,
                    appended.judgement.reverses.map(codec::clamp),
                ],
            )
            .map_err(database)?;
        transaction.commit().map_err(database)?;
        Ok(appended)
    }

    fn judgements(&self) -> StoreResult<Vec<Judgement>> {
        self.read(|connection| {
            let sql = format!("SELECT {JUDGEMENT_COLUMNS} FROM resolution_judgements ORDER BY id");
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut judgements = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                judgements.push(judgement_from_row(row)?);
            }
            Ok(judgements)
        })
    }

    fn assignment(&self) -> StoreResult<BTreeMap<RecordId, String>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT record_id, entity_id FROM resolution_assignments")
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut assignment = BTreeMap::new();
            while let Some(row) = rows.next().map_err(database)? {
                assignment.insert(
                    record_id(row, 0, "resolution_assignments")?,
                    row.get(1).map_err(database)?,
                );
            }
            Ok(assignment)
        })
    }

    fn entity_of(&self, record: RecordId) -> StoreResult<Option<String>> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT entity_id FROM resolution_assignments WHERE record_id = ?1",
                    [record.as_bytes().as_slice()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(database)
        })
    }

    fn entity_records(&self, entity: &str) -> StoreResult<Vec<RecordId>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT record_id FROM resolution_assignments WHERE entity_id = ?1 \
                     ORDER BY record_id",
                )
                .map_err(database)?;
            let mut rows = statement.query([entity]).map_err(database)?;
            let mut records = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                records.push(record_id(row, 0, "resolution_assignments")?);
            }
            Ok(records)
        })
    }

    fn redirects(&self) -> StoreResult<Vec<EntityRedirect>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT from_entity, to_entity, reason, run_id, redirected_at \
                     FROM resolution_redirects ORDER BY run_id, from_entity",
                )
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut redirects = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                let reason: String = row.get(2).map_err(database)?;
                redirects.push(EntityRedirect {
                    from: row.get(0).map_err(database)?,
                    to: row.get(1).map_err(database)?,
                    reason: reason.parse().map_err(|reason| StoreError::Corrupt {
                        table: "resolution_redirects",
                        reason,
                    })?,
                    run: codec::count(row.get(3).map_err(database)?),
                    redirected_at: codec::moment(
                        row.get(4).map_err(database)?,
                        "resolution_redirects",
                    )?,
                });
            }
            Ok(redirects)
        })
    }

    fn replace_assignment(&self, update: AssignmentUpdate) -> StoreResult<ResolutionRun> {
        if let Some(problem) = update.problem() {
            return Err(StoreError::Refused(problem));
        }
        let mut connection = self.durable_connection()?;
        // A run can be redone from the records, so its (large) write need not wait for
        // the disk; the connection goes back FULL, as the pool's other writes expect.
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(database)?;
        let written = (|| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(database)?;
            let run = write_update(&transaction, update)?;
            transaction.commit().map_err(database)?;
            Ok(run)
        })();
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(database)?;
        written
    }

    fn latest_run(&self) -> StoreResult<Option<ResolutionRun>> {
        self.read(|connection| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM resolution_runs ORDER BY id DESC LIMIT 1");
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            match rows.next().map_err(database)? {
                Some(row) => Ok(Some(run_from_row(row)?)),
                None => Ok(None),
            }
        })
    }

    fn run_pairs(&self, role: PairRole) -> StoreResult<Vec<RunPair>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT rank, left_record, right_record, weight, probability, evidence \
                     FROM resolution_run_pairs WHERE role = ?1 ORDER BY rank",
                )
                .map_err(database)?;
            let mut rows = statement.query([role.as_str()]).map_err(database)?;
            let mut pairs = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                let evidence: String = row.get(5).map_err(database)?;
                pairs.push(RunPair {
                    role,
                    rank: codec::count(row.get(0).map_err(database)?),
                    left: record_id(row, 1, "resolution_run_pairs")?,
                    right: record_id(row, 2, "resolution_run_pairs")?,
                    weight: row.get(3).map_err(database)?,
                    probability: row.get(4).map_err(database)?,
                    evidence: json(&evidence, "resolution_run_pairs")?,
                });
            }
            Ok(pairs)
        })
    }

    fn resolve_entity(&self, entity: &str) -> StoreResult<Option<Vec<String>>> {
        self.read(|connection| {
            let mut chain = vec![entity.to_string()];
            loop {
                let next: Option<String> = connection
                    .query_row(
                        "SELECT to_entity FROM resolution_redirects WHERE from_entity = ?1",
                        [chain[chain.len() - 1].as_str()],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(database)?;
                match next {
                    Some(next) if !chain.contains(&next) => chain.push(next),
                    _ => break,
                }
            }
            if chain.len() == 1 {
                let assigned: Option<i64> = connection
                    .query_row(
                        "SELECT 1 FROM resolution_assignments WHERE entity_id = ?1 LIMIT 1",
                        [entity],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(database)?;
                if assigned.is_none() {
                    return Ok(None);
                }
            }
            Ok(Some(chain))
        })
    }
}

fn write_update(
    transaction: &Transaction<'_>,
    update: AssignmentUpdate,
) -> StoreResult<ResolutionRun> {
    let run_id: i64 = transaction
        .query_row(
            "SELECT coalesce(max(id), 0) + 1 FROM resolution_runs",
            [],
            |row| row.get(0),
        )
        .map_err(database)?;
    let run = ResolutionRun {
        id: codec::count(run_id),
        started_at: codec::truncate_to_micros(update.started_at),
        finished_at: codec::truncate_to_micros(Utc::now()),
        threshold: update.threshold,
        model: update.model,
        counts: update.counts,
    };
    transaction
        .execute(
            &format!("INSERT INTO resolution_runs ({RUN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
            params![
                run_id,
                codec::micros(run.started_at),
                codec::micros(run.finished_at),
                run.threshold,
                run.model.to_string(),
                run.counts.to_string(),
            ],
        )
        .map_err(database)?;
    transaction
        .execute_batch("DELETE FROM resolution_assignments; DELETE FROM resolution_run_pairs;")
        .map_err(database)?;
    {
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO resolution_assignments (record_id, entity_id, run_id) \
                 VALUES (?1, ?2, ?3)",
            )
            .map_err(database)?;
        for (record, entity) in &update.assignments {
            insert
                .execute(params![record.as_bytes().as_slice(), entity, run_id])
                .map_err(database)?;
        }
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO resolution_redirects \
                 (from_entity, to_entity, reason, run_id, redirected_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(database)?;
        for (from, to, reason) in &update.redirects {
            insert
                .execute(params![
                    from,
                    to,
                    reason.as_str(),
                    run_id,
                    codec::micros(run.finished_at)
                ])
                .map_err(|error| match error.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => {
                        StoreError::Refused(format!("{from} is already redirected"))
                    }
                    _ => database(error),
                })?;
        }
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO resolution_run_pairs \
                 (run_id, role, rank, left_record, right_record, weight, probability, evidence) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(database)?;
        for pair in &update.pairs {
            insert
                .execute(params![
                    run_id,
                    pair.role.as_str(),
                    codec::clamp(pair.rank),
                    pair.left.as_bytes().as_slice(),
                    pair.right.as_bytes().as_slice(),
                    pair.weight,
                    pair.probability,
                    pair.evidence.to_string(),
                ])
                .map_err(database)?;
        }
    }
    Ok(run)
}

fn read_judgement(connection: &Connection, id: u64) -> StoreResult<Option<Judgement>> {
    let sql = format!("SELECT {JUDGEMENT_COLUMNS} FROM resolution_judgements WHERE id = ?1");
    let mut statement = connection.prepare_cached(&sql).map_err(database)?;
    let mut rows = statement.query([codec::clamp(id)]).map_err(database)?;
    match rows.next().map_err(database)? {
        Some(row) => Ok(Some(judgement_from_row(row)?)),
        None => Ok(None),
    }
}

fn judgement_from_row(row: &Row<'_>) -> StoreResult<Judgement> {
    let table = "resolution_judgements";
    let kind: String = row.get(1).map_err(database)?;
    Ok(Judgement {
        id: codec::count(row.get(0).map_err(database)?),
        decided_at: codec::moment(row.get(5).map_err(database)?, table)?,
        judgement: NewJudgement {
            kind: kind
                .parse()
                .map_err(|reason| StoreError::Corrupt { table, reason })?,
            left: record_id(row, 2, table)?,
            right: record_id(row, 3, table)?,
            decided_by: row.get(4).map_err(database)?,
            reason: row.get(6).map_err(database)?,
            reverses: row
                .get::<_, Option<i64>>(7)
                .map_err(database)?
                .map(codec::count),
        },
    })
}

fn run_from_row(row: &Row<'_>) -> StoreResult<ResolutionRun> {
    let table = "resolution_runs";
    Ok(ResolutionRun {
        id: codec::count(row.get(0).map_err(database)?),
        started_at: codec::moment(row.get(1).map_err(database)?, table)?,
        finished_at: codec::moment(row.get(2).map_err(database)?, table)?,
        threshold: row.get(3).map_err(database)?,
        model: json(&row.get::<_, String>(4).map_err(database)?, table)?,
        counts: json(&row.get::<_, String>(5).map_err(database)?, table)?,
    })
}

fn record_id(row: &Row<'_>, index: usize, table: &'static str) -> StoreResult<RecordId> {
    let bytes: Vec<u8> = row.get(index).map_err(database)?;
    let bytes: [u8; 16] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::Corrupt {
            table,
            reason: format!("record id of {} bytes, expected 16", bytes.len()),
        })?;
    Ok(RecordId::from_bytes(bytes))
}

fn json(text: &str, table: &'static str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt {
        table,
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolution_run_gives_its_connection_back_to_the_pool_durable() {
        let directory = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&directory.path().join("r.db").display().to_string()).unwrap();
        let update = AssignmentUpdate {
            started_at: Utc::now(),
            threshold: 1.0,
            model: serde_json::json!({}),
            counts: serde_json::json!({}),
            assignments: Vec::new(),
            redirects: Vec::new(),
            pairs: Vec::new(),
        };
        store.replace_assignment(update).unwrap();
        // The pool's one idle connection is the one the run used; 2 is FULL.
        let pooled = store.durable_connection().unwrap();
        let level: i64 = pooled
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        assert_eq!(level, 2);
    }
}
