-- Watchlists (store::watchlists) and retention (store::retention).
-- Watches are never deleted: a removal sets removed_at and removed_by once, and the
-- triggers refuse any other change. Alerts are append-only and hold no record
-- content. Tombstones keep what is left of a purged record: ids, agency, feed, kind,
-- review-by date, who, when and why. Times are microseconds since the epoch (UTC).

CREATE TABLE watches (
    id          INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    agency      TEXT NOT NULL CHECK (length(trim(agency)) > 0),
    user_id     TEXT NOT NULL CHECK (length(trim(user_id)) > 0),
    target      TEXT NOT NULL,
    reference   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    case_number TEXT,
    watcher     TEXT NOT NULL,
    removed_at  INTEGER,
    removed_by  TEXT
);

CREATE TRIGGER watches_no_delete BEFORE DELETE ON watches
BEGIN
    SELECT RAISE(ABORT, 'watches are never deleted, only removed');
END;

CREATE TRIGGER watches_removed_once BEFORE UPDATE ON watches
WHEN OLD.removed_at IS NOT NULL
  OR NEW.removed_at IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at
  OR NEW.agency IS NOT OLD.agency OR NEW.user_id IS NOT OLD.user_id
  OR NEW.target IS NOT OLD.target OR NEW.reference IS NOT OLD.reference
  OR NEW.reason IS NOT OLD.reason OR NEW.case_number IS NOT OLD.case_number
  OR NEW.watcher IS NOT OLD.watcher
BEGIN
    SELECT RAISE(ABORT, 'a watch is only ever marked removed, once');
END;

CREATE TABLE watch_alerts (
    id              INTEGER PRIMARY KEY,
    alerted_at      INTEGER NOT NULL,
    watch_id        INTEGER NOT NULL REFERENCES watches (id),
    watcher_agency  TEXT NOT NULL,
    watcher_user    TEXT NOT NULL,
    record_id       BLOB NOT NULL,
    record_agency   TEXT NOT NULL,
    record_feed     TEXT NOT NULL,
    record_kind     TEXT NOT NULL,
    batch_id        BLOB NOT NULL,
    disclosure      TEXT NOT NULL CHECK (disclosure IN ('full', 'redacted', 'pointer')),
    redacted_fields TEXT NOT NULL,
    contact         TEXT,
    UNIQUE (watch_id, record_id)
);

CREATE TRIGGER watch_alerts_no_update BEFORE UPDATE ON watch_alerts
BEGIN
    SELECT RAISE(ABORT, 'watch alerts are append-only');
END;

CREATE TRIGGER watch_alerts_no_delete BEFORE DELETE ON watch_alerts
BEGIN
    SELECT RAISE(ABORT, 'watch alerts are append-only');
END;

CREATE TABLE watch_checked_batches (
    batch_id   BLOB PRIMARY KEY,
    checked_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE record_tombstones (
    seq        INTEGER PRIMARY KEY,
    record_id  BLOB NOT NULL UNIQUE,
    entity_key BLOB NOT NULL,
    agency     TEXT NOT NULL,
    feed       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    -- ISO date, as in records.
    review_by  TEXT,
    purged_at  INTEGER NOT NULL,
    purged_by  TEXT NOT NULL CHECK (length(trim(purged_by)) > 0),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0)
);

CREATE TRIGGER record_tombstones_no_update BEFORE UPDATE ON record_tombstones
BEGIN
    SELECT RAISE(ABORT, 'tombstones are append-only');
END;

CREATE TRIGGER record_tombstones_no_delete BEFORE DELETE ON record_tombstones
BEGIN
    SELECT RAISE(ABORT, 'tombstones are append-only');
END;
