//! `GET /downloads/contact-imports/{id}/errors.json`: the file an import
//! job's `results.errors_url` points at. It stands for SendGrid's
//! pre-signed download link, so it is served without the API key (the
//! job id, a random UUID, is the secret) but otherwise through the same
//! middleware: logged, and subject to injected faults and latency.
//!
//! The file format is this emulator's own: SendGrid does not document the
//! format of its errors file. It is one JSON object:
//!
//! ```json
//! {"job_id": "<id>", "errors": [{"index": 3, "message": "<the record's error>",
//!   "contact": {"email": "...", "phone_number_id": "...", "external_id": "...", "anonymous_id": "..."}}]}
//! ```
//!
//! `index` is the record's 0-based position in the request's `contacts`
//! array; `contact` holds only the identifiers that record carried.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::contacts::IDENTIFIERS;
use super::errors::{json_response, ApiError, ErrorItem};
use super::imports::ImportJob;
use super::state::Emulator;

/// The errors file of a job (see the module docs for the format).
pub fn errors_file(job: &ImportJob) -> Value {
    let errors: Vec<Value> = job
        .errors
        .iter()
        .map(|e| {
            let contact: Map<String, Value> = IDENTIFIERS
                .iter()
                .zip(&e.identifiers)
                .filter_map(|(name, value)| Some(((*name).to_owned(), json!(value.as_ref()?))))
                .collect();
            json!({"index": e.index, "message": e.message, "contact": contact})
        })
        .collect();
    json!({"job_id": job.id, "errors": errors})
}

/// 404 for an unknown job and for one without failed records (pending or
/// completed): only an errored or failed job has a file.
pub async fn import_errors(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let mut store = em.write();
    super::imports::settle(&mut store);
    match store.jobs.get(&id).filter(|job| job.has_errors_file()) {
        Some(job) => json_response(StatusCode::OK, &errors_file(job)),
        None => {
            let shown: String = id.chars().take(100).collect();
            let message = format!("import job '{shown}' has no errors file");
            ApiError::new(StatusCode::NOT_FOUND, vec![ErrorItem::new("id", message)])
                .into_response()
        }
    }
}
