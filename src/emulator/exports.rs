//! Contact exports: `POST /v3/marketing/contacts/exports` (202 with the
//! export's id), `GET /v3/marketing/contacts/exports/{id}` (its status) and
//! `GET /v3/marketing/contacts/exports` (all of them, oldest first). They
//! are how a client enumerates every member of a list: SGQL search answers
//! 50 contacts at most.
//!
//! An export is a snapshot taken when it is created: the members of the
//! given lists (each contact once), or every contact when no list is given,
//! rendered at once into gzipped files (`export_files.rs`). It stays
//! `pending` for the import delay (`import_delay_ms`), like import jobs,
//! then is `ready` with `urls`: links served without the API key by
//! `downloads.rs` at `{download base}/downloads/contact-exports/{id}/{n}.{csv|json}.gz`,
//! `n` counting files from 1.
//!
//! Choices of this emulator (SendGrid documents none of them):
//! - an unknown list id is a 404 (field `list_ids[i]`), as on the list
//!   endpoints that take a list id in their path (`PUT` contacts, whose list
//!   ids are in a batch of records, answers 400); the spec declares 404 here;
//! - `segment_ids` must be empty: the emulator has no segments (400);
//! - `notifications` is checked and ignored (no mail is sent);
//! - files split at `max_file_size` × 1,000,000 uncompressed bytes, or at
//!   the byte count a test set with `EmulatorHandle::set_export_file_bytes`;
//! - `expires_at` is 72 hours after creation; files are kept until reset.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use segment_sendgrid_core::a_json_type;
use serde_json::{json, Map, Value};

use super::errors::{json_response, parse_object, shown, ApiError, ErrorItem};
use super::export_files::{render, FileType};
use super::routes::EXPORT_FILE_PATTERN;
use super::state::Emulator;
use super::validate::{iso, uuid};

/// SendGrid's default `max_file_size`, in MB.
const DEFAULT_MAX_FILE_SIZE_MB: u64 = 5000;

/// How long after creation an export says it expires.
const EXPIRY: TimeDelta = TimeDelta::hours(72);

const EXPORTS_PATH: &str = "/v3/marketing/contacts/exports";

#[derive(Debug)]
pub struct ExportJob {
    pub id: String,
    file_type: FileType,
    /// The exported lists: (id, name).
    lists: Vec<(String, String)>,
    /// The gzipped files, in order (`Bytes`: a download shares, not copies).
    files: Vec<Bytes>,
    contact_count: usize,
    created: DateTime<Utc>,
    /// When it turns `ready`; `None`: a delay too long to represent.
    due: Option<Instant>,
    completed: DateTime<Utc>,
}

impl ExportJob {
    fn is_ready(&self) -> bool {
        self.due.is_some_and(|due| Instant::now() >= due)
    }

    /// The bytes of download `name` (`{n}.csv.gz` or `{n}.json.gz`, from 1),
    /// once the export is ready.
    pub fn file(&self, name: &str) -> Option<Bytes> {
        if !self.is_ready() {
            return None;
        }
        let number = name.strip_suffix(self.file_type.extension())?;
        let number = number.strip_suffix('.')?;
        // Digits only: "+1" or "01" would be a second name for a file.
        if number.starts_with('0') || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let index = number.parse::<usize>().ok()?.checked_sub(1)?;
        self.files.get(index).cloned()
    }

    /// SendGrid's `ContactExport`, with the `export_type` and `lists` of
    /// the list endpoint's items.
    pub fn to_json(&self, base_url: &str, download_base: &str) -> Value {
        let ready = self.is_ready();
        let lists: Vec<Value> = self
            .lists
            .iter()
            .map(|(id, name)| json!({"ID": id, "Name": name}))
            .collect();
        let export_type = if self.lists.is_empty() {
            "contacts_export"
        } else {
            "list_export"
        };
        let updated = if ready { self.completed } else { self.created };
        let mut body = json!({
            "id": self.id,
            "status": if ready { "ready" } else { "pending" },
            "created_at": iso(self.created),
            "updated_at": iso(updated),
            "expires_at": iso(self.created + EXPIRY),
            "export_type": export_type,
            "lists": lists,
            "_metadata": {"self": format!("{base_url}{EXPORTS_PATH}/{}", self.id)},
        });
        if ready {
            let urls: Vec<String> = (1..=self.files.len())
                .map(|n| self.file_url(download_base, n))
                .collect();
            body["completed_at"] = json!(iso(self.completed));
            body["contact_count"] = json!(self.contact_count);
            body["urls"] = json!(urls);
        }
        body
    }

    fn file_url(&self, download_base: &str, number: usize) -> String {
        let name = format!("{number}.{}", self.file_type.extension());
        let path = EXPORT_FILE_PATTERN
            .replace("{id}", &self.id)
            .replace("{file}", &name);
        format!("{}{path}", download_base.trim_end_matches('/'))
    }
}

/// A validated export request.
#[derive(Debug)]
struct ExportRequest {
    list_ids: Vec<String>,
    file_type: FileType,
    max_file_size_mb: u64,
}

/// Checks the body's members against the spec; every error is reported.
fn parse_request(body: &Map<String, Value>) -> Result<ExportRequest, ApiError> {
    let mut errors = Vec::new();
    let mut request = ExportRequest {
        list_ids: Vec::new(),
        file_type: FileType::Csv,
        max_file_size_mb: DEFAULT_MAX_FILE_SIZE_MB,
    };
    let present = |name: &str| body.get(name).filter(|v| !v.is_null());
    match present("list_ids") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(id) => request.list_ids.push(id.to_owned()),
                    None => errors.push(ErrorItem::new(
                        format!("list_ids[{i}]"),
                        "list ids must be strings",
                    )),
                }
            }
        }
        Some(other) => errors.push(not_an_array("list_ids", other)),
    }
    match present("segment_ids") {
        None => {}
        Some(Value::Array(items)) if items.is_empty() => {}
        Some(Value::Array(_)) => errors.push(ErrorItem::new(
            "segment_ids",
            "segments are not emulated: export lists (list_ids) or every contact",
        )),
        Some(other) => errors.push(not_an_array("segment_ids", other)),
    }
    match present("file_type") {
        None => {}
        Some(value) => match value.as_str().and_then(FileType::parse) {
            Some(file_type) => request.file_type = file_type,
            None => errors.push(ErrorItem::new(
                "file_type",
                "file_type must be \"csv\" or \"json\"",
            )),
        },
    }
    match present("max_file_size") {
        None => {}
        Some(value) => match value.as_u64().filter(|mb| *mb >= 1) {
            Some(mb) => request.max_file_size_mb = mb,
            None => errors.push(ErrorItem::new(
                "max_file_size",
                "max_file_size must be an integer number of MB, at least 1",
            )),
        },
    }
    match present("notifications") {
        None => {}
        Some(Value::Object(map))
            if map
                .get("email")
                .is_some_and(|v| !v.is_boolean() && !v.is_null()) =>
        {
            errors.push(ErrorItem::new(
                "notifications.email",
                "notifications.email must be a boolean",
            ));
        }
        Some(Value::Object(_)) => {}
        Some(other) => errors.push(ErrorItem::new(
            "notifications",
            format!(
                "notifications must be an object, got {}",
                a_json_type(other)
            ),
        )),
    }
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(ApiError::new(StatusCode::BAD_REQUEST, errors))
    }
}

fn not_an_array(field: &str, value: &Value) -> ErrorItem {
    let message = format!("{field} must be an array, got {}", a_json_type(value));
    ErrorItem::new(field, message)
}

/// Takes the snapshot and renders its files (see the module docs).
pub fn create_export(
    em: &Emulator,
    request_lists: &[String],
    file_type: FileType,
    split: u64,
) -> Result<String, ApiError> {
    super::imports::settle(&mut em.write());
    let store = em.read();
    let mut lists = Vec::new();
    for (i, id) in request_lists.iter().enumerate() {
        let Some(list) = store.fields.lists.iter().find(|l| &l.id == id) else {
            let message = format!("list '{}' not found", shown(id));
            let item = ErrorItem::new(format!("list_ids[{i}]"), message);
            return Err(ApiError::new(StatusCode::NOT_FOUND, vec![item]));
        };
        if !lists.iter().any(|(seen, _)| seen == id) {
            lists.push((list.id.clone(), list.name.clone()));
        }
    }
    let members = store.contacts.all().iter().filter(|c| {
        lists.is_empty()
            || c.list_ids
                .iter()
                .any(|l| lists.iter().any(|(id, _)| id == l))
    });
    let contact_count = members.clone().count();
    let files = render(members, &store.fields, file_type, split)
        .into_iter()
        .map(Bytes::from)
        .collect();
    drop(store);
    let created = Utc::now();
    let delay = em.import_delay;
    let completed = TimeDelta::from_std(delay)
        .ok()
        .and_then(|d| created.checked_add_signed(d))
        .unwrap_or(created);
    let job = ExportJob {
        id: uuid(),
        file_type,
        lists,
        files,
        contact_count,
        created,
        due: Instant::now().checked_add(delay),
        completed,
    };
    let id = job.id.clone();
    em.write().exports.push(job);
    Ok(id)
}

pub async fn create(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body).and_then(|map| parse_request(&map)) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let split = em
        .export_file_bytes()
        .unwrap_or(request.max_file_size_mb.saturating_mul(1_000_000));
    match create_export(&em, &request.list_ids, request.file_type, split) {
        Ok(id) => {
            let link = format!("{}{EXPORTS_PATH}/{id}", em.base_url);
            let body = json!({"id": id, "_metadata": {"self": link}});
            json_response(StatusCode::ACCEPTED, &body)
        }
        Err(error) => error.into_response(),
    }
}

pub async fn status(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let store = em.read();
    match store.exports.iter().find(|e| e.id == id) {
        Some(export) => {
            let body = export.to_json(&em.base_url, &em.download_base());
            json_response(StatusCode::OK, &body)
        }
        None => {
            let message = format!("export '{}' not found", shown(&id));
            ApiError::new(StatusCode::NOT_FOUND, vec![ErrorItem::new("id", message)])
                .into_response()
        }
    }
}

pub async fn list(State(em): State<Arc<Emulator>>) -> Response {
    let store = em.read();
    let download_base = em.download_base();
    let result: Vec<Value> = store
        .exports
        .iter()
        .map(|e| e.to_json(&em.base_url, &download_base))
        .collect();
    let link = format!("{}{EXPORTS_PATH}", em.base_url);
    json_response(
        StatusCode::OK,
        &json!({"result": result, "_metadata": {"self": link}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<ExportRequest, ApiError> {
        parse_request(body.as_object().unwrap())
    }

    #[test]
    fn requests_default_to_csv_and_5000_mb() {
        let request = parse(json!({})).unwrap();
        assert_eq!(request.file_type, FileType::Csv);
        assert_eq!(request.max_file_size_mb, 5000);
        let request = parse(
            json!({"list_ids": ["a"], "file_type": "json", "max_file_size": 1,
            "segment_ids": [], "notifications": {"email": false}}),
        )
        .unwrap();
        assert_eq!(
            (request.list_ids, request.file_type),
            (vec!["a".into()], FileType::Json)
        );
    }

    #[test]
    fn every_bad_member_is_reported() {
        let error = parse(
            json!({"list_ids": [1], "segment_ids": ["s"], "file_type": "xml",
            "max_file_size": 0, "notifications": {"email": "yes"}}),
        )
        .unwrap_err();
        let fields: Vec<_> = error
            .errors
            .iter()
            .filter_map(|e| e.field.clone())
            .collect();
        assert_eq!(
            fields,
            [
                "list_ids[0]",
                "segment_ids",
                "file_type",
                "max_file_size",
                "notifications.email"
            ]
        );
        assert!(error.errors[1].message.contains("not emulated"));
        let error = parse(json!({"list_ids": "a", "max_file_size": 1.5})).unwrap_err();
        assert_eq!(error.errors.len(), 2);
        assert!(error.errors[0].message.contains("a string"), "{:?}", error);
    }
}
