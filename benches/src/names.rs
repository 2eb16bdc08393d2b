//! The criterion group and function names, shared by the benches and [`crate::report`] so that the
//! report finds every figure and its baseline.

/// `codec` bench: a 100,000-slot upload body to gzipped JSON (throughput: bytes of JSON).
pub const ENCODE: &str = "encode 100k slots";
/// Ours: [`fer_client::encode_body`] with gzip, the client's default (level 1, `Compression::fast()`).
pub const ENCODE_OURS: &str = "fer-client encode_body";
/// Baseline: `serde_json::to_vec` then flate2's `GzEncoder` at the client's level (1), written by
/// hand: the same work, so the ratio is the cost of our encoding path.
pub const ENCODE_BY_HAND: &str = "by hand: to_vec + GzEncoder, level 1";
/// What a vendor writes without choosing a level: `to_vec` then `GzEncoder` at
/// `Compression::default()` (6).
pub const ENCODE_BY_HAND_DEFAULT: &str = "by hand: to_vec + GzEncoder, default level (6)";
/// Alternative: `serde_json::to_writer` straight into `GzEncoder` (default level), written by hand.
pub const ENCODE_BY_HAND_STREAMING: &str = "by hand: to_writer into GzEncoder, default level (6)";
/// The JSON alone ([`fer_client::encode_body`] without gzip).
pub const ENCODE_JSON_ONLY: &str = "fer-client encode_body, gzip off";

/// `codec` bench: gzip of the same JSON by backend and level (throughput: bytes of JSON).
pub const GZIP: &str = "gzip 100k-slot JSON";

/// `codec` bench: a 100,000-slot list answer to typed slots (throughput: slots).
pub const PARSE: &str = "parse 100k-slot answer";
/// Ours: [`fer_client::decode_list_body`].
pub const PARSE_OURS: &str = "fer-client decode_list_body";
/// Baseline: `serde_json::from_slice::<VitrinaResponse<Vec<Slot>>>`, typed in one pass.
pub const PARSE_BY_HAND: &str = "by hand: typed from_slice";
/// Alternative: `serde_json::from_slice::<Value>` (untyped).
pub const PARSE_UNTYPED: &str = "by hand: untyped Value";

/// `validate` bench: typed slots (throughput: slots).
pub const VALIDATE_TYPED: &str = "validate_batch";
/// The 1,000,000-slot run of [`VALIDATE_TYPED`].
pub const VALIDATE_TYPED_1M: &str = "1M typed slots";
/// `validate` bench: one raw body (throughput: slots).
pub const VALIDATE_RAW: &str = "validate_raw";
/// The 100,000-slot body of [`VALIDATE_RAW`].
pub const VALIDATE_RAW_100K: &str = "100k raw slots";

/// `schema` bench: one raw 100,000-slot body checked (throughput: slots).
pub const SCHEMA: &str = "check 100k raw slots";
/// Ours: `fer_validate::validate_raw`.
pub const SCHEMA_OURS: &str = "fer-validate validate_raw";
/// Baseline: the `jsonschema` crate on our exported slot schema, parse included.
pub const SCHEMA_JSONSCHEMA: &str = "jsonschema: parse + iter_errors";
/// The `jsonschema` crate on an already parsed `Value`.
pub const SCHEMA_JSONSCHEMA_PARSED: &str = "jsonschema: iter_errors on parsed Value";
/// The alternative of ours measured beside it: `fer_validate::validate_raw_tree`, the whole body
/// split by serde_json and each record read twice (the route before the record-by-record reader).
pub const SCHEMA_TREE: &str = "fer-validate validate_raw_tree (earlier route)";

/// `webhook` bench: one book call over loopback HTTP/1.1, keep-alive (throughput: calls).
pub const WEBHOOK_HTTP: &str = "book call over loopback HTTP";
/// Ours: `fer_webhook::serve`.
pub const WEBHOOK_OURS: &str = "fer-webhook serve";
/// Baseline: bare hyper answering the same bytes.
pub const WEBHOOK_BARE: &str = "bare hyper, same answer bytes";
/// Alternative: bare hyper with a hand-written serde handler.
pub const WEBHOOK_BY_HAND: &str = "bare hyper, hand-written serde handler";

/// `webhook_ab` bench: the same three servers as [`WEBHOOK_HTTP`], timed in interleaved rounds
/// (median time per call over the rounds; throughput: calls).
pub const WEBHOOK_AB: &str = "book call over loopback HTTP, interleaved rounds";

/// `webhook` bench: one book call in-process, no socket (throughput: calls).
pub const WEBHOOK_IN_PROCESS: &str = "book call in-process";
/// Ours: `WebhookService::handle`.
pub const WEBHOOK_HANDLE: &str = "fer-webhook handle";
/// Baseline: the hand-written serde handler called directly.
pub const WEBHOOK_HANDLE_BY_HAND: &str = "hand-written serde handler";

/// `upload` bench: 100,000 slots from the client to the emulator over loopback (throughput: slots).
pub const UPLOAD: &str = "upload 100k slots to the emulator";
/// Ours: `VitrinaClient::upsert` with default settings.
pub const UPLOAD_OURS: &str = "fer-client upsert, defaults";
/// The same without pre-flight validation.
pub const UPLOAD_NO_PREFLIGHT: &str = "fer-client upsert, preflight off";
