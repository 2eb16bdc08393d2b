//! The one integration-test binary of `fer-emulator` (one binary links the crate once; each module is
//! one former test file).

mod auth;
#[cfg(feature = "bin")]
mod binary;
mod callback;
mod common;
mod console;
mod faults;
mod fidelity;
mod fuzz_regressions;
mod gateway;
mod gateway_faults;
mod gzip_members;
mod limits;
mod lists;
mod openapi;
mod portal;
mod state_file;
mod tables;
