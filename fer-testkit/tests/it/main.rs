//! The integration tests of the workspace's policy: rules that hold for every member crate.

mod policy;
