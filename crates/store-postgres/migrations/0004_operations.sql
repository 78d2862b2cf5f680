-- Deconfliction (store::operations), as in the SQLite backend: registered planned
-- operations and the notifications sent about conflicts between them. Both are
-- append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE. Targets are a JSON
-- array of references (text, like record properties); reasons a JSON array without
-- target identities.

CREATE TABLE operations (
    id            bigint PRIMARY KEY,
    agency        text NOT NULL CHECK (length(btrim(agency)) > 0),
    label         text NOT NULL,
    source        text UNIQUE,
    contact_name  text NOT NULL,
    contact_phone text NOT NULL,
    latitude      double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude     double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    radius_m      double precision NOT NULL CHECK (radius_m > 0),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    targets       text NOT NULL,
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE TABLE operation_notifications (
    id               bigint PRIMARY KEY,
    notified_at      timestamptz NOT NULL,
    operation        bigint NOT NULL REFERENCES operations (id),
    operation_agency text NOT NULL,
    other_operation  bigint NOT NULL REFERENCES operations (id),
    other_agency     text NOT NULL,
    reasons          text NOT NULL,
    CHECK (operation <> other_operation)
);

CREATE FUNCTION operations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'deconfliction records are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER operations_append_only BEFORE UPDATE OR DELETE ON operations
    FOR EACH ROW EXECUTE FUNCTION operations_append_only();
CREATE TRIGGER operations_no_truncate BEFORE TRUNCATE ON operations
    FOR EACH STATEMENT EXECUTE FUNCTION operations_append_only();
CREATE TRIGGER operation_notifications_append_only BEFORE UPDATE OR DELETE
    ON operation_notifications
    FOR EACH ROW EXECUTE FUNCTION operations_append_only();
CREATE TRIGGER operation_notifications_no_truncate BEFORE TRUNCATE ON operation_notifications
    FOR EACH STATEMENT EXECUTE FUNCTION operations_append_only();
