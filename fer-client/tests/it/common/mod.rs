//! Shared test helpers: a small deterministic schedule and a running emulator with a client.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use fer_client::{Preflight, RetryPolicy, VitrinaClient, VitrinaClientBuilder};
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{
    AgeGroup, Book, BookStatus, BookType, DurationMinutes, Enabled, Guid, Mo, MoAgeGroup, Oid, ProfilecodeResource,
    Referral, ReferralKind, ReferralStatus, Resource, ResourceKind, Service, Slot, SlotStatus, Specialist, TagSource,
    TagType, TagTypes, Timestamp, UnaccessablePeriod, UnavailabilityReason,
};
use fer_validate::Dataset;

/// A GUID that depends only on `(kind, n)`: `0000000k-0000-4000-8000-00000000000n`.
pub fn guid(kind: u32, n: u32) -> Guid {
    format!("{kind:08x}-0000-4000-8000-{n:012x}").parse().unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A subdivision of the emulator's MO.
pub fn mo(n: u32, parent: &Oid) -> Mo {
    Mo {
        id: guid(1, n),
        parent_id: parent.clone(),
        branch_oid: format!("1.2.643.5.1.13.13.12.2.77.7777.0.{}", 100 + n).parse().unwrap(),
        name: format!("Поликлиника № {n}"),
        address: format!("г. Москва, ул. Тестовая, д. {n}"),
        address_fias_guid: None,
        region_okato: None,
        phone: None,
        enabled: Enabled::All,
        create_ts: ts("2024-03-01T08:00:00"),
        tag_age: Some(MoAgeGroup::All),
    }
}

/// A doctor of subdivision `mo_id`.
pub fn doctor(n: u32, mo_id: Guid) -> Resource {
    Resource {
        id: guid(2, n),
        mo_id,
        enabled: Enabled::All,
        create_ts: ts("2024-03-01T08:00:00"),
        description: None,
        kind: ResourceKind::Specialist(Specialist {
            post_id: "110".into(),
            speciality_id: "27".into(),
            snils: "112-233-445 95".parse().unwrap(),
            last_name: format!("Иванов{n}"),
            first_name: "Пётр".into(),
            middle_name: Some("Сергеевич".into()),
        }),
    }
}

/// Slot `k` of a doctor's day: 20-minute slots from 08:00 on 2024-04-01.
pub fn slot(n: u32, k: u32, resource: &Resource) -> Slot {
    let start: NaiveDateTime = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
    Slot {
        id: guid(3, n * 1000 + k),
        mo_id: resource.mo_id,
        resource_id: resource.id,
        tag_type: TagTypes::only(TagType::Epgu).with(TagType::Registry),
        tag_age: AgeGroup::All,
        visit_time: Timestamp::from_naive(start + chrono::Duration::minutes(20 * i64::from(k))),
        duration: DurationMinutes(20),
        status: SlotStatus::Available,
        create_ts: ts("2024-03-01T08:00:00"),
    }
}

/// `mos` subdivisions with `doctors` doctors each and `slots` slots per doctor.
pub fn schedule(parent: &Oid, mos: u32, doctors: u32, slots: u32) -> Dataset {
    let mut d = Dataset::default();
    for m in 1..=mos {
        let mo = mo(m, parent);
        for r in 1..=doctors {
            let doc = doctor(m * 100 + r, mo.id);
            for k in 0..slots {
                d.slot.push(slot(m * 100 + r, k, &doc));
            }
            d.resource.push(doc);
        }
        d.mo.push(mo);
    }
    d
}

/// A builder for a client of `emulator` with quick retries.
pub fn client_builder(emulator: &EmulatorHandle) -> VitrinaClientBuilder {
    VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), emulator.password())
        .request_timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_attempts: 8,
            max_elapsed: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
        })
        .preflight(Preflight::PerRecord)
}

/// An emulator with the default configuration.
pub async fn emulator() -> EmulatorHandle {
    Emulator::spawn(EmulatorConfig::default()).await.unwrap()
}

pub fn service(n: u32, resource: &Resource) -> Service {
    Service {
        id: guid(4, n),
        resource_id: resource.id,
        code: "B01.047.001".into(),
        price: Some(1500.0),
        create_ts: ts("2024-03-01T08:00:00"),
    }
}

pub fn profile(n: u32, resource: &Resource) -> ProfilecodeResource {
    ProfilecodeResource {
        id: guid(5, n),
        resource_id: resource.id,
        profile_code: "97".into(),
        create_ts: ts("2024-03-01T08:00:00"),
    }
}

pub fn period(n: u32, resource: &Resource) -> UnaccessablePeriod {
    UnaccessablePeriod {
        period_id: guid(6, n),
        resource_id: resource.id,
        reason: UnavailabilityReason::Vacation,
        beg_date: ts("2024-05-01T00:00:00"),
        end_date: ts("2024-05-14T23:59:59"),
        create_ts: ts("2024-03-01T08:00:00"),
    }
}

pub fn referral(n: u32, mo: &Mo, resource: &Resource) -> Referral {
    Referral {
        id: guid(7, n),
        patient_id: guid(9, n).to_string(),
        number: format!("NAPR-{n}"),
        kind: ReferralKind::Consultation {
            speciality_id: "27".into(), to_post_name: "врач-терапевт".into()
        },
        start_date: ts("2024-03-20T00:00:00"),
        end_date: Some(ts("2024-06-20T00:00:00")),
        to_mo_id: mo.id,
        to_profile_code: "97".into(),
        status: ReferralStatus::Available,
        create_ts: ts("2024-03-20T09:00:00"),
        from_mo_id: Some(mo.id),
        from_resource_id: resource.id,
        to_resource_id: Some(resource.id),
        from_referral_id: None,
        from_rmis_id: None,
        referral_type_code: "1".into(),
        to_mo_oid: mo.parent_id.clone(),
        from_mo_oid: mo.parent_id.clone(),
        from_mnemonic_code: None,
    }
}

/// A book of a (RECORDED) slot.
pub fn book(n: u32, slot: &Slot) -> Book {
    Book {
        id: guid(8, n),
        patient_id: guid(9, n),
        slot_id: slot.id,
        status_code: BookStatus::Recorded,
        tag_source: TagSource::Epgu,
        kind: BookType::Appointment,
        referral_id: None,
        create_ts: ts("2024-03-25T10:00:00"),
    }
}

/// A minimal real HTTP peer on 127.0.0.1 that answers every request with 200 and `{}`: enough
/// for the gateway's registration probe `GET <address>/booking/book`. Returns its base URL.
pub async fn webhook_peer() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// A real TCP peer on 127.0.0.1 that accepts connections and never answers. Returns its base URL.
pub async fn silent_peer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // keep the connection open, say nothing
        }
    });
    format!("http://{addr}")
}

/// The inbound exchanges of the emulator's journal as `(method, path, status)`.
pub fn inbound(emulator: &EmulatorHandle) -> Vec<(String, String, Option<u16>)> {
    emulator
        .journal()
        .into_iter()
        .filter(|e| e.direction == fer_emulator::Direction::Inbound)
        .map(|e| (e.method, e.url.split('?').next().unwrap_or_default().to_owned(), e.status))
        .collect()
}

/// The logs of one test: the buffer, and the guard that keeps the capturing subscriber in force.
pub struct LogCapture(pub fer_testkit::LogBuffer, #[allow(dead_code)] tracing::subscriber::DefaultGuard);

/// Installs a subscriber at TRACE (the emulator's own logs off) writing into the buffer it returns,
/// as this thread's default until the capture is dropped: every test of the binary gets its own
/// (they share one process), so call it from a current-thread test (`#[tokio::test]`).
pub fn capture_logs() -> LogCapture {
    let captured = fer_testkit::LogBuffer::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace,fer_emulator=off")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    LogCapture(captured, tracing::subscriber::set_default(subscriber))
}

/// One canned answer of [`canned_peer`]: the status, the content type and the body.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// A minimal real HTTP/1.1 server on 127.0.0.1 that grants a token at `/auth.svc` (valid until
/// 2099) and answers every other request with `answer`, after reading the whole request (headers
/// and `Content-Length` body). Returns its base URL.
pub async fn canned_peer(answer: Canned) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => data.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while data.len() < head_end + length {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => data.extend_from_slice(&buf[..n]),
                    }
                }
                let path = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let (status, content_type, body) = if path.starts_with("/auth.svc") {
                    let token = r#"{"Result":{"ValidTo":"2099-01-01T00:00:00Z","Value":"canned-token"},"IsSuccess":true,"ErrorMessage":"","StatusCode":200}"#;
                    (200, "application/json", token.to_owned())
                } else {
                    (answer.status, answer.content_type, answer.body)
                };
                let reply = format!(
                    "HTTP/1.1 {status} Canned\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// A client of a peer that is not the emulator, with quick retries.
pub fn peer_client(base_url: &str) -> VitrinaClient {
    VitrinaClient::builder()
        .base_url(base_url)
        .credentials(fer_emulator::DEFAULT_USERNAME.parse().unwrap(), "pw")
        .request_timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_attempts: 2,
            max_elapsed: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        })
        .build()
        .unwrap()
}
