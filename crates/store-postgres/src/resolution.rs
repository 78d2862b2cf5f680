//! Resolution state in PostgreSQL (see `store::resolution`): the append-only judgement
//! log, the assignment replaced whole by each run, redirects and runs.
//!
//! Appends and runs take a transaction-scoped advisory lock, so concurrent writers get
//! consecutive ids and two runs never interleave. The assignment goes in with one
//! `INSERT … SELECT FROM unnest(…)` per chunk rather than a statement per record.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use model::RecordId;
use postgres::{GenericClient, Row, Transaction};
use store::{
    AssignmentUpdate, EntityRedirect, Judgement, NewJudgement, PairRole, ResolutionRun,
    ResolutionState, RunPair, StoreError, StoreResult,
};

use crate::codec::{self, Uuid};
use crate::{PostgresStore, database};

const JUDGEMENT_COLUMNS: &str =
    "id, kind, left_record, right_record, decided_by, decided_at, reason, reverses";

const RUN_COLUMNS: &str = "id, started_at, finished_at, threshold, model, counts";

/// Any fixed number: resolution writers take turns.
const RESOLUTION_LOCK: i64 = 0x0002_7e50_1f3d;

/// Assignment rows per `INSERT … unnest` statement.
const ASSIGNMENT_CHUNK: usize = 50_000;

impl PostgresStore {
    /// Runs `write` in a transaction holding the resolution lock.
    fn write<T>(
        &self,
        write: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.locked_write(RESOLUTION_LOCK, write)
    }
}

impl ResolutionState for PostgresStore {
    fn append_judgement(&self, judgement: NewJudgement) -> StoreResult<Judgement> {
        if let Some(problem) = judgement.problem() {
            return Err(StoreError::Refused(problem));
        }
        self.write(|transaction| {
            transaction
                .batch_execute("SET LOCAL synchronous_commit = on")
                .map_err(database)?;
            if let Some(reversed_id) = judgement.reverses {
                let reversed = read_judgement(transaction, reversed_id)?;
                let already: i64 = transaction
                    .query_one(
                        "SELECT count(*) FROM resolution_judgements WHERE reverses = $1",
                        &[&codec::clamp(reversed_id)],
                    )
                    .and_then(|row| row.try_get(0))
                    .map_err(database)?;
                if let Some(problem) = judgement.reversal_problem(reversed.as_ref(), already > 0) {
                    return Err(StoreError::Refused(problem));
                }
            }
            let next: i64 = transaction
                .query_one(
                    "SELECT coalesce(max(id), 0) + 1 FROM resolution_judgements",
                    &[],
                )
                .and_then(|row| row.try_get(0))
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
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ),
                    &[
                        &next,
                        &appended.judgement.kind.as_str(),
                        &Uuid(*appended.judgement.left.as_bytes()),
                        &Uuid(*appended.judgement.right.as_bytes()),
                        &appended.judgement.decided_by,
                        &appended.decided_at,
                        &appended.judgement.reason,
                        &appended.judgement.reverses.map(codec::clamp),
                    ],
                )
                .map_err(database)?;
            Ok(appended)
        })
    }

    fn judgements(&self) -> StoreResult<Vec<Judgement>> {
        self.read(|transaction| {
            let sql = format!("SELECT {JUDGEMENT_COLUMNS} FROM resolution_judgements ORDER BY id");
            let rows = transaction.query(&sql, &[]).map_err(database)?;
            rows.iter().map(judgement_from_row).collect()
        })
    }

    fn assignment(&self) -> StoreResult<BTreeMap<RecordId, String>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT record_id, entity_id FROM resolution_assignments",
                    &[],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    Ok((
                        record_id(row, 0, "resolution_assignments")?,
                        row.try_get(1).map_err(database)?,
                    ))
                })
                .collect()
        })
    }

    fn entity_of(&self, record: RecordId) -> StoreResult<Option<String>> {
        self.read(|transaction| {
            let row = transaction
                .query_opt(
                    "SELECT entity_id FROM resolution_assignments WHERE record_id = $1",
                    &[&Uuid(*record.as_bytes())],
                )
                .map_err(database)?;
            row.map(|row| row.try_get(0).map_err(database)).transpose()
        })
    }

    fn entity_records(&self, entity: &str) -> StoreResult<Vec<RecordId>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT record_id FROM resolution_assignments WHERE entity_id = $1 \
                     ORDER BY record_id",
                    &[&entity],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| record_id(row, 0, "resolution_assignments"))
                .collect()
        })
    }

    fn redirects(&self) -> StoreResult<Vec<EntityRedirect>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT from_entity, to_entity, reason, run_id, redirected_at \
                     FROM resolution_redirects ORDER BY run_id, from_entity",
                    &[],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    let reason: String = row.try_get(2).map_err(database)?;
                    Ok(EntityRedirect {
                        from: row.try_get(0).map_err(database)?,
                        to: row.try_get(1).map_err(database)?,
                        reason: reason.parse().map_err(|reason| StoreError::Corrupt {
                            table: "resolution_redirects",
                            reason,
                        })?,
                        run: codec::count(row.try_get(3).map_err(database)?),
                        redirected_at: row.try_get::<_, DateTime<Utc>>(4).map_err(database)?,
                    })
                })
                .collect()
        })
    }

    fn replace_assignment(&self, update: AssignmentUpdate) -> StoreResult<ResolutionRun> {
        if let Some(problem) = update.problem() {
            return Err(StoreError::Refused(problem));
        }
        self.write(|transaction| write_update(transaction, update))
    }

    fn latest_run(&self) -> StoreResult<Option<ResolutionRun>> {
        self.read(|transaction| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM resolution_runs ORDER BY id DESC LIMIT 1");
            let row = transaction.query_opt(&sql, &[]).map_err(database)?;
            row.as_ref().map(run_from_row).transpose()
        })
    }

    fn run_pairs(&self, role: PairRole) -> StoreResult<Vec<RunPair>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT rank, left_record, right_record, weight, probability, evidence \
                     FROM resolution_run_pairs WHERE role = $1 ORDER BY rank",
                    &[&role.as_str()],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    let table = "resolution_run_pairs";
                    let evidence: String = row.try_get(5).map_err(database)?;
                    Ok(RunPair {
                        role,
                        rank: codec::count(row.try_get(0).map_err(database)?),
                        left: record_id(row, 1, table)?,
                        right: record_id(row, 2, table)?,
                        weight: row.try_get(3).map_err(database)?,
                        probability: row.try_get(4).map_err(database)?,
                        evidence: json(&evidence, table)?,
                    })
                })
                .collect()
        })
    }

    fn resolve_entity(&self, entity: &str) -> StoreResult<Option<Vec<String>>> {
        self.read(|transaction| {
            let mut chain = vec![entity.to_string()];
            loop {
                let next: Option<String> = transaction
                    .query_opt(
                        "SELECT to_entity FROM resolution_redirects WHERE from_entity = $1",
                        &[&chain[chain.len() - 1]],
                    )
                    .map_err(database)?
                    .map(|row| row.try_get(0))
                    .transpose()
                    .map_err(database)?;
                match next {
                    Some(next) if !chain.contains(&next) => chain.push(next),
                    _ => break,
                }
            }
            if chain.len() == 1 {
                let assigned = transaction
                    .query_opt(
                        "SELECT 1 FROM resolution_assignments WHERE entity_id = $1 LIMIT 1",
                        &[&entity],
                    )
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
    transaction: &mut Transaction<'_>,
    update: AssignmentUpdate,
) -> StoreResult<ResolutionRun> {
    let run_id: i64 = transaction
        .query_one("SELECT coalesce(max(id), 0) + 1 FROM resolution_runs", &[])
        .and_then(|row| row.try_get(0))
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
            &format!("INSERT INTO resolution_runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[
                &run_id,
                &run.started_at,
                &run.finished_at,
                &run.threshold,
                &run.model.to_string(),
                &run.counts.to_string(),
            ],
        )
        .map_err(database)?;
    transaction
        .batch_execute("DELETE FROM resolution_assignments; DELETE FROM resolution_run_pairs;")
        .map_err(database)?;
    for chunk in update.assignments.chunks(ASSIGNMENT_CHUNK) {
        let records: Vec<String> = chunk.iter().map(|(record, _)| record.to_hex()).collect();
        let entities: Vec<&str> = chunk.iter().map(|(_, entity)| entity.as_str()).collect();
        transaction
            .execute(
                "INSERT INTO resolution_assignments (record_id, entity_id, run_id) \
                 SELECT record::uuid, entity, $3 FROM unnest($1::text[], $2::text[]) \
                 AS assigned (record, entity)",
                &[&records, &entities, &run_id],
            )
            .map_err(database)?;
    }
    for (from, to, reason) in &update.redirects {
        let exists = transaction
            .query_opt(
                "SELECT 1 FROM resolution_redirects WHERE from_entity = $1",
                &[from],
            )
            .map_err(database)?;
        if exists.is_some() {
            return Err(StoreError::Refused(format!("{from} is already redirected")));
        }
        transaction
            .execute(
                "INSERT INTO resolution_redirects \
                 (from_entity, to_entity, reason, run_id, redirected_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[from, to, &reason.as_str(), &run_id, &run.finished_at],
            )
            .map_err(database)?;
    }
    let statement = transaction
        .prepare(
            "INSERT INTO resolution_run_pairs \
             (run_id, role, rank, left_record, right_record, weight, probability, evidence) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .map_err(database)?;
    for pair in &update.pairs {
        transaction
            .execute(
                &statement,
                &[
                    &run_id,
                    &pair.role.as_str(),
                    &codec::clamp(pair.rank),
                    &Uuid(*pair.left.as_bytes()),
                    &Uuid(*pair.right.as_bytes()),
                    &pair.weight,
                    &pair.probability,
                    &pair.evidence.to_string(),
                ],
            )
            .map_err(database)?;
    }
    Ok(run)
}

fn read_judgement(client: &mut impl GenericClient, id: u64) -> StoreResult<Option<Judgement>> {
    let row = client
        .query_opt(
            &format!("SELECT {JUDGEMENT_COLUMNS} FROM resolution_judgements WHERE id = $1"),
            &[&codec::clamp(id)],
        )
        .map_err(database)?;
    row.as_ref().map(judgement_from_row).transpose()
}

fn judgement_from_row(row: &Row) -> StoreResult<Judgement> {
    let table = "resolution_judgements";
    let kind: String = row.try_get(1).map_err(database)?;
    Ok(Judgement {
        id: codec::count(row.try_get(0).map_err(database)?),
        decided_at: row.try_get::<_, DateTime<Utc>>(5).map_err(database)?,
        judgement: NewJudgement {
            kind: kind
                .parse()
                .map_err(|reason| StoreError::Corrupt { table, reason })?,
            left: record_id(row, 2, table)?,
            right: record_id(row, 3, table)?,
            decided_by: row.try_get(4).map_err(database)?,
            reason: row.try_get(6).map_err(database)?,
            reverses: row
                .try_get::<_, Option<i64>>(7)
                .map_err(database)?
                .map(codec::count),
        },
    })
}

fn run_from_row(row: &Row) -> StoreResult<ResolutionRun> {
    let table = "resolution_runs";
    Ok(ResolutionRun {
        id: codec::count(row.try_get(0).map_err(database)?),
        started_at: row.try_get(1).map_err(database)?,
        finished_at: row.try_get(2).map_err(database)?,
        threshold: row.try_get(3).map_err(database)?,
        model: json(&row.try_get::<_, String>(4).map_err(database)?, table)?,
        counts: json(&row.try_get::<_, String>(5).map_err(database)?, table)?,
    })
}

fn record_id(row: &Row, index: usize, table: &'static str) -> StoreResult<RecordId> {
    row.try_get::<_, Uuid>(index)
        .map(|uuid| RecordId::from_bytes(uuid.0))
        .map_err(|error| StoreError::Corrupt {
            table,
            reason: crate::describe(&error),
        })
}

fn json(text: &str, table: &'static str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt {
        table,
        reason: error.to_string(),
    })
}
