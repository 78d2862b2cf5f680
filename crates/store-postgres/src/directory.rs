//! The directory in PostgreSQL (see `store::directory`): agencies, accounts, cases,
//! agreements, log-on attempts, sessions, tokens and Part 23 validations (migration
//! 0006).
//!
//! Writes take a transaction-scoped advisory lock of their own and commit with
//! `synchronous_commit = on`: a failed log-on or a lock that vanished on a crash
//! would reset the lock-out count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use model::RecordId;
use postgres::{Row, Transaction};
use store::{
    Agency, Agreement, ApiToken, CaseFile, Directory, LogonAttempt, Session, StoreError,
    StoreResult, UserAccount, Validation,
};

use crate::codec::Uuid;
use crate::{PostgresStore, codec, database};

const USER_COLUMNS: &str = "id, agency, display_name, roles, clearance, caveats, \
     password_hash, totp_secret, locked_at, disabled, created_at";

const SESSION_COLUMNS: &str =
    "id_hash, user_id, created_at, last_seen, second_factor, source, ended_at";

const TOKEN_COLUMNS: &str =
    "id, secret_hash, user_id, scopes, label, created_at, expires_at, revoked_at";

/// Any fixed number: directory writers take turns.
const DIRECTORY_LOCK: i64 = 0x0006_d1ec_7a11;

impl PostgresStore {
    /// Runs `write` in a transaction holding the directory lock, synchronously
    /// committed.
    fn write_directory<T>(
        &self,
        write: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.locked_write(DIRECTORY_LOCK, write)
    }
}

impl Directory for PostgresStore {
    fn put_agency(&self, agency: &Agency) -> StoreResult<()> {
        if agency.id.trim().is_empty() {
            return Err(StoreError::Refused("an agency needs an id".to_string()));
        }
        self.write_directory(|transaction| {
            transaction
                .execute(
                    "INSERT INTO agencies (id, name, contact) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     contact = excluded.contact",
                    &[&agency.id, &agency.name, &agency.contact],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn agencies(&self) -> StoreResult<Vec<Agency>> {
        self.read(|transaction| {
            let rows = transaction
                .query("SELECT id, name, contact FROM agencies ORDER BY id", &[])
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    Ok(Agency {
                        id: row.try_get(0).map_err(database)?,
                        name: row.try_get(1).map_err(database)?,
                        contact: row.try_get(2).map_err(database)?,
                    })
                })
                .collect()
        })
    }

    fn create_user(&self, user: &UserAccount) -> StoreResult<()> {
        if user.id.trim().is_empty() {
            return Err(StoreError::Refused("an account needs an id".to_string()));
        }
        let roles = json(&user.roles)?;
        let caveats = json(&user.caveats)?;
        self.write_directory(|transaction| {
            if user_exists(transaction, &user.id)? {
                return Err(StoreError::Refused(format!(
                    "account {} exists already",
                    user.id
                )));
            }
            transaction
                .execute(
                    &format!(
                        "INSERT INTO users ({USER_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    ),
                    &[
                        &user.id,
                        &user.agency,
                        &user.display_name,
                        &roles,
                        &user.clearance.as_str(),
                        &caveats,
                        &user.password_hash,
                        &user.totp_secret,
                        &user.locked_at.map(codec::truncate_to_micros),
                        &user.disabled,
                        &codec::truncate_to_micros(user.created_at),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn update_user(&self, user: &UserAccount) -> StoreResult<()> {
        let roles = json(&user.roles)?;
        let caveats = json(&user.caveats)?;
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE users SET agency = $2, display_name = $3, roles = $4, \
                     clearance = $5, caveats = $6, password_hash = $7, totp_secret = $8, \
                     locked_at = $9, disabled = $10 WHERE id = $1",
                    &[
                        &user.id,
                        &user.agency,
                        &user.display_name,
                        &roles,
                        &user.clearance.as_str(),
                        &caveats,
                        &user.password_hash,
                        &user.totp_secret,
                        &user.locked_at.map(codec::truncate_to_micros),
                        &user.disabled,
                    ],
                )
                .map_err(database)?;
            if changed == 0 {
                return Err(no_account(&user.id));
            }
            Ok(())
        })
    }

    fn user(&self, id: &str) -> StoreResult<Option<UserAccount>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        self.read(|transaction| read_one(transaction, &sql, id, user_from_row))
    }

    fn users(&self) -> StoreResult<Vec<UserAccount>> {
        self.read(|transaction| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
            let rows = transaction.query(&sql, &[]).map_err(database)?;
            rows.iter().map(user_from_row).collect()
        })
    }

    fn create_case(&self, case: &CaseFile) -> StoreResult<()> {
        if case.id.trim().is_empty() {
            return Err(StoreError::Refused("a case needs an id".to_string()));
        }
        self.write_directory(|transaction| {
            if case_exists(transaction, &case.id)? {
                return Err(StoreError::Refused(format!(
                    "case {} exists already",
                    case.id
                )));
            }
            transaction
                .execute(
                    "INSERT INTO cases (id, agency, title, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &case.id,
                        &case.agency,
                        &case.title,
                        &case.created_by,
                        &codec::truncate_to_micros(case.created_at),
                    ],
                )
                .map_err(database)?;
            for member in &case.members {
                insert_member(transaction, &case.id, member)?;
            }
            Ok(())
        })
    }

    fn add_case_member(&self, case: &str, user: &str) -> StoreResult<()> {
        self.write_directory(|transaction| {
            if !case_exists(transaction, case)? {
                return Err(StoreError::Refused(format!("there is no case {case}")));
            }
            insert_member(transaction, case, user)
        })
    }

    fn remove_case_member(&self, case: &str, user: &str) -> StoreResult<bool> {
        self.write_directory(|transaction| {
            let removed = transaction
                .execute(
                    "DELETE FROM case_members WHERE case_id = $1 AND user_id = $2",
                    &[&case, &user],
                )
                .map_err(database)?;
            Ok(removed > 0)
        })
    }

    fn case(&self, id: &str) -> StoreResult<Option<CaseFile>> {
        Ok(self
            .read(|transaction| read_cases(transaction, Some(id)))?
            .pop())
    }

    fn cases(&self) -> StoreResult<Vec<CaseFile>> {
        self.read(|transaction| read_cases(transaction, None))
    }

    fn put_agreement(&self, agreement: &Agreement) -> StoreResult<()> {
        let data_classes = json(
            &agreement
                .data_classes
                .iter()
                .map(|class| class.as_str().to_string())
                .collect::<Vec<_>>(),
        )?;
        self.write_directory(|transaction| {
            transaction
                .execute(
                    "INSERT INTO agreements (from_agency, to_agency, data_classes, \
                     max_sensitivity) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (from_agency, to_agency) DO UPDATE SET \
                     data_classes = excluded.data_classes, \
                     max_sensitivity = excluded.max_sensitivity",
                    &[
                        &agreement.from_agency,
                        &agreement.to_agency,
                        &data_classes,
                        &agreement.max_sensitivity.as_str(),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn remove_agreement(&self, from_agency: &str, to_agency: &str) -> StoreResult<bool> {
        self.write_directory(|transaction| {
            let removed = transaction
                .execute(
                    "DELETE FROM agreements WHERE from_agency = $1 AND to_agency = $2",
                    &[&from_agency, &to_agency],
                )
                .map_err(database)?;
            Ok(removed > 0)
        })
    }

    fn agreements(&self) -> StoreResult<Vec<Agreement>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT from_agency, to_agency, data_classes, max_sensitivity \
                     FROM agreements ORDER BY from_agency, to_agency",
                    &[],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    let data_classes = parse_json(
                        &row.try_get::<_, String>(2).map_err(database)?,
                        "agreements",
                    )?;
                    Ok(Agreement {
                        from_agency: row.try_get(0).map_err(database)?,
                        to_agency: row.try_get(1).map_err(database)?,
                        data_classes: data_classes
                            .iter()
                            .map(|class| parse_label(class, "agreements"))
                            .collect::<StoreResult<_>>()?,
                        max_sensitivity: parse_label(
                            &row.try_get::<_, String>(3).map_err(database)?,
                            "agreements",
                        )?,
                    })
                })
                .collect()
        })
    }

    fn record_logon_attempt(&self, attempt: &LogonAttempt) -> StoreResult<()> {
        self.write_directory(|transaction| {
            transaction
                .execute(
                    "INSERT INTO logon_attempts (user_id, at, succeeded, source) \
                     VALUES ($1, $2, $3, $4)",
                    &[
                        &attempt.user,
                        &codec::truncate_to_micros(attempt.at),
                        &attempt.succeeded,
                        &attempt.source,
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn recent_failures(&self, user: &str, since: DateTime<Utc>) -> StoreResult<u32> {
        self.read(|transaction| {
            // Failures count from the latest of `since` (inclusive), the latest success
            // and the latest unlock (both exclusive).
            let failures: i64 = transaction
                .query_one(
                    "SELECT count(*) FROM logon_attempts \
                     WHERE user_id = $1 AND NOT succeeded AND at >= $2 \
                     AND at > coalesce((SELECT max(at) FROM logon_attempts \
                                        WHERE user_id = $1 AND succeeded), '-infinity') \
                     AND at > coalesce((SELECT unlocked_at FROM users WHERE id = $1), \
                                       '-infinity')",
                    &[&user, &codec::truncate_to_micros(since)],
                )
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            Ok(u32::try_from(failures).unwrap_or(u32::MAX))
        })
    }

    fn logon_attempts(&self, user: &str, limit: u32) -> StoreResult<Vec<LogonAttempt>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT user_id, at, succeeded, source FROM logon_attempts \
                     WHERE user_id = $1 ORDER BY at DESC, seq DESC LIMIT $2",
                    &[&user, &i64::from(limit)],
                )
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    Ok(LogonAttempt {
                        user: row.try_get(0).map_err(database)?,
                        at: row.try_get(1).map_err(database)?,
                        succeeded: row.try_get(2).map_err(database)?,
                        source: row.try_get(3).map_err(database)?,
                    })
                })
                .collect()
        })
    }

    fn lock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let at = codec::truncate_to_micros(at);
        self.write_directory(|transaction| {
            if !user_exists(transaction, user)? {
                return Err(no_account(user));
            }
            let locked = transaction
                .execute(
                    "UPDATE users SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL",
                    &[&user, &at],
                )
                .map_err(database)?;
            if locked > 0 {
                transaction
                    .execute(
                        "UPDATE sessions SET ended_at = $2 \
                         WHERE user_id = $1 AND ended_at IS NULL",
                        &[&user, &at],
                    )
                    .map_err(database)?;
            }
            Ok(())
        })
    }

    fn unlock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let at = codec::truncate_to_micros(at);
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE users SET locked_at = NULL, unlocked_at = $2 WHERE id = $1",
                    &[&user, &at],
                )
                .map_err(database)?;
            if changed == 0 {
                return Err(no_account(user));
            }
            Ok(())
        })
    }

    fn create_session(&self, session: &Session) -> StoreResult<()> {
        self.write_directory(|transaction| {
            if !user_exists(transaction, &session.user)? {
                return Err(no_account(&session.user));
            }
            let exists = transaction
                .query_opt(
                    "SELECT 1 FROM sessions WHERE id_hash = $1",
                    &[&session.id_hash],
                )
                .map_err(database)?
                .is_some();
            if exists {
                return Err(StoreError::Refused(
                    "the session exists already".to_string(),
                ));
            }
            transaction
                .execute(
                    &format!(
                        "INSERT INTO sessions ({SESSION_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    ),
                    &[
                        &session.id_hash,
                        &session.user,
                        &codec::truncate_to_micros(session.created_at),
                        &codec::truncate_to_micros(session.last_seen),
                        &session.second_factor,
                        &session.source,
                        &session.ended_at.map(codec::truncate_to_micros),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn session(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1");
        self.read(|transaction| read_one(transaction, &sql, id_hash, session_from_row))
    }

    fn touch_session(
        &self,
        id_hash: &str,
        at: DateTime<Utc>,
        second_factor: bool,
    ) -> StoreResult<()> {
        let at = codec::truncate_to_micros(at);
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE sessions SET last_seen = greatest(last_seen, $2), \
                     second_factor = (second_factor OR $3) \
                     WHERE id_hash = $1 AND ended_at IS NULL",
                    &[&id_hash, &at, &second_factor],
                )
                .map_err(database)?;
            if changed == 0 {
                return Err(StoreError::Refused(
                    "no open session with that id".to_string(),
                ));
            }
            Ok(())
        })
    }

    fn end_session(&self, id_hash: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let at = codec::truncate_to_micros(at);
        self.write_directory(|transaction| {
            let ended = transaction
                .execute(
                    "UPDATE sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
                    &[&id_hash, &at],
                )
                .map_err(database)?;
            Ok(ended > 0)
        })
    }

    fn create_token(&self, token: &ApiToken) -> StoreResult<()> {
        let scopes = json(&token.scopes)?;
        self.write_directory(|transaction| {
            if !user_exists(transaction, &token.user)? {
                return Err(no_account(&token.user));
            }
            let exists = transaction
                .query_opt(
                    "SELECT 1 FROM api_tokens WHERE id = $1 OR secret_hash = $2",
                    &[&token.id, &token.secret_hash],
                )
                .map_err(database)?
                .is_some();
            if exists {
                return Err(StoreError::Refused(format!(
                    "token {} or its secret exists already",
                    token.id
                )));
            }
            transaction
                .execute(
                    &format!(
                        "INSERT INTO api_tokens ({TOKEN_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ),
                    &[
                        &token.id,
                        &token.secret_hash,
                        &token.user,
                        &scopes,
                        &token.label,
                        &codec::truncate_to_micros(token.created_at),
                        &token.expires_at.map(codec::truncate_to_micros),
                        &token.revoked_at.map(codec::truncate_to_micros),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = $1");
        self.read(|transaction| read_one(transaction, &sql, secret_hash, token_from_row))
    }

    fn tokens(&self, user: &str) -> StoreResult<Vec<ApiToken>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 \
                 ORDER BY created_at DESC, id DESC"
            );
            let rows = transaction.query(&sql, &[&user]).map_err(database)?;
            rows.iter().map(token_from_row).collect()
        })
    }

    fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let at = codec::truncate_to_micros(at);
        self.write_directory(|transaction| {
            let revoked = transaction
                .execute(
                    "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    &[&id, &at],
                )
                .map_err(database)?;
            Ok(revoked > 0)
        })
    }

    fn record_validation(&self, validation: &Validation) -> StoreResult<()> {
        if let Some(problem) = validation_problem(validation) {
            return Err(StoreError::Refused(problem));
        }
        let record = Uuid(*validation.record.as_bytes());
        self.write_directory(|transaction| {
            // FOR SHARE: a purge running at the same time waits, or this sees it.
            let stored = transaction
                .query_opt("SELECT 1 FROM records WHERE id = $1 FOR SHARE", &[&record])
                .map_err(database)?
                .is_some();
            if !stored {
                return Err(StoreError::Refused(format!(
                    "record {} is not stored",
                    validation.record
                )));
            }
            transaction
                .execute(
                    "INSERT INTO validations (record_id, decision, by_user, at, note) \
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &record,
                        &validation.decision,
                        &validation.by,
                        &codec::truncate_to_micros(validation.at),
                        &validation.note,
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn validations(&self) -> StoreResult<BTreeMap<RecordId, Validation>> {
        self.read(|transaction| {
            let rows = transaction
                .query(
                    "SELECT record_id, decision, by_user, at, note FROM validations \
                     ORDER BY at, seq",
                    &[],
                )
                .map_err(database)?;
            let mut latest = BTreeMap::new();
            for row in &rows {
                let record: Uuid = row
                    .try_get(0)
                    .map_err(|error| corrupt("validations", error.to_string()))?;
                let validation = Validation {
                    record: RecordId::from_bytes(record.0),
                    decision: row.try_get(1).map_err(database)?,
                    by: row.try_get(2).map_err(database)?,
                    at: row.try_get(3).map_err(database)?,
                    note: row.try_get(4).map_err(database)?,
                };
                // Later rows replace earlier ones: the latest decision counts.
                latest.insert(validation.record, validation);
            }
            Ok(latest)
        })
    }
}

/// Why a validation cannot be recorded, if it cannot (the same on every backend).
fn validation_problem(validation: &Validation) -> Option<String> {
    if validation.by.trim().is_empty() {
        return Some("a validation needs the user who decides".to_string());
    }
    if !matches!(validation.decision.as_str(), "validated" | "rejected") {
        return Some(format!(
            "a validation decision is validated or rejected, not {:?}",
            validation.decision
        ));
    }
    None
}

fn no_account(id: &str) -> StoreError {
    StoreError::Refused(format!("there is no account {id}"))
}

fn corrupt(table: &'static str, reason: String) -> StoreError {
    StoreError::Corrupt { table, reason }
}

/// A list of names as a JSON array.
fn json(values: &[String]) -> StoreResult<String> {
    serde_json::to_string(values).map_err(|error| StoreError::Database(error.to_string()))
}

fn parse_json(text: &str, table: &'static str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|error| corrupt(table, format!("{text:?}: {error}")))
}

fn parse_label<T: std::str::FromStr>(text: &str, table: &'static str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|error: T::Err| corrupt(table, error.to_string()))
}

fn user_exists(transaction: &mut Transaction<'_>, id: &str) -> StoreResult<bool> {
    Ok(transaction
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&id])
        .map_err(database)?
        .is_some())
}

fn case_exists(transaction: &mut Transaction<'_>, id: &str) -> StoreResult<bool> {
    Ok(transaction
        .query_opt("SELECT 1 FROM cases WHERE id = $1", &[&id])
        .map_err(database)?
        .is_some())
}

fn insert_member(transaction: &mut Transaction<'_>, case: &str, user: &str) -> StoreResult<()> {
    transaction
        .execute(
            "INSERT INTO case_members (case_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (case_id, user_id) DO NOTHING",
            &[&case, &user],
        )
        .map_err(database)?;
    Ok(())
}

/// Cases (one, or all) with their members, by id.
fn read_cases(transaction: &mut Transaction<'_>, id: Option<&str>) -> StoreResult<Vec<CaseFile>> {
    let rows = transaction
        .query(
            "SELECT id, agency, title, created_by, created_at FROM cases \
             WHERE $1::text IS NULL OR id = $1 ORDER BY id",
            &[&id],
        )
        .map_err(database)?;
    let mut cases = rows
        .iter()
        .map(|row| {
            Ok(CaseFile {
                id: row.try_get(0).map_err(database)?,
                agency: row.try_get(1).map_err(database)?,
                title: row.try_get(2).map_err(database)?,
                created_by: row.try_get(3).map_err(database)?,
                created_at: row.try_get(4).map_err(database)?,
                members: Vec::new(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let rows = transaction
        .query(
            "SELECT case_id, user_id FROM case_members WHERE $1::text IS NULL OR case_id = $1",
            &[&id],
        )
        .map_err(database)?;
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        members
            .entry(row.try_get(0).map_err(database)?)
            .or_default()
            .insert(row.try_get(1).map_err(database)?);
    }
    for case in &mut cases {
        case.members = members
            .remove(&case.id)
            .unwrap_or_default()
            .into_iter()
            .collect();
    }
    Ok(cases)
}

/// The row `sql` selects by its one parameter `key`, decoded by `from_row`, if there
/// is one.
fn read_one<T>(
    transaction: &mut Transaction<'_>,
    sql: &str,
    key: &str,
    from_row: fn(&Row) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let row = transaction.query_opt(sql, &[&key]).map_err(database)?;
    row.as_ref().map(from_row).transpose()
}

fn user_from_row(row: &Row) -> StoreResult<UserAccount> {
    Ok(UserAccount {
        id: row.try_get(0).map_err(database)?,
        agency: row.try_get(1).map_err(database)?,
        display_name: row.try_get(2).map_err(database)?,
        roles: parse_json(&row.try_get::<_, String>(3).map_err(database)?, "users")?,
        clearance: parse_label(&row.try_get::<_, String>(4).map_err(database)?, "users")?,
        caveats: parse_json(&row.try_get::<_, String>(5).map_err(database)?, "users")?,
        password_hash: row.try_get(6).map_err(database)?,
        totp_secret: row.try_get(7).map_err(database)?,
        locked_at: row.try_get(8).map_err(database)?,
        disabled: row.try_get(9).map_err(database)?,
        created_at: row.try_get(10).map_err(database)?,
    })
}

fn session_from_row(row: &Row) -> StoreResult<Session> {
    Ok(Session {
        id_hash: row.try_get(0).map_err(database)?,
        user: row.try_get(1).map_err(database)?,
        created_at: row.try_get(2).map_err(database)?,
        last_seen: row.try_get(3).map_err(database)?,
        second_factor: row.try_get(4).map_err(database)?,
        source: row.try_get(5).map_err(database)?,
        ended_at: row.try_get(6).map_err(database)?,
    })
}

fn token_from_row(row: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: row.try_get(0).map_err(database)?,
        secret_hash: row.try_get(1).map_err(database)?,
        user: row.try_get(2).map_err(database)?,
        scopes: parse_json(
            &row.try_get::<_, String>(3).map_err(database)?,
            "api_tokens",
        )?,
        label: row.try_get(4).map_err(database)?,
        created_at: row.try_get(5).map_err(database)?,
        expires_at: row.try_get(6).map_err(database)?,
        revoked_at: row.try_get(7).map_err(database)?,
    })
}
