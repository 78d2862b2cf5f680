-- Deconfliction (store::operations): registered planned operations and the
-- notifications sent about conflicts between them. Both tables are append-only: the
-- triggers below refuse UPDATE and DELETE. Times are microseconds since the epoch (UTC);
-- targets are a JSON array of references; reasons a JSON array without target
-- identities.

CREATE TABLE operations (
    id            INTEGER PRIMARY KEY,
    agency        TEXT NOT NULL CHECK (length(trim(agency)) > 0),
    label         TEXT NOT NULL,
    source        TEXT UNIQUE,
    contact_name  TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    latitude      REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude     REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    radius_m      REAL NOT NULL CHECK (radius_m > 0),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    targets       TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE TABLE operation_notifications (
    id              INTEGER PRIMARY KEY,
    notified_at     INTEGER NOT NULL,
    operation       INTEGER NOT NULL REFERENCES operations (id),
    operation_agency TEXT NOT NULL,
    other_operation INTEGER NOT NULL REFERENCES operations (id),
    other_agency    TEXT NOT NULL,
    reasons         TEXT NOT NULL,
    CHECK (operation <> other_operation)
);

CREATE TRIGGER operations_no_update BEFORE UPDATE ON operations
BEGIN
    SELECT RAISE(ABORT, 'registered operations are append-only');
END;

CREATE TRIGGER operations_no_delete BEFORE DELETE ON operations
BEGIN
    SELECT RAISE(ABORT, 'registered operations are append-only');
END;

CREATE TRIGGER operation_notifications_no_update BEFORE UPDATE ON operation_notifications
BEGIN
    SELECT RAISE(ABORT, 'notifications are append-only');
END;

CREATE TRIGGER operation_notifications_no_delete BEFORE DELETE ON operation_notifications
BEGIN
    SELECT RAISE(ABORT, 'notifications are append-only');
END;
