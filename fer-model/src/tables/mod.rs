//! The eight tables of Appendix 1, one module each.

pub mod book;
pub mod mo;
pub mod profilecode_resource;
pub mod referral;
pub mod resource;
pub mod service;
pub mod slot;
pub mod unaccessable_period;
