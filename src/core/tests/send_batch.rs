//! Batch sending against the emulator: merging, never sending twice
//! (server errors, timeouts, rate limits) and isolating bad addresses.

mod send_emulated;
mod send_support;

use std::collections::HashMap;

use segment_sendgrid_core::{Error, Outcome};
use segment_sendgrid_core::{MailApi, SendOptions};
use send_emulated::*;
use serde_json::{json, Value};

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
async fn a_timeout_after_sending_is_unknown_and_not_resent() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    fake.set_latency(1500);
    let settings = segment_sendgrid_core::ClientSettings {
        api_key: Some(fake.api_key()),
        endpoint: fake.url(),
        max_retries: 3,
        timeout_s: 0.3,
        ..Default::default()
    };
    let config = segment_sendgrid_core::ClientConfig::from_settings(settings, None, "t").unwrap();
    let api = MailApi::new(std::sync::Arc::new(
        segment_sendgrid_core::SendGridClient::new(config).unwrap(),
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
