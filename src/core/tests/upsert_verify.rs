//! Verified imports (`wait=True`): records an import job did not store move
//! from accepted to failed, found through the job's errors file (the
//! emulator's format) or, when it cannot be had, identifier look-ups
//! against the emulator's store; clean runs make no look-up at all.

mod common;
mod upsert_support;

use common::static_server;
use futures::stream;
use segment_sendgrid_core::{InputRecord, PollTiming, UpsertOptions};
use segment_sendgrid_core::{Outcome, RecordFailure};
use segment_sendgrid_emulator::{EmulatorHandle, EmulatorOptions};
use serde_json::{json, Value};
use std::time::Duration;
use upsert_support::*;

const SEARCH_EMAILS: &str = "/v3/marketing/contacts/search/emails";
const ERRORS_FILES: &str = "/downloads/contact-imports/*";

/// Makes every errors file unavailable, so verification falls back to look-ups.
fn without_errors_files(em: &EmulatorHandle) {
    em.fail_next(ERRORS_FILES, 404, 1_000, None, false).unwrap();
}

fn downloads(em: &EmulatorHandle) -> Vec<Value> {
    em.requests()
        .into_iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/downloads/"))
        })
        .collect()
}

fn waiting(api: &segment_sendgrid_core::ContactsApi) -> UpsertOptions {
    let mut opts = options(api);
    opts.wait = true;
    opts.poll = PollTiming {
        first: Duration::from_millis(5),
        cap: Duration::from_millis(20),
    };
    opts
}

fn records(payloads: Vec<Value>) -> impl futures::Stream<Item = InputRecord> + Send {
    stream::iter(
        payloads
            .into_iter()
            .enumerate()
            .map(|(index, payload)| InputRecord {
                index,
                payload: Ok(payload),
            }),
    )
}

fn searches(em: &EmulatorHandle) -> usize {
    em.requests()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/search")))
        .count()
}

/// The issue's repro: a contact already holds the phone number; a record
/// bringing it with another email is refused inside the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_job_refused_is_failed_and_the_others_stay_accepted() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let first = json!({"primary_email": "first@example.com", "phone_number_id": "+14155550100"});
    api.upsert_many(records(vec![first]), waiting(&api))
        .await
        .unwrap();

    let report = api
        .upsert_many(
            records(vec![
                json!({"primary_email": "second@example.com", "phone_number_id": "+14155550100"}),
                json!({"primary_email": "third@example.com"}),
            ]),
            waiting(&api),
        )
        .await
        .unwrap();
    assert_adds_up(&report);
    assert_eq!(report.accepted, 1, "{report:?}");
    assert_eq!(report.imports[0].status, "errored");
    let failure: &RecordFailure = &report.failed[0];
    assert_eq!(failure.index, 0);
    assert_eq!(failure.outcome, Outcome::Rejected);
    assert_eq!(failure.status_code, None);
    assert!(!failure.retryable);
    assert!(
        failure.reason.contains(&report.imports[0].id),
        "{}",
        failure.reason
    );
    assert!(failure.reason.contains("errored"), "{}", failure.reason);
    // The errors file named it, with SendGrid's (the emulator's) message.
    assert!(
        failure.reason.contains("every identifier"),
        "{}",
        failure.reason
    );
    assert_eq!((downloads(&em).len(), searches(&em)), (1, 0));
    let stored: Vec<String> = em
        .contacts()
        .iter()
        .map(|c| c["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(!stored.contains(&"second@example.com".to_owned()));
    assert!(stored.contains(&"third@example.com".to_owned()));
}

/// 10,000 contacts in one job, 37 of them bringing an external id that
/// belongs to another contact: exactly those 37 fail, whether the errors
/// file or the look-ups tell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_records_an_import_job_errored_on_fail() {
    for errors_file in [true, false] {
        let em = emulator(EmulatorOptions::default()).await;
        let api = api(&em);
        let owners: Vec<Value> = (0..37)
            .map(|i| json!({"primary_email": format!("owner{i}@example.com"), "external_id": format!("ext-{i}")}))
            .collect();
        api.upsert_many(records(owners), waiting(&api))
            .await
            .unwrap();
        if !errors_file {
            without_errors_files(&em);
        }
        let bad: Vec<usize> = (0..37).map(|i| 13 + i * 269).collect();
        let payloads: Vec<Value> = (0..10_000)
            .map(|i| match bad.iter().position(|b| *b == i) {
                Some(n) => json!({"primary_email": email(i), "external_id": format!("ext-{n}")}),
                None => json!({"primary_email": email(i), "external_id": format!("own-{i}")}),
            })
            .collect();
        let report = api
            .upsert_many(records(payloads), waiting(&api))
            .await
            .unwrap();
        assert_adds_up(&report);
        assert_eq!(report.imports.len(), 1);
        assert_eq!(report.imports[0].errored, 37);
        let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
        assert_eq!(failed, bad, "errors file: {errors_file}");
        assert_eq!(report.accepted, 10_000 - 37);
        assert!(report.failed.iter().all(|f| f.outcome == Outcome::Rejected));
        // The file, or one search per 100 records.
        let expected_searches = if errors_file { 0 } else { 100 };
        assert_eq!(
            searches(&em),
            expected_searches,
            "errors file: {errors_file}"
        );
    }
}

/// The errors link may point elsewhere (a pre-signed download): it is
/// fetched without the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_errors_file_on_another_origin_is_fetched_without_the_key() {
    let em = emulator(EmulatorOptions::default()).await;
    em.set_download_base(Some(format!("http://localhost:{}", em.port())))
        .unwrap();
    let api = api(&em);
    let stored = json!({"primary_email": "a@example.com", "phone_number_id": "+14155550100"});
    api.upsert_many(records(vec![stored]), waiting(&api))
        .await
        .unwrap();
    let conflict = json!({"primary_email": "b@example.com", "phone_number_id": "+14155550100"});
    let report = api
        .upsert_many(records(vec![conflict]), waiting(&api))
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(report.imports[0]
        .errors_url
        .as_deref()
        .unwrap()
        .starts_with("http://localhost:"));
    let fetched = downloads(&em);
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0]["status"], 200);
    assert!(
        fetched[0]["headers"].get("authorization").is_none(),
        "{fetched:?}"
    );
    // The API calls carried it.
    let puts = contact_requests(&em);
    assert!(puts
        .iter()
        .all(|r| r["headers"]["authorization"] == "Bearer [redacted]"));
}

/// An errors file that disagrees with what was sent is not trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_errors_file_that_disagrees_with_the_request_is_not_used() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let stored = json!({"primary_email": "a@example.com", "phone_number_id": "+14155550100"});
    api.upsert_many(records(vec![stored]), waiting(&api))
        .await
        .unwrap();
    // The file names position 1 with the identifiers sent at position 0.
    let wrong = br#"{"errors":[{"index":1,"message":"m","contact":{"email":"b@example.com"}}]}"#;
    let (port, heads) = static_server(wrong).await;
    em.set_download_base(Some(format!("http://127.0.0.1:{port}")))
        .unwrap();
    let report = api
        .upsert_many(
            records(vec![
                json!({"primary_email": "b@example.com", "phone_number_id": "+14155550100"}),
                json!({"primary_email": "c@example.com"}),
            ]),
            waiting(&api),
        )
        .await
        .unwrap();
    // The look-ups decide: b (index 0) was not stored, c was.
    let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed, vec![0]);
    assert!(report.failed[0]
        .reason
        .contains("no contact with this record's email"));
    assert_eq!(heads.lock().unwrap().len(), 1, "the file was read");
    assert_eq!(searches(&em), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_identifier_on_the_stored_contact_means_not_applied() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let stored = json!({"primary_email": "a@example.com", "phone_number_id": "+14155550100"});
    api.upsert_many(records(vec![stored]), waiting(&api))
        .await
        .unwrap();
    without_errors_files(&em);
    // Matched by email, but the contact's phone differs: SendGrid refuses it.
    let report = api
        .upsert_many(
            records(vec![
                json!({"primary_email": "a@example.com", "phone_number_id": "+14155550199"}),
                json!({"primary_email": "b@example.com"}),
            ]),
            waiting(&api),
        )
        .await
        .unwrap();
    assert_eq!(report.accepted, 1, "{report:?}");
    assert_eq!(report.failed[0].index, 0);
    assert!(
        report.failed[0].reason.contains("phone_number_id"),
        "{}",
        report.failed[0].reason
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_look_up_that_keeps_failing_leaves_the_records_unknown() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api_for(&em, &em.api_key(), 1, 4);
    let stored = json!({"primary_email": "a@example.com", "phone_number_id": "+14155550100"});
    api.upsert_many(records(vec![stored]), waiting(&api))
        .await
        .unwrap();
    without_errors_files(&em);
    em.fail_next(SEARCH_EMAILS, 503, 100, None, false).unwrap();
    let report = api
        .upsert_many(
            records(vec![
                json!({"primary_email": "b@example.com", "phone_number_id": "+14155550100"}),
                json!({"primary_email": "c@example.com"}),
            ]),
            waiting(&api),
        )
        .await
        .unwrap();
    assert_adds_up(&report);
    // Neither can be confirmed: both may or may not be stored, and a resend is safe.
    assert_eq!(report.accepted, 0, "{report:?}");
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::Unknown
        && f.retryable
        && f.reason.contains("could not be checked")));
    assert_eq!(searches(&em), 2, "one search, retried once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_stored_nothing_fails_every_record_without_look_ups() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let owner = json!({"primary_email": "owner@example.com", "external_id": "shared"});
    api.upsert_many(records(vec![owner]), waiting(&api))
        .await
        .unwrap();
    let payloads = (0..3)
        .map(|i| json!({"primary_email": email(i), "external_id": "shared"}))
        .collect();
    let report = api
        .upsert_many(records(payloads), waiting(&api))
        .await
        .unwrap();
    assert_eq!(report.imports[0].status, "failed");
    assert_eq!((report.accepted, report.failed.len()), (0, 3));
    // The errors file names each, with SendGrid's (the emulator's) message.
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.reason.contains("every identifier")),
        "{report:?}"
    );
    assert_eq!(searches(&em), 0);
    // Without the file, the errored count alone tells: still no look-up.
    without_errors_files(&em);
    let payloads = (3..6)
        .map(|i| json!({"primary_email": email(i), "external_id": "shared"}))
        .collect();
    let report = api
        .upsert_many(records(payloads), waiting(&api))
        .await
        .unwrap();
    assert_eq!((report.accepted, report.failed.len()), (0, 3));
    assert!(report.failed[0].reason.contains("none of the 3 contacts"));
    assert_eq!(searches(&em), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_run_makes_no_look_up() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let report = api
        .upsert_many(emails(100_000), waiting(&api))
        .await
        .unwrap();
    assert_eq!(report.accepted, 100_000);
    assert_eq!(report.imports.len(), 4);
    assert!(report.imports.iter().all(|j| j.status == "completed"));
    let paths: Vec<Value> = em.requests().iter().map(|r| r["path"].clone()).collect();
    assert_eq!(searches(&em), 0, "{paths:?}");
    assert_eq!(
        paths.len(),
        4 + 4,
        "4 PUTs and one status poll per job: {paths:?}"
    );
}
