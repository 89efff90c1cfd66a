//! Segment's SendGrid actions, one module each.

pub mod upsert;
