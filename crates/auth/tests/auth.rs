//! The authentication rules, each checked at its boundary.

use std::collections::BTreeSet;

use auth::{
    AuthError, LockoutPolicy, MIN_PASSWORD_LENGTH, SYSTEM_USE_NOTICE, Scope, SessionPolicy,
    SessionState, dummy_verify, hash_password, hash_password_with_rng, new_api_token,
    new_api_token_with_rng, new_session_secret, new_session_secret_with_rng, parse_scopes,
    secret_hash, token_id, totp, verify_password,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

// ---- passwords ----

#[test]
fn password_round_trip_with_default_argon2id_parameters() {
    let phc = hash_password("correct horse battery staple").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(verify_password(&phc, "correct horse battery staple"));
    assert!(!verify_password(&phc, "correct horse battery stapl"));
    assert!(!verify_password(&phc, "Correct horse battery staple"));
}

#[test]
fn same_password_gets_a_fresh_salt_each_time() {
    let first = hash_password("correct horse battery staple").unwrap();
    let second = hash_password("correct horse battery staple").unwrap();
    assert_ne!(first, second);
}

#[test]
fn seeded_salt_is_reproducible() {
    let hash = |seed| {
        hash_password_with_rng(
            "correct horse battery staple",
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .unwrap()
    };
    assert_eq!(hash(7), hash(7));
    assert_ne!(hash(7), hash(8));
}

#[test]
fn malformed_phc_string_never_verifies() {
    assert!(!verify_password("", "correct horse battery staple"));
    assert!(!verify_password(
        "not a phc string",
        "correct horse battery staple"
    ));
    assert!(!verify_password(
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "correct horse battery staple"
    ));
}

#[test]
fn passwords_shorter_than_the_minimum_are_refused() {
    let eleven = "a".repeat(MIN_PASSWORD_LENGTH - 1);
    assert!(matches!(
        hash_password(&eleven),
        Err(AuthError::WeakPassword(_))
    ));
    assert!(matches!(hash_password(""), Err(AuthError::WeakPassword(_))));
    // Length counts characters, not bytes: eleven two-byte letters are still too short.
    let eleven_accented = "é".repeat(MIN_PASSWORD_LENGTH - 1);
    assert!(matches!(
        hash_password(&eleven_accented),
        Err(AuthError::WeakPassword(_))
    ));
    let twelve = "a".repeat(MIN_PASSWORD_LENGTH);
    assert!(verify_password(&hash_password(&twelve).unwrap(), &twelve));
}

#[test]
fn dummy_verify_returns_for_any_password() {
    dummy_verify("");
    dummy_verify("whatever the attacker typed");
}

// ---- lockout ----

#[test]
fn lockout_locks_at_the_fifth_failure() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.max_failures, 5);
    assert_eq!(policy.window, Duration::minutes(15));
    assert!(!policy.locks_after(0));
    assert!(!policy.locks_after(4));
    assert!(policy.locks_after(5));
    assert!(policy.locks_after(6));
}

#[test]
fn lockout_window_starts_fifteen_minutes_back() {
    assert_eq!(LockoutPolicy::default().window_start(at(900)), at(0));
}

// ---- sessions ----

#[test]
fn session_states_at_their_exact_boundaries() {
    let policy = SessionPolicy::default();
    assert_eq!(policy.idle, Duration::minutes(30));
    assert_eq!(policy.absolute, Duration::hours(12));
    let created = at(0);
    let check = |last_seen: i64, now: i64| policy.state(created, at(last_seen), at(now));

    assert_eq!(check(0, 0), SessionState::Active);
    assert_eq!(check(0, 30 * 60 - 1), SessionState::Active);
    assert_eq!(check(0, 30 * 60), SessionState::IdleLocked);
    // Activity moves the idle clock, not the absolute one.
    assert_eq!(check(12 * 3600 - 60, 12 * 3600 - 1), SessionState::Active);
    assert_eq!(check(12 * 3600 - 60, 12 * 3600), SessionState::Expired);
    // Expiry wins over the idle lock.
    assert_eq!(check(0, 12 * 3600), SessionState::Expired);
}

#[test]
fn session_state_serialises_in_snake_case() {
    let states = [
        SessionState::Active,
        SessionState::IdleLocked,
        SessionState::Expired,
    ];
    assert_eq!(
        serde_json::to_string(&states).unwrap(),
        r#"["active","idle_locked","expired"]"#
    );
}

#[test]
fn scopes_serialise_as_their_names() {
    assert_eq!(
        serde_json::to_string(Scope::ALL).unwrap(),
        r#"["read","write","ingest","audit","admin"]"#
    );
    let parsed: Vec<Scope> = serde_json::from_str(r#"["audit","ingest"]"#).unwrap();
    assert_eq!(parsed, [Scope::Audit, Scope::Ingest]);
}

// ---- secrets and tokens ----

#[test]
fn session_secret_is_64_hex_and_stored_as_its_hash() {
    let secret = new_session_secret();
    assert_eq!(secret.plain.len(), 64);
    assert!(secret.plain.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(secret.hash, secret_hash(&secret.plain));
    assert_ne!(secret.hash, secret.plain);
    assert_ne!(new_session_secret().plain, secret.plain);
}

#[test]
fn debug_output_hides_the_plain_secret() {
    let secret = new_session_secret();
    let printed = format!("{secret:?}");
    assert!(!printed.contains(&secret.plain), "{printed}");
    assert!(printed.contains(&secret.hash));
}

#[test]
fn secret_hash_is_stable_hex_blake3() {
    // BLAKE3 of the empty input, from the reference implementation's test vectors.
    assert_eq!(
        secret_hash(""),
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    );
    assert_eq!(
        secret_hash("itk_0badcafe_00"),
        secret_hash("itk_0badcafe_00")
    );
    assert_ne!(secret_hash("secret one"), secret_hash("secret two"));
    assert_eq!(secret_hash("anything").len(), 64);
}

#[test]
fn api_token_carries_its_public_id() {
    let (id, secret) = new_api_token();
    assert_eq!(id.len(), 8);
    assert!(secret.plain.starts_with(&format!("itk_{id}_")));
    assert_eq!(secret.plain.len(), 4 + 8 + 1 + 64);
    assert_eq!(token_id(&secret.plain), Some(id.as_str()));
    assert_eq!(secret.hash, secret_hash(&secret.plain));
}

#[test]
fn seeded_tokens_are_reproducible_and_distinct() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let first = new_api_token_with_rng(&mut rng);
    let second = new_api_token_with_rng(&mut rng);
    assert_ne!(first, second);
    assert_eq!(
        first,
        new_api_token_with_rng(&mut ChaCha20Rng::seed_from_u64(1))
    );
    let session = new_session_secret_with_rng(&mut ChaCha20Rng::seed_from_u64(1));
    assert_eq!(
        session,
        new_session_secret_with_rng(&mut ChaCha20Rng::seed_from_u64(1))
    );
}

#[test]
fn token_id_accepts_only_well_formed_tokens() {
    let secret_part = "0123456789abcdef".repeat(4);
    assert_eq!(
        token_id(&format!("itk_0badcafe_{secret_part}")),
        Some("0badcafe")
    );
    let malformed = [
        String::new(),
        "itk_".to_owned(),
        "itk_0badcafe".to_owned(),
        "itk_0badcafe_".to_owned(),
        format!("ITK_0badcafe_{secret_part}"),
        format!("itk_0BADCAFE_{secret_part}"),
        format!("itk_0badcaf_{secret_part}"),
        format!("itk_0badcafe0_{secret_part}"),
        format!("itk_0badcafe_{secret_part}0"),
        format!("itk_0badcafe_{}", &secret_part[1..]),
        format!("itk_0badcafg_{secret_part}"),
        format!("tok_0badcafe_{secret_part}"),
        secret_part.clone(),
    ];
    for token in &malformed {
        assert_eq!(token_id(token), None, "{token}");
    }
}

// ---- scopes ----

#[test]
fn scopes_parse_by_name_and_round_trip() {
    for scope in Scope::ALL {
        assert_eq!(scope.as_str().parse::<Scope>().unwrap(), *scope);
        assert_eq!(scope.to_string(), scope.as_str());
    }
    let names: Vec<String> = ["write", " read ", "read", "admin"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        parse_scopes(&names).unwrap(),
        BTreeSet::from([Scope::Read, Scope::Write, Scope::Admin])
    );
    assert_eq!(parse_scopes(&[]).unwrap(), BTreeSet::new());
}

#[test]
fn unknown_scope_fails_the_whole_list() {
    let names: Vec<String> = ["read", "Write", "audit"].map(String::from).to_vec();
    match parse_scopes(&names) {
        Err(AuthError::UnknownScope(name)) => assert_eq!(name, "Write"),
        other => panic!("expected UnknownScope, got {other:?}"),
    }
    assert!("superuser".parse::<Scope>().is_err());
}

// ---- TOTP ----

/// RFC 6238 Appendix B: the ASCII secret "12345678901234567890" with SHA-1; our codes
/// are the last six of its eight digits.
const RFC_6238_SHA1: [(i64, &str); 6] = [
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

fn rfc_secret() -> String {
    totp::base32_encode(b"12345678901234567890")
}

#[test]
fn totp_matches_rfc_6238_sha1_vectors() {
    let secret = rfc_secret();
    assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    for (time, eight_digits) in RFC_6238_SHA1 {
        assert_eq!(
            totp::code_at(&secret, time).unwrap(),
            eight_digits[2..],
            "t = {time}"
        );
        assert!(
            totp::verify(&secret, &eight_digits[2..], time, 0),
            "t = {time}"
        );
    }
}

#[test]
fn totp_step_boundaries() {
    let secret = rfc_secret();
    // 59 is the last second of step 1; 60 starts step 2.
    assert_eq!(
        totp::code_at(&secret, 30).unwrap(),
        totp::code_at(&secret, 59).unwrap()
    );
    assert_ne!(
        totp::code_at(&secret, 59).unwrap(),
        totp::code_at(&secret, 60).unwrap()
    );
    assert!(matches!(
        totp::code_at(&secret, -1),
        Err(AuthError::TimeBeforeEpoch(-1))
    ));
    assert!(matches!(
        totp::code_at("not base32!", 59),
        Err(AuthError::BadTotpSecret)
    ));
    assert!(matches!(
        totp::code_at("", 59),
        Err(AuthError::BadTotpSecret)
    ));
}

#[test]
fn totp_skew_accepts_neighbouring_steps_only() {
    let secret = rfc_secret();
    let now = 1_111_111_111; // step 37037037
    let code_of_step = |offset: i64| totp::code_at(&secret, now + offset * 30).unwrap();
    for offset in [-1, 1] {
        assert!(
            totp::verify(&secret, &code_of_step(offset), now, 1),
            "offset {offset}"
        );
        assert!(
            !totp::verify(&secret, &code_of_step(offset), now, 0),
            "offset {offset}"
        );
    }
    for offset in [-2, 2] {
        assert!(
            !totp::verify(&secret, &code_of_step(offset), now, 1),
            "offset {offset}"
        );
        assert!(
            totp::verify(&secret, &code_of_step(offset), now, 2),
            "offset {offset}"
        );
    }
    assert_eq!(
        totp::verify_step(&secret, &code_of_step(-1), now, 1),
        Some(1_111_111_111 / 30 - 1)
    );
}

#[test]
fn totp_verify_trims_spaces_and_refuses_malformed_codes() {
    let secret = rfc_secret();
    assert!(totp::verify(&secret, " 050471 ", 1_111_111_111, 0));
    assert!(totp::verify(&secret, "050 471", 1_111_111_111, 0));
    for code in [
        "", "50471", "0504710", "05047a", "14050471", "-50471", "０50471",
    ] {
        assert!(!totp::verify(&secret, code, 1_111_111_111, 1), "{code:?}");
    }
    assert!(!totp::verify("not base32!", "050471", 1_111_111_111, 1));
    assert!(!totp::verify(&secret, "287082", -1, 1));
}

#[test]
fn totp_secret_is_160_bits_of_base32() {
    let secret = totp::new_secret();
    assert_eq!(secret.len(), 32);
    assert_eq!(totp::base32_decode(&secret).unwrap().len(), 20);
    assert_ne!(secret, totp::new_secret());
    let code = totp::code_at(&secret, 1_700_000_000).unwrap();
    assert!(totp::verify(&secret, &code, 1_700_000_000, 0));
    let seeded = |seed| totp::new_secret_with_rng(&mut ChaCha20Rng::seed_from_u64(seed));
    assert_eq!(seeded(3), seeded(3));
}

#[test]
fn provisioning_uri_percent_encodes_label_and_issuer() {
    let uri = totp::provisioning_uri("GEZDGNBV", "j.doe@dea.example", "Interdict Task Force");
    assert_eq!(
        uri,
        "otpauth://totp/Interdict%20Task%20Force:j.doe%40dea.example?secret=GEZDGNBV\
         &issuer=Interdict%20Task%20Force&algorithm=SHA1&digits=6&period=30"
    );
    let with_colon = totp::provisioning_uri("GEZDGNBV", "a:b", "X&Y");
    assert!(
        with_colon.starts_with("otpauth://totp/X%26Y:a%3Ab?"),
        "{with_colon}"
    );
}

// ---- base32 ----

/// RFC 4648 section 10, padding left off.
const RFC_4648_BASE32: [(&str, &str); 7] = [
    ("", ""),
    ("f", "MY"),
    ("fo", "MZXQ"),
    ("foo", "MZXW6"),
    ("foob", "MZXW6YQ"),
    ("fooba", "MZXW6YTB"),
    ("foobar", "MZXW6YTBOI"),
];

#[test]
fn base32_matches_rfc_4648_vectors() {
    for (plain, encoded) in RFC_4648_BASE32 {
        assert_eq!(totp::base32_encode(plain.as_bytes()), encoded);
        assert_eq!(
            totp::base32_decode(encoded).unwrap(),
            plain.as_bytes(),
            "{encoded}"
        );
    }
}

#[test]
fn base32_decode_reads_padding_and_lower_case() {
    assert_eq!(totp::base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
    assert_eq!(totp::base32_decode("mzxw6ytboi").unwrap(), b"foobar");
}

#[test]
fn base32_decode_refuses_what_is_not_base32() {
    let not_base32 = [
        "MZXW6YTB0I", // 0 is outside the alphabet
        "MZXW6YTB1I", // so is 1
        "MZ XW",      // spaces are the TOTP secret reader's business, not base32's
        "M",          // a dangling character: 5 bits make no byte
        "MZX",        // 15 bits: one byte and a dangling character
        "MZXW6Y",     // 30 bits: three bytes and a dangling character
        "MZ",         // "f" with leftover bits set (canonical: "MY")
        "=MY",        // padding only at the end
    ];
    for text in not_base32 {
        assert_eq!(totp::base32_decode(text), None, "{text}");
    }
    assert_eq!(totp::base32_decode("MY").unwrap(), b"f");
    assert_eq!(totp::base32_decode("MY======").unwrap(), b"f");
}

#[test]
fn base32_round_trips_every_length() {
    let bytes: Vec<u8> = (0..=255).collect();
    for length in 0..40 {
        let encoded = totp::base32_encode(&bytes[..length]);
        assert_eq!(totp::base32_decode(&encoded).unwrap(), &bytes[..length]);
    }
}

// ---- notice ----

#[test]
fn system_use_notice_says_what_cjis_requires() {
    let notice = SYSTEM_USE_NOTICE.to_lowercase();
    for phrase in [
        "authorized use only",
        "monitored",
        "recorded",
        "no reasonable expectation of privacy",
        "punished",
        "consent",
    ] {
        assert!(notice.contains(phrase), "missing {phrase:?}");
    }
    let sentences = SYSTEM_USE_NOTICE.matches(". ").count() + 1;
    assert!((4..=6).contains(&sentences), "{sentences} sentences");
}
