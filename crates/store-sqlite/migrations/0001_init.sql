-- Batches, records and quarantine. Ids are 16-byte BLOBs, times are microseconds
-- since the Unix epoch (UTC), counts are INTEGER (u64 values stay below 2^63).

CREATE TABLE batches (
    -- Commit order: batches() and quarantined() list the oldest batch first.
    seq                INTEGER PRIMARY KEY,
    id                 BLOB NOT NULL UNIQUE,
    agency             TEXT NOT NULL,
    feed               TEXT NOT NULL,
    source_file        TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    started_at         INTEGER NOT NULL,
    committed_at       INTEGER NOT NULL,
    rows_read          INTEGER NOT NULL,
    rows_accepted      INTEGER NOT NULL,
    rows_quarantined   INTEGER NOT NULL,
    records_written    INTEGER NOT NULL,
    duplicates_skipped INTEGER NOT NULL
);

-- A rowid table with a unique index on id rather than WITHOUT ROWID: rows are
-- appended in ingest order and only the narrow id index takes random inserts
-- (WITHOUT ROWID measured 2.5 times slower on bulk ingest).
-- No foreign key to batches: the batch row lands at commit, in the same transaction.
CREATE TABLE records (
    id               BLOB NOT NULL UNIQUE,
    entity_key       BLOB NOT NULL,
    kind             TEXT NOT NULL,
    agency           TEXT NOT NULL,
    feed             TEXT NOT NULL,
    source_record_id TEXT NOT NULL,
    batch_id         BLOB NOT NULL,
    source_file      TEXT NOT NULL,
    line             INTEGER NOT NULL,
    reported_at      INTEGER NOT NULL,
    sensitivity      TEXT NOT NULL,
    -- Upper-case caveats joined with ',' (a caveat holds no comma).
    caveats          TEXT NOT NULL,
    data_class       TEXT NOT NULL,
    predicate        TEXT,
    -- ISO date.
    review_by        TEXT,
    -- JSON object: property -> array of values.
    properties       TEXT NOT NULL
);

-- No secondary index on records: each cost 15-20% of bulk-ingest throughput, and
-- nothing yet needs one to be fast. Filters by kind, agency, entity_key or batch_id
-- scan (in id order, through the id index); a later feature that queries by one of
-- them adds its index in its own migration. status() reads record_counts instead of
-- grouping records.

-- New records by kind and agency, maintained by the batch writer inside the batch's
-- transaction (added at commit from the batch's tallies), so it is always exact.
CREATE TABLE record_counts (
    kind    TEXT NOT NULL,
    agency  TEXT NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (kind, agency)
) WITHOUT ROWID;

CREATE TABLE quarantine (
    -- Write order, the tie-break between rows of one line.
    seq         INTEGER PRIMARY KEY,
    batch_id    BLOB NOT NULL,
    agency      TEXT NOT NULL,
    feed        TEXT NOT NULL,
    source_file TEXT NOT NULL,
    line        INTEGER NOT NULL,
    field       TEXT,
    reason      TEXT NOT NULL,
    raw         TEXT NOT NULL
);

CREATE INDEX quarantine_batch_line ON quarantine (batch_id, line, seq);
