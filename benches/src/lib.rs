//! Shared inputs, baselines and reporting for the fer-rs benchmarks.
//!
//! * [`inputs`]: deterministic, valid sample data of any size. The generators themselves live in
//!   [`fer_sample`] (used by the CLI's `fer sample`, the quickstart and the tests as well); this
//!   crate re-exports them and adds what only benchmarks need: the raw bodies the Vitrina receives
//!   and answers, and the booking call of section 7.
//! * [`gzip`]: the pure-Rust gzip backends compared (flate2 on miniz_oxide, zlib-rs), by level.
//! * [`baseline`]: what a vendor would write without fer-rs, so that every figure is a ratio: the
//!   hand-written body encoding, the JSON Schema validator over our exported slot schema, bare hyper
//!   webhook servers.
//! * [`loopback`]: the three webhook servers compared over loopback HTTP and the client calling them.
//! * [`report`]: reads criterion's saved estimates and prints the table of `BENCHMARKS.md`.
//!
//! ```
//! use fer_validate::DatasetExt as _;
//! let spec = fer_benches::RegionSpec { mos: 2, days: 7, ..Default::default() };
//! let region = fer_benches::generate_region(&spec).expect("the spec is in range");
//! assert!(!region.validate().has_errors());
//! let body = fer_benches::slot_batch_json(100, 7);
//! assert!(fer_validate::validate_raw(fer_model::Table::Slot, &body).is_empty());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
pub mod gzip;
pub mod inputs;
pub mod loopback;
pub mod names;
pub mod report;

pub use fer_sample::{RegionSpec, generate as generate_region, slots};
pub use inputs::{batch_json, slot_batch_json};
