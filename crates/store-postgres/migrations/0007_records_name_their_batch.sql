-- A record names its batch by the batch's seq instead of repeating the batch's id,
-- agency, feed and source file: every record of a batch has the batch's (the batch
-- writer refuses any other), and the four took some 60 bytes of each record's row.
-- Readers join `batches` on seq.
--
-- The table is rebuilt rather than altered, so the rows lose the dropped columns' bytes
-- now and are laid out in id order, as the bulk path writes them.

CREATE TABLE records_by_batch (
    id               uuid PRIMARY KEY,
    entity_key       uuid NOT NULL,
    kind             text NOT NULL,
    -- batches.seq. The batch row lands at commit; the writer takes the seq from the
    -- sequence when the batch begins.
    batch            bigint NOT NULL,
    source_record_id text NOT NULL,
    line             bigint NOT NULL,
    reported_at      timestamptz NOT NULL,
    sensitivity      text NOT NULL,
    caveats          text NOT NULL,
    data_class       text NOT NULL,
    predicate        text,
    review_by        date,
    properties       text NOT NULL
);

INSERT INTO records_by_batch (id, entity_key, kind, batch, source_record_id, line,
    reported_at, sensitivity, caveats, data_class, predicate, review_by, properties)
SELECT r.id, r.entity_key, r.kind, b.seq, r.source_record_id, r.line, r.reported_at,
    r.sensitivity, r.caveats, r.data_class, r.predicate, r.review_by, r.properties
FROM records r JOIN batches b ON b.id = r.batch_id
ORDER BY r.id;

DROP TABLE records;

ALTER TABLE records_by_batch RENAME TO records;
ALTER INDEX records_by_batch_pkey RENAME TO records_pkey;
