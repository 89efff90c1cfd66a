//! Helpers of the contact export tests: seed contacts, create an export,
//! fetch and parse its files.

use std::collections::BTreeMap;
use std::io::Read;

use reqwest::Method;
use segment_sendgrid_emulator::EmulatorHandle;
use serde_json::{json, Value};

use super::{call, http, Answer};

pub const CONTACTS: &str = "/v3/marketing/contacts";
pub const EXPORTS: &str = "/v3/marketing/contacts/exports";

/// Upserts `count` contacts `{prefix}{i}@example.com` (every third with an
/// external id) onto `lists`.
pub async fn upsert(fake: &EmulatorHandle, prefix: &str, count: usize, lists: &[&String]) {
    let contacts: Vec<Value> = (0..count)
        .map(|i| {
            let mut c =
                json!({"email": format!("{prefix}{i}@example.com"), "first_name": "Ann, \"A\""});
            if i % 3 == 0 {
                c["external_id"] = json!(format!("{prefix}-{i}"));
            }
            c
        })
        .collect();
    let body = json!({"list_ids": lists, "contacts": contacts});
    let answer = call(fake, Method::PUT, CONTACTS, Some(body)).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
}

/// contact id → (email, external_id) of the stored contacts `keep` accepts.
pub fn stored(
    fake: &EmulatorHandle,
    keep: impl Fn(&Value) -> bool,
) -> BTreeMap<String, Identifiers> {
    fake.contacts()
        .iter()
        .filter(|c| keep(c))
        .map(|c| (text(&c["id"]), identifiers(c)))
        .collect()
}

pub type Identifiers = (String, String);

pub fn identifiers(contact: &Value) -> Identifiers {
    (text(&contact["email"]), text(&contact["external_id"]))
}

pub fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

pub fn on(list: &str) -> impl Fn(&Value) -> bool + '_ {
    move |c| c["list_ids"].as_array().unwrap().iter().any(|l| l == list)
}

pub async fn export(fake: &EmulatorHandle, body: Value) -> String {
    let answer = call(fake, Method::POST, EXPORTS, Some(body)).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    let id = text(&answer.body["id"]);
    assert_eq!(id.len(), 36);
    assert_eq!(
        answer.body["_metadata"]["self"],
        format!("{}{EXPORTS}/{id}", fake.url())
    );
    id
}

pub async fn status(fake: &EmulatorHandle, id: &str) -> Answer {
    call(fake, Method::GET, &format!("{EXPORTS}/{id}"), None).await
}

/// Every file of a ready export, gunzipped, fetched without the API key.
pub async fn files(fake: &EmulatorHandle, id: &str) -> Vec<String> {
    let answer = status(fake, id).await;
    assert_eq!(answer.body["status"], "ready", "{:?}", answer.body);
    let mut texts = Vec::new();
    for url in answer.body["urls"].as_array().unwrap() {
        let response = http().get(url.as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/gzip");
        let bytes = response.bytes().await.unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("a gzip file");
        texts.push(text);
    }
    texts
}

pub fn json_lines(texts: &[String]) -> Vec<Value> {
    texts
        .iter()
        .flat_map(|t| t.lines())
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// A CSV file as rows of cells (RFC 4180 quoting; no line breaks in cells here).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cell.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cell)),
                    (c, _) => cell.push(c),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}
