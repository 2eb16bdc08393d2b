-- The transactional outbox of a MIS that lives in PostgreSQL: the MIS enqueues a change in its
-- own transaction, so that the change exists exactly when the MIS's commit does; the engine moves
-- committed changes into fer_sync.record (and deletes them here) in one transaction of its own.
CREATE TABLE fer_sync.outbox (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tbl         TEXT        NOT NULL,  -- the Vitrina table, e.g. 'slot'
    id          TEXT        NOT NULL,  -- the record's id
    record      JSON,                  -- the record as the Vitrina takes it; NULL: a delete
    enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Changes the engine could not take (an unknown table, an id that is not a GUID, a record that
-- does not read as its table's), with the reason: never lost, kept until the MIS changes the
-- record again (a later valid change of the same record removes its row here).
CREATE TABLE fer_sync.outbox_parked (
    tbl         TEXT        NOT NULL,
    id          TEXT        NOT NULL,
    seq         BIGINT      NOT NULL,
    record      JSON,
    code        TEXT        NOT NULL,  -- 'table', 'id' or the rule's code
    field       TEXT,                  -- the JSON pointer of the field at fault, if one is
    message     TEXT        NOT NULL,
    enqueued_at TIMESTAMPTZ NOT NULL,
    parked_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tbl, id)
);

-- Enqueues an upsert of `record` (NULL: a delete) of table `tbl` with id `id`, in the caller's
-- transaction, and wakes the engines (a notification is delivered at commit, and only then).
CREATE FUNCTION fer_sync.enqueue(tbl TEXT, id TEXT, record JSON) RETURNS VOID
LANGUAGE sql VOLATILE AS $$
    INSERT INTO fer_sync.outbox (tbl, id, record) VALUES (tbl, id, record);
    SELECT pg_notify('fer_sync_outbox', '');
$$;

-- Enqueues a delete of record `id` of table `tbl`.
CREATE FUNCTION fer_sync.enqueue_delete(tbl TEXT, id TEXT) RETURNS VOID
LANGUAGE sql VOLATILE AS $$
    SELECT fer_sync.enqueue(tbl, id, NULL);
$$;

-- An example trigger function for a MIS table that holds Vitrina records as they are sent: a
-- table with an `id` column and a JSON(B) `record` column (the record itself). Attach it with the
-- Vitrina table's name as the argument:
--     CREATE TRIGGER fer_sync AFTER INSERT OR UPDATE OR DELETE ON mis.slot_export
--         FOR EACH ROW EXECUTE FUNCTION fer_sync.enqueue_row('slot');
-- A MIS whose tables have another shape writes its own trigger (or calls fer_sync.enqueue where it
-- changes the data), building the record with json_build_object / row_to_json.
CREATE FUNCTION fer_sync.enqueue_row() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM fer_sync.enqueue(TG_ARGV[0], OLD.id::text, NULL);
        RETURN OLD;
    END IF;
    PERFORM fer_sync.enqueue(TG_ARGV[0], NEW.id::text, NEW.record::json);
    RETURN NEW;
END;
$$;

-- One drainer at a time (a row lock taken with SKIP LOCKED, released at commit).
CREATE TABLE fer_sync.outbox_drainer (one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one));
INSERT INTO fer_sync.outbox_drainer DEFAULT VALUES;
