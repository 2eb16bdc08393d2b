//! The async client of the FER 2.0 data showcase «Витрина данных "Запись к врачу"»: what a medical
//! information system (MIS) uses to push its subdivisions, resources, schedules and bookings.
//!
//! Section names refer to the Vitrina integration profile (see [`fer_model::spec::profile`]): the
//! services in section 5, authorisation in section 6, webhook registration in section 10, the
//! envelope in Appendix 2.
//!
//! * **One request path.** Every call gets a token, is gzipped (section 5, «Дополнение»; at level 1,
//!   see [`VitrinaClientBuilder::gzip`]), retried with backoff on 500/503 and transport errors,
//!   decoded from the envelope and traced with one span (method, path, record count, status,
//!   attempts, duration). See [`VitrinaClient`].
//! * **Auth.** The token of `/auth.svc` is cached, refreshed before `ValidTo` and once after a 401;
//!   concurrent callers share one refresh.
//! * **Uploads that account for every record.** [`VitrinaClient::upsert`] validates with
//!   `fer-validate`, splits into batches of [`DEFAULT_BATCH_SIZE`], sends [`DEFAULT_CONCURRENCY`] at
//!   once and answers an [`UploadReport`] with one [`Outcome`] per input id, partial 422 answers
//!   merged. [`VitrinaClient::upload_dataset`] sends all eight tables in load order and skips the
//!   children of a rejected parent.
//! * **Typed calls** for `get`/`delete` of every table (also through thin handles such as
//!   [`VitrinaClient::slots`]), the list calls and the webhook registration.
//! * **The regional portal API** (feature `portal`; the methods of [`fer_model::spec::portal`]):
//!   `portal::PortalClient`, with the session polling of the old ticket API bounded in time.
//! * **Typed errors** ([`Error`]); no password, token or patient data in `Debug`, `Display` or logs.
//!
//! ```no_run
//! # async fn run() -> Result<(), fer_client::Error> {
//! use fer_client::{OutcomeKind, VitrinaClient};
//! use fer_validate::Dataset;
//!
//! let client = VitrinaClient::builder()
//!     .base_url("http://10.86.6.237:2100")
//!     .credentials("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "secret")
//!     .build()?;
//! let dataset = Dataset::default(); // your subdivisions, resources, slots, …
//! let report = client.upload_dataset(&dataset).await?;
//! println!("{report:#}");
//! assert_eq!(report.count(OutcomeKind::Failed), 0);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod callbacks;
mod client;
mod codec;
mod config;
mod dataset;
mod error;
mod handles;
mod lists;
#[cfg(feature = "portal")]
#[cfg_attr(docsrs, doc(cfg(feature = "portal")))]
pub mod portal;
mod transport;
mod upload;

pub use callbacks::CallbackCheck;
pub use client::VitrinaClient;
pub use codec::{decode_list_body, encode_body};
pub use config::{
    ClientConfig, DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, DEFAULT_REFRESH_MARGIN, Preflight, ProgressHook,
    UploadProgress, VitrinaClientBuilder,
};
pub use dataset::{DatasetReport, DatasetUpload};
pub use error::{Error, UrlError, error_chain};
pub use handles::TableHandle;
pub use transport::retry::RetryPolicy;
pub use upload::{Outcome, OutcomeKind, SkipReason, UploadReport};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
