//! Segment's SendGrid actions, one module each, and the types their batch
//! entry points share.

pub mod input;
pub mod send;
pub mod upsert;

pub use input::{BatchAbort, CancellationToken, InputRecord};
