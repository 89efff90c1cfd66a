//! Runs stopped early (Ctrl-C, a cancelled task): no record is read and no
//! request (nor a repeat) starts after the stop, requests in flight end,
//! and every record read is accounted for.

mod send_emulated;
mod send_support;
mod upsert_support;

use std::time::{Duration, Instant};

use futures::stream;
use segment_sendgrid_core::RetryTiming;
use segment_sendgrid_core::{BatchReport, Outcome};
use segment_sendgrid_core::{CancellationToken, InputRecord};
use segment_sendgrid_core::{MailApi, SendOptions};
use segment_sendgrid_emulator::{EmulatorHandle, EmulatorOptions};

const LATENCY_MS: u64 = 100;
/// When the test stops the run.
const STOP_AFTER: Duration = Duration::from_millis(250);

/// Cancels `stop` after `after`; the returned instant is when it did.
fn stop_after(stop: &CancellationToken, after: Duration) -> tokio::task::JoinHandle<Instant> {
    let stop = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        stop.cancel();
        Instant::now()
    })
}

fn requests_to(fake: &EmulatorHandle, method: &str, path: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .count()
}

/// Every record read is settled once, and those not accepted are
/// `not_sent` (nothing was in doubt: every request in flight got its answer).
fn assert_stopped_cleanly(report: &BatchReport, read_at_most: usize) {
    assert_eq!(
        report.accepted + report.failed.len(),
        report.total,
        "{report:?}"
    );
    assert!(report.total < read_at_most, "the run read on: {report:?}");
    assert!(report.accepted > 0, "{report:?}");
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.outcome == Outcome::NotSent && f.retryable),
        "{:?}",
        report.failed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_send_run_starts_nothing_more_and_accounts_every_record() {
    let fake = send_emulated::fake().await;
    let template = send_emulated::dynamic_template(&fake);
    fake.set_latency(LATENCY_MS);
    let payloads = (0..200)
        .map(|i| send_emulated::mail(i, &template))
        .collect();
    let stop = CancellationToken::new();
    let stopped = stop_after(&stop, STOP_AFTER);
    let options = SendOptions {
        merge: false,
        ..SendOptions::default()
    };
    let report = send_emulated::api(&fake, 2)
        .send_many_until(send_emulated::records(payloads), options, stop)
        .await
        .unwrap();
    let stopped_at = stopped.await.unwrap();
    // Only the requests in flight were waited for.
    assert!(stopped_at.elapsed() < Duration::from_millis(3 * LATENCY_MS));
    assert_stopped_cleanly(&report, 200);
    let posts = send_emulated::mail_posts(&fake);
    assert_eq!(posts, report.accepted);
    assert_eq!(report.requests, posts as u64);
    assert_eq!(fake.messages().len(), report.accepted);
    assert_eq!(report.message_ids.len(), report.total);
    tokio::time::sleep(Duration::from_millis(2 * LATENCY_MS)).await;
    assert_eq!(send_emulated::mail_posts(&fake), posts, "a request started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_upsert_run_starts_nothing_more_and_does_not_wait_for_jobs() {
    let em = upsert_support::emulator(EmulatorOptions {
        latency_ms: LATENCY_MS,
        import_delay_ms: 60_000,
        ..EmulatorOptions::default()
    })
    .await;
    let api = upsert_support::api_for(&em, &em.api_key(), 5, 2);
    let mut options = upsert_support::options(&api);
    options.limits.max_contacts = 10;
    options.wait = true;
    let stop = CancellationToken::new();
    let stopped = stop_after(&stop, STOP_AFTER);
    let report = api
        .upsert_many_until(upsert_support::emails(2_000), options, stop)
        .await
        .unwrap();
    let stopped_at = stopped.await.unwrap();
    assert!(stopped_at.elapsed() < Duration::from_millis(3 * LATENCY_MS));
    assert_stopped_cleanly(&report, 2_000);
    let puts = requests_to(&em, "PUT", upsert_support::CONTACTS);
    assert_eq!(puts, report.job_ids.len());
    assert_eq!(report.requests, puts as u64);
    assert_eq!(report.accepted, 10 * puts);
    // The pending import jobs were not followed.
    assert!(report.imports.is_empty());
    tokio::time::sleep(Duration::from_millis(2 * LATENCY_MS)).await;
    assert_eq!(requests_to(&em, "PUT", upsert_support::CONTACTS), puts);
    assert_eq!(em.requests().len(), puts, "a look-up or poll started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_to_be_repeated_ends_with_its_last_answer() {
    let fake = send_emulated::fake().await;
    let template = send_emulated::dynamic_template(&fake);
    fake.fail_next("/v3/mail/send", 429, 100, None, false)
        .unwrap();
    // Long backoffs: without the stop, the run would last for seconds.
    let timing = RetryTiming {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(2),
    };
    let client = send_support::client_with_timing(&fake.url(), &fake.api_key(), 5, 1, timing);
    let stop = CancellationToken::new();
    stop_after(&stop, Duration::from_millis(200));
    let records = stream::iter(vec![InputRecord::new(0, send_emulated::mail(0, &template))]);
    let started = Instant::now();
    let report = MailApi::new(client)
        .send_many_until(records, SendOptions::default(), stop)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(1), "{report:?}");
    assert_eq!(report.total, 1);
    let failure = &report.failed[0];
    assert_eq!(failure.outcome, Outcome::NotSent);
    assert_eq!(failure.status_code, Some(429));
    assert_eq!(send_emulated::mail_posts(&fake), 1);
    assert_eq!((report.requests, report.retries), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_while_following_import_jobs_returns_what_sendgrid_accepted() {
    let em = upsert_support::emulator(EmulatorOptions {
        import_delay_ms: 60_000,
        ..EmulatorOptions::default()
    })
    .await;
    let api = upsert_support::api_for(&em, &em.api_key(), 5, 2);
    let mut options = upsert_support::options(&api);
    options.limits.max_contacts = 10;
    options.wait = true;
    let stop = CancellationToken::new();
    let stopped = stop_after(&stop, STOP_AFTER);
    let report = api
        .upsert_many_until(upsert_support::emails(30), options, stop)
        .await
        .unwrap();
    assert!(stopped.await.unwrap().elapsed() < Duration::from_millis(LATENCY_MS));
    assert_eq!((report.total, report.accepted), (30, 30));
    assert_eq!(report.job_ids.len(), 3);
    assert!(report.imports.is_empty(), "{:?}", report.imports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_does_not_narrow_down_a_refused_request() {
    let fake = send_emulated::fake().await;
    let template = send_emulated::dynamic_template(&fake);
    // A long request, stopped well inside it even on a loaded machine.
    fake.set_latency(1_000);
    // No field named: the run would split the request to find the bad mails.
    let body = serde_json::json!({"errors": [{"message": "bad request", "field": null}]});
    fake.fail_next("/v3/mail/send", 400, 1, Some(body), false)
        .unwrap();
    let payloads = (0..4).map(|i| send_emulated::mail(i, &template)).collect();
    let options = SendOptions {
        check_template: false,
        ..SendOptions::default()
    };
    let stop = CancellationToken::new();
    stop_after(&stop, Duration::from_millis(300));
    let report = send_emulated::api(&fake, 2)
        .send_many_until(send_emulated::records(payloads), options, stop)
        .await
        .unwrap();
    assert_eq!((report.total, report.accepted, report.requests), (4, 0, 1));
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::NotSent));
    assert_eq!(send_emulated::mail_posts(&fake), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_upsert_run_does_not_split_a_refused_request() {
    let em = upsert_support::emulator(EmulatorOptions {
        latency_ms: LATENCY_MS,
        ..EmulatorOptions::default()
    })
    .await;
    let body = serde_json::json!({"errors": [{"message": "bad request", "field": null}]});
    em.fail_next(upsert_support::CONTACTS, 400, 1, Some(body), false)
        .unwrap();
    let api = upsert_support::api_for(&em, &em.api_key(), 5, 2);
    let stop = CancellationToken::new();
    stop_after(&stop, Duration::from_millis(LATENCY_MS / 2));
    let options = upsert_support::options(&api);
    let report = api
        .upsert_many_until(upsert_support::emails(4), options, stop)
        .await
        .unwrap();
    assert_eq!((report.total, report.accepted, report.requests), (4, 0, 1));
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::NotSent));
    assert_eq!(requests_to(&em, "PUT", upsert_support::CONTACTS), 1);
}
