-- Entity resolution state (store::resolution), as in the SQLite backend. The judgement
-- log is append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE (a reversal
-- is a new entry naming the one it withdraws). The assignment and the run pairs are
-- replaced whole by each run, in one transaction with its run row and redirects.
-- Record ids are `uuid` as in `records`.

CREATE TABLE resolution_judgements (
    id           bigint PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('same', 'different')),
    left_record  uuid NOT NULL,
    right_record uuid NOT NULL,
    decided_by   text NOT NULL,
    decided_at   timestamptz NOT NULL,
    reason       text NOT NULL CHECK (length(btrim(reason)) > 0),
    reverses     bigint UNIQUE REFERENCES resolution_judgements (id),
    CHECK (left_record <> right_record)
);

CREATE FUNCTION resolution_judgements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the judgement log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER resolution_judgements_append_only BEFORE UPDATE OR DELETE
    ON resolution_judgements
    FOR EACH ROW EXECUTE FUNCTION resolution_judgements_append_only();
CREATE TRIGGER resolution_judgements_no_truncate BEFORE TRUNCATE ON resolution_judgements
    FOR EACH STATEMENT EXECUTE FUNCTION resolution_judgements_append_only();

CREATE TABLE resolution_runs (
    id          bigint PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    threshold   double precision NOT NULL,
    model       text NOT NULL,
    counts      text NOT NULL
);

CREATE TABLE resolution_assignments (
    record_id uuid PRIMARY KEY,
    entity_id text NOT NULL,
    run_id    bigint NOT NULL REFERENCES resolution_runs (id)
);

CREATE INDEX resolution_assignments_entity ON resolution_assignments (entity_id);

CREATE TABLE resolution_redirects (
    from_entity   text PRIMARY KEY,
    to_entity     text NOT NULL,
    reason        text NOT NULL CHECK (reason IN ('merged', 'split')),
    run_id        bigint NOT NULL REFERENCES resolution_runs (id),
    redirected_at timestamptz NOT NULL
);

CREATE TABLE resolution_run_pairs (
    run_id       bigint NOT NULL REFERENCES resolution_runs (id),
    role         text NOT NULL CHECK (role IN ('link', 'judged', 'review')),
    rank         bigint NOT NULL,
    left_record  uuid NOT NULL,
    right_record uuid NOT NULL,
    weight       double precision,
    probability  double precision,
    evidence     text NOT NULL,
    PRIMARY KEY (role, rank)
);
