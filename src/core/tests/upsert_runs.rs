//! Batch upserts against the emulator: import polling, the field-definitions
//! lookup, whole-run errors, records that fail alone, `list_ids` groups and
//! dry runs.

mod upsert_support;

use std::time::Duration;

use futures::stream;
use segment_sendgrid_core::{BatchAbort, InputRecord, PollTiming};
use segment_sendgrid_core::{Error, Outcome, RecordFailure};
use segment_sendgrid_emulator::EmulatorOptions;
use serde_json::{json, Value};
use upsert_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_follows_import_jobs_until_done() {
    let em = emulator(EmulatorOptions {
        import_delay_ms: 300,
        ..EmulatorOptions::default()
    })
    .await;
    let api = api(&em);
    let mut opts = options(&api);
    opts.wait = true;
    opts.limits.max_contacts = 400;
    opts.poll = PollTiming {
        first: Duration::from_millis(50),
        cap: Duration::from_millis(200),
    };
    let report = api.upsert_many(emails(1_000), opts.clone()).await.unwrap();
    assert_eq!(report.imports.len(), 3);
    assert!(
        report.imports.iter().all(|j| j.status == "completed"),
        "{:?}",
        report.imports
    );
    assert_eq!(
        report.imports.iter().map(|j| j.requested).sum::<u64>(),
        1_000
    );
    assert_eq!(report.imports.iter().map(|j| j.created).sum::<u64>(), 1_000);

    opts.wait_timeout = Duration::from_millis(100);
    let late = emulator(EmulatorOptions {
        import_delay_ms: 5_000,
        ..EmulatorOptions::default()
    })
    .await;
    let api = api_for(&late, &late.api_key(), 0, 1);
    let report = api.upsert_many(emails(5), opts).await.unwrap();
    assert_eq!(report.imports.len(), 1);
    assert_eq!(report.imports[0].status, "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_lookup_only_concerns_contacts_with_custom_fields() {
    let em = emulator(EmulatorOptions::default()).await;
    em.add_custom_field("plan", "Text").unwrap();
    // More failures than the retries: the lookup the custom-field record
    // makes fails.
    em.fail_next("/v3/marketing/field_definitions", 500, 100, None, false)
        .unwrap();
    let api = api_for(&em, &em.api_key(), 1, 4);
    let payload = |i: usize| {
        if i == 3 {
            json!({"primary_email": email(i), "customFields": {"plan": "pro"}})
        } else {
            json!({"primary_email": email(i)})
        }
    };
    let result = api.upsert_many(people(10, payload), options(&api)).await;
    // The custom-field record cannot be converted: the run stops there.
    let Err(BatchAbort { error, report }) = result else {
        panic!("expected the run to stop at the record with custom fields: {result:?}");
    };
    assert_eq!(error.status(), Some(500));
    assert_adds_up(&report);

    // Without custom fields there is no lookup to fail.
    em.reset();
    em.fail_next("/v3/marketing/field_definitions", 500, 100, None, false)
        .unwrap();
    let api = api_for(&em, &em.api_key(), 1, 4);
    let report = api.upsert_many(emails(10), options(&api)).await.unwrap();
    assert_eq!(report.accepted, 10);
    assert_stored_once(&em, (0..10).map(email));
    assert!(em.requests().iter().all(|r| r["path"] == CONTACTS));
}

fn field_lookups(em: &segment_sendgrid_emulator::EmulatorHandle) -> usize {
    em.requests()
        .iter()
        .filter(|r| r["path"] == "/v3/marketing/field_definitions")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_definitions_are_fetched_only_when_needed_and_once_per_client() {
    let em = emulator(EmulatorOptions::default()).await;
    em.add_custom_field("plan", "Text").unwrap();
    let api = api(&em);
    // No record has custom fields: no lookup, in batches or alone.
    api.upsert_many(emails(1_000), options(&api)).await.unwrap();
    api.upsert_one(json!({"primary_email": "a@example.com"}), None)
        .await
        .unwrap();
    assert_eq!(field_lookups(&em), 0);
    let with_plan = |i: usize| json!({"primary_email": email(i), "customFields": {"plan": "pro"}});
    for _ in 0..2 {
        let report = api
            .upsert_many(people(10, with_plan), options(&api))
            .await
            .unwrap();
        assert_eq!(report.accepted, 10);
    }
    api.upsert_one(with_plan(0), None).await.unwrap();
    assert_eq!(field_lookups(&em), 1, "cached across calls");
    // An unknown name refetches once; the same name again does not.
    let typo = |i: usize| json!({"primary_email": email(i), "customFields": {"plna": "pro"}});
    for _ in 0..2 {
        let report = api
            .upsert_many(people(3, typo), options(&api))
            .await
            .unwrap();
        assert_eq!(report.failed.len(), 3);
        assert!(report.failed[0]
            .reason
            .contains("Unknown custom field 'plna'"));
    }
    assert_eq!(field_lookups(&em), 2);
    // Every lookup was answered (none dropped mid-flight).
    assert!(em
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v3/marketing/field_definitions")
        .all(|r| r["status"] == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_stops_the_run_once() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api_for(&em, "SG.wrong", 3, 4);
    let result = api.upsert_many(emails(50_000), options(&api)).await;
    let Err(BatchAbort { error, report }) = result else {
        panic!("expected the run to stop: {result:?}");
    };
    assert_eq!(error.status(), Some(401));
    assert_adds_up(&report);
    // The requests already out met the 401: nothing is stored, no record
    // is lost, and no more requests went out.
    assert_eq!(report.accepted, 0);
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::NotSent));
    let sent = em.requests();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|r| r["status"] == 401), "{sent:?}");
    assert!(sent.len() <= 4, "{sent:?}");
    assert!(em.contacts().is_empty());

    let single = api
        .upsert_one(json!({"primary_email": "a@example.com"}), None)
        .await;
    assert!(
        matches!(single, Err(Error::Api { status: 401, .. })),
        "{single:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_fail_alone_with_segment_messages() {
    let em = emulator(EmulatorOptions::default()).await;
    let age = em.add_custom_field("Age", "Number").unwrap();
    let api = api(&em);
    let inputs = vec![
        Ok(json!({"primary_email": email(0), "customFields": {"age": 30}})),
        Ok(json!(["not", "a", "mapping"])),
        Err(RecordFailure::invalid(
            99,
            "the mapping failed",
            Some("x".into()),
        )),
        Ok(json!({"first_name": "No Id"})),
        Ok(json!({"primary_email": email(4), "customFields": {"shoe_size": 44}})),
        Ok(json!({"primary_email": email(5), "first_name": {"a": 1}})),
        Ok(json!({"primary_email": email(6)})),
    ];
    let records = inputs
        .into_iter()
        .enumerate()
        .map(|(index, payload)| InputRecord { index, payload });
    let report = api
        .upsert_many(stream::iter(records), options(&api))
        .await
        .unwrap();
    assert_adds_up(&report);
    assert_eq!(report.accepted, 2);
    let reasons: Vec<(usize, &str)> = report
        .failed
        .iter()
        .map(|f| (f.index, f.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (1, "record must be a mapping"),
            (2, "the mapping failed"),
            (3, "Contact must have at least one identifying field included (email, phone_number_id, external_id, anonymous_id)."),
            (4, "Unknown custom field 'shoe_size'. To see your defined custom fields, visit https://mc.sendgrid.com/custom-fields"),
            (5, "First Name must be a string or null but it was an object."),
        ]
    );
    assert!(report
        .failed
        .iter()
        .all(|f| f.outcome == Outcome::Invalid && !f.retryable));
    assert_stored_once(&em, [email(0), email(6)].into_iter());
    let stored = em.contacts();
    let first = stored
        .iter()
        .find(|c| c["email"] == email(0).as_str())
        .unwrap();
    assert_eq!(first["custom_fields"][age.as_str()], json!(30), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_ids_split_requests_and_a_new_field_is_found_by_refetching() {
    let em = emulator(EmulatorOptions::default()).await;
    let red = em.add_list("red").unwrap();
    let blue = em.add_list("blue").unwrap();
    em.add_custom_field("Seed", "Text").unwrap();
    let api = api(&em);
    let mut opts = options(&api);
    opts.list_ids = Some(vec![red.clone()]);
    let (own, default_list) = (blue.clone(), red.clone());
    let payload = move |i: usize| {
        if i % 2 == 0 {
            json!({"primary_email": email(i), "list_ids": [own.clone()]})
        } else {
            json!({"primary_email": email(i), "customFields": {"seed": "s"}})
        }
    };
    let report = api.upsert_many(people(10, payload), opts).await.unwrap();
    assert_eq!((report.accepted, report.requests), (10, 2));
    for contact in em.contacts() {
        let index: usize = contact["email"].as_str().unwrap()[4..]
            .split('@')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let wanted = if index % 2 == 0 { &blue } else { &default_list };
        assert_eq!(contact["list_ids"], json!([wanted]), "{contact}");
    }

    // The cache predates this field: the unknown name triggers one refetch.
    em.add_custom_field("Plan", "Text").unwrap();
    let one = api
        .upsert_one(
            json!({"primary_email": email(0), "customFields": {"plan": "pro"}}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(one.status_code, 202);
    assert!(!one.job_id.is_empty());
    let lookups = em
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v3/marketing/field_definitions")
        .count();
    assert_eq!(lookups, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_records_the_exact_bodies_and_sends_nothing() {
    let em = emulator(EmulatorOptions::default()).await;
    let plan = em.add_custom_field("plan", "Text").unwrap();
    let vip = em.add_list("VIP").unwrap();
    let payload = |i: usize| {
        if i == 3 {
            json!({"first_name": "no identifier"})
        } else {
            json!({"primary_email": email(i), "customFields": {"plan": "pro"}})
        }
    };
    let api = api(&em);
    let mut opts = options(&api);
    opts.list_ids = Some(vec![vip.clone()]);
    opts.limits.max_contacts = 4;
    opts.wait = true;
    opts.dry_run = true;
    let report = api
        .upsert_many(people(10, payload), opts.clone())
        .await
        .unwrap();
    assert_adds_up(&report);
    assert_eq!((report.accepted, report.requests), (9, 0));
    assert_eq!(report.failed[0].index, 3);
    assert!(report.job_ids.is_empty() && report.imports.is_empty());
    // Only the field definitions were looked up; no contact left the process.
    let sent: Vec<Value> = em.requests();
    assert!(sent.iter().all(|r| r["method"] == "GET"), "{sent:?}");
    assert!(em.contacts().is_empty());
    assert_eq!(report.request_bodies.len(), 3);
    let first: Value = serde_json::from_str(&report.request_bodies[0]).unwrap();
    assert_eq!(first["list_ids"], json!([vip]));
    assert_eq!(first["contacts"][0]["email"], email(0).as_str());
    assert_eq!(first["contacts"][0]["custom_fields"][plan.as_str()], "pro");

    // The real run sends exactly those bytes, in the same order.
    opts.dry_run = false;
    opts.wait = false;
    opts.max_concurrency = 1;
    let real = api.upsert_many(people(10, payload), opts).await.unwrap();
    assert_eq!((real.accepted, real.requests), (9, 3));
    assert!(real.request_bodies.is_empty());
    let sizes: Vec<u64> = contact_requests(&em)
        .iter()
        .map(|r| r["body_size"].as_u64().unwrap())
        .collect();
    let dry_sizes: Vec<u64> = report
        .request_bodies
        .iter()
        .map(|b| b.len() as u64)
        .collect();
    assert_eq!(sizes, dry_sizes);
    assert_eq!(em.contacts().len(), 9);
}
