//! The one integration-test binary of `fer-client` (one binary links the crate once; each module is
//! one former test file).

mod common;
mod endpoints;
mod faults_region;
mod gzip_members;
mod logging;
#[cfg(feature = "portal")]
mod portal;
#[cfg(feature = "portal")]
mod portal_logging;
mod progress;
mod resilience;
mod spec_fidelity;
mod upload;
