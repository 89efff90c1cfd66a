//! Batch upserts against the emulator: request sizes, faults, isolation,
//! import polling, whole-run errors, and the "nothing lost" invariant.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream;
use sendgrid_core::actions::upsert::{
    BatchAbort, ChunkLimits, ContactsApi, InputRecord, PollTiming, UpsertOptions,
};
use sendgrid_core::client::RetryTiming;
use sendgrid_core::config::ClientSettings;
use sendgrid_core::emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid};
use sendgrid_core::{BatchReport, ClientConfig, Error, Outcome, RecordFailure, SendGridClient};
use serde_json::{json, Value};

const CONTACTS: &str = "/v3/marketing/contacts";

async fn emulator(options: EmulatorOptions) -> EmulatorHandle {
    FakeSendGrid::start(options).await.expect("emulator starts")
}

fn api_for(em: &EmulatorHandle, key: &str, max_retries: i64, max_concurrency: i64) -> ContactsApi {
    let timing = RetryTiming {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
    };
    api_with_timing(em, key, max_retries, max_concurrency, timing)
}

fn api_with_timing(
    em: &EmulatorHandle,
    key: &str,
    max_retries: i64,
    max_concurrency: i64,
    timing: RetryTiming,
) -> ContactsApi {
    let settings = ClientSettings {
        api_key: Some(key.to_owned()),
        endpoint: em.url(),
        max_retries,
        max_concurrency,
        ..ClientSettings::default()
    };
    let config = ClientConfig::from_settings(settings, None, "segment-sendgrid-tests").unwrap();
    ContactsApi::new(Arc::new(
        SendGridClient::with_timing(config, timing).unwrap(),
    ))
}

fn api(em: &EmulatorHandle) -> ContactsApi {
    api_for(em, &em.api_key(), 5, 4)
}

fn options(api: &ContactsApi) -> UpsertOptions {
    UpsertOptions::for_client(api.client().config())
}

/// Records generated on the fly: the input is never held in memory.
fn people(
    count: usize,
    payload: impl Fn(usize) -> Value + Send,
) -> impl futures::Stream<Item = InputRecord> + Send {
    stream::iter((0..count).map(move |index| InputRecord {
        index,
        payload: Ok(payload(index)),
    }))
}

fn email(index: usize) -> String {
    format!("user{index}@example.com")
}

fn assert_adds_up(report: &BatchReport) {
    assert_eq!(
        report.accepted + report.failed.len(),
        report.total,
        "{report:?}"
    );
    let mut indexes: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    indexes.dedup();
    assert_eq!(indexes.len(), report.failed.len());
}

/// Every expected email is stored exactly once.
fn assert_stored_once(em: &EmulatorHandle, emails: impl Iterator<Item = String>) {
    let mut stored: HashMap<String, usize> = HashMap::new();
    for contact in em.contacts() {
        if let Some(email) = contact["email"].as_str() {
            *stored.entry(email.to_owned()).or_default() += 1;
        }
    }
    let mut expected = 0;
    for email in emails {
        assert_eq!(stored.get(&email), Some(&1), "{email}");
        expected += 1;
    }
    assert_eq!(stored.len(), expected);
}

fn contact_requests(em: &EmulatorHandle) -> Vec<Value> {
    em.requests()
        .into_iter()
        .filter(|r| r["method"] == "PUT" && r["path"] == CONTACTS)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seventy_thousand_contacts_take_three_requests() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api(&em);
    let report = api
        .upsert_many(
            people(70_000, |i| json!({"primary_email": email(i)})),
            options(&api),
        )
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
    let report = api
        .upsert_many(people(6_000, |i| json!({"primary_email": email(i)})), opts)
        .await
        .unwrap();
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
    let report = api
        .upsert_many(
            people(10, |i| json!({"primary_email": email(i)})),
            options(&api),
        )
        .await
        .unwrap();
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
    let report = api
        .upsert_many(
            people(8, |i| json!({"primary_email": email(i)})),
            options(&api),
        )
        .await
        .unwrap();
    assert_eq!(report.accepted, 8);
    assert_eq!(report.requests, 3);
    assert_stored_once(&em, (0..8).map(email));
}

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
    let report = api
        .upsert_many(
            people(1_000, |i| json!({"primary_email": email(i)})),
            opts.clone(),
        )
        .await
        .unwrap();
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
    let report = api
        .upsert_many(people(5, |i| json!({"primary_email": email(i)})), opts)
        .await
        .unwrap();
    assert_eq!(report.imports.len(), 1);
    assert_eq!(report.imports[0].status, "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_lookup_only_concerns_contacts_with_custom_fields() {
    let em = emulator(EmulatorOptions::default()).await;
    em.add_custom_field("plan", "Text").unwrap();
    // More failures than the retries: the run's lookup, and the one the
    // custom-field record makes again, both fail.
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
    // The custom-field record cannot be converted: the run stops there, as
    // before; the lookup's own failure did not stop it earlier.
    let Err(BatchAbort { error, report }) = result else {
        panic!("expected the run to stop at the record with custom fields: {result:?}");
    };
    assert_eq!(error.status(), Some(500));
    assert_adds_up(&report);

    // Without custom fields, a failing lookup stops nothing.
    em.reset();
    em.fail_next("/v3/marketing/field_definitions", 500, 100, None, false)
        .unwrap();
    let api = api_for(&em, &em.api_key(), 1, 4);
    let report = api
        .upsert_many(
            people(10, |i| json!({"primary_email": email(i)})),
            options(&api),
        )
        .await
        .unwrap();
    assert_eq!(report.accepted, 10);
    assert_stored_once(&em, (0..10).map(email));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_stops_the_run_once() {
    let em = emulator(EmulatorOptions::default()).await;
    let api = api_for(&em, "SG.wrong", 3, 4);
    let result = api
        .upsert_many(
            people(50_000, |i| json!({"primary_email": email(i)})),
            options(&api),
        )
        .await;
    let Err(BatchAbort { error, report }) = result else {
        panic!("expected the run to stop: {result:?}");
    };
    assert_eq!(error.status(), Some(401));
    assert_adds_up(&report);
    // The lookup of the field definitions (sent with the first record) and
    // any request already out met the 401: nothing is stored, no record is
    // lost, and no more requests went out.
    assert_eq!(report.accepted, 0);
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::NotSent));
    let sent = em.requests();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|r| r["status"] == 401), "{sent:?}");
    assert!(sent.len() <= 1 + 4, "{sent:?}");
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
