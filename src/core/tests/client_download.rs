//! `SendGridClient::download` (an import job's `errors_url`): the key goes
//! only to the configured endpoint's origin, a pre-signed query never shows
//! in errors, and what is read is bounded.

mod common;

use common::static_server as server;
use segment_sendgrid_core::{ClientConfig, ClientSettings};
use segment_sendgrid_core::{Error, SendGridClient};

const KEY: &str = "SG.download-test-key";

fn client(port: u16) -> SendGridClient {
    let settings = ClientSettings {
        api_key: Some(KEY.into()),
        endpoint: format!("http://127.0.0.1:{port}"),
        max_retries: 0,
        ..ClientSettings::default()
    };
    SendGridClient::new(ClientConfig::from_settings(settings, None, "download-tests").unwrap())
        .unwrap()
}

#[tokio::test]
async fn the_key_goes_only_to_the_configured_origin() {
    let (port, heads) = server(br#"{"errors":[]}"#).await;
    let client = client(port);
    let own = client
        .download(&format!("http://127.0.0.1:{port}/files/e.json"), 1024)
        .await
        .unwrap();
    assert_eq!(&own.body[..], br#"{"errors":[]}"#);
    // Same server, another origin (host name): no key.
    client
        .download(
            &format!("http://localhost:{port}/files/e.json?signature=s3cr3t"),
            1024,
        )
        .await
        .unwrap();
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(heads[0].contains(&format!("authorization: bearer {}", KEY.to_lowercase())));
    assert!(!heads[1].contains("authorization"), "{}", heads[1]);
    assert!(!heads[1].contains(&KEY.to_lowercase()));
}

#[tokio::test]
async fn a_body_over_the_bound_is_not_read_and_the_query_is_not_shown() {
    static BIG: [u8; 4096] = [b' '; 4096];
    let (port, _) = server(&BIG).await;
    let error = client(port)
        .download(
            &format!("http://localhost:{port}/e.json?signature=s3cr3t"),
            1000,
        )
        .await
        .unwrap_err();
    let Error::Transport { message, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("more than 1000 bytes"), "{message}");
    assert!(
        message.contains("/e.json") && !message.contains("s3cr3t"),
        "{message}"
    );
    for bad in ["ftp://127.0.0.1/x", "not a url", "file:///etc/passwd"] {
        assert!(matches!(
            client(port).download(bad, 10).await,
            Err(Error::Transport {
                maybe_sent: false,
                ..
            })
        ));
    }
}
