//! A system without CA certificates (a minimal container image without
//! `ca-certificates`): clients still build, plain http:// endpoints (the
//! emulator) work, and an https:// request fails as a transport error that
//! says how to fix it, instead of "cannot build the HTTP client: builder
//! error" for every client.
//!
//! Its own test binary, one test: it points `SSL_CERT_FILE` and
//! `SSL_CERT_DIR` at nothing for the whole process, which is how
//! rustls-platform-verifier finds no root on Linux.

mod common;

use common::static_server as server;
use segment_sendgrid_core::{ClientConfig, ClientSettings};
use segment_sendgrid_core::{Error, SendGridClient};
use tokio::net::TcpListener;

fn client(endpoint: String) -> SendGridClient {
    let settings = ClientSettings {
        api_key: Some("SG.no-roots-test".into()),
        endpoint,
        max_retries: 0,
        ..ClientSettings::default()
    };
    SendGridClient::new(ClientConfig::from_settings(settings, None, "no-roots-tests").unwrap())
        .unwrap()
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[tokio::test]
async fn without_ca_certificates_http_works_and_https_says_how_to_fix_it() {
    let nowhere = std::env::temp_dir().join("segment-sendgrid-no-such-ca-file");
    std::env::set_var("SSL_CERT_FILE", &nowhere);
    std::env::set_var("SSL_CERT_DIR", &nowhere);

    let (port, _) = server(br#"{"scopes":["mail.send"]}"#).await;
    let scopes = client(format!("http://127.0.0.1:{port}"))
        .scopes()
        .await
        .unwrap();
    assert_eq!(scopes, ["mail.send"]);

    // A server that takes the connection and closes it: with no root, no
    // https:// connection can succeed whatever the server sends.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    let error = client(format!("https://127.0.0.1:{port}"))
        .scopes()
        .await
        .unwrap_err();
    let Error::Transport {
        message,
        maybe_sent,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(!maybe_sent, "{message}");
    assert!(
        message.contains("no CA certificates")
            && message.contains("ca-certificates")
            && message.contains("SSL_CERT_FILE"),
        "{message}"
    );
}
