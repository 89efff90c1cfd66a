//! `wait=True`: follows the import jobs of accepted requests through
//! `GET /v3/marketing/contacts/imports/{id}` until each is `completed`,
//! `errored` or `failed`, or `wait_timeout` passes.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::time::Instant;

use crate::client::{Idempotency, SendGridClient};
use crate::error::Error;
use crate::report::ImportJob;

/// Polling intervals: the first wait, doubled after each round up to `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTiming {
    pub first: Duration,
    pub cap: Duration,
}

impl Default for PollTiming {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            cap: Duration::from_secs(10),
        }
    }
}

const FINAL_STATES: &[&str] = &["completed", "errored", "failed"];

/// Polls every job until it is final or `timeout` has passed; jobs still
/// open then are reported with status `timeout` and their last counts.
/// Only a whole-run error (401/403) stops it early.
pub async fn wait_for_imports(
    client: &SendGridClient,
    job_ids: &[String],
    timeout: Duration,
    timing: PollTiming,
) -> Result<Vec<ImportJob>, Error> {
    let deadline = Instant::now() + timeout;
    let mut jobs: Vec<ImportJob> = job_ids.iter().map(|id| pending(id)).collect();
    let mut wait = timing.first;
    loop {
        for job in jobs.iter_mut().filter(|j| !is_final(j)) {
            let path = format!("/v3/marketing/contacts/imports/{}", job.id);
            match client
                .request(Method::GET, &path, None, Idempotency::Idempotent)
                .await
                .and_then(|r| r.json())
            {
                Ok(body) => update(job, &body),
                Err(error) if error.is_whole_run() => return Err(error),
                // Not visible yet or a passing failure: ask again next round.
                Err(_) => {}
            }
        }
        if jobs.iter().all(is_final) {
            log_outcomes(&jobs);
            return Ok(jobs);
        }
        let now = Instant::now();
        if now >= deadline {
            for job in jobs.iter_mut().filter(|j| !is_final(j)) {
                job.status = "timeout".to_owned();
            }
            log_outcomes(&jobs);
            return Ok(jobs);
        }
        tokio::time::sleep(wait.min(deadline - now)).await;
        wait = (wait * 2).min(timing.cap);
    }
}

fn log_outcomes(jobs: &[ImportJob]) {
    for job in jobs {
        log::info!(
            target: "segment_sendgrid::upsert",
            "import job {}: {} ({} requested, {} created, {} updated, {} errored)",
            job.id, job.status, job.requested, job.created, job.updated, job.errored
        );
    }
}

fn pending(id: &str) -> ImportJob {
    ImportJob {
        id: id.to_owned(),
        status: "pending".to_owned(),
        requested: 0,
        created: 0,
        updated: 0,
        errored: 0,
        errors_url: None,
        started_at: None,
    }
}

fn is_final(job: &ImportJob) -> bool {
    FINAL_STATES.contains(&job.status.as_str()) || job.status == "timeout"
}

/// Reads a `ContactImport` body into `job`.
fn update(job: &mut ImportJob, body: &Value) {
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        job.status = status.to_owned();
    }
    if let Some(started) = body.get("started_at").and_then(Value::as_str) {
        job.started_at = Some(started.to_owned());
    }
    let Some(results) = body.get("results") else {
        return;
    };
    let count = |key: &str| results.get(key).and_then(Value::as_u64).unwrap_or(0);
    job.requested = count("requested_count");
    job.created = count("created_count");
    job.updated = count("updated_count");
    job.errored = count("errored_count");
    job.errors_url = results
        .get("errors_url")
        .and_then(Value::as_str)
        .map(str::to_owned);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_contact_import_bodies() {
        let mut job = pending("j1");
        update(
            &mut job,
            &json!({"id": "j1", "status": "errored", "results": {
                "requested_count": 3, "created_count": 1, "updated_count": 1,
                "errored_count": 1, "errors_url": "https://x/errors"}}),
        );
        assert_eq!(job.status, "errored");
        assert_eq!(
            (job.requested, job.created, job.updated, job.errored),
            (3, 1, 1, 1)
        );
        assert_eq!(job.errors_url.as_deref(), Some("https://x/errors"));
        assert!(is_final(&job));
        assert!(!is_final(&pending("j2")));
    }
}
