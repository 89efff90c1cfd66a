//! Segment mapping-kit conformance: every vector of
//! `tests/data/conformance/mapping-kit-vectors.json` (the 59 `@liquid` ones
//! included), and the 80
//! default-mapping vectors of `sendgrid-default-mapping-vectors.json` (their
//! provenance: `tests/data/conformance/SOURCE.md`).

use std::path::PathBuf;

use segment_sendgrid_core::JsonDoc;
use segment_sendgrid_core::{default_mapping, effective_mapping, Mapping};
use serde_json::Value;

fn conformance_file(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/conformance")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("conformance file is JSON")
}

/// JSON equality as JS sees it: object key order matters (the vectors pin
/// JS enumeration order), numbers compare as doubles (`1` == `1.0`).
fn same_js_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_js_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_js_value(va, vb))
        }
        _ => a == b,
    }
}

/// Runs one vector; `Err` describes the mismatch.
fn check(vector: &Value) -> Result<(), String> {
    let mapping = &vector["mapping"];
    let input = &vector["input"];
    let got = Mapping::compile(mapping).and_then(|m| m.apply(input));
    let wanted_error = vector.get("error").is_some_and(|e| e == true);
    let wanted_absent = vector.get("expected_absent").is_some_and(|e| e == true);
    // The borrowed result must serialize to exactly the same JSON.
    if let (Ok(compiled), Ok(Some(out))) = (Mapping::compile(mapping), &got) {
        let borrowed = compiled
            .apply_borrowed(input)
            .map(|m| m.map(|m| serde_json::to_value(&m)));
        match borrowed {
            Ok(Some(Ok(b))) if same_js_value(&b, out) => {}
            other => return Err(format!("apply_borrowed differs: {other:?} vs {out}")),
        }
    }
    // The same record as JSON text: parsed whole into a `JsonDoc`, and parsed
    // only as far as the mapping reads it (as events given as text are).
    if let Ok(compiled) = Mapping::compile(mapping) {
        let text = input.to_string();
        let doc = JsonDoc::parse(&text).map_err(|e| e.to_string())?;
        let mut docs = vec![("whole", doc)];
        if input.is_object() {
            let projected = compiled.parse_record(&text).map_err(|e| e.to_string())?;
            docs.push(("projected", projected));
        }
        for (how, doc) in docs {
            match (compiled.apply(&doc), &got) {
                // Compared as text: key order counts.
                (Ok(a), Ok(b))
                    if serde_json::to_string(&a).ok() == serde_json::to_string(b).ok() => {}
                (Err(a), Err(b)) if a.to_string() == b.to_string() => {}
                (other, _) => return Err(format!("{how} JsonDoc differs: {other:?} vs {got:?}")),
            }
        }
    }
    match (&got, vector.get("expected")) {
        (Err(_), _) if wanted_error => Ok(()),
        (Ok(None), _) if wanted_absent => Ok(()),
        (Ok(Some(out)), Some(expected)) if !wanted_error && same_js_value(out, expected) => Ok(()),
        _ => Err(format!(
            "mapping:  {mapping}\n  input:    {input}\n  expected: {}\n  got:      {got:?}",
            if wanted_error {
                format!(
                    "error ({})",
                    vector
                        .get("error_message")
                        .or(vector.get("error_messages"))
                        .unwrap_or(&Value::Null)
                )
            } else if wanted_absent {
                "undefined".to_owned()
            } else {
                vector["expected"].to_string()
            }
        )),
    }
}

#[test]
fn mapping_kit_vectors() {
    let file = conformance_file("mapping-kit-vectors.json");
    let vectors = file["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 341);
    let (mut run, mut liquid, mut failures) = (0, 0, Vec::new());
    for vector in vectors {
        if vector["directive"] == "@liquid" {
            liquid += 1;
            // liquidjs's own messages are kept word for word.
            if let Some(wanted) = vector.get("error_message").and_then(Value::as_str) {
                match Mapping::compile(&vector["mapping"]).and_then(|m| m.apply(&vector["input"])) {
                    Err(e) if e.to_string().ends_with(wanted) => {}
                    other => failures.push(format!(
                        "{}: wanted {wanted:?}, got {other:?}",
                        vector["name"]
                    )),
                }
            }
        }
        run += 1;
        if let Err(why) = check(vector) {
            failures.push(format!("{}\n  {why}", vector["name"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {run} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        (run, liquid),
        (341, 59),
        "341 vectors run, 59 of them @liquid"
    );
    println!("mapping-kit vectors: {run} passed ({liquid} @liquid), 0 failed");
}

#[test]
fn default_mapping_vectors() {
    let file = conformance_file("sendgrid-default-mapping-vectors.json");
    let upsert = default_mapping("upsert_contact").unwrap();
    let send = default_mapping("send_dynamic_template").unwrap();
    assert!(
        same_js_value(&upsert, &file["upsert_contact_default_mapping"]),
        "{upsert}"
    );
    assert!(
        same_js_value(&send, &file["send_email_default_mapping"]),
        "{send}"
    );
    let upsert = Mapping::compile(&upsert).unwrap();
    let send = Mapping::compile(&send).unwrap();
    let vectors = file["vectors"].as_array().expect("vectors");
    let mut failures = Vec::new();
    for vector in vectors {
        let mapping = match vector["action"].as_str() {
            Some("upsert_contact") => &upsert,
            Some("send_email") => &send,
            other => panic!("unknown action {other:?}"),
        };
        let got = mapping.apply(&vector["event"]);
        let ok = matches!(&got, Ok(Some(out)) if same_js_value(out, &vector["expected_payload"]));
        if !ok {
            failures.push(format!(
                "{} / {}\n  event:    {}\n  expected: {}\n  got:      {got:?}",
                vector["action"],
                vector["description"],
                vector["event"],
                vector["expected_payload"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    assert_eq!(vectors.len(), 80);
    println!("default-mapping vectors: 80 passed, 0 failed");
}

/// `{...defaults, ...mapping}` as Segment ran it for every end-to-end action
/// vector (`effective_mapping`), key order included.
#[test]
fn effective_mappings_of_the_action_vectors() {
    let file = conformance_file("sendgrid-action-vectors.json");
    let cases = file["cases"].as_array().expect("cases");
    for case in cases {
        let action = case["action"].as_str().expect("action");
        let use_defaults = case["use_default_mappings"] == true;
        let got =
            effective_mapping(action, &case["mapping"], use_defaults).expect("effective mapping");
        assert!(
            same_js_value(&got, &case["effective_mapping"]),
            "{}: got {got}, expected {}",
            case["name"],
            case["effective_mapping"]
        );
        Mapping::compile(&got).expect("effective mapping compiles");
    }
    assert_eq!(cases.len(), 162);
}
