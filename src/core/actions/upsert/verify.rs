//! Verified imports: when an import job ends `errored` or `failed`, find
//! out which records of its request SendGrid did not store, so they move
//! from accepted to failed. A `202` only means "queued"; without this a
//! record refused inside the job (an identifier that belongs to another
//! contact, say) would be reported accepted and silently lost.
//!
//! Per job, the first source that answers decides:
//! 1. the job's `errors_url` file, when it is in the format our emulator
//!    writes and agrees with what was sent (SendGrid's own format is not
//!    documented, so a file we cannot read is not guessed at);
//! 2. a job whose errored count covers all its records: all of them failed;
//! 3. identifier look-ups, comparing each contact found with what was sent:
//!    missing, holding other identifiers, or last updated before the job
//!    started means the record was not applied.
//!
//! Jobs that completed cleanly are never looked at, so a clean run costs
//! nothing extra.

use std::collections::HashMap;

use super::errors_file::read_errors_file;
use super::lookup::{find_contacts, normalize, FoundContact, Lookup};
use super::sent::{Identifiers, SentRequest, IDENTIFIER_FIELDS};
use crate::client::SendGridClient;
use crate::error::Error;
use crate::report::{ImportJob, Outcome, RecordFailure};

/// The records of `jobs` that SendGrid did not store. `Err` only for a
/// refused key (the run's problem, not the records').
pub async fn verify_imports(
    client: &SendGridClient,
    jobs: &[ImportJob],
    sent: Vec<SentRequest>,
    concurrency: usize,
) -> Result<Vec<RecordFailure>, Error> {
    let mut by_job: HashMap<String, SentRequest> =
        sent.into_iter().map(|s| (s.job_id.clone(), s)).collect();
    let mut failures = Vec::new();
    for job in jobs
        .iter()
        .filter(|j| matches!(j.status.as_str(), "errored" | "failed"))
    {
        let Some(request) = by_job.remove(&job.id) else {
            continue;
        };
        let found = verify_job(client, job, &request, concurrency).await?;
        log::warn!(
            target: "segment_sendgrid::upsert",
            "import job {} ended {}: {} of its {} records were not stored and are reported failed",
            job.id, job.status, found.len(), request.len()
        );
        failures.extend(found);
    }
    Ok(failures)
}

async fn verify_job(
    client: &SendGridClient,
    job: &ImportJob,
    request: &SentRequest,
    concurrency: usize,
) -> Result<Vec<RecordFailure>, Error> {
    let prefix = format!("import job {} ended {}", job.id, job.status);
    if let Some(url) = &job.errors_url {
        if let Some(errors) = read_errors_file(client, url, request).await {
            return Ok(errors
                .into_iter()
                .map(|(position, message)| {
                    let reason =
                        format!("{prefix}: SendGrid did not store this contact: {message}");
                    rejected(request.index(position), reason)
                })
                .collect());
        }
    }
    if job.errored >= request.len() as u64 {
        let reason = format!(
            "{prefix}: SendGrid stored none of the {} contacts of its request",
            request.len()
        );
        return Ok((0..request.len())
            .map(|position| rejected(request.index(position), reason.clone()))
            .collect());
    }
    let found = look_up(client, request, concurrency).await?;
    let mut failures = Vec::new();
    for position in 0..request.len() {
        let identifiers = request.identifiers(position);
        let Some(kind) = identifiers.iter().position(Option::is_some) else {
            continue;
        };
        let key = normalize(kind, identifiers[kind].unwrap_or_default());
        let index = request.index(position);
        let failure = match found[kind].get(&key) {
            Some(Lookup::Found(contact)) => {
                not_applied(contact, &identifiers, job).map(|why| rejected(index, format!("{prefix} and {why}")))
            }
            Some(Lookup::Failed(error)) => Some(unknown(
                index,
                format!("{prefix} and whether SendGrid stored this contact could not be checked: {error}"),
            )),
            Some(Lookup::Missing) | None => Some(rejected(
                index,
                format!(
                    "{prefix} and SendGrid has no contact with this record's {}: it was not stored",
                    IDENTIFIER_FIELDS[kind]
                ),
            )),
        };
        failures.extend(failure);
    }
    Ok(failures)
}

/// Every record's first identifier, looked up per identifier kind.
async fn look_up(
    client: &SendGridClient,
    request: &SentRequest,
    concurrency: usize,
) -> Result<[HashMap<String, Lookup>; 4], Error> {
    let mut values: [Vec<String>; 4] = Default::default();
    for position in 0..request.len() {
        let identifiers = request.identifiers(position);
        if let Some((kind, Some(value))) = identifiers.iter().enumerate().find(|(_, v)| v.is_some())
        {
            values[kind].push(value.to_string());
        }
    }
    let mut found: [HashMap<String, Lookup>; 4] = Default::default();
    for (kind, mut wanted) in values.into_iter().enumerate() {
        wanted.sort_unstable();
        wanted.dedup();
        if !wanted.is_empty() {
            found[kind] = find_contacts(client, kind, wanted, concurrency).await?;
        }
    }
    Ok(found)
}

/// Why `contact` shows that the record was not applied by `job`, or
/// `None` when it was.
fn not_applied(contact: &FoundContact, sent: &Identifiers<'_>, job: &ImportJob) -> Option<String> {
    for (kind, value) in sent.iter().enumerate() {
        let Some(value) = value else { continue };
        let held = contact.identifiers[kind].as_deref();
        if held.map(|h| normalize(kind, h)) != Some(normalize(kind, value)) {
            return Some(format!(
                "the contact SendGrid holds has another {}: this record was not applied",
                IDENTIFIER_FIELDS[kind]
            ));
        }
    }
    let updated = contact.updated_at.as_deref().and_then(epoch_seconds)?;
    let started = job.started_at.as_deref().and_then(epoch_seconds)?;
    (updated < started).then(|| {
        "the contact was last updated before the job started: this record was not applied"
            .to_owned()
    })
}

/// An ISO-8601 timestamp in whole seconds (SendGrid's precision).
fn epoch_seconds(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

fn rejected(index: usize, reason: String) -> RecordFailure {
    RecordFailure {
        index,
        reason,
        status_code: None,
        field: None,
        outcome: Outcome::Rejected,
        retryable: false,
    }
}

/// A record that may or may not be stored: sending it again is safe (an
/// upsert is idempotent).
fn unknown(index: usize, reason: String) -> RecordFailure {
    RecordFailure {
        outcome: Outcome::Unknown,
        retryable: true,
        ..rejected(index, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(started_at: Option<&str>) -> ImportJob {
        ImportJob {
            id: "j1".into(),
            status: "errored".into(),
            requested: 2,
            created: 1,
            updated: 0,
            errored: 1,
            errors_url: None,
            started_at: started_at.map(str::to_owned),
        }
    }

    fn contact(email: &str, external: Option<&str>, updated_at: &str) -> FoundContact {
        FoundContact {
            identifiers: [Some(email.into()), None, external.map(Into::into), None],
            updated_at: Some(updated_at.into()),
            id: None,
            list_ids: None,
        }
    }

    #[test]
    fn a_contact_shows_whether_the_job_applied_the_record() {
        let started = job(Some("2026-12-06T10:00:05Z"));
        let sent: Identifiers<'_> = [Some("A@x.io"), None, None, None];
        // Updated in the job's second (SendGrid's precision) or later: applied.
        assert_eq!(
            not_applied(
                &contact("a@x.io", None, "2026-12-06T10:00:05Z"),
                &sent,
                &started
            ),
            None
        );
        assert_eq!(
            not_applied(
                &contact("a@x.io", None, "2026-12-06T11:00:00Z"),
                &sent,
                &started
            ),
            None
        );
        let stale = not_applied(
            &contact("a@x.io", Some("e"), "2026-12-06T10:00:04Z"),
            &sent,
            &started,
        );
        assert!(stale.unwrap().contains("before the job started"));
        // Another identifier than the one sent: not applied, whatever the time.
        let sent_ext: Identifiers<'_> = [Some("a@x.io"), None, Some("mine"), None];
        let other = not_applied(
            &contact("a@x.io", Some("theirs"), "2026-12-06T11:00:00Z"),
            &sent_ext,
            &started,
        );
        assert!(other.unwrap().contains("another external_id"));
        // Without timestamps only the identifiers can tell.
        assert_eq!(
            not_applied(&contact("a@x.io", None, "junk"), &sent, &job(None)),
            None
        );
    }
}
