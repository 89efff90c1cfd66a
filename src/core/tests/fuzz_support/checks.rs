//! What every fuzz case must satisfy, for generated cases and the corpus
//! alike: no panic (a panic fails the case), output within the limit, and
//! the same answer from every input form and every way of taking the
//! output (`serde_json::Value`, `JsonDoc`, JSON text projected to what the
//! mapping reads; `apply`, `apply_borrowed` then `into_value` or
//! serialization).

use proptest::prelude::*;
use segment_sendgrid_core::Error;
use segment_sendgrid_core::JsonDoc;
use segment_sendgrid_core::Mapping;
use serde_json::Value;

/// The outcome of one mapping on one record: JSON text or the error text.
type Outcome = Result<String, String>;

fn outcome(result: Result<Option<Value>, Error>) -> Outcome {
    result
        .map(|v| serde_json::to_string(&v.unwrap_or(Value::Null)).unwrap_or_default())
        .map_err(|e| e.to_string())
}

/// A compiled mapping applied to `record` every way; all must agree and
/// fit the limit. Returns the outcome, for callers that expect one.
pub fn apply_everywhere(
    mapping: &Mapping,
    record: &Value,
    limit: usize,
) -> Result<Outcome, TestCaseError> {
    let mapping = mapping.clone().with_output_limit(limit);
    let from_value = outcome(mapping.apply(record));
    let doc = JsonDoc::from_value(record);
    prop_assert_eq!(&outcome(mapping.apply(&doc)), &from_value, "JsonDoc input");

    let borrowed = mapping.apply_borrowed(record);
    let into_value = borrowed
        .clone()
        .and_then(|m| m.map(|m| m.into_value()).transpose().map(Option::flatten));
    prop_assert_eq!(
        &outcome(into_value),
        &from_value,
        "apply_borrowed + into_value"
    );
    let serialized = borrowed
        .map_err(|e| e.to_string())
        .and_then(|m| serde_json::to_string(&m).map_err(|e| e.to_string()));
    match (&serialized, &from_value) {
        (Ok(text), Ok(expected)) => prop_assert_eq!(text, expected, "serialized"),
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "serialize {serialized:?} but apply {from_value:?}"),
    }

    // JSON text, parsed as far as the mapping reads it.
    let text = record.to_string();
    let parsed = mapping.parse_record(&text);
    prop_assert!(
        parsed.is_ok(),
        "a record's own text did not parse: {parsed:?}"
    );
    if let Ok(projected) = parsed {
        prop_assert_eq!(
            &outcome(mapping.apply(&projected)),
            &from_value,
            "projected text"
        );
    }

    if let Ok(text) = &from_value {
        // The measure is about JSON size; escapes may make the text up to
        // six times longer than the strings charged.
        prop_assert!(
            text.len() <= 6 * limit + 64,
            "{} bytes out, limit {limit}",
            text.len()
        );
    }
    Ok(from_value)
}

/// Compiles `mapping` (an error is fine) and applies it to each record.
pub fn mapping_case(
    mapping: &Value,
    records: &[Value],
    limit: usize,
) -> Result<Vec<Outcome>, TestCaseError> {
    let Ok(compiled) = Mapping::compile(mapping) else {
        return Ok(Vec::new());
    };
    records
        .iter()
        .map(|record| apply_everywhere(&compiled, record, limit))
        .collect()
}

/// JSON text: `JsonDoc` accepts what `serde_json` accepts, with the same
/// value; a mapping's projected parse accepts at least that, and maps it
/// the same.
pub fn json_text(text: &str, mapping: Option<&Mapping>) -> Result<(), TestCaseError> {
    let full: Result<Value, _> = serde_json::from_str(text);
    let doc = JsonDoc::parse(text);
    prop_assert_eq!(
        doc.is_ok(),
        full.is_ok(),
        "JsonDoc {:?} vs serde_json {:?}",
        doc,
        full
    );
    if let (Ok(doc), Ok(value)) = (&doc, &full) {
        prop_assert_eq!(&doc.root().to_value(), value);
    }
    let Some(mapping) = mapping else {
        return Ok(());
    };
    let projected = mapping.reads().parse_doc(text);
    if let Ok(value) = &full {
        prop_assert!(
            projected.is_ok(),
            "projection refused valid JSON: {projected:?}"
        );
        if let (Ok(projected), true) = (&projected, value.is_object()) {
            let limited = mapping.clone().with_output_limit(1 << 16);
            prop_assert_eq!(
                outcome(limited.apply(projected)),
                outcome(limited.apply(value))
            );
        }
    }
    Ok(())
}
