-- Batches, records and quarantine: the same tables as the SQLite backend in
-- PostgreSQL's dialect. Ids are uuid: 16 bytes like bytea, but fixed-length and
-- compared with one memcmp (so still bytewise, like Rust), which makes the
-- primary-key B-tree, the bulk path's main cost, cheaper than with varlena bytea.

CREATE TABLE batches (
    -- Commit order: batches() and quarantined() list the oldest batch first.
    seq                bigserial PRIMARY KEY,
    id                 uuid NOT NULL UNIQUE,
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
    id               uuid PRIMARY KEY,
    entity_key       uuid NOT NULL,
    kind             text NOT NULL,
    agency           text NOT NULL,
    feed             text NOT NULL,
    source_record_id text NOT NULL,
    batch_id         uuid NOT NULL,
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

-- The primary key is the only index on records: every index is B-tree work for each
-- of millions of bulk-loaded rows, and the bulk path is bound by it. Queries by
-- entity key or batch scan for now; the feature that needs one of them fast adds its
-- index in its own migration. Counts by kind and agency come from record_counts.

-- Records by kind and agency, kept by each batch's transaction from the tally of the
-- rows it inserted, so status() needs neither a (kind, agency) index nor a scan.
CREATE TABLE record_counts (
    kind    text NOT NULL,
    agency  text NOT NULL,
    records bigint NOT NULL,
    PRIMARY KEY (kind, agency)
);

CREATE TABLE quarantine (
    -- Write order, the tie-break between rows of one line.
    seq         bigserial PRIMARY KEY,
    batch_id    uuid NOT NULL,
    agency      text NOT NULL,
    feed        text NOT NULL,
    source_file text NOT NULL,
    line        bigint NOT NULL,
    field       text,
    reason      text NOT NULL,
    raw         text NOT NULL
);

CREATE INDEX quarantine_batch_line ON quarantine (batch_id, line, seq);
