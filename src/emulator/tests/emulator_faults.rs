//! Fault injection: fail_next before and after processing, custom bodies,
//! drop_next, and the project's client reacting to them.

mod common;

use common::{call, client, http, start};
use reqwest::Method;
use segment_sendgrid_core::{Error, Idempotency};
use serde_json::json;

fn contacts_body(email: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"contacts": [{"email": email}]})).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_next_answers_the_error_without_applying() {
    let fake = start().await;
    fake.fail_next("/v3/marketing/contacts", 503, 2, None, false)
        .unwrap();
    for _ in 0..2 {
        let got = call(
            &fake,
            Method::PUT,
            "/v3/marketing/contacts",
            Some(json!({"contacts": [{"email": "a@b.io"}]})),
        )
        .await;
        assert_eq!(got.status, 503);
        assert_eq!(got.first_message(), "service unavailable");
        assert!(got.headers.contains_key("x-ratelimit-limit"));
    }
    assert!(
        fake.contacts().is_empty(),
        "a failed request is not applied"
    );
    let third = call(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(json!({"contacts": [{"email": "a@b.io"}]})),
    )
    .await;
    assert_eq!(third.status, 202);
    assert_eq!(fake.contacts().len(), 1);
    // Other paths were never affected; the log shows the statuses.
    let statuses: Vec<u64> = fake
        .requests()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 202]);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_processing_applies_the_request_then_fails() {
    let fake = start().await;
    let template = fake
        .add_template(
            "T",
            vec![segment_sendgrid_emulator::VersionSpec {
                name: "v".into(),
                active: true,
                ..Default::default()
            }],
            "dynamic",
        )
        .unwrap();
    fake.fail_next("/v3/mail/send", 500, 1, None, true).unwrap();
    let body = json!({"from": {"email": "s@example.com"}, "template_id": template,
        "personalizations": [{"to": [{"email": "t@example.com"}]}]});
    let sg = client(&fake, 3);
    let err = sg
        .request(
            Method::POST,
            "/v3/mail/send",
            Some(serde_json::to_vec(&body).unwrap().into()),
            Idempotency::NotIdempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        fake.messages().len(),
        1,
        "the mail was accepted before the 500"
    );
    assert_eq!(
        fake.requests().len(),
        1,
        "the client did not send the mail twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_fault_bodies_and_patterns() {
    let fake = start().await;
    fake.fail_next(
        "/v3/marketing/*",
        400,
        1,
        Some(json!({"errors": [{"field": "x", "message": "custom"}]})),
        false,
    )
    .unwrap();
    let got = call(&fake, Method::GET, "/v3/marketing/lists", None).await;
    assert_eq!(
        (got.status, got.body["errors"][0]["message"].clone()),
        (400, json!("custom"))
    );
    fake.fail_next("*", 502, 1, Some(json!("<html>bad gateway</html>")), false)
        .unwrap();
    let response = http()
        .get(format!("{}/v3/scopes", fake.url()))
        .bearer_auth(fake.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    assert_eq!(response.text().await.unwrap(), "<html>bad gateway</html>");
    assert!(fake.fail_next("v3/no-slash", 500, 1, None, false).is_err());
    assert!(fake.fail_next("/v3/scopes", 200, 1, None, false).is_err());
    assert!(fake.fail_next("/v3/scopes", 500, 0, None, false).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_next_closes_the_connection_without_an_answer() {
    let fake = start().await;
    fake.drop_next("/v3/marketing/contacts", 1).unwrap();
    let url = format!("{}/v3/marketing/contacts", fake.url());
    let dropped = http()
        .put(&url)
        .bearer_auth(fake.api_key())
        .body(contacts_body("a@b.io"))
        .send()
        .await;
    let error = dropped.expect_err("no HTTP answer at all");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert!(
        fake.contacts().is_empty(),
        "a dropped request is not applied"
    );
    assert_eq!(fake.requests()[0]["status"], 0);
    // The project's client retries an idempotent upsert after the drop.
    fake.drop_next("/v3/marketing/contacts", 1).unwrap();
    let sg = common::client(&fake, 2);
    let answer = sg
        .request(
            Method::PUT,
            "/v3/marketing/contacts",
            Some(contacts_body("b@b.io").into()),
            Idempotency::Idempotent,
        )
        .await
        .expect("retried after the drop");
    assert_eq!((answer.status, answer.retries), (202, 1));
    // A non-idempotent send after a drop is reported as maybe sent, not retried.
    fake.drop_next("/v3/mail/send", 1).unwrap();
    let err = sg
        .request(
            Method::POST,
            "/v3/mail/send",
            Some(b"{}".to_vec().into()),
            Idempotency::NotIdempotent,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    // The server itself keeps serving.
    assert_eq!(
        call(&fake, Method::GET, "/v3/scopes", None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_waits_out_a_rate_limit() {
    let fake = start().await;
    fake.set_rate_limit(2, 1.0, Some("/v3/scopes")).unwrap();
    let sg = client(&fake, 3);
    for _ in 0..3 {
        assert!(!sg.scopes().await.unwrap().is_empty());
    }
    let statuses: Vec<u64> = fake
        .requests()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(
        statuses.iter().filter(|s| **s == 200).count() == 3,
        "{statuses:?}"
    );
}
