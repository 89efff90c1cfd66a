//! Segment's SendGrid actions, one module each, and the types their batch
//! entry points share.

pub mod accounting;
pub mod body_sink;
pub mod call_args;
pub mod input;
pub mod lists;
pub mod records;
pub mod send;
pub mod upsert;

pub use input::{BatchAbort, CancellationToken, InputRecord};
