-- The hash-chained audit log (store::audit). Append-only: the triggers below refuse
-- UPDATE and DELETE. They stop the product and honest mistakes, not the owner of the
-- file, who can drop them; `interdict audit verify` (with an external anchor) is the
-- real check. Times are microseconds since the Unix epoch (UTC); hashes 32-byte BLOBs.

CREATE TABLE audit_log (
    sequence      INTEGER PRIMARY KEY,
    recorded_at   INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    actor_agency  TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    case_number   TEXT,
    source        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    previous_hash BLOB NOT NULL,
    hash          BLOB NOT NULL
);

-- `interdict audit log --actor U` and an auditor's "what did this user do".
CREATE INDEX audit_log_actor ON audit_log (actor, sequence);

-- The newest entry's sequence and hash, moved in the same transaction as each append:
-- deleting the newest entries leaves the head pointing past the end.
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL,
    hash     BLOB NOT NULL
);

INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit head cannot be removed');
END;

-- The head only ever moves one entry forward.
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.sequence <> OLD.sequence + 1 OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'the audit head only moves forward by one entry');
END;
