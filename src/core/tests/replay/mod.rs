//! Replaying recorded Segment action vectors (`sendgrid-action-vectors.json`
//! and the files in the same format): the vector files, and the send and
//! upsert replays the conformance tests share. Each test supplies its own
//! deviation table; the replays apply it and nothing else.

#![allow(dead_code)]

pub mod send;
pub mod upsert;

use std::path::PathBuf;

use serde_json::Value;

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vectors are JSON")
}

/// A vectors file of `tests/data/conformance` (see its `SOURCE.md`).
pub fn vectors(name: &str) -> Value {
    read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/conformance")
            .join(name),
    )
}

/// The cases of one action, in file order.
pub fn cases_of<'a>(vectors: &'a Value, action: &str) -> Vec<&'a Value> {
    vectors["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["action"] == action)
        .collect()
}

/// The event as sent: `event_json` is parsed when present (raw key order).
pub fn event_of(case: &Value) -> Value {
    match case.get("event_json").and_then(Value::as_str) {
        Some(text) => serde_json::from_str(text).unwrap(),
        None => case["event"].clone(),
    }
}

/// The recorded body text of the case's first request to `path`, if any.
pub fn recorded_body(case: &Value, method: &str, path: &str) -> Option<String> {
    case["requests"]
        .as_array()?
        .iter()
        .find(|r| r["method"] == method && r["url"].as_str().unwrap_or("").ends_with(path))
        .map(|r| r["body"].as_str().unwrap().to_owned())
}
