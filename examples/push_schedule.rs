//! Authenticate and push a small generated schedule (subdivisions, doctors, a day of slots) to a
//! Vitrina, then read one slot back and list a doctor's day.
//!
//! ```text
//! cargo run -p fer-examples --example push_schedule                  # starts an in-process emulator
//! cargo run -p fer-examples --example push_schedule -- \
//!     --base-url http://127.0.0.1:2100 --username 1.2.643.5.1.13.13.12.2.77.7777 --password emulator
//! ```
//!
//! The schedule is deterministic: the same flags give the same ids, so running it twice updates the
//! same records (upserts are idempotent).

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use clap::Parser;
use fer_client::{OutcomeKind, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{
    AgeGroup, DurationMinutes, Enabled, Guid, Mo, MoAgeGroup, Oid, Resource, ResourceKind, Slot, SlotStatus,
    Specialist, TagType, TagTypes, Timestamp,
};
use fer_validate::Dataset;

/// Push a generated schedule to a Vitrina (or to an in-process emulator).
#[derive(Parser)]
struct Args {
    /// The gateway's base URL; without it an emulator is started on 127.0.0.1.
    #[arg(long)]
    base_url: Option<String>,
    /// The MO OID used at /auth.svc.
    #[arg(long, default_value = fer_emulator::DEFAULT_USERNAME)]
    username: Oid,
    /// The password of /auth.svc.
    #[arg(long, env = "FER_PASSWORD", default_value = fer_emulator::DEFAULT_PASSWORD, hide_default_value = true)]
    password: String,
    /// Subdivisions to generate.
    #[arg(long, default_value_t = 2)]
    subdivisions: u32,
    /// Doctors per subdivision.
    #[arg(long, default_value_t = 2)]
    doctors: u32,
    /// The day of the schedule (YYYY-MM-DD); 20-minute slots from 08:00 to 12:00.
    #[arg(long, default_value = "2024-04-01")]
    day: NaiveDate,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();

    // A running Vitrina (or emulator) when given, otherwise our own emulator for the run.
    let (base_url, username, password, emulator) = match &args.base_url {
        Some(url) => (url.clone(), args.username.clone(), args.password.clone(), None),
        None => {
            let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
            let url = emulator.base_url();
            println!("started an emulator at {url}");
            (url, emulator.username().clone(), emulator.password().to_owned(), Some(emulator))
        }
    };

    let client = VitrinaClient::builder()
        .base_url(base_url)
        .credentials(username.clone(), password)
        .request_timeout(Duration::from_secs(20))
        .build()?;

    let dataset = schedule(&username, args.subdivisions, args.doctors, args.day);
    let report = client.upload_dataset(&dataset).await?;
    println!("{report:#}");

    if let (Some(slot), Some(doctor)) = (dataset.slot.first(), dataset.resource.first()) {
        let back: Option<Slot> = client.get(&slot.id).await?;
        println!("slot {} read back: {}", slot.id, if back.as_ref() == Some(slot) { "identical" } else { "different" });
        let day = client.slots_by_resource(&doctor.id, args.day, args.day).await?;
        println!("doctor {} has {} slot(s) on {}", doctor.id, day.len(), args.day);
    }

    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    if report.count(OutcomeKind::Accepted) == report.len() {
        Ok(())
    } else {
        Err(format!("{} record(s) were not accepted", report.len() - report.count(OutcomeKind::Accepted)).into())
    }
}

/// A GUID that depends only on `(kind, n)`, so that reruns update the same records.
fn guid(kind: u32, n: u32) -> Guid {
    Guid::from(uuid::Uuid::from_u128((u128::from(kind) << 96) | u128::from(n)))
}

fn schedule(mo_oid: &Oid, subdivisions: u32, doctors: u32, day: NaiveDate) -> Dataset {
    let created = Timestamp::from_naive(day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::days(30));
    let mut dataset = Dataset::default();
    for m in 1..=subdivisions {
        let mo = Mo {
            id: guid(1, m),
            parent_id: mo_oid.clone(),
            branch_oid: Oid::parse(&format!("{mo_oid}.0.{m}")).unwrap_or_else(|_| mo_oid.clone()),
            name: format!("Поликлиника № {m}"),
            address: format!("г. Москва, ул. Примерная, д. {m}"),
            address_fias_guid: None,
            region_okato: None,
            phone: None,
            enabled: Enabled::All,
            create_ts: created,
            tag_age: Some(MoAgeGroup::All),
        };
        for d in 1..=doctors {
            let doctor = Resource {
                id: guid(2, m * 1000 + d),
                mo_id: mo.id,
                enabled: Enabled::All,
                create_ts: created,
                description: None,
                kind: ResourceKind::Specialist(Specialist {
                    post_id: "110".into(),      // врач-терапевт участковый (NSI 1.2.643.5.1.13.13.11.1002)
                    speciality_id: "27".into(), // NSI 1.2.643.5.1.13.13.11.1066
                    snils: "112-233-445 95".parse().expect("a valid SNILS literal"),
                    last_name: format!("Врачев-{m}-{d}"),
                    first_name: "Иван".into(),
                    middle_name: None,
                }),
            };
            let first: NaiveDateTime = day.and_hms_opt(8, 0, 0).unwrap_or_default();
            for k in 0..12 {
                dataset.slot.push(Slot {
                    id: guid(3, (m * 1000 + d) * 100 + k),
                    mo_id: mo.id,
                    resource_id: doctor.id,
                    tag_type: TagTypes::only(TagType::Epgu).with(TagType::Registry),
                    tag_age: AgeGroup::All,
                    visit_time: Timestamp::from_naive(first + chrono::Duration::minutes(20 * i64::from(k))),
                    duration: DurationMinutes(20),
                    status: SlotStatus::Available,
                    create_ts: created,
                });
            }
            dataset.resource.push(doctor);
        }
        dataset.mo.push(mo);
    }
    dataset
}
