//! The audit-log part of the conformance suite (see `audit_conformance_tests!`).
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`AuditLog`] that was broken. Tampering needs raw SQL, which only the
//! backends know: their tests implement [`AuditTamper`] with it, and
//! `audit_tamper_tests!` runs the same tamper scenarios on every backend.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::{Duration, Utc};

use crate::Store;
use crate::audit::{
    AuditAction, AuditAnchor, AuditEntry, AuditFault, AuditLog, AuditOutcome, AuditQuery,
    ChainHash, NewAuditEntry, verify,
};

/// Expands to one `#[test]` per audit conformance case, like `conformance_tests!`.
#[macro_export]
macro_rules! audit_conformance_tests {
    ($fresh_store:expr) => {
        $crate::audit_conformance_tests!(@cases $fresh_store;
            audit_log_of_a_fresh_store_is_empty_and_intact,
            audit_entries_round_trip_and_chain,
            audit_queries_filter_order_and_page,
            audit_appends_from_several_threads_stay_linear,
            audit_anchor_past_the_end_or_with_another_hash_is_a_fault,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_audit::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// Expands to one `#[test]` per tamper scenario. The expression gives a fixture that
/// is both [`crate::conformance::StoreUnderTest`] and [`AuditTamper`].
#[macro_export]
macro_rules! audit_tamper_tests {
    ($fresh_fixture:expr) => {
        $crate::audit_tamper_tests!(@cases $fresh_fixture;
            tamper_guards_refuse_updates_deletes_and_moving_the_head_back,
            tamper_an_edited_field_is_found,
            tamper_an_unreadable_entry_is_found,
            tamper_a_deleted_middle_entry_is_found,
            tamper_swapped_sequence_numbers_are_found,
            tamper_deleting_the_newest_entries_is_found_by_the_head,
            tamper_deleting_the_newest_entries_and_the_head_is_found_by_the_anchor,
            tamper_a_recomputed_chain_is_found_only_by_the_anchor,
        );
    };
    (@cases $fresh_fixture:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_fixture;
                $crate::conformance_audit::$case(&fixture);
            }
        )+
    };
}

/// A change the append-only guards (triggers) must refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardedChange {
    UpdateEntry(u64),
    DeleteEntry(u64),
    DeleteHead,
    /// Sets the head one entry back.
    MoveHeadBack,
}

/// Raw-SQL tampering, as the database owner could do it behind the product's back.
pub trait AuditTamper {
    /// Tries a guarded change without removing the guards; `Err` with the database's
    /// message when refused.
    fn attempt(&self, change: GuardedChange) -> Result<(), String>;
    /// Removes the append-only triggers.
    fn drop_guards(&self);
    /// Overwrites every column of the entry with this sequence.
    fn replace_entry(&self, entry: &AuditEntry);
    /// Writes raw text into an entry's action column.
    fn set_action_text(&self, sequence: u64, text: &str);
    fn delete_entry(&self, sequence: u64);
    /// Changes an entry's sequence number.
    fn renumber(&self, from: u64, to: u64);
    /// Overwrites the head record; `None` deletes it.
    fn set_head(&self, head: Option<AuditAnchor>);
}

/// A fixture both tests can use: a store and raw access to its database.
pub trait TamperStore: crate::conformance::StoreUnderTest + AuditTamper {}

impl<T: crate::conformance::StoreUnderTest + AuditTamper> TamperStore for T {}

fn log_of(fixture: &dyn TamperStore) -> &dyn AuditLog {
    fixture.store_under_test().audit()
}

pub fn tamper_guards_refuse_updates_deletes_and_moving_the_head_back(fixture: &dyn TamperStore) {
    let entries = fill_audit_log(log_of(fixture), 3);
    for change in [
        GuardedChange::UpdateEntry(2),
        GuardedChange::DeleteEntry(3),
        GuardedChange::DeleteHead,
        GuardedChange::MoveHeadBack,
    ] {
        assert!(
            fixture.attempt(change).is_err(),
            "{change:?} must be refused"
        );
    }
    let log = log_of(fixture);
    assert_eq!(log.head().unwrap(), Some(entries[2].anchor()));
    assert_eq!(audit_fault(log, None), None, "nothing changed");
}

pub fn tamper_an_edited_field_is_found(fixture: &dyn TamperStore) {
    let entries = fill_audit_log(log_of(fixture), 5);
    fixture.drop_guards();
    let mut edited = entries[2].clone();
    edited.entry.target = "someone else's record".to_string();
    fixture.replace_entry(&edited);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((3, AuditFault::Edited))
    );
    // An earlier time is an edit too.
    let mut edited = entries[1].clone();
    edited.recorded_at -= Duration::minutes(5);
    fixture.replace_entry(&edited);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((2, AuditFault::Edited)),
        "the first bad entry is named"
    );
}

pub fn tamper_an_unreadable_entry_is_found(fixture: &dyn TamperStore) {
    fill_audit_log(log_of(fixture), 5);
    fixture.drop_guards();
    fixture.set_action_text(4, "coffee_break");
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((4, AuditFault::Unreadable))
    );
}

pub fn tamper_a_deleted_middle_entry_is_found(fixture: &dyn TamperStore) {
    fill_audit_log(log_of(fixture), 5);
    fixture.drop_guards();
    fixture.delete_entry(3);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((3, AuditFault::Deleted))
    );
    fixture.delete_entry(1);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((1, AuditFault::Deleted)),
        "a missing first entry"
    );
}

pub fn tamper_swapped_sequence_numbers_are_found(fixture: &dyn TamperStore) {
    fill_audit_log(log_of(fixture), 5);
    fixture.drop_guards();
    fixture.renumber(2, 1000);
    fixture.renumber(4, 2);
    fixture.renumber(1000, 4);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((2, AuditFault::Reordered))
    );
}

pub fn tamper_deleting_the_newest_entries_is_found_by_the_head(fixture: &dyn TamperStore) {
    fill_audit_log(log_of(fixture), 5);
    fixture.drop_guards();
    fixture.delete_entry(5);
    fixture.delete_entry(4);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((4, AuditFault::Truncated))
    );
}

pub fn tamper_deleting_the_newest_entries_and_the_head_is_found_by_the_anchor(
    fixture: &dyn TamperStore,
) {
    let entries = fill_audit_log(log_of(fixture), 5);
    let anchor = log_of(fixture).head().unwrap().expect("a head");
    assert_eq!(anchor, entries[4].anchor());
    fixture.drop_guards();
    fixture.delete_entry(5);
    fixture.delete_entry(4);
    fixture.set_head(None);
    assert_eq!(
        audit_fault(log_of(fixture), None),
        Some((3, AuditFault::HeadMissing)),
        "a removed head is a fault by itself"
    );
    assert_eq!(
        audit_fault(log_of(fixture), Some(&anchor)),
        Some((4, AuditFault::Truncated))
    );
    // A careful attacker puts back a head naming the new last entry: only the
    // external anchor still sees the cut.
    fixture.set_head(Some(entries[2].anchor()));
    assert_eq!(audit_fault(log_of(fixture), None), None);
    assert_eq!(
        audit_fault(log_of(fixture), Some(&anchor)),
        Some((4, AuditFault::Truncated))
    );
}

pub fn tamper_a_recomputed_chain_is_found_only_by_the_anchor(fixture: &dyn TamperStore) {
    let entries = fill_audit_log(log_of(fixture), 5);
    let anchor = entries[3].anchor();
    fixture.drop_guards();
    // Edit entry 2 and recompute every hash after it, and the head: the threat model's
    // database owner.
    let mut previous = entries[0].anchor();
    for original in &entries[1..] {
        let mut forged = original.clone();
        if forged.sequence == 2 {
            forged.entry.actor = "nobody".to_string();
        }
        forged.previous_hash = previous.hash;
        forged.hash = forged.computed_hash();
        fixture.replace_entry(&forged);
        previous = forged.anchor();
    }
    fixture.set_head(Some(previous));
    assert_eq!(
        audit_fault(log_of(fixture), None),
        None,
        "inside the database the forged chain is consistent"
    );
    assert_eq!(
        audit_fault(log_of(fixture), Some(&anchor)),
        Some((4, AuditFault::Rewritten))
    );
}

/// A plausible entry; `number` varies the target so entries differ.
pub fn audit_entry(actor: &str, action: AuditAction, number: u64) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_string(),
        actor_agency: "dea".to_string(),
        action,
        target: format!("record {number:032x}"),
        reason: format!("case work {number}"),
        case_number: number.is_multiple_of(2).then(|| format!("CASE-{number}")),
        source: "cli".to_string(),
        outcome: AuditOutcome::Allowed,
    }
}

/// Appends `count` entries by `analyst` and returns them.
pub fn fill_audit_log(log: &dyn AuditLog, count: u64) -> Vec<AuditEntry> {
    (1..=count)
        .map(|number| {
            log.append(audit_entry("analyst", AuditAction::View, number))
                .expect("append")
        })
        .collect()
}

/// Verifies and returns the fault's (sequence, kind), or `None` when intact.
pub fn audit_fault(log: &dyn AuditLog, anchor: Option<&AuditAnchor>) -> Option<(u64, AuditFault)> {
    verify(log, anchor)
        .expect("verify reads the log")
        .fault
        .map(|report| (report.sequence, report.fault))
}

pub fn audit_log_of_a_fresh_store_is_empty_and_intact(store: &dyn Store) {
    let log = store.audit();
    assert_eq!(
        log.head().unwrap(),
        Some(AuditAnchor::EMPTY),
        "a fresh log has its head at 0"
    );
    assert!(log.entries(&AuditQuery::default()).unwrap().is_empty());
    let verification = verify(log, None).unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    assert_eq!(verification.entries_checked, 0);
    assert_eq!(
        audit_fault(log, Some(&AuditAnchor::EMPTY)),
        None,
        "the empty anchor"
    );
}

pub fn audit_entries_round_trip_and_chain(store: &dyn Store) {
    let log = store.audit();
    let before = Utc::now() - Duration::seconds(1);
    let unusual = NewAuditEntry {
        actor: "o'brien ñ \u{1f600}".to_string(),
        actor_agency: "cbp".to_string(),
        action: AuditAction::Dissemination,
        target: "a,b;c\nd".to_string(),
        reason: String::new(),
        case_number: None,
        source: "10.0.0.7".to_string(),
        outcome: AuditOutcome::Denied,
    };
    let mut appended = Vec::new();
    for action in AuditAction::ALL {
        appended.push(log.append(audit_entry("analyst", *action, 7)).unwrap());
    }
    appended.push(log.append(unusual.clone()).unwrap());
    let after = Utc::now() + Duration::seconds(1);
    for (index, entry) in appended.iter().enumerate() {
        assert_eq!(
            entry.sequence,
            index as u64 + 1,
            "sequences start at 1, no gaps"
        );
        assert!(
            (before..after).contains(&entry.recorded_at),
            "recorded now: {entry:?}"
        );
        assert_eq!(entry.hash, entry.computed_hash(), "hash covers the fields");
        let previous = if index == 0 {
            ChainHash::GENESIS
        } else {
            appended[index - 1].hash
        };
        assert_eq!(entry.previous_hash, previous, "entry {index} links back");
    }
    assert_eq!(appended.last().unwrap().entry, unusual);
    let stored = log
        .entries(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(stored, appended, "entries read back as appended");
    assert_eq!(
        log.head().unwrap(),
        Some(appended.last().unwrap().anchor()),
        "the head names the newest entry"
    );
    let verification = verify(log, Some(&appended[2].anchor())).unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    assert_eq!(verification.entries_checked, appended.len() as u64);
    assert_eq!(verification.last_good, appended.last().unwrap().anchor());
}

pub fn audit_queries_filter_order_and_page(store: &dyn Store) {
    let log = store.audit();
    let mut appended = Vec::new();
    for number in 1..=6 {
        let actor = if number % 3 == 0 {
            "auditor"
        } else {
            "analyst"
        };
        appended.push(
            log.append(audit_entry(actor, AuditAction::Search, number))
                .unwrap(),
        );
    }
    let sequences = |query: AuditQuery| -> Vec<u64> {
        log.entries(&query)
            .unwrap()
            .iter()
            .map(|entry| entry.sequence)
            .collect()
    };
    assert_eq!(sequences(AuditQuery::default()), vec![1, 2, 3, 4, 5, 6]);
    let by_auditor = AuditQuery {
        actor: Some("auditor".to_string()),
        ..AuditQuery::default()
    };
    assert_eq!(sequences(by_auditor.clone()), vec![3, 6]);
    assert_eq!(
        sequences(AuditQuery {
            newest_first: true,
            limit: 2,
            ..by_auditor
        }),
        vec![6, 3],
        "newest first"
    );
    assert_eq!(
        sequences(AuditQuery {
            after_sequence: Some(2),
            limit: 3,
            ..AuditQuery::default()
        }),
        vec![3, 4, 5]
    );
    let since = appended[4].recorded_at;
    let expected: Vec<u64> = appended
        .iter()
        .filter(|entry| entry.recorded_at >= since)
        .map(|entry| entry.sequence)
        .collect();
    let found = sequences(AuditQuery {
        since: Some(since),
        ..AuditQuery::default()
    });
    assert_eq!(found, expected, "since is inclusive");
    assert!(found.contains(&5) && found.contains(&6), "{found:?}");
    assert!(
        sequences(AuditQuery {
            since: Some(Utc::now() + Duration::hours(1)),
            ..AuditQuery::default()
        })
        .is_empty()
    );
    assert!(
        sequences(AuditQuery {
            limit: 0,
            ..AuditQuery::default()
        })
        .is_empty(),
        "limit 0 gives an empty page"
    );
}

pub fn audit_appends_from_several_threads_stay_linear(store: &dyn Store) {
    let log = store.audit();
    const THREADS: u64 = 4;
    const EACH: u64 = 20;
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            scope.spawn(move || {
                for number in 0..EACH {
                    log.append(audit_entry(
                        &format!("user{thread}"),
                        AuditAction::View,
                        number,
                    ))
                    .expect("append from a thread");
                }
            });
        }
    });
    let entries = log
        .entries(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|entry| entry.sequence)
            .collect::<Vec<_>>(),
        (1..=THREADS * EACH).collect::<Vec<_>>()
    );
    assert_eq!(audit_fault(log, None), None, "the chain stays linear");
}

pub fn audit_anchor_past_the_end_or_with_another_hash_is_a_fault(store: &dyn Store) {
    let log = store.audit();
    let entries = fill_audit_log(log, 3);
    let beyond = AuditAnchor {
        sequence: 5,
        hash: ChainHash([7; 32]),
    };
    assert_eq!(
        audit_fault(log, Some(&beyond)),
        Some((4, AuditFault::Truncated)),
        "an anchor past the last entry"
    );
    let other_hash = AuditAnchor {
        sequence: 2,
        hash: entries[0].hash,
    };
    assert_eq!(
        audit_fault(log, Some(&other_hash)),
        Some((2, AuditFault::Rewritten)),
        "an anchor whose entry has another hash"
    );
    assert_eq!(audit_fault(log, Some(&entries[2].anchor())), None);
}

/// Environment variable that puts [`append_survives_kill`]'s test into its child role.
const CHILD_URL: &str = "INTERDICT_AUDIT_KILL_CHILD_URL";

/// What the child prints before the sequence it appended.
const KILL_CHILD_MARKER: &str = "audit kill child appended ";

/// The durability test: this test binary runs itself again (`test_name`, exact) as a
/// child that appends one entry, prints its sequence, then waits; the parent kills it
/// (SIGKILL) as soon as the line arrives and checks, with a fresh store, that the
/// entry is there and the chain verifies. `fresh` makes a store URL (and whatever must
/// live as long as it); only the parent calls it. `open` opens a store by URL.
pub fn append_survives_kill<Guard>(
    test_name: &str,
    fresh: impl FnOnce() -> (String, Guard),
    open: &dyn Fn(&str) -> Box<dyn Store>,
) {
    if let Ok(child_url) = std::env::var(CHILD_URL) {
        let store = open(&child_url);
        let entry = store
            .audit()
            .append(audit_entry("killed", AuditAction::Export, 1))
            .expect("append in the child");
        // libtest may have printed "test NAME ... " without a newline before this.
        println!("\n{KILL_CHILD_MARKER}{}", entry.sequence);
        // Waits to be killed; never returns, so nothing tidies up after the append.
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
    let (url, _guard) = fresh();
    let url = url.as_str();
    let before = fill_audit_log(open(url).audit(), 2);
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut appended = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("child output");
        if let Some((_, sequence)) = line.split_once(KILL_CHILD_MARKER) {
            appended = Some(sequence.trim().parse::<u64>().expect("a sequence"));
            break;
        }
    }
    child.kill().expect("kill the child");
    let status = child.wait().expect("child ends");
    assert!(!status.success(), "the child was killed, not finished");
    let sequence = appended.expect("the child appended before it was killed");
    assert_eq!(sequence, before.len() as u64 + 1);
    let store = open(url);
    let entries = store
        .audit()
        .entries(&AuditQuery {
            actor: Some("killed".to_string()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|entry| entry.sequence)
            .collect::<Vec<_>>(),
        vec![sequence],
        "the entry appended before the kill is there"
    );
    assert_eq!(audit_fault(store.audit(), None), None);
}
