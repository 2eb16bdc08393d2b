//! An in-memory MIS answering the FER gateway's booking webhook (section 7 of the Vitrina profile):
//! a few doctors and their slots, the business rules behind codes 11–18, and fer-webhook for
//! everything else (routing, limits, gzip, validation, deadline, panic guard, idempotency).
//!
//! ```text
//! cargo run -p fer-examples --example webhook_server -- --listen 127.0.0.1:8080
//! curl -i http://127.0.0.1:8080/booking/book
//! curl -s -H 'content-type: application/json' -d @fixtures/spec/004/booking_request.json \
//!      http://127.0.0.1:8080/booking/book
//! ```
//!
//! The spec's example request books the first slot below. Register the webhook with the Vitrina
//! (`POST /api/callback`, or `fer-emulator`) to be called by the gateway.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use clap::Parser;
use fer_model::{
    AgeGroup, BookingConfirmation, BookingDetails, BookingRejectionCode, BookingRequest, CancelRequest,
    DurationMinutes, Guid,
};
use fer_webhook::{
    AllowList, BookRejection, BookingHandler, CancelRejection, Idempotent, RequestContext, WebhookConfig,
    WebhookService, check_age,
};

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "An in-memory MIS serving the FER 2.0 booking webhook")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Only these source addresses or networks may call (the gateway's, section 10), separated by
    /// commas; everyone when absent.
    #[arg(long, env = "FER_WEBHOOK_ALLOW")]
    allow: Option<AllowList>,
}

/// A doctor of the MIS.
struct Doctor {
    name: &'static str,
    speciality: &'static str,
}

/// A slot of the MIS's schedule.
struct Slot {
    doctor: usize,
    tag_age: AgeGroup,
    visit_time: DateTime<FixedOffset>,
    duration: DurationMinutes,
    booking: Option<Booking>,
}

/// A live booking of a slot.
#[derive(Clone, Copy)]
struct Booking {
    book_ext_id: Guid,
    patient_id: Guid,
}

/// The whole MIS: doctors, slots by id, and cancelled bookings.
struct Mis {
    doctors: Vec<Doctor>,
    slots: Mutex<HashMap<Guid, Slot>>,
}

impl Mis {
    fn sample() -> Mis {
        let doctors = vec![
            Doctor { name: "Иванова А. П.", speciality: "терапевт" },
            Doctor { name: "Петров С. В.", speciality: "педиатр" },
            Doctor { name: "Сидорова Е. Н.", speciality: "офтальмолог" },
        ];
        let slot = |doctor, tag_age, at: &str| Slot {
            doctor,
            tag_age,
            visit_time: DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("sample time {at}: {e}")),
            duration: DurationMinutes(20),
            booking: None,
        };
        let slots = HashMap::from([
            // The slot of the spec's example request.
            (guid("b10902d0-e331-11ed-8d9e-60123c4747d1"), slot(0, AgeGroup::Adult, "2024-03-28T08:00:00+03:00")),
            (Guid::from_u128(0x1001), slot(0, AgeGroup::Adult, "2024-03-28T08:20:00+03:00")),
            (Guid::from_u128(0x1002), slot(2, AgeGroup::All, "2024-03-28T08:00:00+03:00")),
            (Guid::from_u128(0x2001), slot(1, AgeGroup::Child, "2024-03-28T09:00:00+03:00")),
            (Guid::from_u128(0x2002), slot(1, AgeGroup::Baby, "2024-03-28T09:20:00+03:00")),
        ]);
        Mis { doctors, slots: Mutex::new(slots) }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<Guid, Slot>> {
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn guid(s: &str) -> Guid {
    s.parse().unwrap_or_else(|e| panic!("sample id {s}: {e}"))
}

#[async_trait]
impl BookingHandler for Mis {
    async fn book(&self, request: BookingRequest, _ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let mut slots = self.slots();
        let Some(slot) = slots.get(&request.slot_id) else {
            return Err(BookRejection::new(BookingRejectionCode::Other).with_message("Слот не найден"));
        };
        if slot.booking.is_some() {
            return Err(BookingRejectionCode::SlotUnavailable.into());
        }
        check_age(slot.tag_age, &request, slot.visit_time.naive_local())?;
        let (doctor, visit_time, day) = (slot.doctor, slot.visit_time, slot.visit_time.date_naive());
        let patients_slots = slots.values().filter(|s| s.booking.is_some_and(|b| b.patient_id == request.patient_id));
        for other in patients_slots {
            if other.visit_time == visit_time {
                return Err(BookingRejectionCode::OverlappingBooking.into());
            }
            if other.doctor == doctor && other.visit_time.date_naive() == day {
                return Err(BookingRejectionCode::ActiveBookingSameSpecialist.into());
            }
        }
        let book_ext_id = Guid::new_v4();
        let slot = slots.get_mut(&request.slot_id).ok_or(BookRejection::new(BookingRejectionCode::Other))?;
        slot.booking = Some(Booking { book_ext_id, patient_id: request.patient_id });
        let doctor = &self.doctors[slot.doctor];
        tracing::info!(%book_ext_id, doctor = doctor.name, speciality = doctor.speciality, "booked");
        Ok(BookingConfirmation {
            book_ext_id,
            slot_id: request.slot_id,
            visit_time: slot.visit_time,
            duration: slot.duration,
            details: BookingDetails { queue_number: Some("1".into()), ..BookingDetails::default() },
            message: Some(format!("Вы записаны: {} ({})", doctor.name, doctor.speciality)),
        })
    }

    async fn cancel(&self, request: CancelRequest, _ctx: RequestContext) -> Result<(), CancelRejection> {
        let mut slots = self.slots();
        let booked = slots.values_mut().find(|s| s.booking.is_some_and(|b| b.book_ext_id == request.book_ext_id));
        match booked {
            Some(slot) => {
                slot.booking = None;
                tracing::info!(book_ext_id = %request.book_ext_id, "cancelled");
                Ok(())
            }
            // Cancelled earlier: the idempotency wrapper answers code 1 for cancels it saw; an id
            // this MIS never issued is a technical error.
            None => Err(CancelRejection::technical_error().with_message("Запись с таким ИД не найдена")),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let mis = Mis::sample();
    println!("MIS schedule:");
    let mut schedule: Vec<_> = mis.slots().iter().map(|(id, s)| (s.visit_time, s.doctor, s.tag_age, *id)).collect();
    schedule.sort_by_key(|(time, doctor, ..)| (*time, *doctor));
    for (time, doctor, tag_age, id) in schedule {
        let d = &mis.doctors[doctor];
        println!("  slot {id}  {time}  {} ({}), {tag_age}", d.name, d.speciality);
    }

    let config = WebhookConfig { allow_list: args.allow, ..WebhookConfig::default() };
    let service = WebhookService::new(Idempotent::in_memory(mis)).with_config(config);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("webhook listening on http://{}/booking/book", listener.local_addr()?);
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    fer_webhook::serve_with_shutdown(listener, service, ctrl_c).await;
    Ok(())
}
