//! What the fuzz targets run, as plain functions over bytes, so that the regression tests of each
//! crate (`<crate>/tests/fuzz_regressions.rs`) run exactly the same code on the saved inputs
//! (`fixtures/fuzz/<target>/`) without the fuzzer: each test includes the module it needs with
//! `#[path = "../../fuzz/src/<module>.rs"]`. Every module uses only crates its including crate
//! already depends on. [`capture`] is the log capture of the security tests
//! (`<crate>/tests/security.rs`), shared the same way.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capture;
pub mod emulator;
pub mod model;
pub mod request;
pub mod validate;
pub mod webhook;
