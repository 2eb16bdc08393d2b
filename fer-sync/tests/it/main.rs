//! fer-sync against the emulator over loopback, on real SQLite files.

mod common;
mod intake;
mod push;
mod reconcile;
