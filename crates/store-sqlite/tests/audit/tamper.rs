//! The audit log against SQLite: the shared tamper scenarios through raw SQL on the
//! file, and an append that survives `kill -9`.

use rusqlite::{Connection, params};
use store::conformance_audit::{AuditTamper, GuardedChange};
use store::{AuditAnchor, AuditEntry, Store};
use store_sqlite::SqliteStore;

use super::{SqliteFixture, fresh_sqlite_store};

impl SqliteFixture {
    fn raw(&self) -> Connection {
        Connection::open(self.store.path()).expect("raw connection")
    }
}

impl AuditTamper for SqliteFixture {
    fn attempt(&self, change: GuardedChange) -> Result<(), String> {
        let connection = self.raw();
        let result = match change {
            GuardedChange::UpdateEntry(sequence) => connection.execute(
                "UPDATE audit_log SET target = 'x' WHERE sequence = ?1",
                [sequence as i64],
            ),
            GuardedChange::DeleteEntry(sequence) => connection.execute(
                "DELETE FROM audit_log WHERE sequence = ?1",
                [sequence as i64],
            ),
            GuardedChange::DeleteHead => connection.execute("DELETE FROM audit_head", []),
            GuardedChange::MoveHeadBack => {
                connection.execute("UPDATE audit_head SET sequence = sequence - 1", [])
            }
        };
        result.map(|_| ()).map_err(|error| error.to_string())
    }

    fn drop_guards(&self) {
        self.raw()
            .execute_batch(
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
                 DROP TRIGGER audit_head_no_delete; DROP TRIGGER audit_head_forward_only;",
            )
            .expect("drop the triggers");
    }

    fn replace_entry(&self, entry: &AuditEntry) {
        let changed = self
            .raw()
            .execute(
                "UPDATE audit_log SET recorded_at = ?2, actor = ?3, actor_agency = ?4, \
                 action = ?5, target = ?6, reason = ?7, case_number = ?8, source = ?9, \
                 outcome = ?10, previous_hash = ?11, hash = ?12 WHERE sequence = ?1",
                params![
                    entry.sequence as i64,
                    entry.recorded_at.timestamp_micros(),
                    entry.entry.actor,
                    entry.entry.actor_agency,
                    entry.entry.action.as_str(),
                    entry.entry.target,
                    entry.entry.reason,
                    entry.entry.case_number,
                    entry.entry.source,
                    entry.entry.outcome.as_str(),
                    entry.previous_hash.as_bytes().as_slice(),
                    entry.hash.as_bytes().as_slice(),
                ],
            )
            .expect("replace an entry");
        assert_eq!(changed, 1);
    }

    fn set_action_text(&self, sequence: u64, text: &str) {
        self.raw()
            .execute(
                "UPDATE audit_log SET action = ?2 WHERE sequence = ?1",
                params![sequence as i64, text],
            )
            .expect("edit an action");
    }

    fn delete_entry(&self, sequence: u64) {
        let deleted = self
            .raw()
            .execute(
                "DELETE FROM audit_log WHERE sequence = ?1",
                [sequence as i64],
            )
            .expect("delete an entry");
        assert_eq!(deleted, 1);
    }

    fn renumber(&self, from: u64, to: u64) {
        self.raw()
            .execute(
                "UPDATE audit_log SET sequence = ?2 WHERE sequence = ?1",
                [from as i64, to as i64],
            )
            .expect("renumber an entry");
    }

    fn set_head(&self, head: Option<AuditAnchor>) {
        let connection = self.raw();
        connection
            .execute("DELETE FROM audit_head", [])
            .expect("delete the head");
        if let Some(head) = head {
            connection
                .execute(
                    "INSERT INTO audit_head (id, sequence, hash) VALUES (1, ?1, ?2)",
                    params![head.sequence as i64, head.hash.as_bytes().as_slice()],
                )
                .expect("write the head");
        }
    }
}

store::audit_conformance_tests!(fresh_sqlite_store());

store::audit_tamper_tests!(fresh_sqlite_store());

#[test]
fn audit_append_survives_kill() {
    store::conformance_audit::append_survives_kill(
        "audit_tamper::audit_append_survives_kill",
        || {
            let directory = tempfile::tempdir().unwrap();
            let url = format!("sqlite:{}", directory.path().join("kill.db").display());
            (url, directory)
        },
        &|url| Box::new(SqliteStore::open(url).expect("open store")) as Box<dyn Store>,
    );
}
