//! Error codes the emulator writes into the envelope where the spec names none.
//!
//! The spec's own codes ([`ErrorCode::R310`](fer_model::ErrorCode::R310),
//! [`ErrorCode::R330`](fer_model::ErrorCode::R330)) are used for duplicates; a record refused by a
//! fer-validate rule carries that rule's code (`RuleCode::as_str`). Everything else carries one of
//! these, so that a client can tell the cases apart without parsing Russian text.

/// A record or body that is not valid for its table (400) and has no more precise rule code.
pub const FORMAT: &str = "FORMAT";
/// A book whose slot is not on the Vitrina with status RECORDED (400).
pub const SLOT_NOT_RECORDED: &str = "SLOT_NOT_RECORDED";
/// A record of a subdivision blocked by the Vitrina's support, `POST /sandbox/block` here (405).
pub const BLOCKED: &str = "BLOCKED";
/// A record of another organisation than the token's: «Нет полномочий на выполнение запроса» (403).
pub const FORBIDDEN: &str = "FORBIDDEN";
/// A book of a slot booked through the EPGU whose id is not the slot's `book_ext_id` (400).
pub const BOOK_EXT_ID: &str = "BOOK_EXT_ID";
/// No token, an unknown token or an expired token (401).
pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
/// Nothing with the given id, or an unknown address (404).
pub const NOT_FOUND: &str = "NOT_FOUND";
/// A method the address does not serve (405 from the router, not the blocked-subdivision 405).
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// A body over `body_limit`, or over `decompressed_limit` once gunzipped (413).
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
/// A `Content-Encoding` other than gzip or identity (415).
pub const UNSUPPORTED_ENCODING: &str = "UNSUPPORTED_ENCODING";
/// A `Content-Type` that is not JSON in UTF-8 (415): the profile has senders write
/// `application/json` («Дополнение», table 2); a missing `Content-Type` is accepted.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
/// The webhook at the registered address did not answer the probe with 200 (400).
pub const CALLBACK_UNREACHABLE: &str = "CALLBACK_UNREACHABLE";
/// Fault injection: «Выполняются технические работы» (503).
pub const UNAVAILABLE: &str = "UNAVAILABLE";
/// The emulator itself failed, e.g. it could not write its state file (500).
pub const INTERNAL: &str = "INTERNAL";
