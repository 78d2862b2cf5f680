//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits,
//! 30-second steps counted from the Unix epoch, the parameters every authenticator app
//! assumes. Secrets travel as RFC 4648 base32 without padding.
//!
//! Verification is stateless. RFC 6238 section 5.2 asks that a code accepted once is
//! not accepted again: the caller keeps the last step [`verify_step`] returned per user
//! and refuses steps at or below it.

use hmac::{Hmac, KeyInit, Mac};
use rand::CryptoRng;
use sha1::Sha1;

use crate::AuthError;

/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Seconds in one time step.
pub const PERIOD_SECONDS: i64 = 30;
/// Bytes of a new secret: 160 bits, the SHA-1 output size RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

/// A new secret from `rand::rng()`, base32 without padding (32 characters).
pub fn new_secret() -> String {
    new_secret_with_rng(&mut rand::rng())
}

/// [`new_secret`] drawing from `rng`.
pub fn new_secret_with_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut secret = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut secret);
    base32_encode(&secret)
}

/// The code for the step holding `unix_seconds`.
pub fn code_at(secret_base32: &str, unix_seconds: i64) -> Result<String, AuthError> {
    let key = decode_secret(secret_base32)?;
    let step = step_at(unix_seconds)?;
    Ok(format_code(hotp(&key, step)))
}

/// True when `code` is the code of the step holding `unix_seconds` or of one up to
/// `skew_steps` either side (clock drift, and the time the user took to type).
pub fn verify(secret_base32: &str, code: &str, unix_seconds: i64, skew_steps: u32) -> bool {
    verify_step(secret_base32, code, unix_seconds, skew_steps).is_some()
}

/// Like [`verify`], but gives the matching step so the caller can refuse its reuse.
/// Spaces in `code` are ignored (apps show "123 456"); a malformed secret, a time
/// before the epoch or a code that is not six digits never matches.
pub fn verify_step(
    secret_base32: &str,
    code: &str,
    unix_seconds: i64,
    skew_steps: u32,
) -> Option<u64> {
    let presented: Vec<u8> = code.bytes().filter(|byte| *byte != b' ').collect();
    let presented_is_code =
        presented.len() == DIGITS as usize && presented.iter().all(u8::is_ascii_digit);
    if !presented_is_code {
        return None;
    }
    let key = decode_secret(secret_base32).ok()?;
    let now_step = step_at(unix_seconds).ok()?;
    let first = now_step.saturating_sub(u64::from(skew_steps));
    let last = now_step.saturating_add(u64::from(skew_steps));
    // Every step in the window is computed and compared, so the time taken does not
    // tell which step matched, or how many leading digits did.
    let mut matched = None;
    for step in first..=last {
        let expected = format_code(hotp(&key, step));
        if constant_time_eq(expected.as_bytes(), &presented) && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` URI an authenticator app reads from a QR code (the Key Uri Format
/// of Google Authenticator, which the other apps follow).
pub fn provisioning_uri(secret_base32: &str, account: &str, issuer: &str) -> String {
    let issuer = percent_encode(issuer);
    let account = percent_encode(account);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECONDS}"
    )
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without `=` padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits_in_buffer = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits_in_buffer += 8;
        while bits_in_buffer >= 5 {
            bits_in_buffer -= 5;
            text.push(char::from(
                BASE32_ALPHABET[(buffer >> bits_in_buffer) as usize & 31],
            ));
        }
    }
    if bits_in_buffer > 0 {
        let index = (buffer << (5 - bits_in_buffer)) as usize & 31;
        text.push(char::from(BASE32_ALPHABET[index]));
    }
    text
}

/// RFC 4648 base32 back to bytes. Either case is read and trailing `=` padding is
/// allowed; anything else outside the alphabet, an impossible length, or non-zero
/// leftover bits (a non-canonical encoding) gives `None`.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut bytes = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits_in_buffer = 0;
    for character in text.bytes() {
        let value = match character.to_ascii_uppercase() {
            letter @ b'A'..=b'Z' => letter - b'A',
            digit @ b'2'..=b'7' => digit - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u32::from(value);
        bits_in_buffer += 5;
        if bits_in_buffer >= 8 {
            bits_in_buffer -= 8;
            bytes.push((buffer >> bits_in_buffer) as u8);
        }
        buffer &= (1 << bits_in_buffer) - 1;
    }
    // Whole bytes leave 0, 2, 4, 1 or 3 bits over; 5 or more means a dangling character.
    let leftover_is_padding = bits_in_buffer < 5 && buffer == 0;
    leftover_is_padding.then_some(bytes)
}

/// Secrets are read the way users type them: spaces dropped, either case.
fn decode_secret(secret_base32: &str) -> Result<Vec<u8>, AuthError> {
    let compact: String = secret_base32.chars().filter(|c| *c != ' ').collect();
    match base32_decode(&compact) {
        Some(key) if !key.is_empty() => Ok(key),
        _ => Err(AuthError::BadTotpSecret),
    }
}

fn step_at(unix_seconds: i64) -> Result<u64, AuthError> {
    u64::try_from(unix_seconds.div_euclid(PERIOD_SECONDS))
        .map_err(|_| AuthError::TimeBeforeEpoch(unix_seconds))
}

/// RFC 4226 section 5.3: HMAC of the big-endian counter, dynamic truncation to 31 bits,
/// reduced to the digits.
fn hotp(key: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let truncated = u32::from_be_bytes([
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]) & 0x7fff_ffff;
    truncated % 10u32.pow(DIGITS)
}

fn format_code(value: u32) -> String {
    format!("{value:0width$}", width = DIGITS as usize)
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// Keeps RFC 3986 unreserved characters and percent-encodes every other byte, so a
/// `:` in an issuer or account cannot be mistaken for the label's separator.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
