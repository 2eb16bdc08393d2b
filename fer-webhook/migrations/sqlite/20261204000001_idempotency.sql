-- fer-webhook's idempotency store (SqliteStore). Versions are dates so that a database also
-- migrated by another fer-rs crate cannot clash with them.

-- A confirmed booking by its key (the text form of BookingKey); the confirmation as JSON.
CREATE TABLE fer_webhook_bookings (
    key          TEXT PRIMARY KEY NOT NULL,
    book_ext_id  TEXT NOT NULL,
    confirmation TEXT NOT NULL
) STRICT;
CREATE INDEX fer_webhook_bookings_by_book_ext_id ON fer_webhook_bookings (book_ext_id);

-- A cancelled booking (through the webhook or recorded by the MIS); a booking whose
-- book_ext_id is here is cancelled.
CREATE TABLE fer_webhook_cancels (
    book_ext_id  TEXT PRIMARY KEY NOT NULL,
    confirmation TEXT NOT NULL
) STRICT;

-- Who calls the vendor's handler for a key now, until when (Unix milliseconds).
CREATE TABLE fer_webhook_claims (
    key        TEXT PRIMARY KEY NOT NULL,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
