//! The one integration-test binary of `fer-model` (one binary links the crate once; each module is
//! one former test file).

mod common;
mod fixtures;
#[cfg(feature = "portal")]
mod fuzz_regressions;
#[cfg(feature = "openapi")]
mod openapi;
#[cfg(feature = "portal")]
mod portal;
mod roundtrip;
mod schemas;
