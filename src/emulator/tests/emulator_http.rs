//! Protocol-level behaviour of the emulator: auth, scopes, 404/405, bad
//! bodies, gzip, size limits, rate-limit headers, request log, latency, stop.

mod common;

use std::time::{Duration, Instant};

use common::{answer, call, call_raw, gzip, http, start, start_with};
use reqwest::Method;
use segment_sendgrid_emulator::{EmulatorOptions, FakeSendGrid};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_wrong_key_is_401_with_sendgrid_body() {
    let fake = start().await;
    let url = format!("{}/v3/scopes", fake.url());
    let none = answer(http().get(&url).send().await.unwrap()).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.body,
        json!({"errors":[{"field":null,"message":"authorization required"}]})
    );
    let wrong = answer(
        http()
            .get(&url)
            .bearer_auth("SG.other")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let right = answer(
        http()
            .get(&url)
            .bearer_auth("SG.fake-key")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(right.status, 200);
    assert!(right.body["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "mail.send"));
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_outside_the_scopes_are_403() {
    let options = EmulatorOptions {
        api_key: "SG.custom".into(),
        scopes: Some(vec!["mail.send".into(), "templates.read".into()]),
        ..Default::default()
    };
    let fake = start_with(options).await;
    assert_eq!(fake.api_key(), "SG.custom");
    let denied = call(&fake, Method::GET, "/v3/user/account", None).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.first_message(), "access forbidden");
    let put = call(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(json!({})),
    )
    .await;
    assert_eq!(put.status, 403);
    let allowed = call(&fake, Method::GET, "/v3/templates?page_size=10", None).await;
    assert_eq!(allowed.status, 200);
    let scopes = call(&fake, Method::GET, "/v3/scopes", None).await;
    assert_eq!(
        scopes.body,
        json!({"scopes": ["mail.send", "templates.read"]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_404_wrong_methods_405() {
    let fake = start().await;
    let missing = call(&fake, Method::GET, "/v3/nothing/here", None).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .first_message()
            .starts_with("not emulated: GET /v3/nothing/here "),
        "{}",
        missing.first_message()
    );
    let wrong = call(&fake, Method::DELETE, "/v3/marketing/lists", None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.headers["allow"], "GET, POST");
    assert_eq!(wrong.first_message(), "method not allowed");
    assert_eq!(
        call(&fake, Method::GET, "/v3/mail/send", None).await.status,
        405
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_400_on_every_body_endpoint() {
    let fake = start().await;
    for (method, path) in [
        (Method::PUT, "/v3/marketing/contacts"),
        (Method::POST, "/v3/mail/send"),
        (Method::POST, "/v3/marketing/field_definitions"),
        (Method::POST, "/v3/marketing/lists"),
        (Method::POST, "/v3/marketing/contacts/search/emails"),
    ] {
        for body in [&b"{\"contacts\": ["[..], b"", b"\xff\xfe", b"[]", b"null"] {
            let got = call_raw(&fake, method.clone(), path, Some(body.to_vec()), &[]).await;
            assert_eq!(got.status, 400, "{path} {body:?}");
            assert!(got.body["errors"][0]["message"].is_string(), "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_bodies_are_accepted_and_bad_encodings_refused() {
    let fake = start().await;
    let body = serde_json::to_vec(&json!({"contacts": [{"email": "Zip@Example.com"}]})).unwrap();
    let zipped = call_raw(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(gzip(&body)),
        &[("content-encoding", "gzip")],
    )
    .await;
    assert_eq!(zipped.status, 202, "{:?}", zipped.body);
    assert_eq!(fake.contacts()[0]["email"], "zip@example.com");
    let not_gzip = call_raw(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(body.clone()),
        &[("content-encoding", "gzip")],
    )
    .await;
    assert_eq!(not_gzip.status, 400);
    let brotli = call_raw(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(body),
        &[("content-encoding", "br")],
    )
    .await;
    assert_eq!(brotli.status, 415);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_the_limit_are_413_plain_or_gzipped() {
    let fake = start().await;
    let padding = "x".repeat(6_000_001);
    let big =
        serde_json::to_vec(&json!({"contacts": [{"email": "a@b.io", "first_name": padding}]}))
            .unwrap();
    let plain = call_raw(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(big.clone()),
        &[],
    )
    .await;
    assert_eq!(plain.status, 413);
    assert_eq!(plain.first_message(), "content too large");
    // Small on the wire, too large once inflated: still refused.
    let zipped = gzip(&big);
    assert!(zipped.len() < 100_000);
    let inflated = call_raw(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(zipped),
        &[("content-encoding", "gzip")],
    )
    .await;
    assert_eq!(inflated.status, 413);
    let small_endpoint = call_raw(
        &fake,
        Method::POST,
        "/v3/marketing/lists",
        Some(vec![b' '; 1_000_001]),
        &[],
    )
    .await;
    assert_eq!(small_endpoint.status, 413);
    assert!(fake.contacts().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_rate_limit_headers_and_429_past_the_limit() {
    let fake = start().await;
    fake.set_rate_limit(3, 60.0, Some("/v3/user/account"))
        .unwrap();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let got = call(&fake, Method::GET, "/v3/user/account", None).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.headers["x-ratelimit-limit"], "3");
        remaining.push(
            got.headers["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let over = call(&fake, Method::GET, "/v3/user/account", None).await;
    assert_eq!(over.status, 429);
    assert_eq!(
        over.body,
        json!({"errors":[{"field":null,"message":"too many requests"}]})
    );
    let reset: i64 = over.headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now + 55..=now + 61).contains(&reset),
        "reset {reset} now {now}"
    );
    // Other endpoints keep their own budget; 404 and 401 still carry headers.
    assert_eq!(
        call(&fake, Method::GET, "/v3/scopes", None).await.status,
        200
    );
    let missing = call(&fake, Method::GET, "/v3/x", None).await;
    assert!(missing.headers.contains_key("x-ratelimit-remaining"));
    let unauthorized = answer(
        http()
            .get(format!("{}/v3/scopes", fake.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(unauthorized.headers.contains_key("x-ratelimit-reset"));
    // A window refills once it has passed (long enough that a loaded
    // machine cannot let it pass between the first two calls).
    fake.set_rate_limit(1, 1.5, None).unwrap();
    let account = || call(&fake, Method::GET, "/v3/user/account", None);
    assert_eq!(account().await.status, 200);
    assert_eq!(account().await.status, 429);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(account().await.status, 200);
    assert!(fake.set_rate_limit(1, 0.0, None).is_err());
    assert!(fake.set_rate_limit(1, 1.0, Some("/v3/nope")).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn request_log_records_without_the_key() {
    let fake = start().await;
    call(
        &fake,
        Method::GET,
        "/v3/templates?page_size=5&generations=dynamic",
        None,
    )
    .await;
    call(
        &fake,
        Method::POST,
        "/v3/marketing/lists",
        Some(json!({"name": "L"})),
    )
    .await;
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/v3/templates");
    assert_eq!(log[0]["query"], "page_size=5&generations=dynamic");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["status"], 201);
    assert_eq!(log[1]["body_size"], 12);
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("SG.fake-key"), "{text}");
    assert_eq!(log[0]["headers"]["authorization"], "Bearer [redacted]");
    fake.reset();
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_delays_answers_without_blocking_other_requests() {
    let fake = start_with(EmulatorOptions {
        latency_ms: 300,
        ..Default::default()
    })
    .await;
    let url = format!("{}/v3/user/account", fake.url());
    let started = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let request = http().get(url.clone()).bearer_auth(fake.api_key());
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().unwrap());
    }
    let elapsed = started.elapsed();
    assert!(answers.iter().all(|status| *status == 200));
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    // 20 concurrent requests of 300 ms each overlap: in series they would
    // take 6 s (the bound leaves room for a loaded machine).
    assert!(elapsed < Duration::from_millis(4000), "{elapsed:?}");
    fake.set_latency(0);
    let quick = Instant::now();
    call(&fake, Method::GET, "/v3/user/account", None).await;
    assert!(quick.elapsed() < Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_releases_the_port_and_start_rejects_bad_options() {
    let fake = start().await;
    let port = fake.port();
    assert!(fake.url().ends_with(&format!(":{port}")));
    assert!(fake.is_running());
    fake.stop_async().await;
    assert!(!fake.is_running());
    assert!(http()
        .get(format!("{}/v3/scopes", fake.url()))
        .send()
        .await
        .is_err());
    let again = FakeSendGrid::start(EmulatorOptions {
        port,
        ..Default::default()
    })
    .await
    .expect("port reusable");
    assert_eq!(again.port(), port);
    // The blocking stop works from a runtime worker too.
    tokio::task::block_in_place(|| again.stop());
    assert!(!again.is_running());
    for key in ["", "SG.with space"] {
        let bad = FakeSendGrid::start(EmulatorOptions {
            api_key: key.into(),
            ..Default::default()
        })
        .await;
        assert!(bad.is_err());
    }
    let busy = start().await;
    let clash = FakeSendGrid::start(EmulatorOptions {
        port: busy.port(),
        ..Default::default()
    })
    .await;
    assert!(clash.unwrap_err().to_string().contains("cannot listen"));
}
