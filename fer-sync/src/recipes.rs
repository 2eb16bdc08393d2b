//! Recipes: the MIS's everyday changes, which tables they touch, in which order the MIS hands them
//! over, and what fer-sync does with them. Each is a tested example against the emulator.
//!
//! In every recipe the MIS only says what its data now is; fer-sync works out the order of the
//! requests ([the cycle order](crate#cycle-order)) and what need not be sent at all.
//!
//! # A doctor falls sick
//!
//! Tables: `unaccessable_period` (a new period for the resource), `slot` (the free slots of the
//! period BLOCKED, the booked ones CANCELED), `book` (the books of those slots 5010, annulled).
//! fer-sync sends the period, then the slots, then the books, in one cycle.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use fer_model::*;
//! # let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
//! # let client = fer_client::VitrinaClient::builder().base_url(emulator.base_url())
//! #     .credentials(emulator.username().clone(), emulator.password()).build()?;
//! # let dir = tempfile::tempdir()?;
//! # let store = fer_sync::Store::open(dir.path().join("sync.db")).await?;
//! # let engine = fer_sync::SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//! # let spec = fer_sample::RegionSpec { mos: 1, days: 5, booked_share: 0.5,
//! #     organisation: Some(emulator.username().clone()), ..Default::default() };
//! # let region = fer_sample::generate(&spec)?;
//! # let sync = engine.handle();
//! # sync.snapshot(fer_sync::Scope::Region, &region).await?;
//! # engine.run_once().await?;
//! let doctor = &region.resource[1];
//! let day = region.slot.iter().find(|s| s.resource_id == doctor.id).unwrap().visit_time.date();
//! let (from, to) = (day.and_hms_opt(0, 0, 0).unwrap(), (day + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).unwrap());
//! let sick = UnaccessablePeriod {
//!     period_id: Guid::from_name(&Guid::from_u128(1), "sick-leave-1"),
//!     resource_id: doctor.id,
//!     reason: UnavailabilityReason::SickLeave,
//!     beg_date: Timestamp::from_naive(from),
//!     end_date: Timestamp::from_naive(to),
//!     create_ts: Timestamp::from_naive(from),
//! };
//! let of_the_day: Vec<&Slot> = region.slot.iter()
//!     .filter(|s| s.resource_id == doctor.id && s.visit_time.date() == day).collect();
//! let mut slots = Vec::new();
//! let mut books = Vec::new();
//! for slot in &of_the_day {
//!     let booked = region.book.iter().find(|b| b.slot_id == slot.id && b.status_code == BookStatus::Recorded);
//!     let status = if booked.is_some() { SlotStatus::Canceled } else { SlotStatus::Blocked };
//!     slots.push(Slot { status, ..(*slot).clone() });
//!     books.extend(booked.map(|b| Book { status_code: BookStatus::Canceled, ..b.clone() }));
//! }
//! sync.upsert(&[sick.clone()]).await?;
//! sync.upsert(&slots).await?;
//! sync.upsert(&books).await?;
//! let cycle = engine.run_once().await?;
//! assert_eq!(cycle.accepted, 1 + slots.len() + books.len());
//! assert!(emulator.get::<UnaccessablePeriod>(&sick.period_id).is_some());
//! assert!(of_the_day.iter().all(|s| emulator.get::<Slot>(&s.id).unwrap().status != SlotStatus::Available));
//! # Ok(()) }
//! ```
//!
//! # A front-desk cancel
//!
//! Tables: `book` (5040, cancelled by the patient at the front desk) and `slot` (AVAILABLE again).
//! The book goes after its slot. A cancel through the gateway is the gateway's own write: the
//! webhook handler calls [`SyncHandle::adopt`](crate::SyncHandle::adopt) instead, and nothing is
//! sent.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use fer_model::*;
//! # let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
//! # let client = fer_client::VitrinaClient::builder().base_url(emulator.base_url())
//! #     .credentials(emulator.username().clone(), emulator.password()).build()?;
//! # let dir = tempfile::tempdir()?;
//! # let store = fer_sync::Store::open(dir.path().join("sync.db")).await?;
//! # let engine = fer_sync::SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//! # let spec = fer_sample::RegionSpec { mos: 1, days: 5, booked_share: 0.5,
//! #     organisation: Some(emulator.username().clone()), ..Default::default() };
//! # let region = fer_sample::generate(&spec)?;
//! # let sync = engine.handle();
//! # sync.snapshot(fer_sync::Scope::Region, &region).await?;
//! # engine.run_once().await?;
//! let book = region.book.iter().find(|b| b.status_code == BookStatus::Recorded).unwrap();
//! let slot = region.slot.iter().find(|s| s.id == book.slot_id).unwrap();
//! sync.upsert(&[Book { status_code: BookStatus::PatientCanceled, ..book.clone() }]).await?;
//! sync.upsert(&[Slot { status: SlotStatus::Available, ..slot.clone() }]).await?;
//! engine.run_once().await?;
//! assert_eq!(emulator.get::<Slot>(&slot.id).unwrap().status, SlotStatus::Available);
//! assert_eq!(emulator.get::<Book>(&book.id).unwrap().status_code, BookStatus::PatientCanceled);
//! # Ok(()) }
//! ```
//!
//! # The schedule regenerated for two weeks
//!
//! Tables: `slot` (and the books of booked slots). An MIS that rebuilds its schedule hands over the
//! whole subdivision as a [`Scope::Subdivision`](crate::Scope::Subdivision) snapshot: slots whose
//! content is unchanged cost a hash comparison, new ones are sent, and the ones the new schedule
//! lacks are deleted. An MIS that regenerates one doctor's fortnight hands over a
//! [`Scope::Schedule`](crate::Scope::Schedule) snapshot instead (the resource, the first and the
//! last day): only that resource's slots on those days (with their books) and its unavailability
//! periods beginning on them are diffed, so its other days and the rest of the subdivision stay as
//! they are.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use fer_model::*;
//! # let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
//! # let client = fer_client::VitrinaClient::builder().base_url(emulator.base_url())
//! #     .credentials(emulator.username().clone(), emulator.password()).build()?;
//! # let dir = tempfile::tempdir()?;
//! # let store = fer_sync::Store::open(dir.path().join("sync.db")).await?;
//! # let engine = fer_sync::SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//! # let sync = engine.handle();
//! let spec = fer_sample::RegionSpec { mos: 1, days: 14, booked_share: 0.0,
//!     organisation: Some(emulator.username().clone()), ..Default::default() };
//! let mut schedule = fer_sample::generate(&spec)?;
//! sync.snapshot(fer_sync::Scope::Region, &schedule).await?;
//! engine.run_once().await?;
//!
//! // The rebuilt schedule has every fourth slot less.
//! let before = schedule.slot.len();
//! let mut n = 0;
//! schedule.slot.retain(|_| { n += 1; n % 4 != 0 });
//! let subdivision = schedule.mo[0].id;
//! let counts = sync.snapshot(fer_sync::Scope::Subdivision(subdivision), &schedule).await?;
//! assert_eq!((counts.changed, counts.deleted as usize), (0, before - schedule.slot.len()));
//! engine.run_once().await?;
//! assert_eq!(emulator.count(Table::Slot), schedule.slot.len());
//! # Ok(()) }
//! ```
//!
//! # A slot moved to another time
//!
//! Tables: `slot`. Moving is a new slot at the new time and the delete of the old one (or, with the
//! same id, an upsert with the new `visit_time`). When the new time is the time of another slot
//! the MIS deletes, fer-sync deletes that one first, so that the new one is not refused with R-330.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use fer_model::*;
//! # let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
//! # let client = fer_client::VitrinaClient::builder().base_url(emulator.base_url())
//! #     .credentials(emulator.username().clone(), emulator.password()).build()?;
//! # let dir = tempfile::tempdir()?;
//! # let store = fer_sync::Store::open(dir.path().join("sync.db")).await?;
//! # let engine = fer_sync::SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//! # let spec = fer_sample::RegionSpec { mos: 1, days: 5, booked_share: 0.0,
//! #     organisation: Some(emulator.username().clone()), ..Default::default() };
//! # let region = fer_sample::generate(&spec)?;
//! # let sync = engine.handle();
//! # sync.snapshot(fer_sync::Scope::Region, &region).await?;
//! # engine.run_once().await?;
//! let (first, second) = (&region.slot[0], &region.slot[1]);
//! // The first slot takes the second one's time; the second one goes.
//! sync.delete(Table::Slot, &[second.id]).await?;
//! sync.upsert(&[Slot { visit_time: second.visit_time, ..first.clone() }]).await?;
//! engine.run_once().await?;
//! assert_eq!(emulator.get::<Slot>(&first.id).unwrap().visit_time, second.visit_time);
//! assert!(emulator.get::<Slot>(&second.id).is_none());
//! assert!(engine.status().await?.parked.is_empty());
//! # Ok(()) }
//! ```
//!
//! # A subdivision closed
//!
//! Tables: `mo` and everything under it. The MIS deletes the subdivision and its rows; fer-sync
//! sends one delete for the subdivision (after the cycle's upserts, in case a resource moved to
//! another subdivision), and settles the deletes of its resources, services, slots and books,
//! which the Vitrina's cascade does (section 3.1.5), without a request each. Deletes the cascade
//! does not do (profiles, unavailability periods, referrals) are sent.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use fer_model::*;
//! # let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
//! # let client = fer_client::VitrinaClient::builder().base_url(emulator.base_url())
//! #     .credentials(emulator.username().clone(), emulator.password()).build()?;
//! # let dir = tempfile::tempdir()?;
//! # let store = fer_sync::Store::open(dir.path().join("sync.db")).await?;
//! # let engine = fer_sync::SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//! # let spec = fer_sample::RegionSpec { mos: 2, days: 3,
//! #     organisation: Some(emulator.username().clone()), ..Default::default() };
//! # let region = fer_sample::generate(&spec)?;
//! # let sync = engine.handle();
//! # sync.snapshot(fer_sync::Scope::Region, &region).await?;
//! # engine.run_once().await?;
//! let closed = region.mo[0].id;
//! let mut rest = region.clone();
//! rest.mo.retain(|m| m.id != closed);
//! let resources: Vec<Guid> = region.resource.iter().filter(|r| r.mo_id == closed).map(|r| r.id).collect();
//! rest.resource.retain(|r| r.mo_id != closed);
//! rest.service.retain(|s| !resources.contains(&s.resource_id));
//! rest.profilecode_resource.retain(|p| !resources.contains(&p.resource_id));
//! rest.unaccessable_period.retain(|p| !resources.contains(&p.resource_id));
//! rest.slot.retain(|s| s.mo_id != closed);
//! let slots: Vec<Guid> = rest.slot.iter().map(|s| s.id).collect();
//! rest.book.retain(|b| slots.contains(&b.slot_id));
//! rest.referral.retain(|r| r.to_mo_id != closed && r.from_mo_id != Some(closed));
//! sync.snapshot(fer_sync::Scope::Region, &rest).await?;
//! let cycle = engine.run_once().await?;
//! assert!(cycle.cascaded > 0);
//! for table in Table::LOAD_ORDER {
//!     assert_eq!(emulator.count(table), rest.len(table), "{table}");
//! }
//! # Ok(()) }
//! ```
