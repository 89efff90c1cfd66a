//! Helpers shared by the emulator integration tests: start an emulator, send
//! raw requests, build a `SendGridClient` pointed at it.

#![allow(dead_code)]

pub mod exports;

use reqwest::header::HeaderMap;
use reqwest::Method;
use segment_sendgrid_core::SendGridClient;
use segment_sendgrid_core::{ClientConfig, ClientSettings};
use segment_sendgrid_emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid};
use serde_json::Value;

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
