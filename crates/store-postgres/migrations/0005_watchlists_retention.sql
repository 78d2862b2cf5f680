-- Watchlists (store::watchlists) and retention (store::retention), as in the SQLite
-- backend. Watches are never deleted: a removal sets removed_at and removed_by once,
-- and the triggers refuse any other change. Alerts and tombstones are append-only
-- (UPDATE, DELETE and TRUNCATE refused); alerts hold no record content.

CREATE TABLE watches (
    id          bigint PRIMARY KEY,
    created_at  timestamptz NOT NULL,
    agency      text NOT NULL CHECK (length(btrim(agency)) > 0),
    user_id     text NOT NULL CHECK (length(btrim(user_id)) > 0),
    target      text NOT NULL,
    reference   text NOT NULL,
    reason      text NOT NULL CHECK (length(btrim(reason)) > 0),
    case_number text,
    watcher     text NOT NULL,
    removed_at  timestamptz,
    removed_by  text
);

CREATE FUNCTION watches_removed_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL
       OR (NEW.id, NEW.created_at, NEW.agency, NEW.user_id, NEW.target, NEW.reference,
           NEW.reason, NEW.case_number, NEW.watcher)
          IS DISTINCT FROM
          (OLD.id, OLD.created_at, OLD.agency, OLD.user_id, OLD.target, OLD.reference,
           OLD.reason, OLD.case_number, OLD.watcher) THEN
        RAISE EXCEPTION 'a watch is only ever marked removed, once (% on %)', TG_OP, TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER watches_removed_once BEFORE UPDATE OR DELETE ON watches
    FOR EACH ROW EXECUTE FUNCTION watches_removed_once();
CREATE TRIGGER watches_no_truncate BEFORE TRUNCATE ON watches
    FOR EACH STATEMENT EXECUTE FUNCTION watches_removed_once();

CREATE FUNCTION watchlists_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (%)', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TABLE watch_alerts (
    id              bigint PRIMARY KEY,
    alerted_at      timestamptz NOT NULL,
    watch_id        bigint NOT NULL REFERENCES watches (id),
    watcher_agency  text NOT NULL,
    watcher_user    text NOT NULL,
    record_id       uuid NOT NULL,
    record_agency   text NOT NULL,
    record_feed     text NOT NULL,
    record_kind     text NOT NULL,
    batch_id        uuid NOT NULL,
    disclosure      text NOT NULL CHECK (disclosure IN ('full', 'redacted', 'pointer')),
    redacted_fields text NOT NULL,
    contact         text,
    UNIQUE (watch_id, record_id)
);

CREATE TRIGGER watch_alerts_append_only BEFORE UPDATE OR DELETE ON watch_alerts
    FOR EACH ROW EXECUTE FUNCTION watchlists_append_only();
CREATE TRIGGER watch_alerts_no_truncate BEFORE TRUNCATE ON watch_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION watchlists_append_only();

CREATE TABLE watch_checked_batches (
    batch_id   uuid PRIMARY KEY,
    checked_at timestamptz NOT NULL
);

CREATE TABLE record_tombstones (
    seq        bigint PRIMARY KEY,
    record_id  uuid NOT NULL UNIQUE,
    entity_key uuid NOT NULL,
    agency     text NOT NULL,
    feed       text NOT NULL,
    kind       text NOT NULL,
    review_by  date,
    purged_at  timestamptz NOT NULL,
    purged_by  text NOT NULL CHECK (length(btrim(purged_by)) > 0),
    reason     text NOT NULL CHECK (length(btrim(reason)) > 0)
);

CREATE TRIGGER record_tombstones_append_only BEFORE UPDATE OR DELETE ON record_tombstones
    FOR EACH ROW EXECUTE FUNCTION watchlists_append_only();
CREATE TRIGGER record_tombstones_no_truncate BEFORE TRUNCATE ON record_tombstones
    FOR EACH STATEMENT EXECUTE FUNCTION watchlists_append_only();
