//! Helpers shared by the emulator integration tests: start an emulator, send
//! raw requests, build a `SendGridClient` pointed at it.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;
use reqwest::Method;
use segment_sendgrid_core::config::{ClientConfig, ClientSettings};
use segment_sendgrid_core::emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid};
use segment_sendgrid_core::SendGridClient;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub async fn start() -> EmulatorHandle {
    start_with(EmulatorOptions::default()).await
}

pub async fn start_with(options: EmulatorOptions) -> EmulatorHandle {
    FakeSendGrid::start(options).await.expect("emulator starts")
}

/// A raw answer: status, headers and the body parsed as JSON (Null when
/// empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `field`s of the error body.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or("null").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn first_message(&self) -> String {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()
        .expect("client builds")
}

/// Sends `body` (JSON) with the emulator's key.
pub async fn call(
    fake: &EmulatorHandle,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let bytes = body.map(|b| serde_json::to_vec(&b).expect("json"));
    call_raw(fake, method, path, bytes, &[]).await
}

/// Sends raw bytes with the emulator's key plus `headers`.
pub async fn call_raw(
    fake: &EmulatorHandle,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = http()
        .request(method, format!("{}{}", fake.url(), path))
        .bearer_auth(fake.api_key());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    answer(request.send().await.expect("the emulator answers")).await
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body reads");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// The project's own client, pointed at the emulator, without retries.
pub fn client(fake: &EmulatorHandle, max_retries: i64) -> SendGridClient {
    let settings = ClientSettings {
        api_key: Some(fake.api_key()),
        endpoint: fake.url(),
        max_retries,
        timeout_s: 5.0,
        ..Default::default()
    };
    let config = ClientConfig::from_settings(settings, None, "emulator-tests").expect("config");
    SendGridClient::new(config).expect("client")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A bare HTTP server answering every request with 200 and `body` (JSON),
/// keeping each request's head (lower-cased): for what the emulator cannot
/// play, such as another origin's download.
pub async fn static_server(body: &'static [u8]) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).to_lowercase());
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.write_all(body).await;
            });
        }
    });
    (port, heads)
}
