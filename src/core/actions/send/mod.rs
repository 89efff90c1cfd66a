//! "Send Email with Dynamic Template": Segment's schema stage and `perform`
//! (payload, mail), template pre-flight (templates, variables), merging,
//! and sending that never double-sends (dispatch, isolate).

pub(crate) mod api;
pub(crate) mod dispatch;
pub(crate) mod formats;
pub(crate) mod isolate;
pub mod mail;
pub(crate) mod merge;
pub(crate) mod payload;
pub(crate) mod templates;
pub(crate) mod variables;

pub use api::{MailApi, SendOptions, SendResult};
