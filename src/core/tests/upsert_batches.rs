//! Batch upserts against the emulator: request sizes, faults, retries and
//! isolating bad contacts, with the "nothing lost" invariant.

mod upsert_support;

use std::time::Duration;

use segment_sendgrid_core::ChunkLimits;
use segment_sendgrid_core::Outcome;
use segment_sendgrid_core::RetryTiming;
use segment_sendgrid_emulator::EmulatorOptions;
use serde_json::{json, Value};
use upsert_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seventy_thousand_contacts_take_three_requests() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let report = api
        .upsert_many(emails(70_000), options(&api))
        .await
        .unwrap();
    assert_eq!((report.total, report.accepted), (70_000, 70_000));
    assert!(report.failed.is_empty());
    assert_eq!(report.requests, 3);
    assert_eq!(report.job_ids.len(), 3);
    assert_eq!(contact_requests(&em).len(), 3);
    assert_stored_once(&em, (0..70_000).map(email));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_split_at_six_million_bytes_measured_exactly() {
    let em = emulator(EmulatorOptions::default()).await;
    let names = ["Bio1", "Bio2", "Bio3", "Bio4", "Bio5"];
    for name in names {
        em.add_custom_field(name, "Text").unwrap();
    }
    let api = api(&em);
    // ~5 KB per contact: about 1,190 contacts fill 6,000,000 bytes.
    let fill = |i: usize| {
        let text = format!("{i:0>1000}");
        let custom: serde_json::Map<String, Value> =
            names.iter().map(|n| (n.to_string(), json!(text))).collect();
        json!({"primary_email": email(i), "customFields": custom})
    };
    let report = api
        .upsert_many(people(3_000, fill), options(&api))
        .await
        .unwrap();
    assert_adds_up(&report);
    assert_eq!(report.accepted, 3_000, "{:?}", report.failed.first());
    let sizes: Vec<u64> = contact_requests(&em)
        .iter()
        .map(|r| r["body_size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 6_000_000), "{sizes:?}");
    // Full chunks come within one contact of the limit.
    assert_eq!(
        sizes.iter().filter(|s| **s > 5_994_000).count(),
        2,
        "{sizes:?}"
    );
    assert_stored_once(&em, (0..3_000).map(email));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_with_every_contact_stored_once() {
    let em = emulator(EmulatorOptions {
        latency_ms: 20,
        ..EmulatorOptions::default()
    })
    .await;
    em.fail_next(CONTACTS, 500, 2, None, false).unwrap();
    em.fail_next(CONTACTS, 503, 1, None, true).unwrap();
    em.drop_next(CONTACTS, 2).unwrap();
    // Two requests a second: the rest earn 429s with a reset to wait for.
    // The emulator's reset is in whole seconds and may come up to a second
    // early; past it the client backs off, so the backoff must span that.
    em.set_rate_limit(2, 1.0, Some(CONTACTS)).unwrap();
    let timing = RetryTiming {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(800),
    };
    let api = api_with_timing(&em, &em.api_key(), 20, 3, timing);
    let mut opts = options(&api);
    opts.limits = ChunkLimits {
        max_contacts: 1_000,
        ..ChunkLimits::default()
    };
    let report = api.upsert_many(emails(6_000), opts).await.unwrap();
    assert_adds_up(&report);
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    assert_eq!(report.accepted, 6_000);
    assert!(report.retries >= 5, "{report:?}");
    assert_eq!(report.requests, 6 + report.retries);
    assert_stored_once(&em, (0..6_000).map(email));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_fail_records_as_retryable() {
    let em = emulator(EmulatorOptions::default()).await;
    em.fail_next(CONTACTS, 500, 100, None, false).unwrap();
    let api = api_for(&em, &em.api_key(), 1, 2);
    let report = api.upsert_many(emails(10), options(&api)).await.unwrap();
    assert_adds_up(&report);
    assert_eq!(report.failed.len(), 10);
    assert!(report
        .failed
        .iter()
        .all(|f| f.retryable && f.outcome == Outcome::Unknown && f.status_code == Some(500)));
    assert_eq!((report.requests, report.retries), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_emails_inside_a_full_batch_are_isolated() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let bad = [7usize, 12_345, 29_999];
    let payload = move |i: usize| {
        let address = if bad.contains(&i) {
            format!("not-an-email-{i}")
        } else {
            email(i)
        };
        json!({"primary_email": address})
    };
    let report = api
        .upsert_many(people(30_000, payload), options(&api))
        .await
        .unwrap();
    assert_adds_up(&report);
    assert_eq!(report.accepted, 30_000 - bad.len());
    let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed, bad);
    for failure in &report.failed {
        assert_eq!(failure.outcome, Outcome::Rejected);
        assert_eq!(failure.status_code, Some(400));
        assert_eq!(failure.field.as_deref(), Some("primary_email"));
        assert!(
            failure.reason.contains("not-an-email"),
            "{}",
            failure.reason
        );
        assert!(!failure.retryable);
    }
    // One refused request names the bad records; one resend carries the rest.
    assert_eq!(report.requests, 2);
    assert_stored_once(&em, (0..30_000).filter(|i| !bad.contains(i)).map(email));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_without_details_is_bisected() {
    let em = emulator(EmulatorOptions::default()).await;
    let body = json!({"errors": [{"message": "something is wrong somewhere"}]});
    em.fail_next(CONTACTS, 400, 1, Some(body), false).unwrap();
    let api = api(&em);
    let report = api.upsert_many(emails(8), options(&api)).await.unwrap();
    assert_eq!(report.accepted, 8);
    assert_eq!(report.requests, 3);
    assert_stored_once(&em, (0..8).map(email));
}
