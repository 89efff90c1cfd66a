//! The send replay: a `sendEmail` case mapped with the mapping engine and
//! sent with `check_template` off to a loopback [`Recorder`]; the one
//! `POST /v3/mail/send` body must equal the expectation as JSON, or the
//! error must match. The test crate must declare `mod send_support;`.

use chrono::{DateTime, FixedOffset, Utc};
use segment_sendgrid_core::Error;
use segment_sendgrid_core::InputRecord;
use segment_sendgrid_core::{effective_mapping, Mapping};
use segment_sendgrid_core::{MailApi, SendOptions};
use serde_json::{json, Value};

use super::recorded_body;
use crate::send_support::{client, Recorder};

/// What a case must produce here.
#[derive(Debug)]
pub enum Expect {
    /// One `POST /v3/mail/send` with this body.
    Body(Value),
    /// A `PayloadValidation` error whose message contains this text.
    Invalid(String),
    /// An `Api` error with this status, after sending this body.
    Api(u16, Value),
}

/// A test's deviation table: the deviation that changes a case (by name,
/// given the recorded body) and the changed expectation.
pub type Deviations = fn(&str, Option<&Value>) -> Option<(&'static str, Expect)>;

/// The body of the vectors' minimal mail (from, to, template).
pub fn minimal_body() -> Value {
    json!({"personalizations":[{"to":[{"email":"rcpt@example.com","name":"Rcpt"}],"headers":{}}],
        "from":{"email":"sender@example.com","name":"Sender"},
        "reply_to":{"email":"sender@example.com","name":"Sender"},"template_id":"d-abc"})
}

/// `__SEND_AT__` in the format a case asks for, for instant `t` (ms).
fn send_at_text(format: &str, t: i64) -> String {
    let utc: DateTime<Utc> = DateTime::from_timestamp_millis(t).unwrap();
    match format {
        "iso_ms_z" => utc.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "iso_s_z" => utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "iso_offset_+05:30" => {
            let zone = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
            utc.with_timezone(&zone)
                .format("%Y-%m-%dT%H:%M:%S%.3f+05:30")
                .to_string()
        }
        "iso_no_tz" => utc.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        "iso_lowercase" => utc.format("%Y-%m-%dt%H:%M:%S%.3fz").to_string(),
        other => panic!("unknown send_at_format {other}"),
    }
}

fn replace_placeholder(value: &mut Value, text: &str) {
    match value {
        Value::String(s) if s == "__SEND_AT__" => *s = text.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_placeholder(v, text)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_placeholder(v, text)),
        _ => {}
    }
}

/// Maps the case's event(s) and returns (payloads, expectation, deviation).
fn set_up(
    case: &Value,
    now_ms: i64,
    deviations: Deviations,
) -> (Vec<Value>, Expect, Option<&'static str>) {
    let mapping = effective_mapping(
        "send_dynamic_template",
        &case["mapping"],
        case["use_default_mappings"] == true,
    )
    .expect("effective mapping");
    let mapping = Mapping::compile(&mapping).expect("mapping compiles");
    let mut events: Vec<Value> = match (case.get("event_json"), case.get("events")) {
        (Some(Value::String(text)), _) => vec![serde_json::from_str(text).unwrap()],
        (_, Some(Value::Array(events))) => events.clone(),
        _ => vec![case["event"].clone()],
    };
    let mut body = recorded_body(case, "POST", "/v3/mail/send");
    if let Some(hours) = case.get("send_at_offset_hours").and_then(Value::as_i64) {
        let t = now_ms + hours * 3_600_000;
        let text = send_at_text(case["send_at_format"].as_str().unwrap(), t);
        events
            .iter_mut()
            .for_each(|e| replace_placeholder(e, &text));
        body = body.map(|b| b.replace("__SEND_AT_UNIX__", &t.div_euclid(1000).to_string()));
    }
    let recorded: Option<Value> = body.map(|b| serde_json::from_str(&b).unwrap());
    let payloads = events
        .iter()
        .map(|e| {
            mapping
                .apply(e)
                .expect("mapping applies")
                .unwrap_or(Value::Null)
        })
        .collect();
    let name = case["name"].as_str().unwrap();
    if let Some((tag, expect)) = deviations(name, recorded.as_ref()) {
        return (payloads, expect, Some(tag));
    }
    let error = &case["error"];
    let expect = match error["class"].as_str() {
        None => Expect::Body(recorded.expect("a sent body")),
        Some("HTTPError") => {
            Expect::Api(error["status"].as_u64().unwrap() as u16, recorded.unwrap())
        }
        // Action messages word for word (D13 aside); schema (AJV) messages
        // are contained in ours.
        Some(_) => Expect::Invalid(
            error["message"]
                .as_str()
                .unwrap()
                .replace("numberic", "numeric"),
        ),
    };
    (payloads, expect, None)
}

/// How a case's payloads go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// As the vectors ran it: `send_one`, or `send_many` for a batch case.
    AsRecorded,
    /// Every payload through `send_many`, each record alone in its request.
    Batch,
}

/// Replays one case; `Ok` carries the deviation applied, `Err` what differs.
pub async fn run_case(
    case: &Value,
    deviations: Deviations,
    route: Route,
) -> Result<Option<&'static str>, String> {
    let reply = case["server_replies"]["mail_send"].clone();
    let status = reply["status"].as_u64().unwrap_or(202) as u16;
    let body = match &reply["body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let server = Recorder::start(status, body).await;
    let api = MailApi::new(client(&server.url, "SG.test-key-123", 0, 4));
    let opts = SendOptions {
        check_template: false,
        ..SendOptions::default()
    };
    let (payloads, expect, tag) = set_up(case, Utc::now().timestamp_millis(), deviations);
    let error = if route == Route::Batch || case["invocation"] == "testBatchAction" {
        // Segment's sendEmail has no performBatch (501); batches are what
        // this library adds, so a record must fare as it does alone.
        let count = payloads.len();
        let records = payloads
            .into_iter()
            .enumerate()
            .map(|(i, p)| InputRecord::new(i, p));
        let report = api
            .send_many(futures::stream::iter(records), opts)
            .await
            .map_err(|abort| format!("batch aborted: {abort:?}"))?;
        match (report.failed.as_slice(), &expect) {
            ([], _) if report.accepted == count => None,
            ([one], Expect::Invalid(_)) if count == 1 => {
                Some(Error::validation(one.reason.clone(), one.field.as_deref()))
            }
            _ => return Err(format!("batch report {report:?}, expected {expect:?}")),
        }
    } else {
        let payload = payloads.into_iter().next().unwrap();
        api.send_one(payload, opts).await.err()
    };
    let sent: Vec<Value> = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v3/mail/send")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let want_body = |body: &Value| match sent.as_slice() {
        [one] if one == body => Ok(()),
        _ => Err(format!("sent {sent:?}\n  expected body {body}")),
    };
    match (&expect, &error) {
        (Expect::Body(body), None) => want_body(body)?,
        (Expect::Invalid(text), Some(Error::PayloadValidation { message, .. }))
            if message.contains(text.as_str()) =>
        {
            if !sent.is_empty() {
                return Err(format!("sent {sent:?} although the payload is invalid"));
            }
        }
        (Expect::Api(status, body), Some(Error::Api { status: got, .. })) if got == status => {
            want_body(body)?
        }
        _ => {
            return Err(format!(
                "expected {expect:?}\n  got error {error:?}\n  sent {sent:?}"
            ))
        }
    }
    Ok(tag)
}

/// Replays every case through `route`; returns the failures and the
/// deviations applied (`"<tag> <name>"`, sorted).
pub async fn run_all(
    cases: &[&Value],
    deviations: Deviations,
    route: Route,
) -> (Vec<String>, Vec<String>) {
    let mut failures = Vec::new();
    let mut applied = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        match run_case(case, deviations, route).await {
            Ok(Some(tag)) => applied.push(format!("{tag} {name}")),
            Ok(None) => {}
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    applied.sort();
    (failures, applied)
}
