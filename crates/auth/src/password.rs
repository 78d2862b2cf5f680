//! Password hashing (Argon2id, PHC strings) and the length rule.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::CryptoRng;

use crate::AuthError;

/// Shortest password accepted, in characters (Unicode scalar values).
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// Salt length in bytes: the PHC format recommends 16.
const SALT_LEN: usize = 16;

/// Hashes a new password as an Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`),
/// salted from `rand::rng()`.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    hash_password_with_rng(password, &mut rand::rng())
}

/// [`hash_password`] with the salt drawn from `rng`.
pub fn hash_password_with_rng<R: CryptoRng + ?Sized>(
    password: &str,
    rng: &mut R,
) -> Result<String, AuthError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(AuthError::WeakPassword(format!(
            "{length} characters, at least {MIN_PASSWORD_LENGTH} required"
        )));
    }
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let hash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|error| AuthError::Hash(error.to_string()))?;
    Ok(hash.to_string())
}

/// True when `password` matches the PHC string `phc`. A malformed PHC string is `false`
/// too: a log-on can only succeed, never half-fail.
pub fn verify_password(phc: &str, password: &str) -> bool {
    // The PHC string's own algorithm and parameters are used, not the defaults, so
    // hashes made with older parameters keep verifying.
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the time of one [`verify_password`] and throws the result away. Call it when
/// the user name is unknown, so that answer takes as long as a wrong password.
pub fn dummy_verify(password: &str) {
    let _ = verify_password(DUMMY_PHC, password);
}

/// An Argon2id hash with the default parameters (the ones [`hash_password`] uses), so
/// verifying against it costs what a real verification costs. Its password is public
/// (`DUMMY_PASSWORD` in the tests, which check it still verifies: a string that failed
/// to parse would return at once and give the timing away); nothing is stored under it.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$HuOvSk7Gi+bRdwI6DEkbMw$1+gTclqnc6VXWWKUcxrMa+Mb2hXMQvJ8WmOXMAloLts";

#[cfg(test)]
mod tests {
    use super::*;

    const DUMMY_PASSWORD: &str = "interdict dummy verification password";

    #[test]
    fn dummy_hash_parses_and_costs_a_full_verification() {
        assert!(DUMMY_PHC.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(DUMMY_PHC, DUMMY_PASSWORD));
        assert!(!verify_password(DUMMY_PHC, "another password entirely"));
    }
}
