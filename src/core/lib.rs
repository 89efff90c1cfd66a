//! Pure-Rust core of `segment_sendgrid`.
//!
//! Everything here is usable and testable without Python: the SendGrid client
//! configuration and transport, the error model, and (in later modules) the
//! mapping engine, the actions and the emulator. The PyO3 bindings live in
//! `src/python/` and only convert values and exceptions.

pub mod actions;
pub mod client;
pub mod config;
pub mod emulator;
pub mod error;
pub mod rate_limit;
pub mod report;
pub mod secret;

pub use client::{Idempotency, SendGridClient};
pub use config::{ClientConfig, Endpoint};
pub use error::{ApiErrorDetail, Error, Result};
pub use report::{BatchReport, ImportJob, Outcome, RecordFailure, ReportBuilder};
pub use secret::ApiKey;
