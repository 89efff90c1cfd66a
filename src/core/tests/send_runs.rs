//! Batch sending against the emulator: the template pre-flight, whole-run
//! errors, records that fail alone, sandbox mode, template variables and
//! dry runs.

mod send_emulated;
mod send_support;

use futures::stream;
use segment_sendgrid_core::InputRecord;
use segment_sendgrid_core::{Error, Outcome, RecordFailure};
use segment_sendgrid_core::{MailApi, SendOptions};
use segment_sendgrid_emulator::EmulatorOptions;
use send_emulated::*;
use send_support::client;
use serde_json::{json, Value};

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
async fn a_template_lookup_that_keeps_failing_is_made_once_and_stops_the_run() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let path = format!("/v3/templates/{template}");
    fake.fail_next(&path, 500, 1_000, None, false).unwrap();
    let payloads = (0..50).map(|i| mail(i, &template)).collect();
    // max_retries = 2: one lookup is three GETs, not three per record.
    let api = MailApi::new(client(&fake.url(), &fake.api_key(), 2, 4));
    let abort = api
        .send_many(records(payloads), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(abort.error.status(), Some(500));
    let report = &abort.report;
    assert_eq!(report.accepted + report.failed.len(), report.total);
    assert!(report.total >= 1);
    assert!(report
        .failed
        .iter()
        .all(|f| f.outcome == Outcome::NotSent && f.retryable));
    let gets = fake
        .requests()
        .iter()
        .filter(|r| r["path"] == path.as_str())
        .count();
    assert_eq!(gets, 3);
    assert_eq!(mail_posts(&fake), 0);
    // The failure is not cached: a later run asks again and sends.
    fake.reset();
    let template = dynamic_template(&fake);
    let report = api
        .send_many(
            records((0..5).map(|i| mail(i, &template)).collect()),
            SendOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.accepted, 5);
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

#[tokio::test]
async fn a_mail_too_large_for_any_request_is_refused_alike_alone_and_in_a_batch() {
    let fake = fake().await;
    let template = dynamic_template(&fake);
    let mut big = mail(0, &template);
    big["dynamic_template_data"]["essay"] = json!("w".repeat(30_000_000));
    let mut crowded = mail(1, &template);
    let cc: Vec<Value> = (0..1000)
        .map(|i| json!({"email": format!("cc{i}@example.com")}))
        .collect();
    crowded["cc"] = json!(cc);
    let opts = SendOptions {
        merge: false,
        ..SendOptions::default()
    };
    let report = api(&fake, 1)
        .send_many(records(vec![big.clone(), crowded.clone()]), opts)
        .await
        .unwrap();
    let batch: Vec<&str> = report.failed.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(batch.len(), 2, "{batch:?}");
    assert!(report.failed.iter().all(|f| f.outcome == Outcome::Invalid));
    for (payload, batch_reason) in [(big, batch[0]), (crowded, batch[1])] {
        let single = api(&fake, 1).send_one(payload, opts).await;
        let Err(Error::PayloadValidation { message, .. }) = single else {
            panic!("a single send accepted what the batch refused: {single:?}");
        };
        assert_eq!(message, batch_reason);
    }
    assert!(
        batch[0].contains("SendGrid accepts less than 30000000"),
        "{batch:?}"
    );
    assert!(batch[1].contains("1001 recipients"), "{batch:?}");
    // Refused locally: the 30 MB mail was never uploaded.
    assert_eq!(mail_posts(&fake), 0);
}
