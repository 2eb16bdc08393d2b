-- The outbox: one row per record the MIS handed over, with what it wants on the Vitrina (desired)
-- and what the Vitrina holds as far as the engine knows (sent). A row is pending while the two
-- differ; it is what the push loop sends.
CREATE TABLE fer_sync_record (
    tbl              TEXT    NOT NULL,  -- the Vitrina table, e.g. 'slot'
    id               TEXT    NOT NULL,  -- the record's id (period_id for unaccessable_period)
    org              TEXT,              -- the organisation (MO OID) that writes it; NULL until routed
    mo               TEXT,              -- the subdivision (mo.id) it belongs to, for snapshot scopes
    route_tbl        TEXT,              -- the parent through which org and mo are found
    route_id         TEXT,
    parents          TEXT    NOT NULL DEFAULT '',  -- 'tbl:id' of every parent, comma-separated
    desired          TEXT,              -- the record as JSON; NULL: the MIS deleted it
    desired_hash     INTEGER,           -- XXH3 of desired; NULL with it
    sent_hash        INTEGER,           -- hash of what the Vitrina holds; NULL: absent; 0: unknown
    pending          INTEGER NOT NULL DEFAULT 0,   -- desired_hash IS NOT sent_hash
    pending_since_ms INTEGER,           -- when the oldest unsent change arrived (ms since epoch)
    changed_ms       INTEGER NOT NULL,  -- when the last change arrived
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_try_ms      INTEGER NOT NULL DEFAULT 0,
    parked           INTEGER NOT NULL DEFAULT 0,   -- refused: waits for the record to change
    last_code        TEXT,
    last_message     TEXT,
    -- Rows are hundreds of bytes (the JSON): a rowid table appends them, the key lives in a small
    -- index (WITHOUT ROWID would move whole rows on every page split of random GUID keys).
    UNIQUE (tbl, id)
);

-- What the push loop reads: pending rows per organisation, oldest change first.
CREATE INDEX fer_sync_record_pending ON fer_sync_record (org, pending_since_ms) WHERE pending = 1;
-- The scope of a subdivision snapshot.
CREATE INDEX fer_sync_record_mo ON fer_sync_record (mo, tbl);
