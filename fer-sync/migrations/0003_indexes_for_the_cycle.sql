-- What every cycle runs must not scan the whole table (a million-slot region is a million rows):
-- the rows still to route (their parent arrived after them) and the deleted rows that are settled
-- each get a partial index, so that routing and forgetting cost what there is to do.
CREATE INDEX fer_sync_record_unrouted ON fer_sync_record (route_tbl, route_id)
    WHERE (org IS NULL OR mo IS NULL) AND route_tbl IS NOT NULL;
CREATE INDEX fer_sync_record_settled ON fer_sync_record (tbl)
    WHERE desired_hash IS NULL AND sent_hash IS NULL AND pending = 0;
