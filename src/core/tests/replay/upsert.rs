//! The upsert replay: an `updateUserProfile` case mapped with the mapping
//! engine and run through [`ContactsApi`] against a loopback server that
//! serves the case's field definitions and replies. The PUT body is compared
//! as JSON with the recorded one after the deviations every upsert replay
//! applies (D4, D5 for batches); batch records by their failure reasons.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use futures::stream;
use segment_sendgrid_core::ClientSettings;
use segment_sendgrid_core::RetryTiming;
use segment_sendgrid_core::{effective_mapping, Mapping};
use segment_sendgrid_core::{ClientConfig, Error, RecordFailure, SendGridClient};
use segment_sendgrid_core::{ContactsApi, InputRecord, UpsertOptions};
use serde_json::{json, Value};

use super::event_of;

/// A reply the loopback server gives: status and JSON body.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: Value,
}

#[derive(Clone)]
struct Server {
    field_definitions: Reply,
    contacts: Reply,
    puts: Arc<Mutex<Vec<String>>>,
}

async fn answer(
    axum::extract::State(server): axum::extract::State<Server>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> impl IntoResponse {
    let reply = match (method.as_str(), uri.path()) {
        ("GET", "/v3/marketing/field_definitions") => server.field_definitions.clone(),
        ("PUT", "/v3/marketing/contacts") => {
            let text = String::from_utf8_lossy(&body).into_owned();
            server.puts.lock().unwrap().push(text);
            server.contacts.clone()
        }
        _ => Reply {
            status: 404,
            body: json!({"errors": [{"message": "not found (harness)"}]}),
        },
    };
    (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body.to_string(),
    )
}

/// Starts the server for `case`; returns its URL and the PUT bodies it saw.
async fn serve(vectors: &Value, case: &Value) -> (String, Arc<Mutex<Vec<String>>>) {
    let replies = case.get("server_replies");
    let pick = |name: &str, default: Reply| {
        replies
            .and_then(|r| r.get(name))
            .map(|r| Reply {
                status: r["status"].as_u64().unwrap() as u16,
                body: r["body"].clone(),
            })
            .unwrap_or(default)
    };
    let server = Server {
        field_definitions: pick(
            "field_definitions",
            Reply {
                status: 200,
                body: vectors["field_definitions_fixture"].clone(),
            },
        ),
        contacts: pick(
            "contacts",
            Reply {
                status: 202,
                body: json!({"job_id": "job-0000-1111"}),
            },
        ),
        puts: Arc::default(),
    };
    let puts = server.puts.clone();
    let app = axum::Router::new().fallback(answer).with_state(server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, puts)
}

fn api(case: &Value, url: &str) -> ContactsApi {
    let settings = ClientSettings {
        api_key: case["settings"]["sendGridApiKey"]
            .as_str()
            .map(str::to_owned),
        endpoint: url.to_owned(),
        max_retries: 0,
        ..ClientSettings::default()
    };
    let config = ClientConfig::from_settings(settings, None, "segment-sendgrid-tests").unwrap();
    let timing = RetryTiming {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    };
    ContactsApi::new(Arc::new(
        SendGridClient::with_timing(config, timing).unwrap(),
    ))
}

/// The expected PUT body with the deviations applied: D4 always (custom
/// field values that were `null` are recorded as the string "null"; no case
/// sends that string otherwise), D5 when `drop_empty` (batches).
pub fn expected_put(case: &Value, drop_empty: bool) -> Option<Value> {
    let put = case["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "PUT")?;
    let mut body: Value = serde_json::from_str(put["body"].as_str().unwrap()).unwrap();
    for contact in body["contacts"].as_array_mut().unwrap() {
        let contact = contact.as_object_mut().unwrap();
        if let Some(Value::Object(custom)) = contact.get_mut("custom_fields") {
            custom.retain(|_, v| v != "null");
        }
        if drop_empty {
            contact.retain(|_, v| v != "");
        }
    }
    Some(body)
}

/// Key order of every object, to report (not require) byte-level order.
fn same_key_order(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().eq(y.keys())
                && x.values()
                    .zip(y.values())
                    .all(|(a, b)| same_key_order(a, b))
        }
        (Value::Array(x), Value::Array(y)) => x.iter().zip(y).all(|(a, b)| same_key_order(a, b)),
        _ => true,
    }
}

/// A batch case where the library differs beyond D4/D5 (D11: Segment failed
/// the whole batch): each record's failure reason (`None`: accepted) and
/// the PUT body then expected.
pub struct BatchExpect {
    pub reasons: Vec<Option<String>>,
    pub body: Option<Value>,
}

/// Per-record outcomes as recorded: the multistatus, or (D11) the
/// whole-batch error for every record.
pub fn recorded_reasons(case: &Value, count: usize) -> Vec<Option<String>> {
    match case.get("multistatus") {
        Some(Value::Array(entries)) => entries
            .iter()
            .map(|e| e["errormessage"].as_str().map(str::to_owned))
            .collect(),
        _ => vec![case["error"]["message"].as_str().map(str::to_owned); count],
    }
}

/// Runs one case; `Err` says what differs. `Ok(true)` when the body also
/// kept Segment's key order. `batch_expect` replaces the recorded batch
/// outcome when a deviation changes it.
/// D15: the case failed on its field-definitions reply before any PUT.
fn fails_only_on_the_lookup(case: &Value) -> bool {
    let status = case["server_replies"]["field_definitions"]["status"]
        .as_u64()
        .unwrap_or(200);
    let put_recorded = case["requests"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["method"] == "PUT"));
    !case["error"].is_null() && status >= 400 && !put_recorded
}

pub async fn check(
    vectors: &Value,
    case: &Value,
    batch_expect: Option<BatchExpect>,
) -> Result<bool, String> {
    let mapping = effective_mapping(
        "upsert_contact",
        &case["mapping"],
        case["use_default_mappings"].as_bool().unwrap(),
    )
    .map_err(|e| e.to_string())?;
    if mapping != case["effective_mapping"] {
        return Err(format!("effective mapping differs: {mapping}"));
    }
    let mapping = Mapping::compile(&mapping).map_err(|e| e.to_string())?;
    let (url, puts) = serve(vectors, case).await;
    let api = api(case, &url);
    let batch = case["invocation"] != "testAction";
    let mut expected = expected_put(case, batch);

    if batch {
        let events: Vec<Value> = case["events"].as_array().unwrap().clone();
        let records = events.iter().enumerate().map(|(index, event)| InputRecord {
            index,
            payload: match mapping.apply(event) {
                Ok(Some(payload)) => Ok(payload),
                Ok(None) => Err(RecordFailure::invalid(index, "mapping gave nothing", None)),
                Err(e) => Err(RecordFailure::invalid(index, e.to_string(), None)),
            },
        });
        let records: Vec<InputRecord> = records.collect();
        let report = api
            .upsert_many(stream::iter(records), UpsertOptions::default())
            .await
            .map_err(|abort| format!("run aborted: {}", abort.error))?;
        if report.total != events.len() || report.accepted + report.failed.len() != report.total {
            return Err(format!("report does not add up: {report:?}"));
        }
        let wanted = match batch_expect {
            Some(over) => {
                expected = over.body;
                over.reasons
            }
            None => recorded_reasons(case, events.len()),
        };
        for (index, wanted) in wanted.iter().enumerate() {
            let got = report.failed.iter().find(|f| f.index == index);
            match (wanted, got) {
                (None, None) => {}
                (Some(message), Some(failure)) if &failure.reason == message => {}
                _ => return Err(format!("record {index}: wanted {wanted:?}, got {got:?}")),
            }
        }
    } else {
        let payload = mapping
            .apply(&event_of(case))
            .map_err(|e| e.to_string())?
            .ok_or("mapping gave nothing")?;
        let result = api.upsert_one(payload, None).await;
        if fails_only_on_the_lookup(case) {
            // D15: no lookup without custom fields, so the case succeeds;
            // Segment never built its PUT, so no body is compared.
            return match (&result, puts.lock().unwrap().len()) {
                (Ok(ok), 1) if ok.status_code == 202 => Ok(true),
                (result, sent) => Err(format!(
                    "D15: wanted one PUT and success, got {result:?} after {sent} PUTs"
                )),
            };
        }
        let error = &case["error"];
        match (&result, error.get("class").and_then(Value::as_str)) {
            (Ok(ok), None) if ok.job_id == "job-0000-1111" && ok.status_code == 202 => {}
            (Err(Error::PayloadValidation { message, .. }), Some(class))
                if class != "HTTPError" && message == error["message"].as_str().unwrap() => {}
            (Err(Error::Api { status, .. }), Some("HTTPError"))
                if Some(u64::from(*status)) == error["status"].as_u64() => {}
            _ => return Err(format!("wanted error {error}, got {result:?}")),
        }
    }

    let puts = puts.lock().unwrap().clone();
    match (expected, puts.as_slice()) {
        (None, []) => Ok(true),
        (Some(expected), [sent]) => {
            let sent: Value = serde_json::from_str(sent).map_err(|e| e.to_string())?;
            if sent == expected {
                Ok(same_key_order(&sent, &expected))
            } else {
                Err(format!(
                    "PUT body\n  expected {expected}\n  sent     {sent}"
                ))
            }
        }
        (expected, sent) => Err(format!("expected PUT {expected:?}, sent {sent:?}")),
    }
}
