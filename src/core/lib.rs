//! Pure-Rust core of `segment_sendgrid`.
//!
//! Everything here is usable and testable without Python: the SendGrid client
//! configuration and transport, the error model, the mapping engine, tables as
//! events and the actions. The Python bindings live in `src/python/` and only
//! convert values and exceptions; the SendGrid emulator is a crate of its own
//! (`segment-sendgrid-emulator`).
//!
//! The modules are private: what the crate offers is the list below, grouped by
//! area, so this file shows the whole surface the bindings, the emulator, the
//! tests and the examples build on.

mod actions;
mod client;
mod config;
mod error;
mod js;
mod json_doc;
mod json_kind;
mod mapping;
mod rate_limit;
mod report;
mod secret;
mod table;
mod wait_budget;

// The client: configuration, key, transport and its limits.
pub use client::{Idempotency, RetryTiming, SendGridClient};
pub use config::{
    redact_userinfo, seconds, ClientConfig, ClientSettings, Endpoint, API_KEY_ENV, MAX_SECONDS,
};
pub use rate_limit::{RateLimitInfo, RateLimiter, MAX_HINTED_WAIT};
pub use secret::ApiKey;

// Errors and reports.
pub use error::{parse_error_details, ApiErrorDetail, Error, Result};
pub use json_kind::a_json_type;
pub use report::{BatchReport, ImportJob, Outcome, RecordFailure, ReportBuilder};

// Documents and the mapping engine.
pub use json_doc::{DocWriter, JsonDoc, PathTrie};
pub use mapping::{
    default_mapping, effective_mapping, FieldPlan, Mapping, PathSegment, MAX_OUTPUT_BYTES,
};

// Tables as events.
pub use table::values::{decimal_number, float_number, iso_civil_instant, not_a_json_number};
pub use table::{nest_columns, parquet_rows, BatchRows, ParquetBatches, RowPlan};

// Runs: input, records, accounting, call arguments, dry-run bodies.
pub use actions::accounting::{account_for_all, report_of, settle, Ending, Raised};
pub use actions::body_sink::{with_body_sink, BodySink};
pub use actions::call_args::{SendArgs, UpsertArgs};
pub use actions::records::{
    map_doc, map_json_text, map_json_value, record_from_text, table_records, value_record,
    RowPayload,
};
pub use actions::{BatchAbort, CancellationToken, InputRecord};

// Upsert Contact.
pub use actions::upsert::contact::build_contact;
pub use actions::upsert::fields::FieldDefinitions;
pub use actions::upsert::flat::{
    encode_mapped_contact, payload_from_doc, payload_from_json, payload_from_record, ContactLayout,
    Scalar,
};
pub use actions::upsert::flat_table::FlatTable;
pub use actions::upsert::payload::validate_payload;
pub use actions::upsert::{
    ChunkLimits, ContactsApi, PollTiming, UpsertOptions, UpsertPayload, UpsertResult,
};

// Sync List (SendGrid Lists) and Delete Contacts.
pub use actions::lists::{
    delete_options, DeleteOptions, ListTarget, ListsApi, SyncArgs, SyncMode, SyncOptions,
};

// Send Email with Dynamic Template.
pub use actions::send::mail::{DOMAIN_MESSAGE, GROUP_ID_MESSAGE};
pub use actions::send::{MailApi, SendOptions, SendResult};
