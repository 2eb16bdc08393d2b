//! Idempotency: the gateway may repeat a call (a retry after a timeout, a double click on the
//! EPGU). [`Idempotent`] wraps a handler so that a repeated book of the same slot by the same
//! patient returns the same confirmation, and a repeated cancel answers code 1 («Запись с таким ИД
//! уже отменена», section 7), without the vendor's code seeing the repeat.
//!
//! # Cancels the gateway did not see
//!
//! The store learns of a cancel only when it passes through the webhook. A booking cancelled
//! elsewhere (at the front desk, by the MIS itself) would stay in the store, and when the same
//! patient books the same slot again online, [`Idempotent`] would answer the old confirmation
//! without asking the handler: the patient would believe they are booked, the MIS would not know
//! of it. So the MIS must tell the store of every cancel made outside the webhook, from its own
//! cancel path: [`Idempotent::record_cancel`] (or [`IdempotencyStore::save_cancel`] on a store it
//! shares with the webhook: `Arc<S>` is a store too).
//!
//! ```
//! use std::sync::Arc;
//! # use async_trait::async_trait;
//! use fer_model::*;
//! use fer_webhook::*;
//! # struct Mis;
//! # #[async_trait]
//! # impl BookingHandler for Mis {
//! #     async fn book(&self, r: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
//! #         Ok(BookingConfirmation { book_ext_id: Guid::new_v4(), slot_id: r.slot_id,
//! #             visit_time: MisTimeZone::MOSCOW.to_answer_time("2026-01-10T08:00:00".parse().unwrap()),
//! #             duration: DurationMinutes(20), details: Default::default(), message: None })
//! #     }
//! #     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
//! #         Err(CancelRejection::technical_error())
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = Arc::new(MemoryStore::new());
//! let webhook = Idempotent::new(Mis, Arc::clone(&store));
//! let request = BookingRequest::example();
//! let ctx = || RequestContext::new(None, "gw-1");
//! let first = webhook.book(request.clone(), ctx()).await.unwrap();
//!
//! // The front desk cancels the booking: the MIS's own cancel path tells the store.
//! store.save_cancel(&CancelConfirmation::of(&first)).await.unwrap();
//!
//! // Booked again online: a new booking, not the old confirmation replayed.
//! let second = webhook.book(request, ctx()).await.unwrap();
//! assert_ne!(second.book_ext_id, first.book_ext_id);
//! # }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use fer_model::{
    BookingConfirmation, BookingRejectionCode, BookingRequest, CancelConfirmation, CancelRequest, Guid, PatientId,
};
use tokio::sync::OwnedMutexGuard;

use crate::{BookRejection, BookingHandler, CancelRejection, CancelRejectionCode, RequestContext, StoreError};

/// What makes two booking calls "the same": the slot and the patient (its id as sent, GUID or
/// not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookingKey {
    /// The requested slot.
    pub slot_id: Guid,
    /// The requesting patient.
    pub patient_id: PatientId,
}

impl BookingKey {
    /// The key of a booking request.
    pub fn of(request: &BookingRequest) -> Self {
        BookingKey { slot_id: request.slot_id, patient_id: request.patient_id.clone() }
    }
}

/// Where [`Idempotent`] remembers confirmed bookings and cancelled ones. Use a shared store (the
/// MIS's database) when several instances of the webhook run; [`MemoryStore`] serves one process.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// The confirmation given earlier for `key`, unless that booking was cancelled since.
    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingConfirmation>, StoreError>;
    /// Remembers the confirmation given for `key`.
    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError>;
    /// The cancel of `book_ext_id`, if it was cancelled (its fields are replayed with code 1).
    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError>;
    /// Remembers that `cancel.book_ext_id` was cancelled and forgets its confirmation, so the
    /// patient may book the same slot again. Call it also for cancels made outside the webhook
    /// (see the module docs).
    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError>;
}

/// A shared store: the webhook's [`Idempotent`] and the MIS's own cancel path hold the same one.
#[async_trait]
impl<S: IdempotencyStore + ?Sized> IdempotencyStore for Arc<S> {
    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingConfirmation>, StoreError> {
        (**self).find_booking(key).await
    }
    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError> {
        (**self).save_booking(key, confirmation).await
    }
    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
        (**self).find_cancel(book_ext_id).await
    }
    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        (**self).save_cancel(cancel).await
    }
}

/// An [`IdempotencyStore`] in the process's memory. It grows with the number of bookings; fine for
/// one process and for tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    bookings: HashMap<BookingKey, BookingConfirmation>,
    cancelled: HashMap<Guid, CancelConfirmation>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many confirmations are remembered.
    pub fn booking_count(&self) -> usize {
        self.state().bookings.len()
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingConfirmation>, StoreError> {
        Ok(self.state().bookings.get(key).cloned())
    }

    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError> {
        let mut state = self.state();
        state.cancelled.remove(&confirmation.book_ext_id);
        state.bookings.insert(key, confirmation.clone());
        Ok(())
    }

    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
        Ok(self.state().cancelled.get(&book_ext_id).cloned())
    }

    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        let mut state = self.state();
        state.bookings.retain(|_, c| c.book_ext_id != cancel.book_ext_id);
        state.cancelled.insert(cancel.book_ext_id, cancel.clone());
        Ok(())
    }
}

/// A [`BookingHandler`] that answers repeated calls from its [`IdempotencyStore`].
///
/// * book: if the store has a confirmation for the same slot and patient, it is returned again;
///   otherwise the inner handler books and its confirmation is stored.
/// * cancel: if the store knows the booking is cancelled, code 1 with the booking's fields;
///   otherwise the inner handler cancels and the store remembers its confirmation.
/// * a cancel made outside the webhook must be told to the store
///   ([`record_cancel`](Self::record_cancel)), or a new booking of the same slot by the same
///   patient would be answered with the old confirmation (see the module docs).
///
/// Calls with the same key are serialized inside one process, so two concurrent repeats cannot
/// both reach the inner handler. A store failure answers status 18.
///
/// ```
/// # use async_trait::async_trait;
/// # use fer_model::*;
/// # use fer_webhook::*;
/// # struct Mis;
/// # #[async_trait]
/// # impl BookingHandler for Mis {
/// #     async fn book(&self, _: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
/// #         Err(BookingRejectionCode::SlotUnavailable.into())
/// #     }
/// #     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
/// #         Err(CancelRejection::technical_error())
/// #     }
/// # }
/// let service = WebhookService::new(Idempotent::in_memory(Mis));
/// ```
pub struct Idempotent<H, S = MemoryStore> {
    inner: H,
    store: S,
    locks: KeyedLocks,
}

impl<H> Idempotent<H, MemoryStore> {
    /// Wraps `inner` with a [`MemoryStore`].
    pub fn in_memory(inner: H) -> Self {
        Self::new(inner, MemoryStore::new())
    }
}

impl<H, S> Idempotent<H, S> {
    /// Wraps `inner` with `store`.
    pub fn new(inner: H, store: S) -> Self {
        Idempotent { inner, store, locks: KeyedLocks::default() }
    }

    /// The wrapped handler.
    pub fn inner(&self) -> &H {
        &self.inner
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<H, S: IdempotencyStore> Idempotent<H, S> {
    /// Tells the store of a cancel made outside the webhook (at the front desk, by the MIS
    /// itself): the booking's confirmation is forgotten, so the same patient booking the same
    /// slot again reaches the handler, and a later cancel through the gateway answers code 1.
    pub async fn record_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        self.store.save_cancel(cancel).await
    }
}

#[async_trait]
impl<H: BookingHandler, S: IdempotencyStore> BookingHandler for Idempotent<H, S> {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let key = BookingKey::of(&request);
        let _turn = self.locks.lock(LockKey::Book(key.clone())).await;
        match self.store.find_booking(&key).await {
            Ok(Some(confirmation)) => {
                tracing::info!(book_ext_id = %confirmation.book_ext_id, "repeated booking: answering the stored confirmation");
                return Ok(confirmation);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "idempotency store failed: answering status 18");
                return Err(BookRejection::new(BookingRejectionCode::Other));
            }
        }
        let confirmation = self.inner.book(request, ctx).await?;
        if let Err(e) = self.store.save_booking(key, &confirmation).await {
            tracing::error!(error = %e, "idempotency store failed: a repeat of this booking will reach the handler");
        }
        Ok(confirmation)
    }

    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        let book_ext_id = request.book_ext_id;
        let _turn = self.locks.lock(LockKey::Cancel(book_ext_id)).await;
        match self.store.find_cancel(book_ext_id).await {
            Ok(Some(cancel)) => {
                tracing::info!(%book_ext_id, "repeated cancel: answering code 1");
                return Err(CancelRejection::already_canceled().with_booking(cancel));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "idempotency store failed: answering status 18");
                return Err(CancelRejection::technical_error());
            }
        }
        let outcome = self.inner.cancel(request, ctx).await;
        let cancelled = match &outcome {
            Ok(c) if c.book_ext_id == book_ext_id => Some(c),
            Ok(_) => None,
            Err(rejection) if rejection.code() == CancelRejectionCode::AlreadyCanceled => rejection.booking(),
            Err(_) => None,
        };
        if let Some(cancel) = cancelled
            && let Err(e) = self.store.save_cancel(cancel).await
        {
            tracing::error!(error = %e, "idempotency store failed: a repeat of this cancel will reach the handler");
        }
        outcome
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LockKey {
    Book(BookingKey),
    Cancel(Guid),
}

/// One async mutex per key, created on demand and dropped when nobody holds or waits for it.
#[derive(Default)]
struct KeyedLocks {
    map: Mutex<HashMap<LockKey, Arc<tokio::sync::Mutex<()>>>>,
}

struct Turn<'a> {
    locks: &'a KeyedLocks,
    key: LockKey,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<LockKey, Arc<tokio::sync::Mutex<()>>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn lock(&self, key: LockKey) -> Turn<'_> {
        let mutex = Arc::clone(self.map().entry(key.clone()).or_default());
        let guard = mutex.lock_owned().await;
        Turn { locks: self, key, guard: Some(guard) }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.locks.map();
        if map.get(&self.key).is_some_and(|m| Arc::strong_count(m) == 1) {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use fer_model::DurationMinutes;

    use super::*;

    /// Counts calls; each book takes a while so that concurrent repeats overlap.
    #[derive(Default)]
    struct Counting {
        books: AtomicUsize,
        cancels: AtomicUsize,
    }

    #[async_trait]
    impl BookingHandler for Counting {
        async fn book(&self, request: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
            let n = self.books.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(BookingConfirmation {
                book_ext_id: Guid::from_u128(1000 + n as u128),
                slot_id: request.slot_id,
                visit_time: "2026-01-10T08:00:00+03:00".parse().unwrap(),
                duration: DurationMinutes(20),
                details: Default::default(),
                message: None,
            })
        }

        async fn cancel(&self, r: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
            self.cancels.fetch_add(1, Ordering::SeqCst);
            Ok(CancelConfirmation {
                book_ext_id: r.book_ext_id,
                slot_id: Guid::from_u128(77),
                visit_time: "2026-01-10T08:00:00+03:00".parse().unwrap(),
                duration: DurationMinutes(20),
                details: Default::default(),
                message: None,
            })
        }
    }

    fn request() -> BookingRequest {
        serde_json::from_str(include_str!("../../fixtures/spec/004/booking_request.json")).unwrap()
    }

    fn ctx() -> RequestContext {
        RequestContext::new(None, "t")
    }

    #[tokio::test]
    async fn concurrent_repeats_reach_the_handler_once() {
        let h = Arc::new(Idempotent::in_memory(Counting::default()));
        let calls = (0..5).map(|_| {
            let h = Arc::clone(&h);
            tokio::spawn(async move { h.book(request(), ctx()).await })
        });
        let mut ids = Vec::new();
        for call in calls {
            ids.push(call.await.unwrap().unwrap().book_ext_id);
        }
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 1);
        assert!(h.locks.map().is_empty(), "locks are released");
    }

    #[tokio::test]
    async fn cancel_then_repeat_cancel_then_book_again() {
        let h = Idempotent::in_memory(Counting::default());
        let first = h.book(request(), ctx()).await.unwrap();
        let cancel = CancelRequest { book_ext_id: first.book_ext_id, patient_id: "p".into(), united_guids: vec![] };
        let done = h.cancel(cancel.clone(), ctx()).await.unwrap();
        let again = h.cancel(cancel, ctx()).await.unwrap_err();
        assert_eq!(again.code(), CancelRejectionCode::AlreadyCanceled);
        assert_eq!(again.booking(), Some(&done), "the repeat replays the booking's fields");
        assert_eq!(h.inner().cancels.load(Ordering::SeqCst), 1);
        let second = h.book(request(), ctx()).await.unwrap();
        assert_ne!(second.book_ext_id, first.book_ext_id, "a booking after a cancel is a new booking");
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 2);
        assert_eq!(h.store().booking_count(), 1);
    }

    /// A booking cancelled at the front desk, then booked again online by the same patient: the
    /// handler books anew instead of the old confirmation being replayed.
    #[tokio::test]
    async fn an_out_of_band_cancel_is_not_replayed() {
        let store = Arc::new(MemoryStore::new());
        let h = Idempotent::new(Counting::default(), Arc::clone(&store));
        let first = h.book(request(), ctx()).await.unwrap();
        h.record_cancel(&CancelConfirmation::of(&first)).await.unwrap();
        let second = h.book(request(), ctx()).await.unwrap();
        assert_ne!(second.book_ext_id, first.book_ext_id);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 2, "the handler was asked again");
        // The shared store itself works as well, from the MIS's own cancel path.
        store.save_cancel(&CancelConfirmation::of(&second)).await.unwrap();
        let third = h.book(request(), ctx()).await.unwrap();
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 3);
        // And the gateway's later cancel of the front-desk cancel answers code 1 with its fields.
        let cancel = CancelRequest::new(second.book_ext_id, "p");
        let again = h.cancel(cancel, ctx()).await.unwrap_err();
        assert_eq!(again.code(), CancelRejectionCode::AlreadyCanceled);
        assert_eq!(again.booking().unwrap().slot_id, second.slot_id);
        assert_eq!(store.booking_count(), 1);
        assert_ne!(third.book_ext_id, second.book_ext_id);
    }

    struct Broken;

    #[async_trait]
    impl IdempotencyStore for Broken {
        async fn find_booking(&self, _: &BookingKey) -> Result<Option<BookingConfirmation>, StoreError> {
            Err(StoreError::new("database down"))
        }
        async fn save_booking(&self, _: BookingKey, _: &BookingConfirmation) -> Result<(), StoreError> {
            Err(StoreError::new("database down"))
        }
        async fn find_cancel(&self, _: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
            Err(StoreError::new("database down"))
        }
        async fn save_cancel(&self, _: &CancelConfirmation) -> Result<(), StoreError> {
            Err(StoreError::new("database down"))
        }
    }

    #[tokio::test]
    async fn store_failure_answers_18() {
        let h = Idempotent::new(Counting::default(), Broken);
        assert_eq!(h.book(request(), ctx()).await.unwrap_err().code(), BookingRejectionCode::Other);
        let cancel = CancelRequest { book_ext_id: Guid::from_u128(1), patient_id: "p".into(), united_guids: vec![] };
        assert_eq!(h.cancel(cancel, ctx()).await.unwrap_err().code(), CancelRejectionCode::TechnicalError);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 0);
    }
}
