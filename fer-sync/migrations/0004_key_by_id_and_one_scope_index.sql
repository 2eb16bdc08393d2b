-- The outbox again, laid out for intake speed (a region's first snapshot writes a million rows):
-- * the key is (id, tbl): ids are random GUIDs, so the first column decides almost every
--   comparison, where (tbl, id) compared the equal table name first, every time;
-- * one index serves both snapshot scopes, (mo, resource, day): a subdivision is a prefix of it,
--   and a resource's schedule is found under the subdivision of the resource (a slot names the
--   subdivision of its resource, a rule of the Vitrina), where two indexes cost two inserts a row.
-- * no statement journal: SQLite copies every page a multi-row statement touches into one, so
--   that the statement alone can be undone if it aborts half-way, which a NOT NULL constraint on
--   a column the upsert sets could make it do (at a million rows, a third of the writer's time).
--   The key columns are only ever inserted and fail the statement rather than abort it
--   (`ON CONFLICT FAIL`: the intake's transaction is rolled back as a whole anyway); the columns
--   the upsert sets have defaults and no NOT NULL, as fer-sync always writes them.
-- SQLite cannot change a table's constraints in place: the table is copied.
CREATE TABLE fer_sync_record_v4 (
    tbl              TEXT    NOT NULL ON CONFLICT FAIL,
    id               TEXT    NOT NULL ON CONFLICT FAIL,
    org              TEXT,
    mo               TEXT,
    route_tbl        TEXT,
    route_id         TEXT,
    parents          TEXT    DEFAULT '',
    desired          TEXT,
    desired_hash     INTEGER,
    sent_hash        INTEGER,
    pending          INTEGER DEFAULT 0,
    pending_since_ms INTEGER,
    changed_ms       INTEGER,
    attempts         INTEGER DEFAULT 0,
    next_try_ms      INTEGER DEFAULT 0,
    parked           INTEGER DEFAULT 0,
    last_code        TEXT,
    last_message     TEXT,
    resource         TEXT,
    day              TEXT,
    UNIQUE (id, tbl)
);
INSERT INTO fer_sync_record_v4 (tbl, id, org, mo, route_tbl, route_id, parents, desired, desired_hash,
        sent_hash, pending, pending_since_ms, changed_ms, attempts, next_try_ms, parked, last_code,
        last_message, resource, day)
    SELECT tbl, id, org, mo, route_tbl, route_id, parents, desired, desired_hash, sent_hash, pending,
        pending_since_ms, changed_ms, attempts, next_try_ms, parked, last_code, last_message, resource, day
    FROM fer_sync_record ORDER BY rowid;
DROP TABLE fer_sync_record;
ALTER TABLE fer_sync_record_v4 RENAME TO fer_sync_record;

CREATE INDEX fer_sync_record_pending ON fer_sync_record (org, pending_since_ms) WHERE pending = 1;
CREATE INDEX fer_sync_record_scope ON fer_sync_record (mo, resource, day);
CREATE INDEX fer_sync_record_unrouted ON fer_sync_record (route_tbl, route_id)
    WHERE (org IS NULL OR mo IS NULL) AND route_tbl IS NOT NULL;
CREATE INDEX fer_sync_record_settled ON fer_sync_record (tbl)
    WHERE desired_hash IS NULL AND sent_hash IS NULL AND pending = 0;
