//! Authentication rules in the style of the CJIS Security Policy (section 5.6,
//! identification and authentication; 5.5, access control): how passwords are kept,
//! when an account locks, when a session locks or ends, the second factor, and the
//! secrets a client holds.
//!
//! Pure: no IO and no clock. Times come in as `DateTime<Utc>` or Unix seconds; random
//! values come from a caller's RNG (`*_with_rng`) or from `rand::rng()` in the helpers
//! named for what they make ([`new_session_secret`], [`new_api_token`],
//! [`totp::new_secret`], [`hash_password`]).
//!
//! # The rules
//!
//! | rule | value | why |
//! |---|---|---|
//! | password length | at least [`MIN_PASSWORD_LENGTH`] (12) characters | length is what makes a password hard to guess; no composition rules, as NIST SP 800-63B advises |
//! | password storage | Argon2id PHC string, default parameters (m = 19456 KiB, t = 2, p = 1), 16-byte random salt | memory-hard, so a stolen table is slow to crack on GPUs; the PHC string carries its own parameters, so they can be raised later |
//! | unknown user | [`dummy_verify`] spends one verification | a log-on for a missing user takes as long as a wrong password, so timing does not reveal who has an account |
//! | lockout | [`LockoutPolicy`]: 5 failed attempts within 15 minutes lock the account | CJIS 5.5.3: no more than 5 consecutive invalid attempts |
//! | session idle lock | [`SessionPolicy`]: locked after 30 minutes without activity | CJIS 5.5.5 session lock; the user re-authenticates to go on |
//! | session absolute | expires 12 hours after log-on, however active | a stolen session cookie is worth at most one shift |
//! | second factor | [`totp`]: RFC 6238, HMAC-SHA-1, 6 digits, 30-second steps, ±1 step by default at the caller | CJIS 5.6.2.2 advanced authentication; SHA-1/6/30 is what every authenticator app reads from the provisioning URI |
//! | session and API-token secrets | 32 random bytes; only the hex BLAKE3 of the secret ([`secret_hash`]) is stored | a copy of the database cannot be replayed as a log-on; the secret itself is shown to the client once |
//! | API-token id | `itk_<8 hex id>_<64 hex secret>`; the id is public | the id names the token in lists and audit entries without revealing it |
//! | scopes | [`Scope`]: read, write, ingest, audit, admin | a token holds the least it needs; unknown names are refused, not ignored |
//! | system-use notice | [`SYSTEM_USE_NOTICE`] shown before log-on | CJIS 5.5.4 system use notification |

mod lockout;
mod password;
mod scope;
mod secret;
mod session;
pub mod totp;

pub use lockout::LockoutPolicy;
pub use password::{
    MIN_PASSWORD_LENGTH, dummy_verify, hash_password, hash_password_with_rng, verify_password,
};
pub use scope::{Scope, parse_scopes};
pub use secret::{
    Secret, new_api_token, new_api_token_with_rng, new_session_secret, new_session_secret_with_rng,
    secret_hash, token_id,
};
pub use session::{SessionPolicy, SessionState};

/// Shown before every log-on (CJIS 5.5.4 system use notification).
pub const SYSTEM_USE_NOTICE: &str = "You are accessing a U.S. Government criminal justice \
information system that is provided for authorized use only. All activity on this system \
is monitored, recorded and subject to audit, and you have no reasonable expectation of \
privacy in any communication or data transiting or stored on it. Unauthorized use or \
misuse of this system, or of the information in it, is prohibited and may be punished \
under criminal and civil law. By using this system you consent to this monitoring and \
recording, and to the disclosure of what it records to authorized officials.";

/// Why an authentication step failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The password does not meet the policy; the message says which rule.
    #[error("weak password: {0}")]
    WeakPassword(String),
    /// The password hasher failed (an internal error, not a wrong password).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// A presented session secret or API token is malformed, unknown or revoked.
    #[error("invalid or unknown token")]
    BadToken,
    /// A scope name outside [`Scope::ALL`].
    #[error("unknown scope `{0}`")]
    UnknownScope(String),
    /// A TOTP secret that is not non-empty RFC 4648 base32.
    #[error("TOTP secret is not base32")]
    BadTotpSecret,
    /// A TOTP time before the Unix epoch, where RFC 6238 defines no counter.
    #[error("time {0} is before the Unix epoch")]
    TimeBeforeEpoch(i64),
}
