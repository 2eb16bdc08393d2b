-- fer-webhook's idempotency store (PostgresStore), in the schema fer_webhook (created before
-- the migrations run; sqlx's migration table lives there too). Versions are dates so that they
-- cannot clash with another fer-rs crate's.

-- A confirmed booking by its key (the text form of BookingKey); the confirmation as JSON text.
CREATE TABLE fer_webhook.bookings (
    key          text PRIMARY KEY,
    book_ext_id  text NOT NULL,
    confirmation text NOT NULL
);
CREATE INDEX bookings_by_book_ext_id ON fer_webhook.bookings (book_ext_id);

-- A cancelled booking (through the webhook or recorded by the MIS); a booking whose
-- book_ext_id is here is cancelled.
CREATE TABLE fer_webhook.cancels (
    book_ext_id  text PRIMARY KEY,
    confirmation text NOT NULL
);

-- Who calls the vendor's handler for a key now, until when (the database's clock).
CREATE TABLE fer_webhook.claims (
    key        text PRIMARY KEY,
    owner      text NOT NULL,
    expires_at timestamptz NOT NULL
);
