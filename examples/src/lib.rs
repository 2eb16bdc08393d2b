//! Runnable examples of fer-rs, and the in-memory MIS they share.
//!
//! Run one with `cargo run --example <name>`:
//!
//! * `quickstart`: the whole integration in one process, offline: emulator, sample region, push,
//!   webhook, registration, booking and cancel through the gateway, then slot changes kept fresh
//!   through fer-sync with their change-to-accepted latency.
//! * `push_schedule`: push a generated schedule to a Vitrina or an in-process emulator.
//! * `webhook_server`: serve [`DemoMis`] as the booking webhook, `--listen ADDR`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use fer_model::{
    AgeGroup, BookingConfirmation, BookingDetails, BookingRejectionCode, BookingRequest, CancelConfirmation,
    CancelRequest, DurationMinutes, Guid, PatientId, ResourceKind, SlotStatus,
};
use fer_validate::Dataset;
use fer_webhook::{BookRejection, BookingHandler, CancelRejection, RequestContext, check_age};

/// The offset of the demo MIS's local time (Moscow, UTC+3): the tables carry local times without an
/// offset, the booking answer carries one (section 7.1).
pub const LOCAL_OFFSET_SECS: i32 = 3 * 3600;

/// A doctor, machine or room of the MIS.
#[derive(Debug, Clone)]
pub struct Doctor {
    /// Name as shown to the patient.
    pub name: String,
    /// Speciality or kind.
    pub speciality: String,
}

/// A slot of the MIS's schedule.
#[derive(Debug, Clone)]
pub struct DemoSlot {
    /// Index into the doctors.
    pub doctor: usize,
    /// Who may take it.
    pub tag_age: AgeGroup,
    /// When, in local time with its offset.
    pub visit_time: DateTime<FixedOffset>,
    /// How long.
    pub duration: DurationMinutes,
    /// The live booking, if any.
    pub booking: Option<Booking>,
}

/// A live booking of a slot.
#[derive(Debug, Clone)]
pub struct Booking {
    /// The MIS's id of the booking (`book_ext_id`).
    pub book_ext_id: Guid,
    /// The patient, as the gateway names them (not always a GUID).
    pub patient_id: PatientId,
}

/// An in-memory MIS answering the gateway's booking webhook (section 7 of the profile): doctors,
/// slots, and the business rules behind codes 11 (slot taken), 12 (overlapping booking), 13 (same
/// doctor the same day), 14 (age) and 18 (unknown slot). fer-webhook does the rest.
#[derive(Debug)]
pub struct DemoMis {
    doctors: Vec<Doctor>,
    slots: Mutex<HashMap<Guid, DemoSlot>>,
}

impl DemoMis {
    /// Three doctors and five slots; the first is the slot of the spec's example booking request
    /// (`b10902d0-e331-11ed-8d9e-60123c4747d1`, fixtures/spec/004/booking_request.json).
    pub fn sample() -> DemoMis {
        let doctors = vec![
            Doctor { name: "Иванова А. П.".into(), speciality: "терапевт".into() },
            Doctor { name: "Петров С. В.".into(), speciality: "педиатр".into() },
            Doctor { name: "Сидорова Е. Н.".into(), speciality: "офтальмолог".into() },
        ];
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap_or_default();
        let slots = [
            (Guid::from_u128(0xb10902d0_e331_11ed_8d9e_60123c4747d1), 0, AgeGroup::Adult, at("2024-03-28T08:00")),
            (Guid::from_u128(0x1001), 0, AgeGroup::Adult, at("2024-03-28T08:20")),
            (Guid::from_u128(0x1002), 2, AgeGroup::All, at("2024-03-28T08:00")),
            (Guid::from_u128(0x2001), 1, AgeGroup::Child, at("2024-03-28T09:00")),
            (Guid::from_u128(0x2002), 1, AgeGroup::Baby, at("2024-03-28T09:20")),
        ];
        let slots = slots.into_iter().map(|(id, doctor, tag_age, time)| (id, slot(doctor, tag_age, time, 20)));
        DemoMis { doctors, slots: Mutex::new(slots.collect()) }
    }

    /// The MIS behind a dataset (e.g. one from `fer_sample::generate`): its resources are the
    /// doctors, its AVAILABLE slots are free and its RECORDED ones taken; the other slots are left out.
    pub fn from_dataset(d: &Dataset) -> DemoMis {
        let mut index = HashMap::new();
        let doctors = d
            .resource
            .iter()
            .enumerate()
            .map(|(i, r)| {
                index.insert(r.id, i);
                match &r.kind {
                    ResourceKind::Specialist(s) => Doctor {
                        name: format!("{} {}", s.last_name, s.first_name),
                        speciality: format!("должность {}", s.post_id),
                    },
                    ResourceKind::Machine { machine_name } => {
                        Doctor { name: machine_name.clone(), speciality: "аппарат".into() }
                    }
                    ResourceKind::Room { room_number, room_name } => Doctor {
                        name: format!("{room_name}, каб. {room_number}"),
                        speciality: "кабинет".into(),
                    },
                }
            })
            .collect();
        let slots = d
            .slot
            .iter()
            .filter(|s| matches!(s.status, SlotStatus::Available | SlotStatus::Recorded))
            .filter_map(|s| {
                let mut demo = slot(*index.get(&s.resource_id)?, s.tag_age, s.visit_time.naive(), s.duration.0);
                if s.status == SlotStatus::Recorded {
                    demo.booking = Some(Booking { book_ext_id: Guid::new_v4(), patient_id: Guid::new_v4().into() });
                }
                Some((s.id, demo))
            })
            .collect();
        DemoMis { doctors, slots: Mutex::new(slots) }
    }

    /// The doctors.
    pub fn doctors(&self) -> &[Doctor] {
        &self.doctors
    }

    /// A copy of the schedule, sorted by time and doctor.
    pub fn schedule(&self) -> Vec<(Guid, DemoSlot)> {
        let mut all: Vec<_> = self.slots().iter().map(|(id, s)| (*id, s.clone())).collect();
        all.sort_by_key(|(id, s)| (s.visit_time, s.doctor, *id));
        all
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<Guid, DemoSlot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn slot(doctor: usize, tag_age: AgeGroup, local: NaiveDateTime, minutes: u32) -> DemoSlot {
    let offset = FixedOffset::east_opt(LOCAL_OFFSET_SECS).expect("UTC+3 is a valid offset");
    DemoSlot {
        doctor,
        tag_age,
        visit_time: DateTime::from_naive_utc_and_offset(local - offset, offset),
        duration: DurationMinutes(minutes),
        booking: None,
    }
}

#[async_trait]
impl BookingHandler for DemoMis {
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
        let patients_slots =
            slots.values().filter(|s| s.booking.as_ref().is_some_and(|b| b.patient_id == request.patient_id));
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
        slot.booking = Some(Booking { book_ext_id, patient_id: request.patient_id.clone() });
        let doctor = &self.doctors[slot.doctor];
        tracing::info!(%book_ext_id, doctor = %doctor.name, speciality = %doctor.speciality, "booked");
        Ok(BookingConfirmation {
            book_ext_id,
            slot_id: request.slot_id,
            visit_time: slot.visit_time,
            duration: slot.duration,
            details: BookingDetails { queue_number: Some("1".into()), ..BookingDetails::default() },
            message: Some(format!("Вы записаны: {} ({})", doctor.name, doctor.speciality)),
        })
    }

    async fn cancel(
        &self,
        request: CancelRequest,
        _ctx: RequestContext,
    ) -> Result<CancelConfirmation, CancelRejection> {
        let mut slots = self.slots();
        let booked =
            slots.iter_mut().find(|(_, s)| s.booking.as_ref().is_some_and(|b| b.book_ext_id == request.book_ext_id));
        match booked {
            Some((slot_id, slot)) => {
                slot.booking = None;
                tracing::info!(book_ext_id = %request.book_ext_id, "cancelled");
                // The answer's table marks the booking's slot, time and duration mandatory.
                Ok(CancelConfirmation {
                    book_ext_id: request.book_ext_id,
                    slot_id: *slot_id,
                    visit_time: slot.visit_time,
                    duration: slot.duration,
                    details: BookingDetails::default(),
                    message: None,
                })
            }
            // Cancelled earlier: the idempotency wrapper answers code 1 for cancels it saw; an id
            // this MIS never issued is a technical error.
            None => Err(CancelRejection::technical_error().with_message("Запись с таким ИД не найдена")),
        }
    }
}

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
