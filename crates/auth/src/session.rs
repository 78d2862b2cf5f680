//! Session idle lock and absolute lifetime (CJIS 5.5.5).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How long a session may sit idle, and how long it may live at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    /// Locked after 30 idle minutes; ended 12 hours after log-on, one shift.
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// Where a session stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Active,
    /// Idle too long: the user must authenticate again to go on.
    IdleLocked,
    /// Past its absolute lifetime: a new log-on is needed.
    Expired,
}

impl SessionPolicy {
    /// The state at `now` of a session created at `created_at` and last used at
    /// `last_seen`. Each limit is reached at its exact boundary; expiry wins over the
    /// idle lock because it cannot be undone by re-authenticating.
    pub fn state(
        &self,
        created_at: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SessionState {
        if now - created_at >= self.absolute {
            SessionState::Expired
        } else if now - last_seen >= self.idle {
            SessionState::IdleLocked
        } else {
            SessionState::Active
        }
    }
}
