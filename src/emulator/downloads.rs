//! The download links, which stand for SendGrid's pre-signed URLs: served
//! without the API key (the job's random UUID is the secret) but otherwise
//! through the same middleware: logged, and subject to injected faults and
//! latency.
//!
//! - `GET /downloads/contact-exports/{id}/{n}.{csv|json}.gz`: a file of a
//!   ready contact export (its `urls`; format in `export_files.rs`), sent
//!   as `application/gzip`.
//! - `GET /downloads/contact-imports/{id}/errors.json`: the file an import
//!   job's `results.errors_url` points at.
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

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
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

/// 404 for an unknown export, one still pending and a file it does not have.
pub async fn export_file(
    State(em): State<Arc<Emulator>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((id, name))) = path else {
        return ApiError::not_found().into_response();
    };
    let store = em.read();
    let bytes = store
        .exports
        .iter()
        .find(|e| e.id == id)
        .and_then(|e| e.file(&name));
    let Some(bytes) = bytes else {
        let shown: String = format!("{id}/{name}").chars().take(200).collect();
        let message = format!("export file '{shown}' not found");
        return ApiError::new(StatusCode::NOT_FOUND, vec![ErrorItem::new("id", message)])
            .into_response();
    };
    let mut response = Response::new(Body::from(bytes));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    response
}
