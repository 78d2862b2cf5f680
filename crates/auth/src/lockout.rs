//! Account lockout after repeated failed log-ons (CJIS 5.5.3).

use chrono::{DateTime, Duration, Utc};

/// How many failed log-ons within how long lock an account. The store counts the
/// failures since [`LockoutPolicy::window_start`]; this type only says what they mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for LockoutPolicy {
    /// Five failures in fifteen minutes: CJIS allows no more than five consecutive
    /// invalid attempts.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
        }
    }
}

impl LockoutPolicy {
    /// The earliest failure time that still counts at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// True when `failures_in_window` failed attempts lock the account.
    pub fn locks_after(&self, failures_in_window: u32) -> bool {
        failures_in_window >= self.max_failures
    }
}
