//! Pure-Rust core of `segment_sendgrid`.
//!
//! Everything here is usable and testable without Python: the SendGrid client
//! configuration and transport, the error model, the mapping engine and the
//! actions. The SendGrid emulator is a crate of its own (`segment-sendgrid-emulator`). The Python bindings live in
//! `src/python/` and only convert values and exceptions.

pub mod actions;
pub mod client;
pub mod config;
pub mod error;
pub(crate) mod js;
pub mod json_doc;
mod json_kind;
pub mod mapping;
pub mod rate_limit;
pub mod report;
mod secret;
pub mod table;
mod wait_budget;

pub use client::{Idempotency, SendGridClient};
pub use config::{ClientConfig, Endpoint};
pub use error::{ApiErrorDetail, Error, Result};
pub use json_kind::a_json_type;
pub use mapping::{default_mapping, effective_mapping, Mapping, PathSegment};
pub use report::{BatchReport, ImportJob, Outcome, RecordFailure, ReportBuilder};
pub use secret::ApiKey;
