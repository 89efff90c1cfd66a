//! Contact jobs: a PUT contacts request (or a DELETE of contacts) becomes a
//! job that stays `pending` for `import_delay_ms`, then applies its records
//! and reports counts (and, when records failed, a link to its errors file),
//! and `GET /v3/marketing/contacts/imports/{id}`, which SendGrid serves for
//! both kinds (`job_type` `upsert` or `delete`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::contacts::ContactInput;
use super::errors::{json_response, ApiError, ErrorItem};
use super::routes::ERRORS_FILE_PATTERN;
use super::state::{Emulator, Store};
use super::validate::{iso_now, uuid};

/// One record that failed inside a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Position of the record in the request's `contacts` array.
    pub index: usize,
    pub message: String,
    /// The identifiers the record carried (by `IDENTIFIERS` index).
    pub identifiers: [Option<String>; 4],
}

#[derive(Debug)]
pub struct ImportJob {
    pub id: String,
    /// Submission order within the account (ids are random).
    pub sequence: usize,
    pub requested: usize,
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub errors: Vec<RecordError>,
    pub started_at: String,
    pub finished_at: Option<String>,
    due: Instant,
    /// What the job does, until it runs.
    pending: Option<Work>,
    job_type: &'static str,
}

/// What a pending job applies.
#[derive(Debug)]
pub enum Work {
    /// Upserted records, added to these lists.
    Upsert(Vec<ContactInput>, Vec<String>),
    /// Contacts deleted by id (`None`: every contact).
    Delete(Option<Vec<String>>),
}

impl ImportJob {
    /// SendGrid's states: `pending`, then `completed` (no errors), `errored`
    /// (some records failed) or `failed` (all of them did).
    pub fn status(&self) -> &'static str {
        if self.pending.is_some() {
            "pending"
        } else if self.errors.is_empty() {
            "completed"
        } else if self.errors.len() >= self.requested {
            "failed"
        } else {
            "errored"
        }
    }

    /// Whether the job ended with failed records (and so has an errors file).
    pub fn has_errors_file(&self) -> bool {
        matches!(self.status(), "errored" | "failed")
    }

    /// SendGrid's `ContactImport`; `download_base` is the origin of the
    /// `errors_url` link.
    pub fn to_json(&self, download_base: &str) -> Value {
        let mut body = json!({
            "id": self.id,
            "status": self.status(),
            "job_type": self.job_type,
            "results": {
                "requested_count": self.requested,
                "created_count": self.created,
                "updated_count": self.updated,
                "deleted_count": self.deleted,
                "errored_count": self.errors.len(),
            },
            "started_at": self.started_at,
        });
        if let Some(finished) = &self.finished_at {
            body["finished_at"] = json!(finished);
        }
        if self.has_errors_file() {
            body["results"]["errors_url"] = json!(errors_url(download_base, &self.id));
        }
        body
    }

    /// The job with its per-record errors, for the handle's inspection.
    pub fn to_inspection_json(&self, download_base: &str) -> Value {
        let mut body = self.to_json(download_base);
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"index": e.index, "message": e.message}))
            .collect();
        body["errors"] = json!(errors);
        body
    }

    /// Applies the job to `store`'s contacts (once).
    fn run(&mut self, contacts: &mut super::contacts::ContactStore) {
        let (inputs, list_ids) = match self.pending.take() {
            None => return,
            Some(Work::Delete(ids)) => {
                self.deleted = contacts.delete(ids.as_deref());
                self.finished_at = Some(iso_now());
                return;
            }
            Some(Work::Upsert(inputs, list_ids)) => (inputs, list_ids),
        };
        let now = iso_now();
        for (index, input) in inputs.into_iter().enumerate() {
            match contacts.upsert(input, &list_ids, &now) {
                Ok(true) => self.created += 1,
                Ok(false) => self.updated += 1,
                Err(rejected) => self.errors.push(RecordError {
                    index,
                    message: rejected.message,
                    identifiers: rejected.identifiers,
                }),
            }
        }
        self.finished_at = Some(iso_now());
    }
}

/// The absolute link of a job's errors file (served by `downloads.rs`).
pub fn errors_url(download_base: &str, job_id: &str) -> String {
    let path = ERRORS_FILE_PATTERN.replace("{id}", job_id);
    format!("{}{path}", download_base.trim_end_matches('/'))
}

/// Applies every job whose delay has passed, oldest first, so updates land
/// in the order they were accepted. Every reader of contacts or jobs calls
/// this first: what a client or test observes never depends on whether the
/// job's timer task has run yet.
pub fn settle(store: &mut Store) {
    let now = Instant::now();
    let Store {
        jobs,
        pending_jobs,
        contacts,
        ..
    } = store;
    while let Some(id) = pending_jobs.front() {
        match jobs.get_mut(id) {
            Some(job) if job.due > now => break,
            Some(job) => job.run(contacts),
            None => {}
        }
        pending_jobs.pop_front();
    }
}

/// Queues a validated upsert or delete and returns its job id. The 202 goes
/// out as soon as the request is validated (as on SendGrid); a timer task
/// applies the job after `import_delay_ms`, and readers settle due jobs
/// themselves. `requested` is the records (or ids) the request named.
pub fn submit(em: &Arc<Emulator>, work: Work, requested: usize) -> String {
    let id = uuid();
    let job_type = match work {
        Work::Upsert(..) => "upsert",
        Work::Delete(_) => "delete",
    };
    let mut job = ImportJob {
        id: id.clone(),
        sequence: 0,
        requested,
        created: 0,
        updated: 0,
        deleted: 0,
        errors: Vec::new(),
        started_at: iso_now(),
        finished_at: None,
        due: Instant::now() + em.import_delay,
        pending: Some(work),
        job_type,
    };
    {
        let mut store = em.write();
        job.sequence = store.jobs.len();
        store.jobs.insert(id.clone(), job);
        store.pending_jobs.push_back(id.clone());
    }
    let em = em.clone();
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            if !em.import_delay.is_zero() {
                tokio::time::sleep(em.import_delay).await;
            }
            settle(&mut em.write());
        });
    }
    id
}

pub async fn status(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let mut store = em.write();
    settle(&mut store);
    match store.jobs.get(&id) {
        Some(job) => json_response(StatusCode::OK, &job.to_json(&em.download_base())),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            vec![ErrorItem::new("id", format!("import job '{id}' not found"))],
        )
        .into_response(),
    }
}
