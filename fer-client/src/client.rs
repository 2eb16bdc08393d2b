//! [`VitrinaClient`]: the generic table calls `upsert`, `get` and `delete` (section 5, «Описание
//! подсистем»: `POST/GET/DELETE /api/<table>`), over the one request path of [`crate::transport`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use fer_model::endpoint::{self, Method};
use fer_model::{Guid, Record};
use fer_validate::Validate;
use serde::de::DeserializeOwned;

use crate::config::{ClientConfig, VitrinaClientBuilder};
use crate::error::{Error, excerpt};
use crate::transport::{ApiRequest, RawResult, Transport};
use crate::upload::{UploadReport, upload};

/// An async client of the FER 2.0 Vitrina: one connection pool, one token, shared by every clone.
///
/// Cloning is cheap (an `Arc`); clones share the pool and the token cache. `Debug` never shows the
/// password or the token.
///
/// ```no_run
/// # async fn run() -> Result<(), fer_client::Error> {
/// use fer_client::VitrinaClient;
/// use fer_model::{Guid, Slot};
///
/// let client = VitrinaClient::builder()
///     .base_url("http://127.0.0.1:2100")
///     .credentials("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "secret")
///     .build()?;
/// let slots: Vec<Slot> = Vec::new();
/// let report = client.upsert(&slots).await?;
/// println!("{report:#}");
/// let id: Guid = "3fa85f64-5717-4562-b3fc-2c963f66afa6".parse().unwrap();
/// let slot: Option<Slot> = client.get(&id).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct VitrinaClient {
    transport: Arc<Transport>,
}

impl fmt::Debug for VitrinaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VitrinaClient").field("config", self.config()).finish_non_exhaustive()
    }
}

impl VitrinaClient {
    /// Starts building a client.
    pub fn builder() -> VitrinaClientBuilder {
        VitrinaClientBuilder::default()
    }

    /// A client with the given settings (normally reached through [`VitrinaClient::builder`]).
    ///
    /// Fails with [`Error::Config`] when `batch_size`, `concurrency` or `retry.max_attempts` is 0.
    pub fn from_config(config: ClientConfig) -> Result<Self, Error> {
        config.check()?;
        Ok(VitrinaClient { transport: Arc::new(Transport::new(config)?) })
    }

    /// The settings in force.
    pub fn config(&self) -> &ClientConfig {
        self.transport.config()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Adds or updates records of one table (`POST /api/<table>` with `{"data": [...]}`).
    ///
    /// Records are checked first as the [`Preflight`](crate::Preflight) setting says, split into
    /// batches of `batch_size`, and sent `concurrency` at a time, gzipped unless turned off. The
    /// answer accounts for every input id (see [`UploadReport`]).
    ///
    /// The call itself fails when nothing was sent ([`Error::Validation`] in strict mode) or when
    /// nothing got through: every batch failed before the Vitrina judged its records (a refused
    /// password is [`Error::Auth`], an unreachable address [`Error::Transport`] or
    /// [`Error::Timeout`], maintenance outlasting the retries [`Error::Maintenance`], a server that
    /// is not the Vitrina [`Error::Decode`], …). As soon as one batch was judged, the call answers
    /// the report, and the batches that failed are [`Outcome::Failed`](crate::Outcome::Failed) in it.
    /// A 403 ([`Error::Forbidden`]: rows of another organisation) and a 405 ([`Error::Blocked`]) are
    /// about the records sent: they are per-record outcomes, never the error of the call.
    pub async fn upsert<T: Record + Validate>(&self, records: &[T]) -> Result<UploadReport, Error> {
        upload(&self.transport, records, self.config().preflight, HashMap::new()).await
    }

    /// Reads one record by id (`GET /api/<table>?id=`). `None` when the Vitrina does not have it
    /// (404 with the envelope; a 404 without it is [`Error::Decode`], see the list calls).
    pub async fn get<T: Record>(&self, id: &Guid) -> Result<Option<T>, Error> {
        let request = ApiRequest::to(&endpoint::table(T::TABLE, Method::Get), &[]).query("id", id.to_string());
        let reply = self.transport.execute(request).await?;
        if reply.not_found()? {
            return Ok(None);
        }
        let envelope = reply.success()?;
        match result_value(envelope.result)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            // Lenient: a list of one record is accepted as the record.
            Some(serde_json::Value::Array(mut items)) if items.len() <= 1 => {
                items.pop().map(|item| decode_result(item, "the record")).transpose()
            }
            Some(value) => decode_result(value, "the record").map(Some),
        }
    }

    /// Deletes one record by id (`DELETE /api/<table>?id=`). The Vitrina deletes its dependants too
    /// (section 3.1.5, see [`Table::cascades_to`](fer_model::Table::cascades_to)). Returns `false`
    /// when there was nothing to delete (404 with the envelope), so that a retried delete is
    /// harmless; a 404 without the envelope is [`Error::Decode`].
    pub async fn delete<T: Record>(&self, id: &Guid) -> Result<bool, Error> {
        let request = ApiRequest::to(&endpoint::table(T::TABLE, Method::Delete), &[]).query("id", id.to_string());
        let reply = self.transport.execute(request).await?;
        if reply.not_found()? {
            return Ok(false);
        }
        reply.success().map(|_| true)
    }
}

/// Decodes the `result` of an answer into `T`, with an excerpt of the value on failure.
pub(crate) fn decode_result<T: DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T, Error> {
    decode_item(value, || what.to_owned())
}

/// Decodes one value into `T` straight from the parsed JSON. The description of the value and its
/// excerpt (the value written back as text) are built only when decoding fails, so a list of
/// 100,000 records costs one typed pass, not a re-serialization of every record (BENCHMARKS.md).
fn decode_item<T: DeserializeOwned>(value: serde_json::Value, what: impl FnOnce() -> String) -> Result<T, Error> {
    T::deserialize(&value).map_err(|e| Error::Decode {
        status: 200,
        reason: format!("{} does not match the table: {e}", what()),
        excerpt: excerpt(value.to_string().as_bytes()),
    })
}

/// The raw `result` of an answer as a `serde_json::Value` (for the small answers that are read
/// by shape: one record, a webhook, a check).
pub(crate) fn result_value(raw: Option<RawResult>) -> Result<Option<serde_json::Value>, Error> {
    raw.map(|raw| {
        serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
            status: 200,
            reason: format!("the result is not JSON: {e}"),
            excerpt: excerpt(raw.get().as_bytes()),
        })
    })
    .transpose()
}

/// Decodes a list `result`: an array, `null` (empty) or, leniently, a single record.
///
/// The raw text is parsed once, straight into `Vec<T>`. Only when that fails is it read again
/// through `serde_json::Value`, record by record, so that the error names the first record that
/// does not match and shows it.
pub(crate) fn decode_list<T: DeserializeOwned>(raw: Option<RawResult>) -> Result<Vec<T>, Error> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let typed = match raw.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<T>>(raw.get()).ok(),
        Some(b'n') => serde_json::from_str::<()>(raw.get()).ok().map(|()| Vec::new()),
        _ => serde_json::from_str::<T>(raw.get()).ok().map(|one| vec![one]),
    };
    match typed {
        Some(records) => Ok(records),
        None => decode_list_value(result_value(Some(raw))?),
    }
}

/// [`decode_list`] over a parsed value, with the failing record named.
fn decode_list_value<T: DeserializeOwned>(value: Option<serde_json::Value>) -> Result<Vec<T>, Error> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| decode_item(item, || format!("item {i} of the list")))
            .collect(),
        Some(single) => decode_result(single, "the single item").map(|one| vec![one]),
    }
}

#[cfg(test)]
mod tests {
    use fer_model::Slot;
    use serde_json::json;

    use super::*;

    #[test]
    fn futures_are_send_so_they_can_be_spawned() {
        fn is_send<T: Send>(_: &T) {}
        let client = VitrinaClient::builder()
            .base_url("http://127.0.0.1:1")
            .credentials("1.2.643.5.1.13.13.12.2.77.7777".parse().unwrap(), "pw")
            .build()
            .unwrap();
        let slots: Vec<Slot> = Vec::new();
        let id = Guid::new_v4();
        let dataset = fer_validate::Dataset::default();
        is_send(&client.upsert(&slots));
        is_send(&client.get::<Slot>(&id));
        is_send(&client.delete::<Slot>(&id));
        is_send(&client.upload_dataset(&dataset));
        is_send(&client.books_by_slot(&id));
        is_send(&client.check_callback("http://127.0.0.1:2"));
    }

    /// The raw `result` of an answer holding `value`.
    fn raw(value: serde_json::Value) -> Option<RawResult> {
        Some(serde_json::value::to_raw_value(&value).unwrap())
    }

    #[test]
    fn lists_decode_leniently_and_fail_with_the_index() {
        assert!(decode_list::<Slot>(None).unwrap().is_empty());
        assert!(decode_list::<Slot>(raw(json!(null))).unwrap().is_empty());
        assert!(decode_list::<Slot>(raw(json!([]))).unwrap().is_empty());
        let batch = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/spec/004/slot_batch_duplicate_id.json"
        ))
        .unwrap();
        let data: serde_json::Value = serde_json::from_str(&batch).unwrap();
        let slots: Vec<Slot> = decode_list(raw(data["data"].clone())).unwrap();
        assert_eq!(slots.len(), 2);
        let one: Vec<Slot> = decode_list(raw(data["data"][0].clone())).unwrap();
        assert_eq!(one.len(), 1);
        let err = decode_list::<Slot>(raw(json!([data["data"][0].clone(), {"id": "x"}]))).unwrap_err();
        assert!(err.to_string().contains("item 1"), "{err}");
        match err {
            Error::Decode { excerpt, .. } => assert!(excerpt.contains("\"x\""), "{excerpt}"),
            other => panic!("not a decode error: {other:?}"),
        }
        let err = decode_list::<Slot>(raw(json!(7))).unwrap_err();
        assert!(err.to_string().contains("the single item"), "{err}");
    }

    #[test]
    fn the_typed_list_equals_the_record_by_record_decoding() {
        let slots = fer_sample::slots(50, 3);
        let value = serde_json::to_value(&slots).unwrap();
        let typed: Vec<Slot> = decode_list(raw(value.clone())).unwrap();
        let by_value: Vec<Slot> = decode_list_value(Some(value)).unwrap();
        assert_eq!(typed, slots);
        assert_eq!(by_value, slots);
    }
}
