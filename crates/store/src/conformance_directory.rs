//! The directory part of the conformance suite (see `directory_conformance_tests!`).
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`crate::Directory`] that was broken. Times given to the store carry
//! nanoseconds, so each case also checks that they come back truncated to the
//! microsecond.

use chrono::{DateTime, Duration, TimeZone, Utc};
use model::{DataClass, RecordId, Sensitivity};

use crate::conformance::{header, record};
use crate::directory::{
    Agency, Agreement, ApiToken, CaseFile, LogonAttempt, Session, UserAccount, Validation,
};
use crate::{BatchCounts, Store, StoreError, truncate_to_micros};

/// Expands to one `#[test]` per directory conformance case, like `conformance_tests!`.
#[macro_export]
macro_rules! directory_conformance_tests {
    ($fresh_store:expr) => {
        $crate::directory_conformance_tests!(@cases $fresh_store;
            directory_of_a_fresh_store_is_empty,
            agencies_are_added_and_replaced,
            users_round_trip_and_update,
            duplicate_and_unknown_users_are_refused,
            cases_keep_sorted_members,
            case_refusals,
            agreements_are_replaced_and_removed,
            logon_attempts_come_back_newest_first,
            recent_failures_count_within_the_window,
            a_success_resets_recent_failures,
            an_unlock_resets_recent_failures_and_releases_the_lock,
            locking_ends_the_open_sessions_of_that_user_only,
            sessions_are_touched_and_ended,
            session_refusals,
            tokens_are_found_listed_and_revoked,
            token_refusals,
            validations_need_a_stored_record_a_decision_and_who,
            the_latest_validation_per_record_counts,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_directory::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// 2024-06-01 09:00:00 UTC plus `seconds`, with nanoseconds the store must drop.
pub fn moment(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 9, 0, 0).unwrap()
        + Duration::seconds(seconds)
        + Duration::nanoseconds(123_456_789)
}

/// `moment(seconds)` as a store gives it back.
pub fn stored(seconds: i64) -> DateTime<Utc> {
    truncate_to_micros(moment(seconds))
}

/// An unlocked, enabled account of `agency`.
pub fn user_account(id: &str, agency: &str) -> UserAccount {
    UserAccount {
        id: id.to_string(),
        agency: agency.to_string(),
        display_name: format!("Display {id}"),
        roles: vec!["analyst".to_string(), "supervisor".to_string()],
        clearance: Sensitivity::LawEnforcement,
        caveats: vec!["NOFORN".to_string()],
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
        totp_secret: Some("JBSWY3DPEHPK3PXP".to_string()),
        locked_at: None,
        disabled: false,
        created_at: moment(0),
    }
}

/// An open session of `user`, created at `moment(0)`.
pub fn session(id_hash: &str, user: &str) -> Session {
    Session {
        id_hash: id_hash.to_string(),
        user: user.to_string(),
        created_at: moment(0),
        last_seen: moment(0),
        second_factor: false,
        source: "10.0.0.7".to_string(),
        ended_at: None,
    }
}

/// A token of `user` created at `moment(created)`.
pub fn api_token(id: &str, user: &str, created: i64) -> ApiToken {
    ApiToken {
        id: id.to_string(),
        secret_hash: format!("hash-of-{id}"),
        user: user.to_string(),
        scopes: vec!["records:read".to_string(), "watchlists:write".to_string()],
        label: format!("token {id}"),
        created_at: moment(created),
        expires_at: Some(moment(created + 86_400)),
        revoked_at: None,
    }
}

fn attempt(user: &str, at: i64, succeeded: bool) -> LogonAttempt {
    LogonAttempt {
        user: user.to_string(),
        at: moment(at),
        succeeded,
        source: format!("10.0.0.{at}"),
    }
}

fn validation(record: RecordId, decision: &str, at: i64) -> Validation {
    Validation {
        record,
        decision: decision.to_string(),
        by: "supervisor.dea".to_string(),
        at: moment(at),
        note: format!("{decision} at {at}"),
    }
}

/// What the store gives back for a user it was given.
fn as_stored_user(user: &UserAccount) -> UserAccount {
    UserAccount {
        locked_at: user.locked_at.map(truncate_to_micros),
        created_at: truncate_to_micros(user.created_at),
        ..user.clone()
    }
}

fn as_stored_token(token: &ApiToken) -> ApiToken {
    ApiToken {
        created_at: truncate_to_micros(token.created_at),
        expires_at: token.expires_at.map(truncate_to_micros),
        revoked_at: token.revoked_at.map(truncate_to_micros),
        ..token.clone()
    }
}

fn assert_refused<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Refused(_)) => {}
        other => panic!("{what}: expected Refused, got {other:?}"),
    }
}

/// Commits one batch with `count` records of agency `dea` and returns their ids.
pub fn stored_records(store: &dyn Store, count: u64) -> Vec<RecordId> {
    let header = header("dea", "intel", "intel.csv", "directory records");
    let records: Vec<_> = (1..=count)
        .map(|line| {
            record(
                &header,
                "Person",
                &format!("P-{line}"),
                line,
                &[("name", "Ramon Diaz")],
            )
        })
        .collect();
    let mut writer = store.begin_batch(header).expect("begin batch");
    writer.write_records(&records).expect("write records");
    writer
        .commit(BatchCounts {
            rows_read: count,
            rows_accepted: count,
            rows_quarantined: 0,
            records_written: count,
            duplicates_skipped: 0,
        })
        .expect("commit batch");
    records.iter().map(|record| record.id).collect()
}

pub fn directory_of_a_fresh_store_is_empty(store: &dyn Store) {
    let directory = store.directory();
    assert!(directory.agencies().unwrap().is_empty());
    assert!(directory.users().unwrap().is_empty());
    assert_eq!(directory.user("nobody").unwrap(), None);
    assert!(directory.cases().unwrap().is_empty());
    assert_eq!(directory.case("24-117").unwrap(), None);
    assert!(directory.agreements().unwrap().is_empty());
    assert!(directory.logon_attempts("nobody", 10).unwrap().is_empty());
    assert_eq!(directory.recent_failures("nobody", moment(0)).unwrap(), 0);
    assert_eq!(directory.session("nothing").unwrap(), None);
    assert_eq!(directory.token_by_hash("nothing").unwrap(), None);
    assert!(directory.tokens("nobody").unwrap().is_empty());
    assert!(directory.validations().unwrap().is_empty());
}

pub fn agencies_are_added_and_replaced(store: &dyn Store) {
    let directory = store.directory();
    let sheriff = Agency {
        id: "SHERIFF".to_string(),
        name: "County Sheriff".to_string(),
        contact: "Narcotics desk, +1 213 555 0101".to_string(),
    };
    let dea = Agency {
        id: "DEA".to_string(),
        name: "Drug Enforcement Administration".to_string(),
        contact: "Duty desk, +1 213 555 0100".to_string(),
    };
    directory.put_agency(&sheriff).unwrap();
    directory.put_agency(&dea).unwrap();
    assert_eq!(
        directory.agencies().unwrap(),
        vec![dea.clone(), sheriff.clone()],
        "by id"
    );
    let renamed = Agency {
        name: "County Sheriff's Department".to_string(),
        contact: "Vice unit".to_string(),
        ..sheriff
    };
    directory.put_agency(&renamed).unwrap();
    assert_eq!(
        directory.agencies().unwrap(),
        vec![dea, renamed],
        "a second put replaces name and contact"
    );
}

pub fn users_round_trip_and_update(store: &dyn Store) {
    let directory = store.directory();
    let second = UserAccount {
        totp_secret: None,
        roles: Vec::new(),
        caveats: Vec::new(),
        clearance: Sensitivity::Restricted,
        locked_at: Some(moment(5)),
        disabled: true,
        ..user_account("b.jones", "SHERIFF")
    };
    let first = user_account("a.smith", "DEA");
    directory.create_user(&second).unwrap();
    directory.create_user(&first).unwrap();
    assert_eq!(
        directory.user("a.smith").unwrap(),
        Some(as_stored_user(&first))
    );
    let stored_second = directory.user("b.jones").unwrap().unwrap();
    assert_eq!(stored_second, as_stored_user(&second));
    assert_eq!(stored_second.locked_at, Some(stored(5)));
    assert_eq!(stored_second.created_at, stored(0));
    assert_eq!(
        directory.users().unwrap(),
        vec![as_stored_user(&first), as_stored_user(&second)],
        "by id"
    );

    let updated = UserAccount {
        agency: "FBI".to_string(),
        display_name: "Alex Smith".to_string(),
        roles: vec!["auditor".to_string()],
        clearance: Sensitivity::Sensitive,
        caveats: vec!["GRAND_JURY".to_string(), "NOFORN".to_string()],
        password_hash: "$argon2id$v=19$new".to_string(),
        totp_secret: None,
        locked_at: Some(moment(9)),
        disabled: true,
        // Neither is changed by an update.
        created_at: moment(1_000),
        ..first.clone()
    };
    directory.update_user(&updated).unwrap();
    assert_eq!(
        directory.user("a.smith").unwrap(),
        Some(UserAccount {
            created_at: stored(0),
            ..as_stored_user(&updated)
        }),
        "an update replaces all fields but id and created_at"
    );
    assert_eq!(
        directory.user("b.jones").unwrap(),
        Some(as_stored_user(&second)),
        "other accounts are untouched"
    );
}

pub fn duplicate_and_unknown_users_are_refused(store: &dyn Store) {
    let directory = store.directory();
    let user = user_account("a.smith", "DEA");
    directory.create_user(&user).unwrap();
    assert_refused(
        directory.create_user(&UserAccount {
            display_name: "Someone else".to_string(),
            ..user.clone()
        }),
        "an existing id",
    );
    assert_refused(
        directory.update_user(&user_account("c.nobody", "DEA")),
        "updating an unknown account",
    );
    assert_refused(
        directory.lock_user("c.nobody", moment(1)),
        "locking an unknown account",
    );
    assert_refused(
        directory.unlock_user("c.nobody", moment(1)),
        "unlocking an unknown account",
    );
    assert_eq!(
        directory.users().unwrap(),
        vec![as_stored_user(&user)],
        "refusals change nothing"
    );
}

pub fn cases_keep_sorted_members(store: &dyn Store) {
    let directory = store.directory();
    let case = CaseFile {
        id: "24-117".to_string(),
        agency: "DEA".to_string(),
        title: "Harbor fentanyl ring".to_string(),
        created_by: "a.smith".to_string(),
        created_at: moment(0),
        members: vec!["c.lee".to_string(), "a.smith".to_string()],
    };
    let other = CaseFile {
        id: "24-009".to_string(),
        members: Vec::new(),
        ..case.clone()
    };
    directory.create_case(&case).unwrap();
    directory.create_case(&other).unwrap();
    let expected = CaseFile {
        created_at: stored(0),
        members: vec!["a.smith".to_string(), "c.lee".to_string()],
        ..case.clone()
    };
    assert_eq!(directory.case("24-117").unwrap(), Some(expected.clone()));

    directory.add_case_member("24-117", "b.jones").unwrap();
    directory.add_case_member("24-117", "b.jones").unwrap();
    let with_jones = CaseFile {
        members: vec![
            "a.smith".to_string(),
            "b.jones".to_string(),
            "c.lee".to_string(),
        ],
        ..expected.clone()
    };
    assert_eq!(
        directory.case("24-117").unwrap(),
        Some(with_jones.clone()),
        "adding a member twice keeps one"
    );
    assert!(directory.remove_case_member("24-117", "c.lee").unwrap());
    assert!(
        !directory.remove_case_member("24-117", "c.lee").unwrap(),
        "removing a non-member"
    );
    assert!(
        !directory.remove_case_member("24-009", "a.smith").unwrap(),
        "membership is per case"
    );
    let without_lee = CaseFile {
        members: vec!["a.smith".to_string(), "b.jones".to_string()],
        ..expected
    };
    assert_eq!(
        directory.cases().unwrap(),
        vec![
            CaseFile {
                created_at: stored(0),
                ..other
            },
            without_lee
        ],
        "all cases by id with their members"
    );
}

pub fn case_refusals(store: &dyn Store) {
    let directory = store.directory();
    let case = CaseFile {
        id: "24-117".to_string(),
        agency: "DEA".to_string(),
        title: "Harbor fentanyl ring".to_string(),
        created_by: "a.smith".to_string(),
        created_at: moment(0),
        members: vec!["a.smith".to_string()],
    };
    directory.create_case(&case).unwrap();
    assert_refused(
        directory.create_case(&CaseFile {
            title: "Another".to_string(),
            members: vec!["z.other".to_string()],
            ..case.clone()
        }),
        "an existing case id",
    );
    assert_refused(
        directory.add_case_member("25-000", "a.smith"),
        "a member of an unknown case",
    );
    assert_eq!(
        directory.cases().unwrap(),
        vec![CaseFile {
            created_at: stored(0),
            ..case
        }],
        "refusals change nothing"
    );
}

pub fn agreements_are_replaced_and_removed(store: &dyn Store) {
    let directory = store.directory();
    let dea_to_sheriff = Agreement {
        from_agency: "DEA".to_string(),
        to_agency: "SHERIFF".to_string(),
        data_classes: vec![DataClass::InvestigativeCase, DataClass::Public],
        max_sensitivity: Sensitivity::LawEnforcement,
    };
    let sheriff_to_dea = Agreement {
        from_agency: "SHERIFF".to_string(),
        to_agency: "DEA".to_string(),
        data_classes: vec![DataClass::CriminalIntelligence],
        max_sensitivity: Sensitivity::Restricted,
    };
    directory.put_agreement(&sheriff_to_dea).unwrap();
    directory.put_agreement(&dea_to_sheriff).unwrap();
    assert_eq!(
        directory.agreements().unwrap(),
        vec![dea_to_sheriff.clone(), sheriff_to_dea.clone()]
    );
    let narrower = Agreement {
        data_classes: vec![DataClass::PublicHealth],
        max_sensitivity: Sensitivity::Sensitive,
        ..dea_to_sheriff
    };
    directory.put_agreement(&narrower).unwrap();
    assert_eq!(
        directory.agreements().unwrap(),
        vec![narrower.clone(), sheriff_to_dea.clone()],
        "one agreement per direction, replaced"
    );
    assert!(directory.remove_agreement("SHERIFF", "DEA").unwrap());
    assert!(!directory.remove_agreement("SHERIFF", "DEA").unwrap());
    assert!(
        !directory.remove_agreement("DEA", "FBI").unwrap(),
        "no such agreement"
    );
    assert_eq!(directory.agreements().unwrap(), vec![narrower]);
}

pub fn logon_attempts_come_back_newest_first(store: &dyn Store) {
    let directory = store.directory();
    for attempt in [
        attempt("a.smith", 1, false),
        attempt("a.smith", 3, true),
        attempt("b.jones", 4, false),
        attempt("a.smith", 2, false),
        // Attempts for names without an account are kept too.
        attempt("nobody", 5, false),
    ] {
        directory.record_logon_attempt(&attempt).unwrap();
    }
    let stored_attempt = |at: i64, succeeded: bool| LogonAttempt {
        at: stored(at),
        ..attempt("a.smith", at, succeeded)
    };
    assert_eq!(
        directory.logon_attempts("a.smith", 10).unwrap(),
        vec![
            stored_attempt(3, true),
            stored_attempt(2, false),
            stored_attempt(1, false)
        ]
    );
    assert_eq!(
        directory.logon_attempts("a.smith", 2).unwrap(),
        vec![stored_attempt(3, true), stored_attempt(2, false)],
        "limit"
    );
    assert!(directory.logon_attempts("a.smith", 0).unwrap().is_empty());
    assert_eq!(directory.logon_attempts("nobody", 10).unwrap().len(), 1);
}

pub fn recent_failures_count_within_the_window(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    for at in [10, 20, 30] {
        directory
            .record_logon_attempt(&attempt("a.smith", at, false))
            .unwrap();
    }
    directory
        .record_logon_attempt(&attempt("b.jones", 25, false))
        .unwrap();
    assert_eq!(directory.recent_failures("a.smith", moment(0)).unwrap(), 3);
    assert_eq!(
        directory.recent_failures("a.smith", moment(20)).unwrap(),
        2,
        "an attempt at `since` counts"
    );
    assert_eq!(directory.recent_failures("a.smith", moment(21)).unwrap(), 1);
    assert_eq!(directory.recent_failures("a.smith", moment(31)).unwrap(), 0);
    assert_eq!(
        directory.recent_failures("b.jones", moment(0)).unwrap(),
        1,
        "failures are per user, account or not"
    );
}

pub fn a_success_resets_recent_failures(store: &dyn Store) {
    let directory = store.directory();
    for (at, succeeded) in [(10, false), (20, false), (30, true), (40, false)] {
        directory
            .record_logon_attempt(&attempt("a.smith", at, succeeded))
            .unwrap();
    }
    assert_eq!(
        directory.recent_failures("a.smith", moment(0)).unwrap(),
        1,
        "only failures after the latest success count"
    );
    directory
        .record_logon_attempt(&attempt("a.smith", 50, true))
        .unwrap();
    assert_eq!(directory.recent_failures("a.smith", moment(0)).unwrap(), 0);
}

pub fn an_unlock_resets_recent_failures_and_releases_the_lock(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    for at in [10, 20, 30] {
        directory
            .record_logon_attempt(&attempt("a.smith", at, false))
            .unwrap();
    }
    directory.lock_user("a.smith", moment(31)).unwrap();
    assert_eq!(
        directory.user("a.smith").unwrap().unwrap().locked_at,
        Some(stored(31))
    );
    directory.lock_user("a.smith", moment(32)).unwrap();
    assert_eq!(
        directory.user("a.smith").unwrap().unwrap().locked_at,
        Some(stored(31)),
        "locking a locked account keeps the first time"
    );
    assert_eq!(
        directory.recent_failures("a.smith", moment(0)).unwrap(),
        3,
        "a lock alone resets nothing"
    );

    directory.unlock_user("a.smith", moment(30)).unwrap();
    assert_eq!(directory.user("a.smith").unwrap().unwrap().locked_at, None);
    assert_eq!(
        directory.recent_failures("a.smith", moment(0)).unwrap(),
        0,
        "failures at or before the unlock no longer count"
    );
    directory
        .record_logon_attempt(&attempt("a.smith", 40, false))
        .unwrap();
    assert_eq!(directory.recent_failures("a.smith", moment(0)).unwrap(), 1);

    directory.unlock_user("a.smith", moment(20)).unwrap();
    assert_eq!(
        directory.recent_failures("a.smith", moment(0)).unwrap(),
        2,
        "the latest unlock counts, even when it is earlier"
    );
}

pub fn locking_ends_the_open_sessions_of_that_user_only(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    directory
        .create_user(&user_account("b.jones", "SHERIFF"))
        .unwrap();
    directory.create_session(&session("s1", "a.smith")).unwrap();
    directory.create_session(&session("s2", "a.smith")).unwrap();
    directory.create_session(&session("s3", "b.jones")).unwrap();
    assert!(directory.end_session("s2", moment(5)).unwrap());

    directory.lock_user("a.smith", moment(10)).unwrap();
    assert_eq!(
        directory.session("s1").unwrap().unwrap().ended_at,
        Some(stored(10)),
        "an open session ends when its account is locked"
    );
    assert_eq!(
        directory.session("s2").unwrap().unwrap().ended_at,
        Some(stored(5)),
        "an ended session keeps its end"
    );
    assert_eq!(
        directory.session("s3").unwrap().unwrap().ended_at,
        None,
        "another user's session stays open"
    );
}

pub fn sessions_are_touched_and_ended(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    let created = session("s1", "a.smith");
    directory.create_session(&created).unwrap();
    let as_created = Session {
        created_at: stored(0),
        last_seen: stored(0),
        ..created
    };
    assert_eq!(directory.session("s1").unwrap(), Some(as_created.clone()));

    directory.touch_session("s1", moment(60), false).unwrap();
    let touched = Session {
        last_seen: stored(60),
        ..as_created
    };
    assert_eq!(directory.session("s1").unwrap(), Some(touched.clone()));
    directory.touch_session("s1", moment(30), true).unwrap();
    let second_factor = Session {
        second_factor: true,
        ..touched
    };
    assert_eq!(
        directory.session("s1").unwrap(),
        Some(second_factor.clone()),
        "last_seen only moves forward; the second factor is set"
    );
    directory.touch_session("s1", moment(90), false).unwrap();
    let later = Session {
        last_seen: stored(90),
        ..second_factor
    };
    assert_eq!(
        directory.session("s1").unwrap(),
        Some(later.clone()),
        "touching without the second factor keeps it"
    );

    assert!(directory.end_session("s1", moment(120)).unwrap());
    assert!(
        !directory.end_session("s1", moment(130)).unwrap(),
        "already ended"
    );
    assert!(!directory.end_session("unknown", moment(130)).unwrap());
    assert_eq!(
        directory.session("s1").unwrap(),
        Some(Session {
            ended_at: Some(stored(120)),
            ..later
        })
    );
}

pub fn session_refusals(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    directory.create_session(&session("s1", "a.smith")).unwrap();
    assert_refused(
        directory.create_session(&session("s1", "a.smith")),
        "an existing session id",
    );
    assert_refused(
        directory.create_session(&session("s2", "c.nobody")),
        "a session of an unknown account",
    );
    assert_refused(
        directory.touch_session("unknown", moment(5), false),
        "touching an unknown session",
    );
    assert!(directory.end_session("s1", moment(5)).unwrap());
    assert_refused(
        directory.touch_session("s1", moment(6), true),
        "touching an ended session",
    );
    let ended = directory.session("s1").unwrap().unwrap();
    assert_eq!(
        (ended.last_seen, ended.second_factor),
        (stored(0), false),
        "a refused touch changes nothing"
    );
    assert_eq!(directory.session("s2").unwrap(), None);
}

pub fn tokens_are_found_listed_and_revoked(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    directory
        .create_user(&user_account("b.jones", "SHERIFF"))
        .unwrap();
    let older = api_token("t-old", "a.smith", 0);
    let newer = ApiToken {
        expires_at: None,
        scopes: Vec::new(),
        ..api_token("t-new", "a.smith", 100)
    };
    let other = api_token("t-other", "b.jones", 50);
    for token in [&older, &newer, &other] {
        directory.create_token(token).unwrap();
    }
    assert_eq!(
        directory.token_by_hash("hash-of-t-old").unwrap(),
        Some(as_stored_token(&older))
    );
    assert_eq!(
        directory.token_by_hash("t-old").unwrap(),
        None,
        "by hash only"
    );
    assert_eq!(
        directory.tokens("a.smith").unwrap(),
        vec![as_stored_token(&newer), as_stored_token(&older)],
        "newest first"
    );

    assert!(directory.revoke_token("t-old", moment(200)).unwrap());
    assert!(
        !directory.revoke_token("t-old", moment(300)).unwrap(),
        "already revoked"
    );
    assert!(!directory.revoke_token("t-unknown", moment(300)).unwrap());
    assert_eq!(
        directory.token_by_hash("hash-of-t-old").unwrap(),
        Some(ApiToken {
            revoked_at: Some(stored(200)),
            ..as_stored_token(&older)
        }),
        "a revocation keeps its first time"
    );
    assert_eq!(
        directory.tokens("b.jones").unwrap(),
        vec![as_stored_token(&other)],
        "other tokens untouched"
    );
}

pub fn token_refusals(store: &dyn Store) {
    let directory = store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    let token = api_token("t-1", "a.smith", 0);
    directory.create_token(&token).unwrap();
    assert_refused(
        directory.create_token(&ApiToken {
            secret_hash: "another-hash".to_string(),
            ..token.clone()
        }),
        "an existing token id",
    );
    assert_refused(
        directory.create_token(&ApiToken {
            id: "t-2".to_string(),
            ..token.clone()
        }),
        "an existing secret hash",
    );
    assert_refused(
        directory.create_token(&api_token("t-3", "c.nobody", 0)),
        "a token of an unknown account",
    );
    assert_eq!(
        directory.tokens("a.smith").unwrap(),
        vec![as_stored_token(&token)]
    );
    assert!(directory.tokens("c.nobody").unwrap().is_empty());
}

pub fn validations_need_a_stored_record_a_decision_and_who(store: &dyn Store) {
    let directory = store.directory();
    let records = stored_records(store, 1);
    let unknown = RecordId::from_bytes([0xee; 16]);
    assert_refused(
        directory.record_validation(&validation(unknown, "validated", 1)),
        "a record that is not stored",
    );
    assert_refused(
        directory.record_validation(&validation(records[0], "approved", 1)),
        "a decision other than validated or rejected",
    );
    assert_refused(
        directory.record_validation(&validation(records[0], "", 1)),
        "an empty decision",
    );
    for by in ["", "   "] {
        assert_refused(
            directory.record_validation(&Validation {
                by: by.to_string(),
                ..validation(records[0], "validated", 1)
            }),
            "a validation without who",
        );
    }
    assert!(
        directory.validations().unwrap().is_empty(),
        "refusals change nothing"
    );
}

pub fn the_latest_validation_per_record_counts(store: &dyn Store) {
    let directory = store.directory();
    let records = stored_records(store, 3);
    let as_stored = |validation: Validation| Validation {
        at: truncate_to_micros(validation.at),
        ..validation
    };
    directory
        .record_validation(&validation(records[0], "validated", 10))
        .unwrap();
    directory
        .record_validation(&validation(records[0], "rejected", 20))
        .unwrap();
    directory
        .record_validation(&validation(records[1], "rejected", 15))
        .unwrap();
    directory
        .record_validation(&validation(records[1], "validated", 30))
        .unwrap();
    let latest = directory.validations().unwrap();
    assert_eq!(latest.len(), 2, "one per record; record 3 has none");
    assert_eq!(
        latest[&records[0]],
        as_stored(validation(records[0], "rejected", 20))
    );
    assert_eq!(
        latest[&records[1]],
        as_stored(validation(records[1], "validated", 30))
    );
    assert_eq!(latest[&records[1]].at, stored(30));
}
