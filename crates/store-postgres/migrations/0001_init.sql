-- Batches, records and quarantine: the same tables as the SQLite backend in
-- PostgreSQL's dialect. Ids are 16-byte bytea (compared bytewise, like Rust).

CREATE TABLE batches (
    -- Commit order: batches() and quarantined() list the oldest batch first.
    seq                bigserial PRIMARY KEY,
    id                 bytea NOT NULL UNIQUE,
    agency             text NOT NULL,
    feed               text NOT NULL,
    source_file        text NOT NULL,
    content_hash       text NOT NULL,
    started_at         timestamptz NOT NULL,
    committed_at       timestamptz NOT NULL,
    rows_read          bigint NOT NULL,
    rows_accepted      bigint NOT NULL,
    rows_quarantined   bigint NOT NULL,
    records_written    bigint NOT NULL,
    duplicates_skipped bigint NOT NULL
);

-- No foreign key to batches: the batch row lands at commit, in the same transaction.
CREATE TABLE records (
    id               bytea PRIMARY KEY,
    entity_key       bytea NOT NULL,
    kind             text NOT NULL,
    agency           text NOT NULL,
    feed             text NOT NULL,
    source_record_id text NOT NULL,
    batch_id         bytea NOT NULL,
    source_file      text NOT NULL,
    line             bigint NOT NULL,
    reported_at      timestamptz NOT NULL,
    sensitivity      text NOT NULL,
    -- Upper-case caveats joined with ',' (a caveat holds no comma).
    caveats          text NOT NULL,
    data_class       text NOT NULL,
    predicate        text,
    review_by        date,
    -- JSON object: property -> array of values. text, not jsonb: parsing jsonb cost a
    -- third of the bulk path's server time, and properties are read back whole. A
    -- later migration can add a jsonb expression index when a query needs one.
    properties       text NOT NULL
);

CREATE INDEX records_entity_key ON records (entity_key);
CREATE INDEX records_kind_agency ON records (kind, agency);
CREATE INDEX records_batch_id ON records (batch_id);

CREATE TABLE quarantine (
    -- Write order, the tie-break between rows of one line.
    seq         bigserial PRIMARY KEY,
    batch_id    bytea NOT NULL,
    agency      text NOT NULL,
    feed        text NOT NULL,
    source_file text NOT NULL,
    line        bigint NOT NULL,
    field       text,
    reason      text NOT NULL,
    raw         text NOT NULL
);

CREATE INDEX quarantine_batch_line ON quarantine (batch_id, line, seq);
