-- The schedule scope of a snapshot: the resource and day of a slot (by visit_time), of an
-- unavailability period (by beg_date) and of a book (its slot's). NULL for the other tables.
ALTER TABLE fer_sync_record ADD COLUMN resource TEXT;
ALTER TABLE fer_sync_record ADD COLUMN day TEXT;
CREATE INDEX fer_sync_record_schedule ON fer_sync_record (resource, day) WHERE resource IS NOT NULL;
