//! Helpers shared by the send-action tests: a loopback server that records
//! every request and answers as a case says, and clients pointed at it.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use segment_sendgrid_core::RetryTiming;
use segment_sendgrid_core::SendGridClient;
use segment_sendgrid_core::{ClientConfig, ClientSettings};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: String,
}

#[derive(Debug)]
struct Inner {
    requests: Mutex<Vec<Recorded>>,
    mail_status: u16,
    mail_body: String,
}

/// A server on 127.0.0.1 that answers `POST /v3/mail/send` with the given
/// status and body (202 and an `X-Message-Id` by default) and anything
/// else with 404, recording every request.
pub struct Recorder {
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

async fn answer(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    _h: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    inner.requests.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if method == Method::POST && path == "/v3/mail/send" {
        let status = StatusCode::from_u16(inner.mail_status).unwrap();
        let mut response = (status, inner.mail_body.clone()).into_response();
        response
            .headers_mut()
            .insert("x-message-id", "recorded-message-id".parse().unwrap());
        return response;
    }
    (
        StatusCode::NOT_FOUND,
        r#"{"errors":[{"message":"not found (harness)"}]}"#,
    )
        .into_response()
}

impl Recorder {
    pub async fn start(mail_status: u16, mail_body: String) -> Self {
        let inner = Arc::new(Inner {
            requests: Mutex::new(Vec::new()),
            mail_status,
            mail_body,
        });
        let app = Router::new().fallback(answer).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A client for `url` with `key`, without retries unless asked.
pub fn client(url: &str, key: &str, max_retries: i64, max_concurrency: i64) -> Arc<SendGridClient> {
    client_with_timing(
        url,
        key,
        max_retries,
        max_concurrency,
        RetryTiming::default(),
    )
}

/// [`client`] with the given backoff.
pub fn client_with_timing(
    url: &str,
    key: &str,
    max_retries: i64,
    max_concurrency: i64,
    timing: RetryTiming,
) -> Arc<SendGridClient> {
    let settings = ClientSettings {
        api_key: Some(key.to_owned()),
        endpoint: url.to_owned(),
        max_retries,
        max_concurrency,
        timeout_s: 10.0,
        ..Default::default()
    };
    let config = ClientConfig::from_settings(settings, None, "send-tests").expect("config");
    Arc::new(SendGridClient::with_timing(config, timing).expect("client"))
}
