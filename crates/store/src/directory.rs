//! The directory of a task force: agencies, user accounts, cases and their members,
//! sharing agreements, log-on attempts, sessions, scoped API tokens, and the Part 23
//! validation of criminal-intelligence records.
//!
//! Every backend implements [`Directory`]; a store hands it out through
//! [`crate::Store::directory`]. The store keeps what it is given: password hashes,
//! session and token hashes are computed by the `auth` crate and never stored in
//! plain text; roles are kept as names (the `access` crate gives them meaning).
//! Policy (when to lock an account, when a session ends) lives in `auth`; the store
//! only records facts and answers counts.
//!
//! Kept append-only: log-on attempts and Part 23 validations (triggers refuse UPDATE
//! and DELETE). Accounts, cases, memberships, agreements, sessions and tokens change,
//! and the caller writes an audit entry for every change (permission changes are
//! audited actions).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use model::{DataClass, RecordId, Sensitivity};
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// A member agency of the task force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// The agency code records carry in their provenance (`DEA`, `SHERIFF`, …).
    pub id: String,
    pub name: String,
    /// Whom other agencies' users are told to contact (a desk, a phone number).
    pub contact: String,
}

/// A user account. `roles` are role names (`analyst`, `auditor`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    /// The log-on name, unique.
    pub id: String,
    pub agency: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub clearance: Sensitivity,
    /// Handling caveats held, upper-case.
    pub caveats: Vec<String>,
    /// An argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret, when a second factor is enrolled.
    pub totp_secret: Option<String>,
    /// When the account was locked (too many failed log-ons, or by an administrator);
    /// `None` when usable.
    pub locked_at: Option<DateTime<Utc>>,
    /// A disabled account cannot log on; accounts are never deleted (the audit log
    /// names them).
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An investigation: members have need-to-know for records tied to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    /// The case number records carry (`case_number`).
    pub id: String,
    pub agency: String,
    pub title: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Member user ids, sorted.
    pub members: Vec<String>,
}

/// One agency letting another read some of its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub from_agency: String,
    pub to_agency: String,
    pub data_classes: Vec<DataClass>,
    pub max_sensitivity: Sensitivity,
}

/// One log-on attempt, successful or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogonAttempt {
    pub user: String,
    pub at: DateTime<Utc>,
    pub succeeded: bool,
    /// Where from (an IP address, `cli`).
    pub source: String,
}

/// A session. The id given to the browser is never stored: only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Hex hash of the session secret.
    pub id_hash: String,
    pub user: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Whether the second factor was given (server mode requires it when enrolled).
    pub second_factor: bool,
    pub source: String,
    /// When the session was ended (log-off, expiry, account locked).
    pub ended_at: Option<DateTime<Utc>>,
}

/// A scoped API token. Only the hash of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// A short public id shown in lists.
    pub id: String,
    /// Hex hash of the token secret.
    pub secret_hash: String,
    pub user: String,
    pub scopes: Vec<String>,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A Part 23 validation of a criminal-intelligence record by a supervisor of the
/// submitting agency. Append-only; the latest decision per record counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub record: RecordId,
    /// `validated` or `rejected`.
    pub decision: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// The directory of a store (see the module doc).
pub trait Directory {
    /// Adds an agency or replaces its name and contact.
    fn put_agency(&self, agency: &Agency) -> StoreResult<()>;
    /// All agencies, by id.
    fn agencies(&self) -> StoreResult<Vec<Agency>>;

    /// Adds an account. Refused when the id exists or is blank.
    fn create_user(&self, user: &UserAccount) -> StoreResult<()>;
    /// Replaces an existing account's fields (all but `id` and `created_at`). Refused
    /// when the id does not exist.
    fn update_user(&self, user: &UserAccount) -> StoreResult<()>;
    fn user(&self, id: &str) -> StoreResult<Option<UserAccount>>;
    /// All accounts, by id.
    fn users(&self) -> StoreResult<Vec<UserAccount>>;

    /// Adds a case (members as given). Refused when the id exists or is blank.
    fn create_case(&self, case: &CaseFile) -> StoreResult<()>;
    /// Adds a member; adding one twice is not an error. Refused when the case does
    /// not exist (the user is not checked: members are names, like `created_by`).
    fn add_case_member(&self, case: &str, user: &str) -> StoreResult<()>;
    /// Removes a member; `false` when they were not one.
    fn remove_case_member(&self, case: &str, user: &str) -> StoreResult<bool>;
    fn case(&self, id: &str) -> StoreResult<Option<CaseFile>>;
    /// All cases with their members, by id.
    fn cases(&self) -> StoreResult<Vec<CaseFile>>;

    /// Adds an agreement or replaces the one between the same two agencies.
    fn put_agreement(&self, agreement: &Agreement) -> StoreResult<()>;
    /// Removes the agreement from one agency to another; `false` when there was none.
    fn remove_agreement(&self, from_agency: &str, to_agency: &str) -> StoreResult<bool>;
    fn agreements(&self) -> StoreResult<Vec<Agreement>>;

    /// Appends a log-on attempt (durably, like an audit entry).
    fn record_logon_attempt(&self, attempt: &LogonAttempt) -> StoreResult<()>;
    /// Failed attempts of a user at or after `since`, newer than their latest
    /// successful attempt and than the account's latest unlock. Attempts are kept
    /// for any name, with or without an account.
    fn recent_failures(&self, user: &str, since: DateTime<Utc>) -> StoreResult<u32>;
    /// The latest attempts of a user, newest first.
    fn logon_attempts(&self, user: &str, limit: u32) -> StoreResult<Vec<LogonAttempt>>;

    /// Locks an account at `at` (no-op when locked), ending its open sessions.
    /// Refused when the account does not exist.
    fn lock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Releases a lock; failures at or before `at` no longer count (the latest
    /// unlock counts, even when it is earlier than the one before). Refused when the
    /// account does not exist; unlocking an unlocked account only resets the count.
    fn unlock_user(&self, user: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// Refused when the id hash exists or the account does not.
    fn create_session(&self, session: &Session) -> StoreResult<()>;
    fn session(&self, id_hash: &str) -> StoreResult<Option<Session>>;
    /// Moves `last_seen` forward, never back (and sets `second_factor` when given
    /// true; false leaves it). Refused when the session is unknown or ended.
    fn touch_session(
        &self,
        id_hash: &str,
        at: DateTime<Utc>,
        second_factor: bool,
    ) -> StoreResult<()>;
    /// Ends a session; `false` when it was unknown or already ended.
    fn end_session(&self, id_hash: &str, at: DateTime<Utc>) -> StoreResult<bool>;

    /// Refused when the id or the secret hash exists, or the account does not.
    fn create_token(&self, token: &ApiToken) -> StoreResult<()>;
    fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>>;
    /// Tokens of a user, newest first.
    fn tokens(&self, user: &str) -> StoreResult<Vec<ApiToken>>;
    /// Revokes by public id; `false` when unknown or already revoked.
    fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool>;

    /// Appends a validation decision (durably). Refused without `by`, with a decision
    /// other than `validated`/`rejected`, or for a record that is not stored.
    fn record_validation(&self, validation: &Validation) -> StoreResult<()>;
    /// The latest decision per record (by `at`, then by order of appending). A
    /// purge removes the record but keeps its validations.
    fn validations(&self) -> StoreResult<BTreeMap<RecordId, Validation>>;
}
