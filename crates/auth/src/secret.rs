//! Session secrets and API tokens: random values shown to the client once and stored
//! only as their BLAKE3 hash.

use std::fmt;

use rand::CryptoRng;

/// Bytes of randomness in a session secret or an API token's secret part.
const SECRET_BYTES: usize = 32;
/// Bytes of randomness in an API token's public id (8 hex characters).
const TOKEN_ID_BYTES: usize = 4;
const TOKEN_PREFIX: &str = "itk_";

/// A fresh secret: `plain` goes to the client once, `hash` is what gets stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    pub plain: String,
    pub hash: String,
}

impl fmt::Debug for Secret {
    /// Leaves `plain` out so a secret printed in a log or panic cannot be replayed.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Secret")
            .field("plain", &"<redacted>")
            .field("hash", &self.hash)
            .finish()
    }
}

impl Secret {
    fn from_plain(plain: String) -> Secret {
        let hash = secret_hash(&plain);
        Secret { plain, hash }
    }
}

/// A new session secret (64 hex characters) from `rand::rng()`.
pub fn new_session_secret() -> Secret {
    new_session_secret_with_rng(&mut rand::rng())
}

/// [`new_session_secret`] drawing from `rng`.
pub fn new_session_secret_with_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> Secret {
    Secret::from_plain(random_hex(rng, SECRET_BYTES))
}

/// A new API token from `rand::rng()`: its public id (8 hex characters) and its secret
/// `itk_<id>_<64 hex characters>`.
pub fn new_api_token() -> (String, Secret) {
    new_api_token_with_rng(&mut rand::rng())
}

/// [`new_api_token`] drawing from `rng`.
pub fn new_api_token_with_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> (String, Secret) {
    let id = random_hex(rng, TOKEN_ID_BYTES);
    let plain = format!("{TOKEN_PREFIX}{id}_{}", random_hex(rng, SECRET_BYTES));
    (id, Secret::from_plain(plain))
}

/// The hex BLAKE3 hash of what a client presents: the key sessions and tokens are
/// stored and looked up under. A plain hash (no salt, no stretching) is enough because
/// the secrets are 256 random bits, not guessable words.
pub fn secret_hash(plain: &str) -> String {
    blake3::hash(plain.as_bytes()).to_hex().to_string()
}

/// The public id inside a well-formed API token (`itk_<8 hex>_<64 hex>`), or `None`.
pub fn token_id(plain: &str) -> Option<&str> {
    let rest = plain.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed =
        is_lower_hex(id, TOKEN_ID_BYTES * 2) && is_lower_hex(secret, SECRET_BYTES * 2);
    well_formed.then_some(id)
}

fn is_lower_hex(text: &str, length: usize) -> bool {
    text.len() == length
        && text
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

fn random_hex<R: CryptoRng + ?Sized>(rng: &mut R, byte_count: usize) -> String {
    let mut bytes = vec![0u8; byte_count];
    rng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
