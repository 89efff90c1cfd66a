//! Bad input never panics or hangs the emulator: garbage HTTP, truncated
//! bodies, deep nesting, random bytes on every body endpoint.

mod common;

use std::time::Duration;

use common::{call, call_raw, start};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY_ENDPOINTS: [(&str, &str); 5] = [
    ("PUT", "/v3/marketing/contacts"),
    ("POST", "/v3/mail/send"),
    ("POST", "/v3/marketing/field_definitions"),
    ("POST", "/v3/marketing/lists"),
    ("POST", "/v3/marketing/contacts/search/emails"),
];

async fn raw_exchange(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_http_is_refused_and_the_server_keeps_serving() {
    let fake = start().await;
    let garbage = raw_exchange(fake.port(), b"\x00\x01NOT HTTP AT ALL\r\n\r\n").await;
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"),
        "{garbage}"
    );
    let bad_length = raw_exchange(
        fake.port(),
        b"PUT /v3/marketing/contacts HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    )
    .await;
    assert!(
        bad_length.is_empty() || bad_length.starts_with("HTTP/1.1 400"),
        "{bad_length}"
    );
    // A body cut short by the client closing: no answer is owed, nothing stored.
    let mut stream = TcpStream::connect(("127.0.0.1", fake.port()))
        .await
        .unwrap();
    let head = format!(
        "PUT /v3/marketing/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 1000\r\n\r\n{{\"contacts\":",
        fake.api_key()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    drop(stream);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(fake.contacts().is_empty());
    assert_eq!(
        call(&fake, Method::GET, "/v3/scopes", None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_nesting_is_a_400_not_a_stack_overflow() {
    let fake = start().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let wrapped =
        format!("{{\"contacts\":[{{\"email\":\"a@b.io\",\"custom_fields\":{{\"x\":{deep}}}}}]}}");
    for (method, path) in BODY_ENDPOINTS {
        for body in [deep.as_bytes(), wrapped.as_bytes()] {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let got = call_raw(&fake, method, path, Some(body.to_vec()), &[]).await;
            assert_eq!(got.status, 400, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn random_bodies_get_4xx_answers_never_5xx() {
    let fake = start().await;
    fake.add_list("L").unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let fragments: [&[u8]; 12] = [
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"contacts\"",
        b"\"email\"",
        b":",
        b",",
        b"\"a@b.io\"",
        b"null",
        b"1e999",
        b"\"\\ud800\"",
    ];
    for round in 0..300 {
        let mut body = Vec::new();
        for _ in 0..rng.usize(0..40) {
            if rng.bool() {
                body.extend_from_slice(fragments[rng.usize(..fragments.len())]);
            } else {
                body.push(rng.u8(..));
            }
        }
        let (method, path) = BODY_ENDPOINTS[round % BODY_ENDPOINTS.len()];
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let got = call_raw(&fake, method, path, Some(body.clone()), &[]).await;
        assert!(
            (200..500).contains(&got.status),
            "{path} {body:?} -> {}",
            got.status
        );
        if got.status >= 400 {
            assert!(
                got.body["errors"][0]["message"].is_string(),
                "{path} {body:?}"
            );
        }
    }
    assert_eq!(
        call(&fake, Method::GET, "/v3/scopes", None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_paths_and_queries_are_404_or_400() {
    let fake = start().await;
    for path in [
        "/",
        "/v3",
        "/v3/templates/%00",
        "/v3/marketing//contacts",
        "/V3/SCOPES",
    ] {
        let got = call(&fake, Method::GET, path, None).await;
        assert!(matches!(got.status, 404 | 405), "{path}: {}", got.status);
    }
    for path in [
        "/v3/templates?page_size=1e3",
        "/v3/templates?page_size=-1",
        "/v3/templates?page_size=%FF",
        "/v3/templates?page_token=%%%",
        "/v3/templates?page_size=1&page_size=2",
        "/v3/marketing/lists?page_size=1&page_size=2",
        "/v3/whitelabel/domains?limit=1&limit=2",
    ] {
        let got = call(&fake, Method::GET, path, None).await;
        assert_eq!(got.status, 400, "{path}");
        assert!(
            got.body["errors"][0]["message"].is_string(),
            "{path}: {:?}",
            got.body
        );
    }
    for path in ["/v3/templates/%FF%FE", "/v3/marketing/contacts/imports/%FF"] {
        let got = call(&fake, Method::GET, path, None).await;
        assert_eq!(got.status, 404, "{path}");
        assert!(
            got.body["errors"][0]["message"].is_string(),
            "{path}: {:?}",
            got.body
        );
    }
    let groups = call(&fake, Method::GET, "/v3/asm/groups?id=abc", None).await;
    assert_eq!(groups.status, 400);
}
