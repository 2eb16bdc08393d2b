//! The client's wire codec as public functions: the exact bytes an upsert sends and the exact
//! decoding of a list answer, for benchmarks and for vendors' own tools.
//!
//! [`VitrinaClient`](crate::VitrinaClient) goes through the same code: a request body is the
//! `{"data": [...]}` batch of Appendix 1 gzipped (section 5, «Дополнение»), an answer is the envelope
//! of Appendix 2 whose `result` holds the records.

use bytes::Bytes;
use fer_model::endpoint::{self, Method};
use fer_model::{BatchRef, Record};
use serde::de::DeserializeOwned;

use crate::client::decode_list;
use crate::error::Error;
use crate::transport::{self, ApiRequest};

/// The body of `POST /api/<table>` for `records`, as the client sends it: the `{"data": [...]}`
/// JSON, gzipped when `gzip` (the client's default, section 5).
///
/// ```
/// let slots: Vec<fer_model::Slot> = Vec::new();
/// let plain = fer_client::encode_body(&slots, false).unwrap();
/// assert_eq!(&plain[..], br#"{"data":[]}"#);
/// let packed = fer_client::encode_body(&slots, true).unwrap();
/// assert_eq!(&packed[..2], &[0x1f, 0x8b]);
/// ```
pub fn encode_body<T: Record>(records: &[T], gzip: bool) -> Result<Bytes, Error> {
    let request =
        ApiRequest::to(&endpoint::table(T::TABLE, Method::Post), &[]).json(&BatchRef::new(records), records.len())?;
    transport::encode_body(request.body.as_deref().unwrap_or_default(), gzip)
}

/// The records of a successful list answer (a plain, not gzipped, body of status 200), decoded as
/// the list calls decode it: the envelope of Appendix 2, then its `result` as an array of `T`
/// (`null` is empty). A refusal in the envelope is its typed [`Error`].
///
/// ```
/// let body = br#"{"result":[],"isSuccess":true,"error":null,"errors":null,"sendedGuids":[],"statusCode":200}"#;
/// let slots: Vec<fer_model::Slot> = fer_client::decode_list_body(bytes::Bytes::from_static(body)).unwrap();
/// assert!(slots.is_empty());
/// ```
pub fn decode_list_body<T: DeserializeOwned>(body: Bytes) -> Result<Vec<T>, Error> {
    decode_list(transport::decode_body(200, body)?.success()?.result)
}
