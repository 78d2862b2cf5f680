//! The audit log against PostgreSQL: the shared tamper scenarios through raw SQL as
//! the database owner, and an append that survives `kill -9` of the client.

use postgres::{Client, NoTls};
use store::conformance::StoreUnderTest;
use store::conformance_audit::{AuditTamper, GuardedChange};
use store::{AuditAnchor, AuditEntry, Store};
use store_postgres::PostgresStore;

/// A store in a fresh database, and its URL for raw connections.
struct PostgresFixture {
    store: PostgresStore,
    url: String,
}

fn fresh_postgres_fixture() -> PostgresFixture {
    let url = pg_throwaway::fresh_database_url();
    PostgresFixture {
        store: PostgresStore::open(&url).expect("open store"),
        url,
    }
}

impl StoreUnderTest for PostgresFixture {
    fn store_under_test(&self) -> &dyn Store {
        &self.store
    }
}

impl PostgresFixture {
    fn raw(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("raw connection")
    }
}

impl AuditTamper for PostgresFixture {
    fn attempt(&self, change: GuardedChange) -> Result<(), String> {
        let mut client = self.raw();
        let result = match change {
            GuardedChange::UpdateEntry(sequence) => client.execute(
                "UPDATE audit_log SET target = 'x' WHERE sequence = $1",
                &[&(sequence as i64)],
            ),
            GuardedChange::DeleteEntry(sequence) => client.execute(
                "DELETE FROM audit_log WHERE sequence = $1",
                &[&(sequence as i64)],
            ),
            GuardedChange::DeleteHead => client.execute("DELETE FROM audit_head", &[]),
            GuardedChange::MoveHeadBack => {
                client.execute("UPDATE audit_head SET sequence = sequence - 1", &[])
            }
        };
        let truncate = client.batch_execute("TRUNCATE audit_log");
        assert!(truncate.is_err(), "TRUNCATE must be refused too");
        result.map(|_| ()).map_err(|error| error.to_string())
    }

    fn drop_guards(&self) {
        self.raw()
            .batch_execute(
                "DROP TRIGGER audit_log_append_only ON audit_log; \
                 DROP TRIGGER audit_head_no_delete ON audit_head; \
                 DROP TRIGGER audit_head_forward_only ON audit_head;",
            )
            .expect("drop the triggers");
    }

    fn replace_entry(&self, entry: &AuditEntry) {
        let changed = self
            .raw()
            .execute(
                "UPDATE audit_log SET recorded_at = $2, actor = $3, actor_agency = $4, \
                 action = $5, target = $6, reason = $7, case_number = $8, source = $9, \
                 outcome = $10, previous_hash = $11, hash = $12 WHERE sequence = $1",
                &[
                    &(entry.sequence as i64),
                    &entry.recorded_at,
                    &entry.entry.actor,
                    &entry.entry.actor_agency,
                    &entry.entry.action.as_str(),
                    &entry.entry.target,
                    &entry.entry.reason,
                    &entry.entry.case_number,
                    &entry.entry.source,
                    &entry.entry.outcome.as_str(),
                    &entry.previous_hash.as_bytes().as_slice(),
                    &entry.hash.as_bytes().as_slice(),
                ],
            )
            .expect("replace an entry");
        assert_eq!(changed, 1);
    }

    fn set_action_text(&self, sequence: u64, text: &str) {
        self.raw()
            .execute(
                "UPDATE audit_log SET action = $2 WHERE sequence = $1",
                &[&(sequence as i64), &text],
            )
            .expect("edit an action");
    }

    fn delete_entry(&self, sequence: u64) {
        let deleted = self
            .raw()
            .execute(
                "DELETE FROM audit_log WHERE sequence = $1",
                &[&(sequence as i64)],
            )
            .expect("delete an entry");
        assert_eq!(deleted, 1);
    }

    fn renumber(&self, from: u64, to: u64) {
        self.raw()
            .execute(
                "UPDATE audit_log SET sequence = $2 WHERE sequence = $1",
                &[&(from as i64), &(to as i64)],
            )
            .expect("renumber an entry");
    }

    fn set_head(&self, head: Option<AuditAnchor>) {
        let mut client = self.raw();
        client
            .execute("DELETE FROM audit_head", &[])
            .expect("delete the head");
        if let Some(head) = head {
            client
                .execute(
                    "INSERT INTO audit_head (id, sequence, hash) VALUES (1, $1, $2)",
                    &[&(head.sequence as i64), &head.hash.as_bytes().as_slice()],
                )
                .expect("write the head");
        }
    }
}

store::audit_conformance_tests!(fresh_postgres_fixture());

store::audit_tamper_tests!(fresh_postgres_fixture());

#[test]
fn audit_append_survives_kill() {
    store::conformance_audit::append_survives_kill(
        "audit_tamper::audit_append_survives_kill",
        || (pg_throwaway::fresh_database_url(), ()),
        &|url| Box::new(PostgresStore::open(url).expect("open store")) as Box<dyn Store>,
    );
}
