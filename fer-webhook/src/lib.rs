//! The MIS side of FER 2.0 booking: the webhook the gateway calls (the Vitrina integration profile, section 7 «Сервис
//! бронирования и отмены записи на прием», and section 10 «Ответный сервис»).
//!
//! The gateway sends `POST /booking/book` and `POST /booking/cancel`, probes `GET /booking/book`
//! before registering the webhook, and waits at most 10 seconds for each answer, which must have the
//! spec's exact JSON structure. With this crate a vendor writes only the business logic, a
//! [`BookingHandler`]; the [`WebhookService`] does the rest:
//!
//! * routing of the three calls, 404 and 405 elsewhere;
//! * a source-address [`AllowList`] (403);
//! * body size limits, gzip bodies, and a limit on the decompressed size against gzip bombs (413);
//! * malformed JSON answered with 400 and a body naming the problem and its position;
//! * requests that are well-formed but invalid (missing field, wrong type, a rule of
//!   `fer-validate`) answered with status 18 and the reason: each problem's JSON pointer and rule
//!   (`/patient_data_rrp/snils [format]: …`), never the value sent;
//! * the handler run under a deadline (9 s by default) and a panic guard, on the request's own task
//!   (no spawn, no thread hop): too slow (the handler is dropped, i.e. cancelled) or panicking means
//!   status 18, and the server carries on;
//! * the answer JSON of fer-model ([`fer_model::BookingResponse`], [`fer_model::CancelResponse`]),
//!   with the spec's texts for every code.
//!
//! Helpers: [`check_age`] (code 14), [`Idempotent`] (repeated calls, over an
//! [`IdempotencyStore`]: [`MemoryStore`] for one process, `SqliteStore` (feature `sqlite`) and
//! `PostgresStore` (feature `postgres`) shared by several instances, with a claim so that a repeat
//! reaching two instances at once reaches the handler once: see
//! [«Several instances»](Idempotent#several-instances-the-claim)), [`AllowList`].
//! Adapters: `tower::Service` (feature `tower`), an axum `Router` ([`adapters::axum::router`],
//! feature `axum`), and [`serve`] on hyper (feature `server`). The pipeline is one function,
//! [`WebhookService::handle_body`], and every adapter calls it.
//!
//! Logs (`tracing`) carry the request id, the route, the answer code and the time taken; never
//! patient data. Metrics (feature `metrics`): `WebhookMetrics` counts calls by operation, answers
//! by HTTP status and `status_code`, deadline hits and the latency, in a Prometheus registry that
//! `fer_http::metrics::serve` exports on a loopback port of its own.
//!
//! # A vendor's handler
//!
//! ```
//! use async_trait::async_trait;
//! use fer_model::*;
//! use fer_webhook::*;
//!
//! /// One free adult slot; a real MIS asks its database.
//! struct Mis {
//!     slot: Guid,
//! }
//!
//! #[async_trait]
//! impl BookingHandler for Mis {
//!     async fn book(&self, request: BookingRequest, _ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
//!         if request.slot_id != self.slot {
//!             return Err(BookRejection::new(BookingRejectionCode::Other).with_message("Слот не найден"));
//!         }
//!         let visit_time = "2024-03-28T08:00:00+03:00".parse::<chrono::DateTime<chrono::FixedOffset>>().unwrap();
//!         check_age(AgeGroup::Adult, &request, visit_time.naive_local())?;
//!         Ok(BookingConfirmation {
//!             book_ext_id: Guid::new_v4(),
//!             slot_id: request.slot_id,
//!             visit_time,
//!             duration: DurationMinutes(20),
//!             details: BookingDetails::default(),
//!             message: None,
//!         })
//!     }
//!
//!     async fn cancel(&self, request: CancelRequest, _ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
//!         // A real MIS looks the booking up: the answer carries its slot, time and duration.
//!         let visit_time = MisTimeZone::MOSCOW.to_answer_time("2024-03-28T08:00:00".parse().unwrap());
//!         Ok(CancelConfirmation {
//!             book_ext_id: request.book_ext_id,
//!             slot_id: self.slot,
//!             visit_time,
//!             duration: DurationMinutes(20),
//!             details: BookingDetails::default(),
//!             message: None,
//!         })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/004/booking_request.json")).unwrap();
//! let mis = Mis { slot: "b10902d0-e331-11ed-8d9e-60123c4747d1".parse().unwrap() };
//! let service = WebhookService::new(Idempotent::in_memory(mis));
//!
//! let request = http::Request::post("/booking/book").body(bytes::Bytes::from(body)).unwrap();
//! let answer = service.handle(request).await;
//! assert_eq!(answer.status(), 200);
//! let json: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
//! assert_eq!(json["status"]["status_code"], 0);
//! assert_eq!(json["duration"], "20");
//! # }
//! ```
//!
//! # Decisions where the profile is loose
//!
//! * **Lenient requests** («Описание параметров в запросе» of the booking method): forms the
//!   profile does not forbid (a `patient_id` that is not a GUID, a `gender` other than "1"/"2",
//!   `preliminary_reservation: null`, blank or null patient data, merged ids that are not GUIDs)
//!   reach the handler; fer-validate's findings are in [`RequestContext::warnings`]. Status 18
//!   is left for what cannot be processed (no slot, an unknown `booking_type`, a wrong JSON
//!   type); a body that is not JSON answers 400.
//! * **Refusals** carry every key the answer's table («Описание параметров в ответе») marks
//!   mandatory: `slot_id` from the request (read even from a request that fails to parse, when
//!   its `slot_id` is a GUID), and `book_ext_id`, `visit_time`, `duration` as `null`: no booking
//!   exists to name.
//! * **Cancel answers** carry the table's fields (`book_ext_id`, `slot_id`, `visit_time`,
//!   `duration`, details) from the handler's [`fer_model::CancelConfirmation`]; a refusal carries
//!   them when known ([`CancelRejection::with_booking`]), else only `book_ext_id`, the shape of
//!   the method's examples.
//! * **A booking repeated after its cancel** (a late retry of the gateway; UC-1 «Забронировать
//!   слот для консультации» and UC-1.1 «Отменить запись через ЕПГУ при бронировании через ЕПГУ»):
//!   [`Idempotent`] refuses it with status 18 ([`REPEAT_AFTER_CANCEL`]), never books again and
//!   never replays the cancelled confirmation; the store keeps the key of a cancelled booking
//!   marked [`BookingRecord::Cancelled`]. Why, and what a cancel made outside the webhook needs
//!   ([`Idempotent::record_cancel`]): the docs of [`Idempotent`].
//!
//! Then serve it: `fer_webhook::serve(listener, service).await` (hyper), or mount
//! [`adapters::axum::router`] in an axum application and serve that with
//! [`adapters::axum::serve`], or the service itself in any tower stack.
//!
//! # Serving on the internet
//!
//! [`serve`], [`serve_with`] and [`adapters::axum::serve`] share one accept loop and one
//! [`ServeConfig`]: a header-read timeout (10 s), an idle timeout (60 s), a cap on concurrent
//! connections (512) at which a newcomer evicts the connection idle the longest (never one with a
//! request in flight), the [`AllowList`] applied right after `accept` (an unlisted peer is
//! disconnected before anything is read), HTTP/1.1 only unless HTTP/2 is chosen, and on shutdown
//! ([`shutdown_signal`]: SIGINT or SIGTERM) a drain of the calls in progress bounded by
//! [`ServeConfig::shutdown_grace`], after which remaining connections are dropped. Bind the
//! listener with [`bind`]: its listen backlog (4,096) holds a flood's connections while they are
//! accepted, where tokio's `TcpListener::bind` (1,024) lets the kernel drop the gateway's.
//!
//! ```no_run
//! # use fer_webhook::*;
//! # struct Mis;
//! # #[async_trait::async_trait]
//! # impl BookingHandler for Mis {
//! #     async fn book(&self, _: fer_model::BookingRequest, _: RequestContext) -> Result<fer_model::BookingConfirmation, BookRejection> {
//! #         Err(fer_model::BookingRejectionCode::SlotUnavailable.into())
//! #     }
//! #     async fn cancel(&self, _: fer_model::CancelRequest, _: RequestContext) -> Result<fer_model::CancelConfirmation, CancelRejection> { Err(CancelRejection::technical_error()) }
//! # }
//! # async fn run() -> std::io::Result<()> {
//! let listener = fer_webhook::bind("0.0.0.0:8080").await?;
//! fer_webhook::serve_with(listener, WebhookService::new(Mis), ServeConfig::default(), shutdown_signal()).await;
//! # Ok(()) }
//! ```
//!
//! So connections that never send a whole request, from any address, cannot keep the gateway's
//! call out: they only take each other's places, and the gateway's call, once its head has
//! arrived, is never evicted.
//!
//! They protect the process, not the host. A TCP-level filter is still needed in front of the
//! webhook (a firewall admitting only the gateway's addresses, or a reverse proxy): a SYN flood
//! never reaches the process, every connection the process accepts holds a file descriptor until
//! it is evicted or a timeout closes it, and a peer that keeps `max_connections` requests in
//! flight (whole heads, bodies sent slowly) makes newcomers wait in the listen backlog. Serving
//! behind a proxy, the allow-list sees the proxy's address: filter at the proxy.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod adapters;
mod age;
mod allow_list;
mod body;
mod checks;
mod config;
mod error;
#[cfg(feature = "forward")]
mod forward;
mod guard;
mod handler;
mod idempotency;
#[cfg(feature = "metrics")]
mod metrics;
mod service;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

pub use age::{age_group, check_age, slot_accepts};
pub use allow_list::{AllowList, AllowListError, IpNetwork};
pub use config::{ServeConfig, WebhookConfig};
pub use error::{StoreError, UNKNOWN_PEER_HINT, WebhookError};
#[cfg(feature = "forward")]
pub use forward::{Forward, ForwardError};
pub use handler::{BookRejection, BookingHandler, CancelRejection, CancelRejectionCode, RequestContext};
pub use idempotency::{
    BookingKey, BookingRecord, CLAIM_GRACE, ClaimKey, IdempotencyStore, Idempotent, MemoryStore, REPEAT_AFTER_CANCEL,
};
#[cfg(feature = "metrics")]
pub use metrics::WebhookMetrics;
pub use service::{REQUEST_ID_HEADER, RemoteAddr, WebhookService};
#[cfg(feature = "postgres")]
pub use sql::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sql::sqlite::SqliteStore;

#[cfg(feature = "server")]
pub use adapters::server::{
    LISTEN_BACKLOG, bind, bind_with_backlog, serve, serve_with, serve_with_shutdown, shutdown_signal,
};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
