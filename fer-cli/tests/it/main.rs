//! The one integration-test binary of `fer-cli` (one binary links the crate once; each module is
//! one former test file).

mod network;
mod offline;
mod openapi;
mod sidecar;
mod sync;
