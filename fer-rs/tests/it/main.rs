//! A vendor's flow through the facade alone: every path below starts with `fer::` (plus tokio, the
//! vendor's runtime). The embedded emulator stands in for the Vitrina and the gateway.

mod policy;
mod vendor;
