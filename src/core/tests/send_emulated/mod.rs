//! Helpers shared by the send batch tests against the emulator: a running
//! emulator with a dynamic template, mail APIs pointed at it, generated mails
//! and what the emulator stored.

#![allow(dead_code)]

use std::collections::HashMap;

use crate::send_support::client;
use futures::stream;
use segment_sendgrid_core::InputRecord;
use segment_sendgrid_core::MailApi;
use segment_sendgrid_core::RecordFailure;
use segment_sendgrid_emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid, VersionSpec};
use serde_json::{json, Value};

pub async fn fake() -> EmulatorHandle {
    fake_with(EmulatorOptions::default()).await
}

pub async fn fake_with(options: EmulatorOptions) -> EmulatorHandle {
    FakeSendGrid::start(options).await.expect("emulator starts")
}

pub fn version(active: bool) -> VersionSpec {
    VersionSpec {
        name: "v1".into(),
        subject: "Hello {{first_name}}".into(),
        html_content:
            "<p>{{#if vip}}VIP{{/if}} {{root.order.id}} {{insert city \"default=x\"}}</p>".into(),
        plain_content: "{{first_name}} {{ 42 }}".into(),
        active,
    }
}

pub fn dynamic_template(fake: &EmulatorHandle) -> String {
    fake.add_template("Welcome", vec![version(true)], "dynamic")
        .unwrap()
}

pub fn api(fake: &EmulatorHandle, concurrency: i64) -> MailApi {
    MailApi::new(client(&fake.url(), &fake.api_key(), 3, concurrency))
}

pub fn mail(i: usize, template: &str) -> Value {
    json!({
        "from": {"email": "sender@example.com", "name": "Sender"},
        "to": {"email": format!("r{i}@example.com"), "name": format!("R {i}")},
        "template_id": template,
        "dynamic_template_data": {"first_name": format!("n{i}")},
        "custom_args": {"row": i}
    })
}

pub fn records(payloads: Vec<Value>) -> stream::Iter<std::vec::IntoIter<InputRecord>> {
    let list: Vec<InputRecord> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| InputRecord::new(i, p))
        .collect();
    stream::iter(list)
}

/// Every `to` address the emulator stored, with how often.
pub fn stored_recipients(fake: &EmulatorHandle) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for message in fake.messages() {
        for p in message["body"]["personalizations"].as_array().unwrap() {
            let email = p["to"][0]["email"].as_str().unwrap().to_owned();
            *seen.entry(email).or_insert(0) += 1;
        }
    }
    seen
}

pub fn mail_posts(fake: &EmulatorHandle) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v3/mail/send")
        .count()
}

pub fn outcomes(failed: &[RecordFailure]) -> HashMap<&'static str, usize> {
    let mut counts = HashMap::new();
    for f in failed {
        *counts.entry(f.outcome.as_str()).or_insert(0) += 1;
    }
    counts
}
