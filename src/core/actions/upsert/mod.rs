//! Segment's "Upsert Contact" action (`updateUserProfile`), done the way a
//! pipeline needs it.
//!
//! Stages of one record: [`payload`] (Segment's schema stage after the
//! mapping), [`contact`] (Segment's `convertPayload`, serialised once),
//! [`batcher`] (requests of ≤ 30,000 contacts and ≤ 6,000,000 bytes),
//! [`isolate`] (sending, finding the bad records of a refused request),
//! [`imports`] (following import jobs) and [`verify`] (finding the records
//! an import job that ended `errored` did not store: [`sent`] keeps what
//! each request sent, [`errors_file`] and [`lookup`] ask SendGrid). [`flat`] runs the first two stages
//! in one pass for flat payloads of scalars (what lookup mappings produce).
//! [`ContactsApi`] ties them together per client, with the cached field
//! definitions of [`fields`].

mod api;
pub(crate) mod batcher;
pub mod contact;
mod errors_file;
pub mod fields;
pub mod flat;
mod flat_layout;
pub mod flat_table;
pub(crate) mod imports;
pub(crate) mod isolate;
pub(crate) mod lookup;
pub mod payload;
mod run;
pub(crate) mod sent;
mod verify;

pub use api::{ContactsApi, UpsertOptions, UpsertPayload, UpsertResult};
pub use batcher::ChunkLimits;
pub use imports::PollTiming;
