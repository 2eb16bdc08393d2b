//! The sidecar's webhook (`[webhook]`): the gateway's booking and cancel calls answered by
//! fer-webhook in front of the MIS's own endpoint ([`fer_webhook::Forward`]), a repeat answered
//! from the shared idempotency store (the store's PostgreSQL database, or a SQLite file beside the
//! SQLite store), and what the gateway then writes on the Vitrina (the slot RECORDED and the book
//! 5000, or AVAILABLE and 5010, «Сценарии взаимодействия») told to the engine
//! ([`SyncHandle::adopt`]), so that a reconciliation does not put the slot back or delete the book
//! before the MIS's own change arrives.

use std::path::Path;

use async_trait::async_trait;
use fer_model::{
    Book, BookStatus, BookingConfirmation, BookingRequest, CancelConfirmation, CancelRequest, Guid, Record, Slot,
    SlotStatus, Timestamp,
};
use fer_sync::{Store, SyncHandle};
use fer_webhook::{BookRejection, BookingHandler, CancelRejection, Idempotent, RequestContext, WebhookService};

use super::config::StoreLocation;
use crate::error::CliError;

/// The MIS's handler with the gateway's writes adopted by the engine after each success.
pub struct Adopting<H> {
    /// The handler that books and cancels (the forwarder).
    pub inner: H,
    /// The engine's intake.
    pub handle: SyncHandle,
    /// The engine's store, for the records the MIS handed over.
    pub store: Store,
}

impl<H> Adopting<H> {
    /// The record the store wants for `id`, if the MIS handed one over.
    async fn desired<R: Record>(&self, id: &Guid) -> Option<R> {
        match self.store.desired(R::TABLE, id).await {
            Ok(Some(Some(json))) => serde_json::from_str(&json).ok(),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(table = %R::TABLE, %id, error = %e, "the store could not be read for the gateway's write");
                None
            }
        }
    }

    /// Adopts the slot at `status` (when the MIS handed it over) and `book`. A failure is logged,
    /// never the call's answer: the MIS has booked or cancelled.
    async fn adopt(&self, slot_id: Guid, status: SlotStatus, book: Book) {
        if let Some(slot) = self.desired::<Slot>(&slot_id).await {
            let slot = Slot { status, ..slot };
            if let Err(e) = self.handle.adopt(std::slice::from_ref(&slot)).await {
                tracing::warn!(%slot_id, error = %e, "the gateway's slot write could not be adopted");
            }
        }
        if let Err(e) = self.handle.adopt(std::slice::from_ref(&book)).await {
            tracing::warn!(book = %book.id, error = %e, "the gateway's book write could not be adopted");
        }
    }
}

#[async_trait]
impl<H: BookingHandler> BookingHandler for Adopting<H> {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let confirmation = self.inner.book(request.clone(), ctx).await?;
        let now = Timestamp::from_naive(chrono::Local::now().naive_local());
        let book = Book::written_by_gateway(&request, &confirmation, now);
        self.adopt(request.slot_id, SlotStatus::Recorded, book).await;
        Ok(confirmation)
    }

    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        let confirmation = self.inner.cancel(request, ctx).await?;
        if let Some(book) = self.desired::<Book>(&confirmation.book_ext_id).await {
            let book = Book { status_code: BookStatus::Canceled, ..book };
            self.adopt(confirmation.slot_id, SlotStatus::Available, book).await;
        }
        Ok(confirmation)
    }
}

/// Serves the webhook on `listener` until `stop`: the gateway's calls forwarded to the MIS
/// endpoint of `section`, with the idempotency store beside the engine's `location` (the same
/// PostgreSQL database, or `<store>.webhook` beside a SQLite store), counted in `metrics`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    section: &super::config::WebhookSection,
    adopting: Adopting<fer_webhook::Forward>,
    location: &StoreLocation,
    metrics: fer_webhook::WebhookMetrics,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), CliError> {
    let config = fer_webhook::WebhookConfig { allow_list: section.allow_list()?, ..Default::default() };
    let store_error = |e: fer_webhook::StoreError| CliError::Usage(format!("[webhook]: the idempotency store: {e}"));
    match location {
        StoreLocation::Postgres(url) => {
            let store = fer_webhook::PostgresStore::connect(url).await.map_err(store_error)?;
            let service =
                WebhookService::new(Idempotent::new(adopting, store)).with_config(config).with_metrics(metrics);
            fer_webhook::serve_with_shutdown(listener, service, stop).await;
        }
        StoreLocation::Sqlite(path) => {
            let store = fer_webhook::SqliteStore::open(webhook_file(path)).await.map_err(store_error)?;
            let service =
                WebhookService::new(Idempotent::new(adopting, store)).with_config(config).with_metrics(metrics);
            fer_webhook::serve_with_shutdown(listener, service, stop).await;
        }
    }
    Ok(())
}

/// `<store>.webhook`: the webhook's SQLite file beside the engine's.
fn webhook_file(store: &Path) -> std::path::PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(".webhook");
    name.into()
}
