//! The idempotency stores on SQL databases (features `sqlite` and `postgres`): the same three
//! tables on both (bookings by key, cancels by `book_ext_id`, claims by key), migrations embedded
//! and run when a store is opened.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use fer_model::{BookingConfirmation, BookingDetails, CancelConfirmation, DurationMinutes, Guid};
use serde::{Deserialize, Serialize};
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::StoreError;

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

/// A migrator of `migrations` (version, name, SQL). Missing versions are ignored: the database
/// may also hold another crate's migrations (fer-sync's, in a shared SQLite file).
fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    let mut migrator = Migrator {
        migrations: Cow::Owned(
            migrations
                .iter()
                .map(|&(version, name, sql)| {
                    Migration::new(version, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
                })
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    migrator.set_ignore_missing(true);
    migrator
}

/// A confirmation as stored (the booking's and the cancel's have the same fields).
#[derive(Serialize, Deserialize)]
struct Stored {
    book_ext_id: Guid,
    slot_id: Guid,
    /// RFC 3339 with the offset given.
    visit_time: String,
    duration: u32,
    service_id: Option<String>,
    organization_id: Option<String>,
    area_id: Option<String>,
    queue_number: Option<String>,
    message: Option<String>,
}

impl Stored {
    #[allow(clippy::too_many_arguments)]
    fn json(
        book_ext_id: Guid,
        slot_id: Guid,
        visit_time: DateTime<FixedOffset>,
        duration: DurationMinutes,
        details: &BookingDetails,
        message: &Option<String>,
    ) -> String {
        let stored = Stored {
            book_ext_id,
            slot_id,
            visit_time: visit_time.to_rfc3339(),
            duration: duration.0,
            service_id: details.service_id.clone(),
            organization_id: details.organization_id.clone(),
            area_id: details.area_id.clone(),
            queue_number: details.queue_number.clone(),
            message: message.clone(),
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    fn parse(json: &str) -> Result<(Stored, DateTime<FixedOffset>, BookingDetails), StoreError> {
        let stored: Stored = serde_json::from_str(json)
            .map_err(|e| StoreError::new(format!("a stored confirmation is unreadable: {e}")))?;
        let visit_time = DateTime::parse_from_rfc3339(&stored.visit_time)
            .map_err(|e| StoreError::new(format!("a stored confirmation's visit_time is unreadable: {e}")))?;
        let details = BookingDetails {
            service_id: stored.service_id.clone(),
            organization_id: stored.organization_id.clone(),
            area_id: stored.area_id.clone(),
            queue_number: stored.queue_number.clone(),
        };
        Ok((stored, visit_time, details))
    }
}

fn booking_json(c: &BookingConfirmation) -> String {
    Stored::json(c.book_ext_id, c.slot_id, c.visit_time, c.duration, &c.details, &c.message)
}

fn cancel_json(c: &CancelConfirmation) -> String {
    Stored::json(c.book_ext_id, c.slot_id, c.visit_time, c.duration, &c.details, &c.message)
}

fn booking_of(json: &str) -> Result<BookingConfirmation, StoreError> {
    let (s, visit_time, details) = Stored::parse(json)?;
    Ok(BookingConfirmation {
        book_ext_id: s.book_ext_id,
        slot_id: s.slot_id,
        visit_time,
        duration: DurationMinutes(s.duration),
        details,
        message: s.message,
    })
}

fn cancel_of(json: &str) -> Result<CancelConfirmation, StoreError> {
    let (s, visit_time, details) = Stored::parse(json)?;
    Ok(CancelConfirmation {
        book_ext_id: s.book_ext_id,
        slot_id: s.slot_id,
        visit_time,
        duration: DurationMinutes(s.duration),
        details,
        message: s.message,
    })
}

/// A database error as a [`StoreError`] (sqlx's messages carry no bound values).
fn db(e: sqlx::Error) -> StoreError {
    StoreError::new(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_survives_the_round_trip() {
        let c = BookingConfirmation {
            book_ext_id: Guid::from_u128(1),
            slot_id: Guid::from_u128(2),
            visit_time: "2026-01-10T08:00:00.250+05:00".parse().unwrap(),
            duration: DurationMinutes(40),
            details: BookingDetails { queue_number: Some("7".into()), ..Default::default() },
            message: Some("ок".into()),
        };
        assert_eq!(booking_of(&booking_json(&c)).unwrap(), c);
        let cancel = CancelConfirmation::of(&c);
        assert_eq!(cancel_of(&cancel_json(&cancel)).unwrap(), cancel);
        assert!(booking_of("{").is_err());
    }
}
