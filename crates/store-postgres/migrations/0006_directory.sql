-- The directory (store::directory), as in the SQLite backend: agencies, accounts,
-- cases and members, sharing agreements, log-on attempts, sessions, API tokens and
-- Part 23 validations. Log-on attempts and validations are append-only (UPDATE,
-- DELETE and TRUNCATE refused); accounts are never deleted. Secrets are kept only as
-- hashes. Roles, caveats, data classes and token scopes are JSON arrays as text.

CREATE TABLE agencies (
    id      text PRIMARY KEY CHECK (length(btrim(id)) > 0),
    name    text NOT NULL,
    contact text NOT NULL
);

CREATE TABLE users (
    id            text PRIMARY KEY CHECK (length(btrim(id)) > 0),
    agency        text NOT NULL,
    display_name  text NOT NULL,
    roles         text NOT NULL,
    clearance     text NOT NULL,
    caveats       text NOT NULL,
    password_hash text NOT NULL,
    totp_secret   text,
    locked_at     timestamptz,
    -- The latest unlock: failed log-ons at or before it no longer count.
    unlocked_at   timestamptz,
    disabled      boolean NOT NULL,
    created_at    timestamptz NOT NULL
);

-- The rule broken is the trigger's argument.
CREATE FUNCTION directory_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% (% on %)', TG_ARGV[0], TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION directory_refuse('accounts are never deleted, only disabled');
CREATE TRIGGER users_no_truncate BEFORE TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION directory_refuse('accounts are never deleted, only disabled');

CREATE TABLE cases (
    id         text PRIMARY KEY CHECK (length(btrim(id)) > 0),
    agency     text NOT NULL,
    title      text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE case_members (
    case_id text NOT NULL REFERENCES cases (id),
    user_id text NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE agreements (
    from_agency     text NOT NULL,
    to_agency       text NOT NULL,
    data_classes    text NOT NULL,
    max_sensitivity text NOT NULL,
    PRIMARY KEY (from_agency, to_agency)
);

CREATE TABLE logon_attempts (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   text NOT NULL,
    at        timestamptz NOT NULL,
    succeeded boolean NOT NULL,
    source    text NOT NULL
);

CREATE INDEX logon_attempts_by_user ON logon_attempts (user_id, at);

CREATE TRIGGER logon_attempts_append_only BEFORE UPDATE OR DELETE ON logon_attempts
    FOR EACH ROW EXECUTE FUNCTION directory_refuse('log-on attempts are append-only');
CREATE TRIGGER logon_attempts_no_truncate BEFORE TRUNCATE ON logon_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION directory_refuse('log-on attempts are append-only');

CREATE TABLE sessions (
    id_hash       text PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    second_factor boolean NOT NULL,
    source        text NOT NULL,
    ended_at      timestamptz
);

CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id          text PRIMARY KEY,
    secret_hash text NOT NULL UNIQUE,
    user_id     text NOT NULL REFERENCES users (id),
    scopes      text NOT NULL,
    label       text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz
);

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- No foreign key to records: a purge removes the record and keeps its validations.
CREATE TABLE validations (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id uuid NOT NULL,
    decision  text NOT NULL CHECK (decision IN ('validated', 'rejected')),
    by_user   text NOT NULL CHECK (length(btrim(by_user)) > 0),
    at        timestamptz NOT NULL,
    note      text NOT NULL
);

CREATE TRIGGER validations_append_only BEFORE UPDATE OR DELETE ON validations
    FOR EACH ROW EXECUTE FUNCTION directory_refuse('validations are append-only');
CREATE TRIGGER validations_no_truncate BEFORE TRUNCATE ON validations
    FOR EACH STATEMENT EXECUTE FUNCTION directory_refuse('validations are append-only');
