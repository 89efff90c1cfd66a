//! Batch sending against the emulator: merging, never sending twice,
//! isolating bad records, template pre-flight and whole-run errors.

mod send_support;

use std::collections::HashMap;

use futures::stream;
use send_support::client;
use sendgrid_core::actions::input::InputRecord;
use sendgrid_core::actions::send::{MailApi, SendOptions};
use sendgrid_core::emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid, VersionSpec};
use sendgrid_core::{Error, Outcome, RecordFailure};
use serde_json::{json, Value};

async fn fake() -> EmulatorHandle {
    fake_with(EmulatorOptions::default()).await
}

async fn fake_with(options: EmulatorOptions) -> EmulatorHandle {
    FakeSendGrid::start(options).await.expect("emulator starts")
}

fn version(active: bool) -> VersionSpec {
    VersionSpec {
        name: "v1".into(),
        subject: "Hello {{first_name}}".into(),
        html_content:
            "<p>{{#if vip}}VIP{{/if}} {{root.order.id}} {{insert city \"default=x\"}}</p>".into(),
        plain_content: "{{first_name}} {{ 42 }}".into(),
        active,
    }
}

fn dynamic_template(fake: &EmulatorHandle) -> String {
    fake.add_template("Welcome", vec![version(true)], "dynamic")
        .unwrap()
}

fn api(fake: &EmulatorHandle, concurrency: i64) -> MailApi {
    MailApi::new(client(&fake.url(), &fake.api_key(), 3, concurrency))
}

fn mail(i: usize, template: &str) -> Value {
    json!({
        "from": {"email": "sender@example.com", "name": "Sender"},
        "to": {"email": format!("r{i}@example.com"), "name": format!("R {i}")},
        "template_id": template,
        "dynamic_template_data": {"first_name": format!("n{i}")},
        "custom_args": {"row": i}
    })
}

fn records(payloads: Vec<Value>) -> stream::Iter<std::vec::IntoIter<InputRecord>> {
    let list: Vec<InputRecord> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| InputRecord::new(i, p))
        .collect();
    stream::iter(list)
}

/// Every `to` address the emulator stored, with how often.
fn stored_recipients(fake: &EmulatorHandle) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for message in fake.messages() {
        for p in message["body"]["personalizations"].as_array().unwrap() {
            let email = p["to"][0]["email"].as_str().unwrap().to_owned();
            *seen.entry(email).or_insert(0) += 1;
        }
    }
    seen
}

fn mail_posts(fake: &EmulatorHandle) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v3/mail/send")
        .count()
}

fn outcomes(failed: &[RecordFailure]) -> HashMap<&'static str, usize> {
    let mut counts = HashMap::new();
    for f in failed {
        *counts.entry(f.outcome.as_str()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn merges_2500_mails_into_3_requests() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let payloads = (0..2500).map(|i| mail(i, &template)).collect();
    let report = api(&fake, 4)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (report.total, report.accepted, report.failed.len()),
        (2500, 2500, 0)
    );
    assert_eq!(report.requests, 3);
    assert_eq!(mail_posts(&fake), 3);
    let stored = stored_recipients(&fake);
    assert_eq!(stored.len(), 2500);
    assert!(stored.values().all(|n| *n == 1));
    assert_eq!(report.message_ids.len(), 2500);
    assert!(report.message_ids.iter().all(Option::is_some));
    let first = fake.messages()[0]["body"]["personalizations"][0].clone();
    assert_eq!(first["custom_args"]["row"], "0");
    // One template lookup, however many records use the template.
    let lookups = fake
        .requests()
        .iter()
        .filter(|r| r["method"] == "GET")
        .count();
    assert_eq!(lookups, 1);
}

#[tokio::test]
async fn without_merge_each_record_is_one_request() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let payloads = (0..20).map(|i| mail(i, &template)).collect();
    let opts = SendOptions {
        merge: false,
        ..SendOptions::default()
    };
    let report = api(&fake, 8)
        .send_many(records(payloads), opts)
        .await
        .unwrap();
    assert_eq!((report.accepted, report.requests), (20, 20));
    let ids: std::collections::HashSet<_> = report.message_ids.iter().flatten().collect();
    assert_eq!(ids.len(), 20);
}

#[tokio::test]
async fn server_error_after_processing_is_unknown_and_never_resent() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    fake.fail_next("/v3/mail/send", 500, 1, None, true).unwrap();
    let payloads = (0..1500).map(|i| mail(i, &template)).collect();
    let report = api(&fake, 1)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(report.accepted, 500);
    assert_eq!(outcomes(&report.failed), HashMap::from([("unknown", 1000)]));
    assert!(report.failed.iter().all(|f| f.status_code == Some(500)));
    // The failed request was processed: its 1,000 mails are stored, once.
    let stored = stored_recipients(&fake);
    assert_eq!(stored.len(), 1500);
    assert!(stored.values().all(|n| *n == 1));
    assert_eq!(mail_posts(&fake), 2);
    assert!(report.message_ids[..1000].iter().all(Option::is_none));
}

#[tokio::test]
async fn retry_ambiguous_resends_after_a_server_error() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    fake.fail_next("/v3/mail/send", 503, 1, None, false)
        .unwrap();
    let payloads = (0..10).map(|i| mail(i, &template)).collect();
    let opts = SendOptions {
        retry_ambiguous: true,
        ..SendOptions::default()
    };
    let report = api(&fake, 1)
        .send_many(records(payloads), opts)
        .await
        .unwrap();
    assert_eq!((report.accepted, report.retries), (10, 1));
}

#[tokio::test]
async fn rate_limited_requests_wait_and_deliver_once() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    fake.set_rate_limit(1, 1.0, Some("/v3/mail/send")).unwrap();
    let payloads = (0..2500).map(|i| mail(i, &template)).collect();
    let report = api(&fake, 3)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(report.accepted, 2500, "{:?}", report.failed.first());
    assert!(report.retries >= 1);
    let stored = stored_recipients(&fake);
    assert_eq!(stored.len(), 2500);
    assert!(stored.values().all(|n| *n == 1));
}

#[tokio::test]
async fn one_bad_address_among_1000_merged_fails_alone() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let mut payloads: Vec<Value> = (0..1000).map(|i| mail(i, &template)).collect();
    // Valid for Segment's schema, refused by SendGrid (local part > 64).
    payloads[417]["to"]["email"] = json!(format!("{}@example.com", "a".repeat(70)));
    let report = api(&fake, 2)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(report.accepted, 999);
    assert_eq!(report.failed.len(), 1);
    let bad = &report.failed[0];
    assert_eq!(
        (bad.index, bad.outcome, bad.status_code),
        (417, Outcome::Rejected, Some(400))
    );
    assert_eq!(bad.field.as_deref(), Some("to.0.email"));
    assert_eq!(stored_recipients(&fake).len(), 999);
    assert!(report.message_ids[417].is_none() && report.message_ids[418].is_some());
}

#[tokio::test]
async fn a_fieldless_400_is_isolated_by_bisection() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let body = json!({"errors": [{"message": "bad request", "field": null}]});
    fake.fail_next("/v3/mail/send", 400, 1, Some(body), false)
        .unwrap();
    let payloads = (0..8).map(|i| mail(i, &template)).collect();
    let report = api(&fake, 1)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    // Only the first request failed: both halves then go through.
    assert_eq!((report.accepted, report.requests), (8, 3));
    assert_eq!(stored_recipients(&fake).len(), 8);
}

#[tokio::test]
async fn missing_legacy_and_inactive_templates_are_refused_before_sending() {
    let fake = fake().await;
    let inactive = fake
        .add_template("Draft", vec![version(false)], "dynamic")
        .unwrap();
    let legacy = fake
        .add_template("Old", vec![version(true)], "legacy")
        .unwrap();
    let good = dynamic_template(&fake);
    let missing = "d-00000000000000000000000000000000";
    let payloads = vec![
        mail(0, missing),
        mail(1, &inactive),
        mail(2, &legacy),
        mail(3, &good),
        mail(4, missing),
    ];
    let report = api(&fake, 2)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(report.accepted, 1);
    let reasons: Vec<(usize, &str)> = report
        .failed
        .iter()
        .map(|f| (f.index, f.reason.as_str()))
        .collect();
    assert!(reasons[0].1.contains("does not exist"), "{reasons:?}");
    assert!(reasons[1].1.contains("no active version"), "{reasons:?}");
    assert!(reasons[2].1.contains("Dynamic Template"), "{reasons:?}");
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::Invalid));
    assert_eq!(
        stored_recipients(&fake).keys().collect::<Vec<_>>(),
        ["r3@example.com"]
    );

    let single = api(&fake, 1)
        .send_one(mail(9, &inactive), SendOptions::default())
        .await;
    assert!(
        matches!(single, Err(Error::PayloadValidation { ref message, .. }) if message.contains("no active version"))
    );
    assert_eq!(mail_posts(&fake), 1);
}

#[tokio::test]
async fn template_lookup_forbidden_stops_the_run_with_a_hint() {
    let options = EmulatorOptions {
        scopes: Some(vec!["mail.send".into()]),
        ..EmulatorOptions::default()
    };
    let fake = fake_with(options).await;
    let template = dynamic_template(&fake);
    let payloads = (0..5).map(|i| mail(i, &template)).collect();
    let abort = api(&fake, 1)
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(abort.error.status(), Some(403));
    assert!(
        abort.error.to_string().contains("check_template=False"),
        "{}",
        abort.error
    );
    assert_eq!(abort.report.accepted, 0);
    assert_eq!(mail_posts(&fake), 0);
    // Without the check, the same key sends.
    let opts = SendOptions {
        check_template: false,
        ..SendOptions::default()
    };
    let sent = api(&fake, 1)
        .send_one(mail(0, &template), opts)
        .await
        .unwrap();
    assert_eq!(sent.status_code, 202);
}

#[tokio::test]
async fn a_bad_key_aborts_with_the_partial_report() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let api = MailApi::new(client(&fake.url(), "SG.wrong", 0, 1));
    let payloads = (0..3).map(|i| mail(i, &template)).collect();
    let opts = SendOptions {
        check_template: false,
        merge: false,
        ..SendOptions::default()
    };
    let abort = api.send_many(records(payloads), opts).await.unwrap_err();
    assert_eq!(abort.error.status(), Some(401));
    // Reading stops at the abort: the report holds the records read.
    let report = &abort.report;
    assert!((1..=3).contains(&report.total));
    assert_eq!((report.accepted, report.failed.len()), (0, report.total));
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::NotSent));
    assert_eq!(report.failed[0].status_code, Some(401));
    assert_eq!(
        mail_posts(&fake),
        1,
        "one refused request, then the run stops"
    );
}

#[tokio::test]
async fn bad_records_fail_alone_and_sandbox_answers_200() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let mut list = vec![
        InputRecord::new(0, json!("not an object")),
        InputRecord::new(1, mail(1, &template)),
        InputRecord::new(2, json!({"to": {"email": "x@example.com"}})),
    ];
    list.push(InputRecord {
        index: 3,
        payload: Err(RecordFailure::invalid(3, "mapping failed", None)),
    });
    let report = api(&fake, 1)
        .send_many(stream::iter(list), SendOptions::default())
        .await
        .unwrap();
    assert_eq!((report.total, report.accepted), (4, 1));
    assert_eq!(
        report.failed.iter().map(|f| f.index).collect::<Vec<_>>(),
        [0, 2, 3]
    );
    assert!(report.failed[1].reason.contains("'from'"));

    let opts = SendOptions {
        sandbox: true,
        ..SendOptions::default()
    };
    let result = api(&fake, 1)
        .send_one(mail(5, &template), opts)
        .await
        .unwrap();
    assert_eq!((result.status_code, result.message_id), (200, None));
    assert_eq!(stored_recipients(&fake).len(), 1);
}

#[tokio::test]
async fn template_variables_follow_segment_rules() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let api = api(&fake, 1);
    let label = format!("Welcome - v1 [{template}]");
    let variables = api.template_variables(&label).await.unwrap();
    assert_eq!(variables, ["vip", "order", "city", "first_name"]);
    let missing = api
        .template_variables("d-ffffffffffffffffffffffffffffffff")
        .await;
    assert!(matches!(missing, Err(Error::PayloadValidation { .. })));
}

#[tokio::test]
async fn a_timeout_after_sending_is_unknown_and_not_resent() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    fake.set_latency(1500);
    let settings = sendgrid_core::config::ClientSettings {
        api_key: Some(fake.api_key()),
        endpoint: fake.url(),
        max_retries: 3,
        timeout_s: 0.3,
        ..Default::default()
    };
    let config = sendgrid_core::ClientConfig::from_settings(settings, None, "t").unwrap();
    let api = MailApi::new(std::sync::Arc::new(
        sendgrid_core::SendGridClient::new(config).unwrap(),
    ));
    let payloads = (0..3).map(|i| mail(i, &template)).collect();
    let opts = SendOptions {
        check_template: false,
        ..SendOptions::default()
    };
    let report = api.send_many(records(payloads), opts).await.unwrap();
    assert_eq!(outcomes(&report.failed), HashMap::from([("unknown", 3)]));
    assert_eq!((report.requests, report.retries), (1, 0));
    let single = api.send_one(mail(7, &template), opts).await;
    assert!(
        matches!(
            single,
            Err(Error::Transport {
                maybe_sent: true,
                ..
            })
        ),
        "{single:?}"
    );
}

#[tokio::test]
async fn dry_run_records_the_exact_bodies_and_sends_nothing() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let mut payloads: Vec<Value> = (0..30).map(|i| mail(i, &template)).collect();
    payloads[7]["to"]["email"] = json!("not-an-email");
    let opts = SendOptions {
        merge: false,
        dry_run: true,
        ..SendOptions::default()
    };
    let report = api(&fake, 4)
        .send_many(records(payloads.clone()), opts)
        .await
        .unwrap();
    assert_eq!(
        (report.total, report.accepted, report.requests),
        (30, 29, 0)
    );
    assert_eq!(report.failed[0].index, 7);
    assert!(report.message_ids.iter().all(Option::is_none));
    // Only the template lookup went out.
    assert_eq!(mail_posts(&fake), 0);
    assert!(fake.requests().iter().all(|r| r["method"] == "GET"));
    assert_eq!(report.request_bodies.len(), 29);

    // The real run posts the same bodies (input order with one request in flight).
    let opts = SendOptions {
        dry_run: false,
        ..opts
    };
    let real = api(&fake, 1)
        .send_many(records(payloads), opts)
        .await
        .unwrap();
    assert_eq!((real.accepted, real.requests), (29, 29));
    assert!(real.request_bodies.is_empty());
    let sent: Vec<Value> = fake
        .messages()
        .into_iter()
        .map(|m| m["body"].clone())
        .collect();
    let dry: Vec<Value> = report
        .request_bodies
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert_eq!(sent, dry);
    let sizes: Vec<u64> = fake
        .requests()
        .iter()
        .filter(|r| r["method"] == "POST")
        .map(|r| r["body_size"].as_u64().unwrap())
        .collect();
    let dry_sizes: Vec<u64> = report
        .request_bodies
        .iter()
        .map(|b| b.len() as u64)
        .collect();
    assert_eq!(sizes, dry_sizes);
}
