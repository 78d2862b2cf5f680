-- Entity resolution state (store::resolution). The judgement log is append-only: the
-- triggers below refuse UPDATE and DELETE (a reversal is a new entry naming the one it
-- withdraws). The assignment and the run pairs are replaced whole by each run, in one
-- transaction with its run row and redirects; runs and redirects are only added.
-- Record ids are 16-byte BLOBs as in `records`; times microseconds since the epoch (UTC).

CREATE TABLE resolution_judgements (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('same', 'different')),
    left_record  BLOB NOT NULL,
    right_record BLOB NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    reverses     INTEGER UNIQUE REFERENCES resolution_judgements (id),
    CHECK (left_record <> right_record)
);

CREATE TRIGGER resolution_judgements_no_update BEFORE UPDATE ON resolution_judgements
BEGIN
    SELECT RAISE(ABORT, 'the judgement log is append-only');
END;

CREATE TRIGGER resolution_judgements_no_delete BEFORE DELETE ON resolution_judgements
BEGIN
    SELECT RAISE(ABORT, 'the judgement log is append-only');
END;

CREATE TABLE resolution_runs (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    threshold   REAL NOT NULL,
    model       TEXT NOT NULL,
    counts      TEXT NOT NULL
);

CREATE TABLE resolution_assignments (
    record_id BLOB PRIMARY KEY,
    entity_id TEXT NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES resolution_runs (id)
) WITHOUT ROWID;

-- `explain --entity`: the records of one entity.
CREATE INDEX resolution_assignments_entity ON resolution_assignments (entity_id);

CREATE TABLE resolution_redirects (
    from_entity   TEXT PRIMARY KEY,
    to_entity     TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (reason IN ('merged', 'split')),
    run_id        INTEGER NOT NULL REFERENCES resolution_runs (id),
    redirected_at INTEGER NOT NULL
);

CREATE TABLE resolution_run_pairs (
    run_id       INTEGER NOT NULL REFERENCES resolution_runs (id),
    role         TEXT NOT NULL CHECK (role IN ('link', 'judged', 'review')),
    rank         INTEGER NOT NULL,
    left_record  BLOB NOT NULL,
    right_record BLOB NOT NULL,
    weight       REAL,
    probability  REAL,
    evidence     TEXT NOT NULL,
    PRIMARY KEY (role, rank)
);
