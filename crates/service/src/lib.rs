//! The one façade every surface (the HTTP API, the web UI behind it, and in time the
//! CLI) goes through: who is asking ([`Actor`]), whether they may ask, what they may
//! see of the answer, and the audit entry for it.
//!
//! # Access is applied to the data, not to the screens
//!
//! Every query runs on the asking user's *view*: the network built from exactly the
//! records [`access::decide`] lets them read (`Full`, or `Redacted` with the protected
//! properties removed *before* anything is computed), so paths, neighbourhoods, rings,
//! key players, roles, traces, facets and counts cannot draw on a record the user may
//! not read. Records the user may only know of (`Pointer`) answer searches with the
//! owning agency and its contact, never content, and the owner sees the inquiry in the
//! audit log. Users with the same access profile (agency, roles, clearance, caveats,
//! cases) share one view; views are built on first use and dropped when the data is
//! reloaded.
//!
//! # Every action is audited
//!
//! Log-ons (granted or refused), searches, views, exports, disseminations (content
//! shown to a user outside the owning agency), permission changes and privileged
//! actions are appended to the store's audit log before the answer is returned; when
//! the append fails the answer is withheld.

mod accounts;
mod bench;
mod cases;
pub mod deconflict;
pub mod demo;
mod enrolment;
mod inquiries;
mod jobs;
mod operations;
mod queries;
pub mod retention;
mod review;
mod snapshot;
mod validation;
mod views;
pub mod watches;

use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use model::Schema;
use store::{AuditAction, AuditOutcome, NewAuditEntry, Store, StoreError};

pub use accounts::{account_audit_target, parse_role};
pub use bench::{ViewTiming, search_tokens};
pub use cases::{CaseEntityView, CaseMemberView, CaseOperationView, CaseRequest, CaseWorkspace};
pub use jobs::{
    IngestUpload, JobId, JobProgress, JobStarted, JobState, JobView, QuarantinedRowView,
    ResolutionRunner,
};
pub use retention::{DisseminationView, NoticeRecipient, PurgeBody, PurgeReport};
pub use review::{JudgementRequest, ReviewPairView};
pub use snapshot::{Snapshot, View};
pub use views::*;
pub use watches::{WatchRequest, WatchView};

/// What went wrong, in terms a surface maps to a status: the message is safe to show
/// to the user who asked (it never names what they may not see).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid session or token (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The account is locked (too many failed log-ons, or by an administrator).
    #[error("the account is locked; an administrator must release it")]
    Locked,
    /// The account has a second factor and no code (or a wrong one) was given.
    #[error("a second-factor code is required")]
    SecondFactorRequired,
    /// The user may not do this (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing the user may see by that name (HTTP 404). Also what a user gets for
    /// something that exists but that they may not see.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// The store failed (HTTP 500); details go to the log.
    #[error("storage error: {0}")]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Who is asking, from where, and why.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: access::User,
    pub display_name: String,
    /// The hash of the session the request came with, if any.
    pub session: Option<String>,
    /// The scopes of the API token the request came with; `None` for a session
    /// (sessions carry the user's full rights).
    pub scopes: Option<std::collections::BTreeSet<auth::Scope>>,
    /// An IP address, `cli`.
    pub source: String,
    /// The case number the user works under, for the audit log.
    pub case: Option<String>,
}

/// How the façade behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    pub lockout: auth::LockoutPolicy,
    pub sessions: auth::SessionPolicy,
    /// Whether accounts must give a TOTP code (server mode). Accounts without an
    /// enrolled secret cannot log on when this is set.
    pub require_second_factor: bool,
    /// Public-health counts from 1 to this are suppressed.
    pub suppression_threshold: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            lockout: auth::LockoutPolicy::default(),
            sessions: auth::SessionPolicy::default(),
            require_second_factor: true,
            suppression_threshold: access::PUBLIC_HEALTH_SUPPRESSION_THRESHOLD,
        }
    }
}

/// Something a user's inbox should show at once (a surface pushes it live).
#[derive(Debug, Clone)]
pub struct LiveAlert {
    /// The agency whose users receive it.
    pub agency: String,
    /// Only this user of the agency, when set (a watch alert goes to its watcher).
    pub user: Option<String>,
    pub alert: AlertView,
}

impl LiveAlert {
    /// Whether a user of an agency is to receive it.
    pub fn is_for(&self, agency: &str, user: &str) -> bool {
        self.agency == agency && self.user.as_deref().is_none_or(|only| only == user)
    }
}

type AlertSink = Box<dyn Fn(&LiveAlert) + Send + Sync>;

/// The façade. Cheap to share (`Arc<Service>`); all methods take `&self`.
pub struct Service {
    store: Arc<dyn Store>,
    schema: Arc<Schema>,
    settings: Settings,
    snapshot: RwLock<Arc<Snapshot>>,
    alert_sinks: Mutex<Vec<AlertSink>>,
    /// TOTP secrets offered to a user and not yet confirmed: user → (secret, offered at).
    pending_totp: Mutex<std::collections::HashMap<String, (String, DateTime<Utc>)>>,
    /// Jobs (uploads, resolution runs) and the resolution runner; see `jobs`.
    jobs: jobs::Jobs,
}

impl Service {
    /// Opens the façade over a store and loads the data (records, entity assignment,
    /// search index).
    pub fn open(
        store: Arc<dyn Store>,
        schema: Arc<Schema>,
        settings: Settings,
    ) -> ServiceResult<Service> {
        let snapshot = Snapshot::load(store.as_ref(), &schema)?;
        Ok(Service {
            store,
            schema,
            settings,
            snapshot: RwLock::new(Arc::new(snapshot)),
            alert_sinks: Mutex::new(Vec::new()),
            pending_totp: Mutex::new(std::collections::HashMap::new()),
            jobs: jobs::Jobs::default(),
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The system-use notice shown before log-on.
    pub fn system_use_notice(&self) -> &'static str {
        auth::SYSTEM_USE_NOTICE
    }

    /// Reads the store again (after an ingest or a resolution run); views are rebuilt
    /// on next use.
    pub fn reload(&self) -> ServiceResult<()> {
        let snapshot = Snapshot::load(self.store.as_ref(), &self.schema)?;
        *self
            .snapshot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(snapshot);
        Ok(())
    }

    /// Calls `sink` for every alert raised from now on (deconfliction, watches).
    pub fn on_alert(&self, sink: impl Fn(&LiveAlert) + Send + Sync + 'static) {
        self.alert_sinks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Box::new(sink));
    }

    fn raise(&self, alert: &LiveAlert) {
        for sink in self
            .alert_sinks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            sink(alert);
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Appends an audit entry for an actor; the answer waits for it.
    fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: impl Into<String>,
        reason: impl Into<String>,
        outcome: AuditOutcome,
    ) -> ServiceResult<()> {
        self.store
            .audit()
            .append(Self::audit_entry(actor, action, target, reason, outcome))?;
        Ok(())
    }

    /// An audit entry of an actor, for [`Service::audit_all`].
    fn audit_entry(
        actor: &Actor,
        action: AuditAction,
        target: impl Into<String>,
        reason: impl Into<String>,
        outcome: AuditOutcome,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor: actor.user.id.clone(),
            actor_agency: actor.user.agency.clone(),
            action,
            target: target.into(),
            reason: reason.into(),
            case_number: actor.case.clone(),
            source: actor.source.clone(),
            outcome,
        }
    }

    /// Appends the entries of one answer together (one durable commit).
    fn audit_all(&self, entries: Vec<NewAuditEntry>) -> ServiceResult<()> {
        if !entries.is_empty() {
            self.store.audit().append_all(entries)?;
        }
        Ok(())
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }
}
