//! Deterministic, realistic sample regions for the FER 2.0 Vitrina «Запись к врачу».
//!
//! [`generate`] builds a whole [`Dataset`](fer_validate::Dataset): subdivisions (table 1, `mo`), resources of the three
//! types (table 2), services (table 3), resource profiles (table 9), unavailability periods
//! (table 6), working-day slots (table 5), books (table 7) and referrals (table 8), with every
//! reference resolving and every rule of `fer-validate` holding, so the result can be pushed to a
//! Vitrina (or the emulator) as is. The same [`RegionSpec`] and seed always give the same region,
//! byte for byte.
//!
//! [`slots`] makes a large flat run of slots cheaply, for benchmarks.
//!
//! ```
//! use fer_sample::{RegionSpec, generate};
//! use fer_validate::DatasetExt as _;
//!
//! let spec = RegionSpec { mos: 2, days: 7, seed: 7, ..RegionSpec::default() };
//! let region = generate(&spec)?;
//! assert_eq!(region.mo.len(), 2);
//! assert_eq!(region, generate(&spec)?);
//! assert!(!region.validate().has_errors());
//! # Ok::<(), fer_sample::SpecError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod names;
mod region;

pub use region::{RegionSpec, SpecError, generate, slots};
