//! The account-wide contact reads: `GET /v3/marketing/contacts` (SendGrid's
//! sample of the most recent contacts) and `GET /v3/marketing/contacts/count`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::errors::json_response;
use super::state::Emulator;

/// SendGrid returns at most this many contacts (pagination is deprecated).
const SAMPLE_SIZE: usize = 50;

/// The 50 most recently written contacts, then sorted by email address (as
/// SendGrid documents; contacts without an email come last), and the count.
pub async fn sample(State(em): State<Arc<Emulator>>) -> Response {
    let mut store = em.write();
    super::imports::settle(&mut store);
    let mut picked = store.contacts.most_recent(SAMPLE_SIZE, |_| true);
    picked.sort_by(|a, b| {
        let (a, b) = (a.identifiers[0].as_deref(), b.identifiers[0].as_deref());
        (a.is_none(), a).cmp(&(b.is_none(), b))
    });
    let result: Vec<_> = picked.iter().map(|c| c.to_json(&em.base_url)).collect();
    let body = json!({
        "result": result,
        "contact_count": store.contacts.all().len(),
        "_metadata": {"self": format!("{}/v3/marketing/contacts", em.base_url)},
    });
    json_response(StatusCode::OK, &body)
}

/// `billable_breakdown` is left out: SendGrid shows it only to a parent
/// account with subusers, and the emulator has none. Every stored contact
/// counts as billable.
pub async fn count(State(em): State<Arc<Emulator>>) -> Response {
    let mut store = em.write();
    super::imports::settle(&mut store);
    let total = store.contacts.all().len();
    json_response(
        StatusCode::OK,
        &json!({"contact_count": total, "billable_count": total}),
    )
}
