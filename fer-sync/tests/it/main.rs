//! fer-sync against the emulator over loopback, on real SQLite files.

mod common;
mod faults;
mod intake;
mod push;
mod reconcile;
