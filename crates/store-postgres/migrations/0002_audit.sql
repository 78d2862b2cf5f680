-- The hash-chained audit log (store::audit), as in the SQLite backend. Append-only:
-- the triggers below refuse UPDATE, DELETE and TRUNCATE. The table owner or a
-- superuser can drop them (or the whole table); `interdict audit verify` with an
-- external anchor is the real check. In production, grant the application role only
-- INSERT and SELECT on audit_log and keep ownership with another role.

CREATE TABLE audit_log (
    sequence      bigint PRIMARY KEY,
    recorded_at   timestamptz NOT NULL,
    actor         text NOT NULL,
    actor_agency  text NOT NULL,
    action        text NOT NULL,
    target        text NOT NULL,
    reason        text NOT NULL,
    case_number   text,
    source        text NOT NULL,
    outcome       text NOT NULL,
    previous_hash bytea NOT NULL,
    hash          bytea NOT NULL
);

CREATE INDEX audit_log_actor ON audit_log (actor, sequence);

-- The newest entry's sequence and hash. Appends lock this row (SELECT ... FOR UPDATE),
-- which serialises them, and move it in the same transaction.
CREATE TABLE audit_head (
    id       smallint PRIMARY KEY CHECK (id = 1),
    sequence bigint NOT NULL,
    hash     bytea NOT NULL
);

INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The head only ever moves one entry forward.
CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sequence <> OLD.sequence + 1 OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'the audit head only moves forward by one entry';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
