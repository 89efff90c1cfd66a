//! Helpers shared by the upsert batch tests: the emulator, contacts APIs
//! pointed at it (with quick retry and polling timings), generated people
//! and the checks that every record is accounted for and stored once.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream;
use segment_sendgrid_core::ClientSettings;
use segment_sendgrid_core::RetryTiming;
use segment_sendgrid_core::{BatchReport, ClientConfig, SendGridClient};
use segment_sendgrid_core::{ContactsApi, InputRecord, UpsertOptions};
use segment_sendgrid_emulator::{EmulatorHandle, EmulatorOptions, FakeSendGrid};
use serde_json::{json, Value};

pub const CONTACTS: &str = "/v3/marketing/contacts";

pub async fn emulator(options: EmulatorOptions) -> EmulatorHandle {
    FakeSendGrid::start(options).await.expect("emulator starts")
}

pub fn api_for(
    em: &EmulatorHandle,
    key: &str,
    max_retries: i64,
    max_concurrency: i64,
) -> ContactsApi {
    let timing = RetryTiming {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
    };
    api_with_timing(em, key, max_retries, max_concurrency, timing)
}

pub fn api_with_timing(
    em: &EmulatorHandle,
    key: &str,
    max_retries: i64,
    max_concurrency: i64,
    timing: RetryTiming,
) -> ContactsApi {
    let settings = ClientSettings {
        api_key: Some(key.to_owned()),
        endpoint: em.url(),
        max_retries,
        max_concurrency,
        ..ClientSettings::default()
    };
    let config = ClientConfig::from_settings(settings, None, "segment-sendgrid-tests").unwrap();
    ContactsApi::new(Arc::new(
        SendGridClient::with_timing(config, timing).unwrap(),
    ))
}

pub fn api(em: &EmulatorHandle) -> ContactsApi {
    api_for(em, &em.api_key(), 5, 4)
}

pub fn options(api: &ContactsApi) -> UpsertOptions {
    UpsertOptions::for_client(api.client().config())
}

/// Records generated on the fly: the input is never held in memory.
pub fn people(
    count: usize,
    payload: impl Fn(usize) -> Value + Send,
) -> impl futures::Stream<Item = InputRecord> + Send {
    stream::iter((0..count).map(move |index| InputRecord {
        index,
        payload: Ok(payload(index)),
    }))
}

pub fn email(index: usize) -> String {
    format!("user{index}@example.com")
}

/// `count` records whose payload is only `primary_email` (see [`email`]).
pub fn emails(count: usize) -> impl futures::Stream<Item = InputRecord> + Send {
    people(count, |i| json!({"primary_email": email(i)}))
}

pub fn assert_adds_up(report: &BatchReport) {
    assert_eq!(
        report.accepted + report.failed.len(),
        report.total,
        "{report:?}"
    );
    let mut indexes: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    indexes.dedup();
    assert_eq!(indexes.len(), report.failed.len());
}

/// Every expected email is stored exactly once.
pub fn assert_stored_once(em: &EmulatorHandle, emails: impl Iterator<Item = String>) {
    let mut stored: HashMap<String, usize> = HashMap::new();
    for contact in em.contacts() {
        if let Some(email) = contact["email"].as_str() {
            *stored.entry(email.to_owned()).or_default() += 1;
        }
    }
    let mut expected = 0;
    for email in emails {
        assert_eq!(stored.get(&email), Some(&1), "{email}");
        expected += 1;
    }
    assert_eq!(stored.len(), expected);
}

pub fn contact_requests(em: &EmulatorHandle) -> Vec<Value> {
    em.requests()
        .into_iter()
        .filter(|r| r["method"] == "PUT" && r["path"] == CONTACTS)
        .collect()
}
