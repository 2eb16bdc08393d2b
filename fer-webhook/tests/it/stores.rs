//! The shared idempotency stores: two real webhook servers on one SQLite file, then on one
//! PostgreSQL database; 200 concurrent identical calls spread over both reach the vendor's
//! handler once and get the same answer, before and after a restart of both.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use fer_model::*;
use fer_webhook::*;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::common::fixture;

/// Identical calls sent at once, spread over both instances.
const CALLS: usize = 200;

/// The vendor's handler, shared by both instances: counts calls; each book and cancel takes a
/// while so that the repeats overlap it; each booking gets a new `book_ext_id`, so a second
/// call would show in the answers.
#[derive(Default)]
struct Counting {
    books: AtomicUsize,
    cancels: AtomicUsize,
}

#[async_trait]
impl BookingHandler for Counting {
    async fn book(&self, request: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        self.books.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(BookingConfirmation {
            book_ext_id: Guid::new_v4(),
            slot_id: request.slot_id,
            visit_time: "2024-03-28T08:00:00+03:00".parse().unwrap(),
            duration: DurationMinutes(20),
            details: BookingDetails { queue_number: Some("7".into()), ..Default::default() },
            message: None,
        })
    }

    async fn cancel(&self, request: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        self.cancels.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(CancelConfirmation {
            book_ext_id: request.book_ext_id,
            slot_id: Guid::from_u128(77),
            visit_time: "2024-03-28T08:00:00+03:00".parse().unwrap(),
            duration: DurationMinutes(20),
            details: BookingDetails::default(),
            message: None,
        })
    }
}

type Service<S> = WebhookService<Idempotent<Arc<Counting>, S>>;

/// One webhook instance: a real server on 127.0.0.1:0.
struct Instance<S: IdempotencyStore + 'static> {
    addr: SocketAddr,
    service: Service<S>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl<S: IdempotencyStore + 'static> Instance<S> {
    async fn start(mis: &Arc<Counting>, store: S) -> Self {
        let listener = fer_webhook::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = WebhookService::new(Idempotent::new(Arc::clone(mis), store));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_shutdown(listener, service.clone(), async {
            let _ = stopped.await;
        }));
        Instance { addr, service, stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task).await.expect("the server stops").unwrap();
    }
}

/// `CALLS` identical POSTs at once, alternating between `addrs`; the answers' bodies.
async fn flood(addrs: &[SocketAddr], path: &str, body: Vec<u8>) -> Vec<Vec<u8>> {
    let client = reqwest::Client::new();
    let calls: Vec<_> = (0..CALLS)
        .map(|i| {
            let url = format!("http://{}{path}", addrs[i % addrs.len()]);
            let request = client.post(url).header("content-type", "application/json").body(body.clone());
            tokio::spawn(async move {
                let answer = request.send().await.unwrap();
                assert_eq!(answer.status(), 200);
                answer.bytes().await.unwrap().to_vec()
            })
        })
        .collect();
    let mut bodies = Vec::with_capacity(CALLS);
    for call in calls {
        bodies.push(tokio::time::timeout(Duration::from_secs(60), call).await.expect("no hang").unwrap());
    }
    bodies
}

async fn post(addr: SocketAddr, path: &str, body: Vec<u8>) -> Vec<u8> {
    let answer = reqwest::Client::new().post(format!("http://{addr}{path}")).body(body).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    answer.bytes().await.unwrap().to_vec()
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

fn assert_all_equal(bodies: &[Vec<u8>], what: &str) {
    let first = &bodies[0];
    let differ = bodies.iter().filter(|b| *b != first).count();
    assert_eq!(
        differ,
        0,
        "{what}: {differ} of {} answers differ from {}",
        bodies.len(),
        String::from_utf8_lossy(first)
    );
}

/// The whole story on one kind of store; `open` gives a new handle on the same database.
async fn two_instances_share<S, F, Fut>(open: F)
where
    S: IdempotencyStore + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let mis = Arc::new(Counting::default());
    let (a, b) = (Instance::start(&mis, open().await).await, Instance::start(&mis, open().await).await);
    let addrs = [a.addr, b.addr];
    let booking = fixture("booking_request.json");

    // 200 identical bookings over both instances: one call of the handler, 200 equal answers.
    let booked = flood(&addrs, "/booking/book", booking.clone()).await;
    assert_eq!(mis.books.load(Ordering::SeqCst), 1, "the handler was called once for {CALLS} repeats");
    assert_all_equal(&booked, "bookings");
    let confirmation = json(&booked[0]);
    assert_eq!(confirmation["status"]["status_code"], 0);
    let book_ext_id: Guid = confirmation["book_ext_id"].as_str().unwrap().parse().unwrap();

    // Both restarted, with new handles on the same database: the same answer, no new call.
    a.stop().await;
    b.stop().await;
    let (a, b) = (Instance::start(&mis, open().await).await, Instance::start(&mis, open().await).await);
    let addrs = [a.addr, b.addr];
    assert_eq!(post(b.addr, "/booking/book", booking.clone()).await, booked[0]);
    assert_eq!(mis.books.load(Ordering::SeqCst), 1);

    // 200 identical cancels: one call of the handler; its answer (status 0) and 199 equal
    // repeats (code 1 «Запись с таким ИД уже отменена» with the booking's fields).
    let cancel = serde_json::to_vec(&CancelRequest::new(book_ext_id, "p-1")).unwrap();
    let cancelled = flood(&addrs, "/booking/cancel", cancel.clone()).await;
    assert_eq!(mis.cancels.load(Ordering::SeqCst), 1, "the handler was called once for {CALLS} cancels");
    let (done, repeats): (Vec<_>, Vec<_>) = cancelled.into_iter().partition(|b| json(b)["status"]["status_code"] == 0);
    assert_eq!(done.len(), 1, "one cancel answered status 0");
    assert_all_equal(&repeats, "repeated cancels");
    let repeat = json(&repeats[0]);
    assert_eq!(repeat["status"]["status_code"], 1);
    assert_eq!(repeat["slot_id"], json(&done[0])["slot_id"]);

    // A repeat of the booking after its cancel is refused, on either instance.
    let late = post(a.addr, "/booking/book", booking.clone()).await;
    assert_eq!(json(&late)["status"]["status_code"], 18);
    assert_eq!(json(&late)["status"]["status_message"], REPEAT_AFTER_CANCEL);
    assert_eq!(post(b.addr, "/booking/book", booking.clone()).await, late);

    // Both restarted again: the cancel's repeat and the booking's are answered as before.
    a.stop().await;
    b.stop().await;
    let (a, b) = (Instance::start(&mis, open().await).await, Instance::start(&mis, open().await).await);
    assert_eq!(post(a.addr, "/booking/cancel", cancel.clone()).await, repeats[0]);
    assert_eq!(post(b.addr, "/booking/book", booking.clone()).await, late);
    assert_eq!((mis.books.load(Ordering::SeqCst), mis.cancels.load(Ordering::SeqCst)), (1, 1));

    // A cancel made outside the webhook, recorded through instance A, is seen by instance B.
    let mut other: serde_json::Value = serde_json::from_slice(&booking).unwrap();
    other["case_number"] = "another-application".into();
    let other = serde_json::to_vec(&other).unwrap();
    let second = json(&post(a.addr, "/booking/book", other.clone()).await);
    assert_eq!(second["status"]["status_code"], 0);
    assert_eq!(mis.books.load(Ordering::SeqCst), 2);
    let second_id: Guid = second["book_ext_id"].as_str().unwrap().parse().unwrap();
    let front_desk = CancelConfirmation {
        book_ext_id: second_id,
        slot_id: second["slot_id"].as_str().unwrap().parse().unwrap(),
        visit_time: "2024-03-28T08:00:00+03:00".parse().unwrap(),
        duration: DurationMinutes(20),
        details: BookingDetails::default(),
        message: None,
    };
    a.service.handler().record_cancel(&front_desk).await.unwrap();
    let refused = json(&post(b.addr, "/booking/book", other).await);
    assert_eq!(refused["status"]["status_code"], 18);
    let again =
        json(&post(b.addr, "/booking/cancel", serde_json::to_vec(&CancelRequest::new(second_id, "p")).unwrap()).await);
    assert_eq!(again["status"]["status_code"], 1);
    assert_eq!((mis.books.load(Ordering::SeqCst), mis.cancels.load(Ordering::SeqCst)), (2, 1));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("webhook.sqlite");
    two_instances_share(|| async { SqliteStore::open(&path).await.unwrap() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_database() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let url = pg.database("webhook_two_instances");
    two_instances_share(|| async { PostgresStore::connect(&url).await.unwrap() }).await;
}

/// A claim whose holder died (it never released it) is taken over once it expires, and the
/// booking goes through: never refused for the dead instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_claim_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("webhook.sqlite")).await.unwrap();
    let request: BookingRequest = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    let booking_key = BookingKey::of(&request);
    let key = ClaimKey::Book(booking_key.clone());
    // The dead instance's claim, about to expire; a live one is not taken over meanwhile.
    assert!(store.claim(&key, "dead-instance", Duration::from_millis(300)).await.unwrap());
    assert!(!store.claim(&key, "other", Duration::from_secs(5)).await.unwrap());
    let mis = Arc::new(Counting::default());
    let webhook = Idempotent::new(Arc::clone(&mis), store.clone());
    let booked = webhook.book(request, RequestContext::new(None, "r")).await.unwrap();
    assert_eq!(mis.books.load(Ordering::SeqCst), 1);
    assert_eq!(store.find_booking(&booking_key).await.unwrap(), Some(BookingRecord::Confirmed(booked)));
    // Released after the answer: anyone may claim it now.
    assert!(store.claim(&key, "other", Duration::from_secs(5)).await.unwrap());
}

/// The same on PostgreSQL, whose claims run on the database's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_claim_is_taken_over_on_postgres() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let store = PostgresStore::connect(&pg.database("webhook_expired_claim")).await.unwrap();
    let key = ClaimKey::Cancel(Guid::from_u128(5));
    assert!(store.claim(&key, "dead-instance", Duration::from_millis(300)).await.unwrap());
    assert!(!store.claim(&key, "other", Duration::from_secs(5)).await.unwrap());
    assert!(store.claim(&key, "dead-instance", Duration::from_millis(300)).await.unwrap(), "the holder renews");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.claim(&key, "other", Duration::from_secs(5)).await.unwrap(), "taken over after expiry");
    store.release(&key, "dead-instance").await.unwrap();
    assert!(!store.claim(&key, "third", Duration::from_secs(5)).await.unwrap(), "only the holder releases");
    store.release(&key, "other").await.unwrap();
    assert!(store.claim(&key, "third", Duration::from_secs(5)).await.unwrap());
}
