-- fer-sync on PostgreSQL: the schema of the SQLite store (see the SQLite migrations for what each
-- column means), in the `fer_sync` schema of the MIS's own database, plus the leases that let
-- several engine instances share it.
--
-- One row per record the MIS handed over: what it wants on the Vitrina (desired) and what the
-- Vitrina holds as far as the engine knows (sent). A row is pending while the two differ.
CREATE TABLE fer_sync.record (
    tbl              TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    org              TEXT,
    mo               TEXT,
    route_tbl        TEXT,
    route_id         TEXT,
    parents          TEXT    NOT NULL DEFAULT '',
    desired          TEXT,
    desired_hash     BIGINT,
    sent_hash        BIGINT,
    pending          BOOLEAN NOT NULL DEFAULT false,
    pending_since_ms BIGINT,
    changed_ms       BIGINT  NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_try_ms      BIGINT  NOT NULL DEFAULT 0,
    parked           BOOLEAN NOT NULL DEFAULT false,
    last_code        TEXT,
    last_message     TEXT,
    resource         TEXT,
    day              TEXT,
    -- The partition: the subdivision (mo.id), '' while the record is not routed to one.
    part             TEXT    GENERATED ALWAYS AS (COALESCE(mo, '')) STORED,
    PRIMARY KEY (id, tbl)
);

CREATE INDEX record_pending ON fer_sync.record (org, pending_since_ms) WHERE pending;
CREATE INDEX record_scope ON fer_sync.record (mo, resource, day);
CREATE INDEX record_unrouted ON fer_sync.record (route_tbl, route_id)
    WHERE (org IS NULL OR mo IS NULL) AND route_tbl IS NOT NULL;
CREATE INDEX record_settled ON fer_sync.record (tbl)
    WHERE desired_hash IS NULL AND sent_hash IS NULL AND NOT pending;

-- The engine instances alive: each renews its row with its heartbeat (the database's clock).
CREATE TABLE fer_sync.instance (
    id         TEXT        PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);

-- One lease per partition. An instance pushes the records of a partition only while it holds
-- its lease (holder, expires_at in the future by the database's clock); the token grows by one at
-- every acquisition, and every acknowledgement checks it, so that an instance that lost a lease
-- cannot acknowledge anything of that partition afterwards.
CREATE TABLE fer_sync.lease (
    part        TEXT        PRIMARY KEY,
    holder      TEXT,
    token       BIGINT      NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
    acquired_at TIMESTAMPTZ
);
INSERT INTO fer_sync.lease (part) VALUES ('');
