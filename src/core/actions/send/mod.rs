//! "Send Email with Dynamic Template": Segment's schema stage and `perform`
//! (payload, mail), template pre-flight (templates, variables), merging,
//! and sending that never double-sends (dispatch, isolate).

pub mod api;
pub mod dispatch;
pub mod formats;
pub mod isolate;
pub mod mail;
pub mod merge;
pub mod payload;
pub mod templates;
pub mod variables;

pub use api::{MailApi, SendOptions, SendResult};
pub use mail::{prepare, PreparedMail};
pub use templates::TemplateCache;
