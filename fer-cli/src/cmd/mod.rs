//! One module per subcommand.

pub mod callback;
pub mod conformance;
pub mod emulator;
pub mod push;
pub mod sample;
pub mod schema;
pub mod sync;
pub mod validate;
