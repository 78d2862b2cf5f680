-- The directory (store::directory): agencies, accounts, cases and members, sharing
-- agreements, log-on attempts, sessions, API tokens and Part 23 validations.
-- Log-on attempts and validations are append-only: the triggers below refuse UPDATE
-- and DELETE. Secrets are kept only as hashes (password PHC strings, session and
-- token hashes). Times are microseconds since the epoch (UTC); roles, caveats,
-- members' data classes and token scopes are JSON arrays of strings.

CREATE TABLE agencies (
    id      TEXT PRIMARY KEY CHECK (length(trim(id)) > 0),
    name    TEXT NOT NULL,
    contact TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id            TEXT PRIMARY KEY CHECK (length(trim(id)) > 0),
    agency        TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    roles         TEXT NOT NULL,
    clearance     TEXT NOT NULL,
    caveats       TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    locked_at     INTEGER,
    -- The latest unlock: failed log-ons at or before it no longer count.
    unlocked_at   INTEGER,
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN
    SELECT RAISE(ABORT, 'accounts are never deleted, only disabled');
END;

CREATE TABLE cases (
    id         TEXT PRIMARY KEY CHECK (length(trim(id)) > 0),
    agency     TEXT NOT NULL,
    title      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE case_members (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
) WITHOUT ROWID;

CREATE TABLE agreements (
    from_agency     TEXT NOT NULL,
    to_agency       TEXT NOT NULL,
    data_classes    TEXT NOT NULL,
    max_sensitivity TEXT NOT NULL,
    PRIMARY KEY (from_agency, to_agency)
) WITHOUT ROWID;

CREATE TABLE logon_attempts (
    seq       INTEGER PRIMARY KEY,
    user_id   TEXT NOT NULL,
    at        INTEGER NOT NULL,
    succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    source    TEXT NOT NULL
);

CREATE INDEX logon_attempts_by_user ON logon_attempts (user_id, at);

CREATE TRIGGER logon_attempts_no_update BEFORE UPDATE ON logon_attempts
BEGIN
    SELECT RAISE(ABORT, 'log-on attempts are append-only');
END;

CREATE TRIGGER logon_attempts_no_delete BEFORE DELETE ON logon_attempts
BEGIN
    SELECT RAISE(ABORT, 'log-on attempts are append-only');
END;

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    second_factor INTEGER NOT NULL CHECK (second_factor IN (0, 1)),
    source        TEXT NOT NULL,
    ended_at      INTEGER
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    scopes      TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
) WITHOUT ROWID;

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- No foreign key to records: a purge removes the record and keeps its validations.
CREATE TABLE validations (
    seq       INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL,
    decision  TEXT NOT NULL CHECK (decision IN ('validated', 'rejected')),
    by_user   TEXT NOT NULL CHECK (length(trim(by_user)) > 0),
    at        INTEGER NOT NULL,
    note      TEXT NOT NULL
);

CREATE TRIGGER validations_no_update BEFORE UPDATE ON validations
BEGIN
    SELECT RAISE(ABORT, 'validations are append-only');
END;

CREATE TRIGGER validations_no_delete BEFORE DELETE ON validations
BEGIN
    SELECT RAISE(ABORT, 'validations are append-only');
END;
