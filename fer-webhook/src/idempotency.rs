//! Idempotency: the gateway may repeat a call (a retry after a timeout, a double click on the
//! EPGU). [`Idempotent`] wraps a handler so that a repeated book returns the same confirmation, a
//! repeated cancel answers code 1 («Запись с таким ИД уже отменена», section 7), and a repeated
//! book that arrives after its booking was cancelled is refused, without the vendor's code seeing
//! the repeat.
//!
//! The decision and its reasons are in the docs of [`Idempotent`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use fer_model::{
    BookingConfirmation, BookingRejectionCode, BookingRequest, CancelConfirmation, CancelRequest, Guid, PatientId,
};
use tokio::sync::OwnedMutexGuard;

use crate::{BookRejection, BookingHandler, CancelRejection, CancelRejectionCode, RequestContext, StoreError};

/// What makes two booking calls "the same": the slot, the patient (its id as sent, GUID or not)
/// and the EPGU application (`case_number`, absent when the request has none). See
/// [`Idempotent`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookingKey {
    /// The requested slot.
    pub slot_id: Guid,
    /// The requesting patient.
    pub patient_id: PatientId,
    /// The EPGU application («Идентификатор заявления в ЕПГУ»).
    pub case_number: Option<String>,
}

impl BookingKey {
    /// The key of a booking request.
    pub fn of(request: &BookingRequest) -> Self {
        BookingKey {
            slot_id: request.slot_id,
            patient_id: request.patient_id.clone(),
            case_number: request.case_number.clone(),
        }
    }
}

/// What the store knows of a [`BookingKey`].
#[derive(Debug, Clone, PartialEq)]
pub enum BookingRecord {
    /// Booked: a repeat is answered with this confirmation.
    Confirmed(BookingConfirmation),
    /// Booked, then cancelled (this cancel): a repeat is refused, status 18 (see [`Idempotent`]).
    Cancelled(CancelConfirmation),
}

/// What a claim of [`IdempotencyStore::claim`] is for: the booking of a key, or the cancel of a
/// booking.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClaimKey {
    /// A booking call with this key.
    Book(BookingKey),
    /// A cancel call of this `book_ext_id`.
    Cancel(Guid),
}

impl ClaimKey {
    /// A stable text form, unique per key: the column SQL stores index claims by. It holds the
    /// patient's id as sent: it belongs in the MIS's database, never in a log.
    pub fn to_text(&self) -> String {
        match self {
            ClaimKey::Book(key) => format!("book:{}", key.to_text()),
            ClaimKey::Cancel(id) => format!("cancel:{id}"),
        }
    }
}

impl BookingKey {
    /// A stable text form, unique per key (a JSON array of the slot, the patient and the
    /// `case_number` or `null`): how SQL stores index bookings.
    pub fn to_text(&self) -> String {
        let key = (self.slot_id.to_string(), self.patient_id.as_str(), self.case_number.as_deref());
        serde_json::to_string(&key).unwrap_or_default()
    }
}

/// Where [`Idempotent`] remembers confirmed bookings and cancelled ones, and how instances of
/// the webhook that share it agree on which of them calls the vendor's handler for a key (a
/// claim). Use a shared store (the MIS's database: `SqliteStore` with feature `sqlite`,
/// `PostgresStore` with feature `postgres`, or an own implementation) when several instances
/// of the webhook run; [`MemoryStore`] serves one process.
///
/// The claim rule of [`Idempotent`] is in its docs
/// ([«Several instances»](Idempotent#several-instances-the-claim)).
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `owner` for `ttl`, in one atomic step: succeeds (`true`) when nobody
    /// holds it, when its holder's claim has expired (the holder died or its deadline passed:
    /// the claim is taken over), or when `owner` holds it already; otherwise `false`. Measure
    /// `ttl` on one clock for all instances (a database's own clock).
    async fn claim(&self, key: &ClaimKey, owner: &str, ttl: Duration) -> Result<bool, StoreError>;
    /// Gives up `owner`'s claim of `key` (nothing happens if another owner holds it now).
    async fn release(&self, key: &ClaimKey, owner: &str) -> Result<(), StoreError>;
    /// What is known of `key`: its confirmation, or that its booking was cancelled.
    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingRecord>, StoreError>;
    /// Remembers the confirmation given for `key`. A store may end the claim of `key` in the
    /// same step (the SQL stores do, in the same transaction: one commit less per booking);
    /// [`Idempotent`] releases it afterwards anyway.
    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError>;
    /// The cancel of `book_ext_id`, if it was cancelled (its fields are replayed with code 1).
    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError>;
    /// Remembers that `cancel.book_ext_id` was cancelled, and marks the key it was booked under
    /// [`BookingRecord::Cancelled`] in the same step (a repeat of its booking is refused from then
    /// on). Call it also for cancels made outside the webhook (see [`Idempotent`]).
    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError>;
}

/// A shared store: the webhook's [`Idempotent`] and the MIS's own cancel path hold the same one.
#[async_trait]
impl<S: IdempotencyStore + ?Sized> IdempotencyStore for Arc<S> {
    async fn claim(&self, key: &ClaimKey, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        (**self).claim(key, owner, ttl).await
    }
    async fn release(&self, key: &ClaimKey, owner: &str) -> Result<(), StoreError> {
        (**self).release(key, owner).await
    }
    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingRecord>, StoreError> {
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

/// An [`IdempotencyStore`] in the process's memory. It grows with the number of bookings
/// (cancelled ones are kept, marked cancelled); fine for one process and for tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    bookings: HashMap<BookingKey, BookingRecord>,
    /// The key each `book_ext_id` was booked under.
    keys: HashMap<Guid, BookingKey>,
    cancelled: HashMap<Guid, CancelConfirmation>,
    /// Claims: owner and expiry.
    claims: HashMap<ClaimKey, (String, tokio::time::Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many confirmations are remembered (bookings not cancelled).
    pub fn booking_count(&self) -> usize {
        self.state().bookings.values().filter(|r| matches!(r, BookingRecord::Confirmed(_))).count()
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(&self, key: &ClaimKey, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = tokio::time::Instant::now();
        let mut state = self.state();
        state.claims.retain(|_, (_, until)| *until > now);
        match state.claims.get(key) {
            Some((holder, _)) if holder != owner => Ok(false),
            _ => {
                state.claims.insert(key.clone(), (owner.to_owned(), now + ttl));
                Ok(true)
            }
        }
    }

    async fn release(&self, key: &ClaimKey, owner: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.claims.get(key).is_some_and(|(holder, _)| holder == owner) {
            state.claims.remove(key);
        }
        Ok(())
    }

    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingRecord>, StoreError> {
        Ok(self.state().bookings.get(key).cloned())
    }

    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError> {
        let mut state = self.state();
        state.cancelled.remove(&confirmation.book_ext_id);
        state.keys.insert(confirmation.book_ext_id, key.clone());
        state.bookings.insert(key, BookingRecord::Confirmed(confirmation.clone()));
        Ok(())
    }

    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
        Ok(self.state().cancelled.get(&book_ext_id).cloned())
    }

    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        let mut state = self.state();
        if let Some(key) = state.keys.get(&cancel.book_ext_id).cloned() {
            state.bookings.insert(key, BookingRecord::Cancelled(cancel.clone()));
        }
        state.cancelled.insert(cancel.book_ext_id, cancel.clone());
        Ok(())
    }
}

/// A [`BookingHandler`] that answers repeated calls from its [`IdempotencyStore`].
///
/// * book: if the store has a confirmation for the same [`BookingKey`], it is returned again; if
///   that booking was cancelled since, the repeat is refused with status 18 and never reaches
///   the handler (see [below](#a-repeat-that-arrives-after-the-cancel)); otherwise the inner
///   handler books and its confirmation is stored.
/// * cancel: if the store knows the booking is cancelled, code 1 with the booking's fields;
///   otherwise the inner handler cancels and the store remembers its confirmation.
/// * a cancel made outside the webhook must be told to the store
///   ([`record_cancel`](Self::record_cancel)), or a late repeat of the booking would be answered
///   with the old confirmation (see [below](#cancels-the-gateway-did-not-see)).
///
/// Calls with the same key are serialized inside one process, and across the instances that
/// share a store by the store's claim (see [below](#several-instances-the-claim)), so two
/// concurrent repeats cannot both reach the inner handler. A store failure answers status 18.
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
///
/// # What makes two booking calls the same
///
/// The [`BookingKey`]: the slot, the patient, and the EPGU application (`case_number`,
/// «Идентификатор заявления в ЕПГУ»). A retry of the gateway carries the same body, so the same
/// key; a new application of the patient is a new booking even of the same slot.
///
/// # A repeat that arrives after the cancel
///
/// The gateway may deliver a retry of a booking late: after the booking it repeats was confirmed
/// and then cancelled. The profile's use cases UC-1 («Забронировать слот для консультации», under
/// «Оптимизация метода бронирования записи» of «Метод бронирования записи») and UC-1.1 («Отменить
/// запись через ЕПГУ при бронировании через ЕПГУ», under «Оптимизация метода отмены бронирования
/// записи» of «Отмена бронирования выбранного слота») say what the gateway does with the answers: on a confirmation it records the `book_ext_id` and sends the slot RECORDED and a
/// book 5000 to the Vitrina; on a cancel it forgets the `book_ext_id` and sends the slot AVAILABLE
/// and the book 5010. After UC-1.1 the slot meets UC-1's preconditions again (AVAILABLE, no
/// `book_ext_id`), so whatever the late repeat is answered, the gateway acts on it:
///
/// * a **fresh booking** (what the handler would make) books the slot again under a new
///   `book_ext_id` for a patient who cancelled and believes so: nobody ever cancels it;
/// * the **stored confirmation** would make the gateway record the cancelled `book_ext_id` again
///   and mark the slot RECORDED on the Vitrina for a booking that no longer exists in the MIS;
/// * so the answer is a **refusal**, status 18 («Извините, запись невозможна») with a message
///   saying the booking of this request was cancelled. Nothing changes anywhere; a patient who
///   wants the slot again makes a new application (a new `case_number`, a new key).
///
/// The store therefore keeps the key of a cancelled booking, marked cancelled
/// ([`BookingRecord::Cancelled`]), instead of forgetting it. A booking request without a
/// `case_number` cannot be told from its retry: after a cancel the same patient cannot book the
/// same slot again without one. That is the safe side: a booking nobody cancels is worse than a
/// refusal the patient can see.
///
/// # Several instances: the claim
///
/// Behind a load balancer the gateway's repeat may reach another instance of the webhook while
/// the first one still books. Instances sharing a store (`SqliteStore` with feature `sqlite`,
/// `PostgresStore` with feature `postgres`) agree through it ([`IdempotencyStore::claim`]):
///
/// 1. A call looks for the answer in the store; if there is one, it is the answer (a stored
///    confirmation, a refusal after a cancel, code 1 for a repeated cancel).
/// 2. Otherwise it claims the key, in one atomic statement (an insert that does nothing when a
///    live claim of another instance exists). The winner looks once more (the previous holder
///    may have answered in between), calls the vendor's handler, stores the answer and releases
///    the claim. A handler's refusal is not stored and the claim is released: a repeat tries
///    again, as a call that found nothing would (the same as one process does).
/// 3. The others poll the store (every 10 ms, one call per key and instance; the other calls of
///    the key in the same instance queue behind it) until the answer is there, at most until
///    their own deadline, after which the service answers status 18 as for a slow handler.
///
/// **A claim expires** at its holder's deadline plus [`CLAIM_GRACE`]: the service cancels the
/// holder's handler at that deadline, so a claim still held later belongs to an instance that
/// died (or lost its database connection). It is then taken over: the next repeat claims it and
/// calls the handler, it is never refused for it. This is the side of «Метод бронирования
/// записи» the patient can live with: the gateway repeats a call whose answer it did not get
/// (UC-1), and a repeat refused because of a dead instance would lose a booking the patient asked
/// for. The price is the case where the dead instance's handler had booked in the MIS before it
/// died and the answer never reached the store: the handler is asked again for the same request
/// and should find its own booking (keep the booking and the request's key in the MIS's one
/// transaction and answer it again), or refuse the slot as taken.
///
/// A claim's owner is the `Idempotent` (a random id drawn when it is made), not the call: the
/// calls of one key inside one instance are serialized anyway, so a claim left behind by a call
/// the deadline cancelled is taken again at once by the instance's next call of that key, while
/// a restarted instance is a new owner and waits for the old claim to expire.
///
/// A call that loses its claim while it runs (its database was unreachable longer than the
/// grace) still answers with its handler's outcome and stores it; the store keeps the latest
/// confirmation of a key.
///
/// # Cancels the gateway did not see
///
/// The store learns of a cancel only when it passes through the webhook. A booking cancelled
/// elsewhere (at the front desk, by the MIS itself) would stay confirmed in the store, and a late
/// repeat of its request would be answered with the old confirmation: the patient would believe
/// they are booked, the MIS would not know of it. So the MIS must tell the store of every cancel
/// made outside the webhook, from its own cancel path: [`Idempotent::record_cancel`] (or
/// [`IdempotencyStore::save_cancel`] on a store it shares with the webhook: `Arc<S>` is a store
/// too). Then the repeat is refused like any repeat after a cancel. With a shared store
/// (`SqliteStore`, `PostgresStore`) a cancel
/// recorded through any instance, or by the MIS with its own handle on the same database, is
/// seen by all of them.
///
/// ```
/// use std::sync::Arc;
/// # use async_trait::async_trait;
/// use fer_model::*;
/// use fer_webhook::*;
/// # struct Mis;
/// # #[async_trait]
/// # impl BookingHandler for Mis {
/// #     async fn book(&self, r: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
/// #         Ok(BookingConfirmation { book_ext_id: Guid::new_v4(), slot_id: r.slot_id,
/// #             visit_time: MisTimeZone::MOSCOW.to_answer_time("2026-01-10T08:00:00".parse().unwrap()),
/// #             duration: DurationMinutes(20), details: Default::default(), message: None })
/// #     }
/// #     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
/// #         Err(CancelRejection::technical_error())
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = Arc::new(MemoryStore::new());
/// let webhook = Idempotent::new(Mis, Arc::clone(&store));
/// let request = BookingRequest { case_number: Some("1234567890".into()), ..BookingRequest::example() };
/// let ctx = || RequestContext::new(None, "gw-1");
/// let first = webhook.book(request.clone(), ctx()).await.unwrap();
///
/// // The front desk cancels the booking: the MIS's own cancel path tells the store.
/// store.save_cancel(&CancelConfirmation::of(&first)).await.unwrap();
///
/// // A late repeat of the same request: refused, neither the old confirmation nor a new booking.
/// let late = webhook.book(request.clone(), ctx()).await.unwrap_err();
/// assert_eq!(late.code(), BookingRejectionCode::Other);
///
/// // A new application for the same slot is a new booking.
/// let again = BookingRequest { case_number: Some("1234567891".into()), ..request };
/// let second = webhook.book(again, ctx()).await.unwrap();
/// assert_ne!(second.book_ext_id, first.book_ext_id);
/// # }
/// ```
pub struct Idempotent<H, S = MemoryStore> {
    inner: H,
    store: S,
    locks: KeyedLocks,
    /// This instance's name in the store's claims (random, one per `Idempotent`).
    owner: String,
}

/// The message of the refusal of a booking repeated after its cancel.
pub const REPEAT_AFTER_CANCEL: &str =
    "Извините, запись невозможна: запись по этому заявлению отменена; для новой записи подайте новое заявление";

impl<H> Idempotent<H, MemoryStore> {
    /// Wraps `inner` with a [`MemoryStore`].
    pub fn in_memory(inner: H) -> Self {
        Self::new(inner, MemoryStore::new())
    }
}

impl<H, S> Idempotent<H, S> {
    /// Wraps `inner` with `store`.
    pub fn new(inner: H, store: S) -> Self {
        Idempotent { inner, store, locks: KeyedLocks::default(), owner: Guid::new_v4().to_string() }
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
    /// itself): a late repeat of the booking is refused instead of answered with the old
    /// confirmation, and a later cancel through the gateway answers code 1.
    pub async fn record_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        self.store.save_cancel(cancel).await
    }
}

/// How long a claim outlives its holder's deadline (see
/// [«Several instances»](Idempotent#several-instances-the-claim)): by then the holder's handler
/// has been cancelled by the service, so a claim still held belongs to an instance that died.
pub const CLAIM_GRACE: Duration = Duration::from_secs(2);

/// How often an instance waiting for another's answer looks in the store.
const POLL: Duration = Duration::from_millis(10);

/// What [`Idempotent::answer_or_claim`] found.
enum Step<T> {
    /// The store has the answer.
    Found(T),
    /// This instance holds the claim: it calls the handler.
    Claimed,
    /// The request's deadline passed while another instance held the claim.
    TimedOut,
}

impl<H, S: IdempotencyStore> Idempotent<H, S> {
    /// Waits until the store has an answer for `key` (`find`) or this instance holds its claim,
    /// polling while another instance holds it, at most until the request's deadline.
    async fn answer_or_claim<'a, T, F>(
        &'a self,
        key: &ClaimKey,
        ctx: &RequestContext,
        find: F,
    ) -> Result<Step<T>, StoreError>
    where
        F: Fn() -> futures_util::future::BoxFuture<'a, Result<Option<T>, StoreError>>,
    {
        loop {
            if let Some(found) = find().await? {
                return Ok(Step::Found(found));
            }
            if self.store.claim(key, &self.owner, ctx.time_left() + CLAIM_GRACE).await? {
                // The holder may have answered and released between the two steps: look again.
                return match find().await {
                    Ok(None) => Ok(Step::Claimed),
                    found => {
                        self.release(key).await;
                        found.map(|found| found.map_or(Step::Claimed, Step::Found))
                    }
                };
            }
            let left = ctx.time_left();
            if left.is_zero() {
                return Ok(Step::TimedOut);
            }
            tokio::time::sleep(POLL.min(left)).await;
        }
    }

    /// Gives the claim of `key` up; a failure only logs (the claim expires by itself).
    async fn release(&self, key: &ClaimKey) {
        if let Err(e) = self.store.release(key, &self.owner).await {
            tracing::error!(error = %e, "idempotency store failed to release a claim: a repeat waits until it expires");
        }
    }
}

#[async_trait]
impl<H: BookingHandler, S: IdempotencyStore> BookingHandler for Idempotent<H, S> {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let key = BookingKey::of(&request);
        let claim = ClaimKey::Book(key.clone());
        let _turn = self.locks.lock(claim.clone()).await;
        match self.answer_or_claim(&claim, &ctx, || self.store.find_booking(&key)).await {
            Ok(Step::Found(BookingRecord::Confirmed(confirmation))) => {
                tracing::info!(book_ext_id = %confirmation.book_ext_id, "repeated booking: answering the stored confirmation");
                Ok(confirmation)
            }
            Ok(Step::Found(BookingRecord::Cancelled(cancel))) => {
                tracing::info!(book_ext_id = %cancel.book_ext_id, "booking repeated after its cancel: refused (status 18)");
                Err(BookRejection::new(BookingRejectionCode::Other).with_message(REPEAT_AFTER_CANCEL))
            }
            Ok(Step::Claimed) => {
                let outcome = self.inner.book(request, ctx).await;
                if let Ok(confirmation) = &outcome
                    && let Err(e) = self.store.save_booking(key, confirmation).await
                {
                    tracing::error!(error = %e, "idempotency store failed: a repeat of this booking will reach the handler");
                }
                self.release(&claim).await;
                outcome
            }
            Ok(Step::TimedOut) => {
                tracing::warn!("another instance still books this request at the deadline: answering status 18");
                Err(BookRejection::new(BookingRejectionCode::Other))
            }
            Err(e) => {
                tracing::error!(error = %e, "idempotency store failed: answering status 18");
                Err(BookRejection::new(BookingRejectionCode::Other))
            }
        }
    }

    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        let book_ext_id = request.book_ext_id;
        let claim = ClaimKey::Cancel(book_ext_id);
        let _turn = self.locks.lock(claim.clone()).await;
        match self.answer_or_claim(&claim, &ctx, || self.store.find_cancel(book_ext_id)).await {
            Ok(Step::Found(cancel)) => {
                tracing::info!(%book_ext_id, "repeated cancel: answering code 1");
                Err(CancelRejection::already_canceled().with_booking(cancel))
            }
            Ok(Step::Claimed) => {
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
                self.release(&claim).await;
                outcome
            }
            Ok(Step::TimedOut) => {
                tracing::warn!(%book_ext_id, "another instance still cancels this booking at the deadline: answering status 18");
                Err(CancelRejection::technical_error())
            }
            Err(e) => {
                tracing::error!(error = %e, "idempotency store failed: answering status 18");
                Err(CancelRejection::technical_error())
            }
        }
    }
}

/// One async mutex per key, created on demand and dropped when nobody holds or waits for it.
#[derive(Default)]
struct KeyedLocks {
    map: Mutex<HashMap<ClaimKey, Arc<tokio::sync::Mutex<()>>>>,
}

struct Turn<'a> {
    locks: &'a KeyedLocks,
    key: ClaimKey,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ClaimKey, Arc<tokio::sync::Mutex<()>>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn lock(&self, key: ClaimKey) -> Turn<'_> {
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

    /// Two instances (two `Idempotent`s, their own in-process locks) sharing one store: the
    /// store's claim alone keeps the repeats from reaching the handler twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_sharing_a_store_call_the_handler_once() {
        let store = Arc::new(MemoryStore::new());
        let mis = Arc::new(Counting::default());
        let a = Arc::new(Idempotent::new(Arc::clone(&mis), Arc::clone(&store)));
        let b = Arc::new(Idempotent::new(Arc::clone(&mis), Arc::clone(&store)));
        let calls: Vec<_> = (0..20)
            .map(|i| {
                let h = Arc::clone(if i % 2 == 0 { &a } else { &b });
                tokio::spawn(async move { h.book(request(), ctx()).await })
            })
            .collect();
        let mut ids = Vec::new();
        for call in calls {
            ids.push(call.await.unwrap().unwrap().book_ext_id);
        }
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert_eq!(mis.books.load(Ordering::SeqCst), 1);
        assert!(store.state().claims.is_empty(), "claims are released");
    }

    /// A handler's refusal is not stored and releases the claim: the next repeat, on another
    /// instance, reaches the handler again.
    #[tokio::test]
    async fn a_refusal_releases_the_claim() {
        struct Refusing(AtomicUsize);
        #[async_trait]
        impl BookingHandler for Refusing {
            async fn book(&self, _: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
                self.0.fetch_add(1, Ordering::SeqCst);
                Err(BookingRejectionCode::SlotUnavailable.into())
            }
            async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
                Err(CancelRejection::technical_error())
            }
        }
        let store = Arc::new(MemoryStore::new());
        let mis = Arc::new(Refusing(AtomicUsize::new(0)));
        let a = Idempotent::new(Arc::clone(&mis), Arc::clone(&store));
        let b = Idempotent::new(Arc::clone(&mis), Arc::clone(&store));
        assert_eq!(a.book(request(), ctx()).await.unwrap_err().code(), BookingRejectionCode::SlotUnavailable);
        assert_eq!(b.book(request(), ctx()).await.unwrap_err().code(), BookingRejectionCode::SlotUnavailable);
        assert_eq!(mis.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn cancel_then_repeat_cancel_then_a_late_repeat_of_the_booking() {
        let h = Idempotent::in_memory(Counting::default());
        let first = h.book(request(), ctx()).await.unwrap();
        let cancel = CancelRequest { book_ext_id: first.book_ext_id, patient_id: "p".into(), united_guids: vec![] };
        let done = h.cancel(cancel.clone(), ctx()).await.unwrap();
        let again = h.cancel(cancel, ctx()).await.unwrap_err();
        assert_eq!(again.code(), CancelRejectionCode::AlreadyCanceled);
        assert_eq!(again.booking(), Some(&done), "the repeat replays the booking's fields");
        assert_eq!(h.inner().cancels.load(Ordering::SeqCst), 1);
        // The booking's request once more, after its cancel: refused, no booking made.
        let late = h.book(request(), ctx()).await.unwrap_err();
        assert_eq!(late.code(), BookingRejectionCode::Other);
        assert_eq!(late.message(), REPEAT_AFTER_CANCEL);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 1);
        assert_eq!(h.store().booking_count(), 0);
        // Another application of the same patient for the same slot is a new booking.
        let other = BookingRequest { case_number: Some("2".into()), ..request() };
        let second = h.book(other, ctx()).await.unwrap();
        assert_ne!(second.book_ext_id, first.book_ext_id);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 2);
        assert_eq!(h.store().booking_count(), 1);
    }

    /// A booking cancelled at the front desk: a late repeat of its request is refused instead of
    /// the old confirmation being replayed, and the gateway's later cancel answers code 1.
    #[tokio::test]
    async fn an_out_of_band_cancel_is_not_replayed() {
        let store = Arc::new(MemoryStore::new());
        let h = Idempotent::new(Counting::default(), Arc::clone(&store));
        let first = h.book(request(), ctx()).await.unwrap();
        h.record_cancel(&CancelConfirmation::of(&first)).await.unwrap();
        assert_eq!(h.book(request(), ctx()).await.unwrap_err().code(), BookingRejectionCode::Other);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 1, "the handler was not asked again");
        // The shared store itself works as well, from the MIS's own cancel path.
        let other = BookingRequest { case_number: Some("2".into()), ..request() };
        let second = h.book(other.clone(), ctx()).await.unwrap();
        store.save_cancel(&CancelConfirmation::of(&second)).await.unwrap();
        assert_eq!(h.book(other, ctx()).await.unwrap_err().code(), BookingRejectionCode::Other);
        assert_eq!(h.inner().books.load(Ordering::SeqCst), 2);
        // And the gateway's later cancel of the front-desk cancel answers code 1 with its fields.
        let cancel = CancelRequest::new(second.book_ext_id, "p");
        let again = h.cancel(cancel, ctx()).await.unwrap_err();
        assert_eq!(again.code(), CancelRejectionCode::AlreadyCanceled);
        assert_eq!(again.booking().unwrap().slot_id, second.slot_id);
        assert_eq!(store.booking_count(), 0);
    }

    struct Broken;

    #[async_trait]
    impl IdempotencyStore for Broken {
        async fn claim(&self, _: &ClaimKey, _: &str, _: Duration) -> Result<bool, StoreError> {
            Err(StoreError::new("database down"))
        }
        async fn release(&self, _: &ClaimKey, _: &str) -> Result<(), StoreError> {
            Err(StoreError::new("database down"))
        }
        async fn find_booking(&self, _: &BookingKey) -> Result<Option<BookingRecord>, StoreError> {
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
