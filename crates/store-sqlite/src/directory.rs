//! The directory in SQLite (see `store::directory`): agencies, accounts, cases,
//! agreements, log-on attempts, sessions, tokens and Part 23 validations (migration
//! 0006).
//!
//! Writes open their own connection under `BEGIN IMMEDIATE` with `synchronous=FULL`,
//! like audit appends: a failed log-on or a lock that vanished on power loss would
//! reset the lock-out count, and an open ingest batch must not hold them up.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use model::RecordId;
use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};
use store::{
    Agency, Agreement, ApiToken, CaseFile, Directory, LogonAttempt, Session, StoreError,
    StoreResult, UserAccount, Validation,
};

use crate::{SqliteStore, codec, database};

const USER_COLUMNS: &str = "id, agency, display_name, roles, clearance, caveats, \
     password_hash, totp_secret, locked_at, disabled, created_at";

const SESSION_COLUMNS: &str =
    "id_hash, user_id, created_at, last_seen, second_factor, source, ended_at";

const TOKEN_COLUMNS: &str =
    "id, secret_hash, user_id, scopes, label, created_at, expires_at, revoked_at";

impl SqliteStore {
    /// Runs `write` in one `BEGIN IMMEDIATE` transaction on a durable connection.
    fn write_directory<T>(
        &self,
        write: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let value = write(&transaction)?;
        transaction.commit().map_err(database)?;
        Ok(value)
    }
}

impl Directory for SqliteStore {
    fn put_agency(&self, agency: &Agency) -> StoreResult<()> {
        if agency.id.trim().is_empty() {
            return Err(StoreError::Refused("an agency needs an id".to_string()));
        }
        self.write_directory(|transaction| {
            transaction
                .execute(
                    "INSERT INTO agencies (id, name, contact) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     contact = excluded.contact",
                    params![agency.id, agency.name, agency.contact],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn agencies(&self) -> StoreResult<Vec<Agency>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT id, name, contact FROM agencies ORDER BY id")
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut agencies = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                agencies.push(Agency {
                    id: row.get(0).map_err(database)?,
                    name: row.get(1).map_err(database)?,
                    contact: row.get(2).map_err(database)?,
                });
            }
            Ok(agencies)
        })
    }

    fn create_user(&self, user: &UserAccount) -> StoreResult<()> {
        if user.id.trim().is_empty() {
            return Err(StoreError::Refused("an account needs an id".to_string()));
        }
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
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    ),
                    params![
                        user.id,
                        user.agency,
                        user.display_name,
                        json(&user.roles)?,
                        user.clearance.as_str(),
                        json(&user.caveats)?,
                        user.password_hash,
                        user.totp_secret,
                        user.locked_at.map(stored_micros),
                        user.disabled,
                        stored_micros(user.created_at),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn update_user(&self, user: &UserAccount) -> StoreResult<()> {
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE users SET agency = ?2, display_name = ?3, roles = ?4, \
                     clearance = ?5, caveats = ?6, password_hash = ?7, totp_secret = ?8, \
                     locked_at = ?9, disabled = ?10 WHERE id = ?1",
                    params![
                        user.id,
                        user.agency,
                        user.display_name,
                        json(&user.roles)?,
                        user.clearance.as_str(),
                        json(&user.caveats)?,
                        user.password_hash,
                        user.totp_secret,
                        user.locked_at.map(stored_micros),
                        user.disabled,
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
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
        self.read(|connection| read_one(connection, &sql, id, user_from_row))
    }

    fn users(&self) -> StoreResult<Vec<UserAccount>> {
        self.read(|connection| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut users = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                users.push(user_from_row(row)?);
            }
            Ok(users)
        })
    }

    fn create_case(&self, case: &CaseFile) -> StoreResult<()> {
        if case.id.trim().is_empty() {
            return Err(StoreError::Refused("a case needs an id".to_string()));
        }
        self.write_directory(|transaction| {
            let exists = transaction
                .query_row("SELECT 1 FROM cases WHERE id = ?1", [&case.id], |_| Ok(()))
                .optional()
                .map_err(database)?
                .is_some();
            if exists {
                return Err(StoreError::Refused(format!(
                    "case {} exists already",
                    case.id
                )));
            }
            transaction
                .execute(
                    "INSERT INTO cases (id, agency, title, created_by, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        case.id,
                        case.agency,
                        case.title,
                        case.created_by,
                        stored_micros(case.created_at),
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
            let exists = transaction
                .query_row("SELECT 1 FROM cases WHERE id = ?1", [case], |_| Ok(()))
                .optional()
                .map_err(database)?
                .is_some();
            if !exists {
                return Err(StoreError::Refused(format!("there is no case {case}")));
            }
            insert_member(transaction, case, user)
        })
    }

    fn remove_case_member(&self, case: &str, user: &str) -> StoreResult<bool> {
        self.write_directory(|transaction| {
            let removed = transaction
                .execute(
                    "DELETE FROM case_members WHERE case_id = ?1 AND user_id = ?2",
                    params![case, user],
                )
                .map_err(database)?;
            Ok(removed > 0)
        })
    }

    fn case(&self, id: &str) -> StoreResult<Option<CaseFile>> {
        Ok(self
            .read(|connection| read_cases(connection, Some(id)))?
            .pop())
    }

    fn cases(&self) -> StoreResult<Vec<CaseFile>> {
        self.read(|connection| read_cases(connection, None))
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
                     max_sensitivity) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (from_agency, to_agency) DO UPDATE SET \
                     data_classes = excluded.data_classes, \
                     max_sensitivity = excluded.max_sensitivity",
                    params![
                        agreement.from_agency,
                        agreement.to_agency,
                        data_classes,
                        agreement.max_sensitivity.as_str(),
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
                    "DELETE FROM agreements WHERE from_agency = ?1 AND to_agency = ?2",
                    params![from_agency, to_agency],
                )
                .map_err(database)?;
            Ok(removed > 0)
        })
    }

    fn agreements(&self) -> StoreResult<Vec<Agreement>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT from_agency, to_agency, data_classes, max_sensitivity \
                     FROM agreements ORDER BY from_agency, to_agency",
                )
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut agreements = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                let data_classes =
                    parse_json(&row.get::<_, String>(2).map_err(database)?, "agreements")?;
                agreements.push(Agreement {
                    from_agency: row.get(0).map_err(database)?,
                    to_agency: row.get(1).map_err(database)?,
                    data_classes: data_classes
                        .iter()
                        .map(|class| parse_label(class, "agreements"))
                        .collect::<StoreResult<_>>()?,
                    max_sensitivity: parse_label(
                        &row.get::<_, String>(3).map_err(database)?,
                        "agreements",
                    )?,
                });
            }
            Ok(agreements)
        })
    }

    fn record_logon_attempt(&self, attempt: &LogonAttempt) -> StoreResult<()> {
        self.write_directory(|transaction| {
            transaction
                .execute(
                    "INSERT INTO logon_attempts (user_id, at, succeeded, source) \
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        attempt.user,
                        stored_micros(attempt.at),
                        attempt.succeeded,
                        attempt.source,
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn recent_failures(&self, user: &str, since: DateTime<Utc>) -> StoreResult<u32> {
        self.read(|connection| {
            // Failures count from the latest of `since` (inclusive), the latest success
            // and the latest unlock (both exclusive).
            let failures: i64 = connection
                .query_row(
                    "SELECT count(*) FROM logon_attempts \
                     WHERE user_id = ?1 AND succeeded = 0 AND at >= ?2 \
                     AND at > coalesce((SELECT max(at) FROM logon_attempts \
                                        WHERE user_id = ?1 AND succeeded = 1), ?2 - 1) \
                     AND at > coalesce((SELECT unlocked_at FROM users WHERE id = ?1), ?2 - 1)",
                    params![user, stored_micros(since)],
                    |row| row.get(0),
                )
                .map_err(database)?;
            Ok(u32::try_from(failures).unwrap_or(u32::MAX))
        })
    }

    fn logon_attempts(&self, user: &str, limit: u32) -> StoreResult<Vec<LogonAttempt>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT user_id, at, succeeded, source FROM logon_attempts \
                     WHERE user_id = ?1 ORDER BY at DESC, seq DESC LIMIT ?2",
                )
                .map_err(database)?;
            let mut rows = statement
                .query(params![user, i64::from(limit)])
                .map_err(database)?;
            let mut attempts = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                attempts.push(LogonAttempt {
                    user: row.get(0).map_err(database)?,
                    at: codec::moment(row.get(1).map_err(database)?, "logon_attempts")?,
                    succeeded: row.get(2).map_err(database)?,
                    source: row.get(3).map_err(database)?,
                });
            }
            Ok(attempts)
        })
    }

    fn lock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.write_directory(|transaction| {
            if !user_exists(transaction, user)? {
                return Err(no_account(user));
            }
            let locked = transaction
                .execute(
                    "UPDATE users SET locked_at = ?2 WHERE id = ?1 AND locked_at IS NULL",
                    params![user, stored_micros(at)],
                )
                .map_err(database)?;
            if locked > 0 {
                transaction
                    .execute(
                        "UPDATE sessions SET ended_at = ?2 \
                         WHERE user_id = ?1 AND ended_at IS NULL",
                        params![user, stored_micros(at)],
                    )
                    .map_err(database)?;
            }
            Ok(())
        })
    }

    fn unlock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE users SET locked_at = NULL, unlocked_at = ?2 WHERE id = ?1",
                    params![user, stored_micros(at)],
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
                .query_row(
                    "SELECT 1 FROM sessions WHERE id_hash = ?1",
                    [&session.id_hash],
                    |_| Ok(()),
                )
                .optional()
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
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                    ),
                    params![
                        session.id_hash,
                        session.user,
                        stored_micros(session.created_at),
                        stored_micros(session.last_seen),
                        session.second_factor,
                        session.source,
                        session.ended_at.map(stored_micros),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn session(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = ?1");
        self.read(|connection| read_one(connection, &sql, id_hash, session_from_row))
    }

    fn touch_session(
        &self,
        id_hash: &str,
        at: DateTime<Utc>,
        second_factor: bool,
    ) -> StoreResult<()> {
        self.write_directory(|transaction| {
            let changed = transaction
                .execute(
                    "UPDATE sessions SET last_seen = max(last_seen, ?2), \
                     second_factor = (second_factor OR ?3) \
                     WHERE id_hash = ?1 AND ended_at IS NULL",
                    params![id_hash, stored_micros(at), second_factor],
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
        self.write_directory(|transaction| {
            let ended = transaction
                .execute(
                    "UPDATE sessions SET ended_at = ?2 WHERE id_hash = ?1 AND ended_at IS NULL",
                    params![id_hash, stored_micros(at)],
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
                .query_row(
                    "SELECT 1 FROM api_tokens WHERE id = ?1 OR secret_hash = ?2",
                    params![token.id, token.secret_hash],
                    |_| Ok(()),
                )
                .optional()
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
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                    ),
                    params![
                        token.id,
                        token.secret_hash,
                        token.user,
                        scopes,
                        token.label,
                        stored_micros(token.created_at),
                        token.expires_at.map(stored_micros),
                        token.revoked_at.map(stored_micros),
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = ?1");
        self.read(|connection| read_one(connection, &sql, secret_hash, token_from_row))
    }

    fn tokens(&self, user: &str) -> StoreResult<Vec<ApiToken>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 \
                 ORDER BY created_at DESC, id DESC"
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([user]).map_err(database)?;
            let mut tokens = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                tokens.push(token_from_row(row)?);
            }
            Ok(tokens)
        })
    }

    fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        self.write_directory(|transaction| {
            let revoked = transaction
                .execute(
                    "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![id, stored_micros(at)],
                )
                .map_err(database)?;
            Ok(revoked > 0)
        })
    }

    fn record_validation(&self, validation: &Validation) -> StoreResult<()> {
        if let Some(problem) = validation_problem(validation) {
            return Err(StoreError::Refused(problem));
        }
        self.write_directory(|transaction| {
            let stored = transaction
                .query_row(
                    "SELECT 1 FROM records WHERE id = ?1",
                    [validation.record.as_bytes().as_slice()],
                    |_| Ok(()),
                )
                .optional()
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
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        validation.record.as_bytes().as_slice(),
                        validation.decision,
                        validation.by,
                        stored_micros(validation.at),
                        validation.note,
                    ],
                )
                .map_err(database)?;
            Ok(())
        })
    }

    fn validations(&self) -> StoreResult<BTreeMap<RecordId, Validation>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT record_id, decision, by_user, at, note FROM validations \
                     ORDER BY at, seq",
                )
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut latest = BTreeMap::new();
            while let Some(row) = rows.next().map_err(database)? {
                let blob: Vec<u8> = row.get(0).map_err(database)?;
                let bytes: [u8; 16] = blob.as_slice().try_into().map_err(|_| {
                    corrupt("validations", format!("record id of {} bytes", blob.len()))
                })?;
                let validation = Validation {
                    record: RecordId::from_bytes(bytes),
                    decision: row.get(1).map_err(database)?,
                    by: row.get(2).map_err(database)?,
                    at: codec::moment(row.get(3).map_err(database)?, "validations")?,
                    note: row.get(4).map_err(database)?,
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

fn stored_micros(moment: DateTime<Utc>) -> i64 {
    codec::micros(codec::truncate_to_micros(moment))
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

fn user_exists(transaction: &Transaction<'_>, id: &str) -> StoreResult<bool> {
    Ok(transaction
        .query_row("SELECT 1 FROM users WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map_err(database)?
        .is_some())
}

fn insert_member(transaction: &Transaction<'_>, case: &str, user: &str) -> StoreResult<()> {
    transaction
        .execute(
            "INSERT INTO case_members (case_id, user_id) VALUES (?1, ?2) \
             ON CONFLICT (case_id, user_id) DO NOTHING",
            params![case, user],
        )
        .map_err(database)?;
    Ok(())
}

/// Cases (one, or all) with their members, by id.
fn read_cases(connection: &Transaction<'_>, id: Option<&str>) -> StoreResult<Vec<CaseFile>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT id, agency, title, created_by, created_at FROM cases \
             WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
        )
        .map_err(database)?;
    let mut rows = statement.query([id]).map_err(database)?;
    let mut cases = Vec::new();
    while let Some(row) = rows.next().map_err(database)? {
        cases.push(CaseFile {
            id: row.get(0).map_err(database)?,
            agency: row.get(1).map_err(database)?,
            title: row.get(2).map_err(database)?,
            created_by: row.get(3).map_err(database)?,
            created_at: codec::moment(row.get(4).map_err(database)?, "cases")?,
            members: Vec::new(),
        });
    }
    let mut statement = connection
        .prepare_cached(
            "SELECT case_id, user_id FROM case_members WHERE ?1 IS NULL OR case_id = ?1",
        )
        .map_err(database)?;
    let mut rows = statement.query([id]).map_err(database)?;
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(row) = rows.next().map_err(database)? {
        members
            .entry(row.get(0).map_err(database)?)
            .or_default()
            .insert(row.get(1).map_err(database)?);
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
    connection: &Transaction<'_>,
    sql: &str,
    key: &str,
    from_row: fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut statement = connection.prepare_cached(sql).map_err(database)?;
    statement
        .query_row([key], |row| Ok(from_row(row)))
        .optional()
        .map_err(database)?
        .transpose()
}

fn optional_moment(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
) -> StoreResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.get(index).map_err(database)?;
    micros
        .map(|micros| codec::moment(micros, table))
        .transpose()
}

fn user_from_row(row: &Row<'_>) -> StoreResult<UserAccount> {
    Ok(UserAccount {
        id: row.get(0).map_err(database)?,
        agency: row.get(1).map_err(database)?,
        display_name: row.get(2).map_err(database)?,
        roles: parse_json(&row.get::<_, String>(3).map_err(database)?, "users")?,
        clearance: parse_label(&row.get::<_, String>(4).map_err(database)?, "users")?,
        caveats: parse_json(&row.get::<_, String>(5).map_err(database)?, "users")?,
        password_hash: row.get(6).map_err(database)?,
        totp_secret: row.get(7).map_err(database)?,
        locked_at: optional_moment(row, 8, "users")?,
        disabled: row.get(9).map_err(database)?,
        created_at: codec::moment(row.get(10).map_err(database)?, "users")?,
    })
}

fn session_from_row(row: &Row<'_>) -> StoreResult<Session> {
    Ok(Session {
        id_hash: row.get(0).map_err(database)?,
        user: row.get(1).map_err(database)?,
        created_at: codec::moment(row.get(2).map_err(database)?, "sessions")?,
        last_seen: codec::moment(row.get(3).map_err(database)?, "sessions")?,
        second_factor: row.get(4).map_err(database)?,
        source: row.get(5).map_err(database)?,
        ended_at: optional_moment(row, 6, "sessions")?,
    })
}

fn token_from_row(row: &Row<'_>) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: row.get(0).map_err(database)?,
        secret_hash: row.get(1).map_err(database)?,
        user: row.get(2).map_err(database)?,
        scopes: parse_json(&row.get::<_, String>(3).map_err(database)?, "api_tokens")?,
        label: row.get(4).map_err(database)?,
        created_at: codec::moment(row.get(5).map_err(database)?, "api_tokens")?,
        expires_at: optional_moment(row, 6, "api_tokens")?,
        revoked_at: optional_moment(row, 7, "api_tokens")?,
    })
}
