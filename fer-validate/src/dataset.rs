//! Whole datasets: all eight tables together, for the rules that cross tables.

use fer_model::{Book, Mo, ProfilecodeResource, Referral, Resource, Service, Slot, Table, UnaccessablePeriod};

use crate::Report;

/// All eight tables of one MIS (or one region), for cross-table rules and ordered upload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Subdivisions.
    pub mo: Vec<Mo>,
    /// Resources.
    pub resource: Vec<Resource>,
    /// Services.
    pub service: Vec<Service>,
    /// Slots.
    pub slot: Vec<Slot>,
    /// Books.
    pub book: Vec<Book>,
    /// Referrals.
    pub referral: Vec<Referral>,
    /// Unavailability periods.
    pub unaccessable_period: Vec<UnaccessablePeriod>,
    /// Resource profiles.
    pub profilecode_resource: Vec<ProfilecodeResource>,
}

impl Dataset {
    /// The order in which the tables are uploaded (NOTES.md, "Load order").
    pub fn upload_order() -> [Table; 8] {
        Table::LOAD_ORDER
    }

    /// Every rule: each table's batch rules plus every cross-table rule.
    pub fn validate(&self) -> Report {
        todo!("helper")
    }
}
