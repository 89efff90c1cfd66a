//! Turning one caller record into what a batch run takes, the same for
//! every binding: JSON text is parsed as far as the mapping reads it, a
//! record already in JSON form is mapped as it is, and a failure becomes
//! the record's `RecordFailure` rather than the run's error.

use std::ops::Range;

use serde_json::Value;

use super::InputRecord;
use crate::error::Error;
use crate::json_doc::{DocWriter, JsonDoc};
use crate::mapping::Mapping;
use crate::report::RecordFailure;
use crate::table::BatchRows;

/// A mapping result of JS `undefined` (the whole mapping resolved to
/// nothing) is sent as an empty object, as Segment does.
fn or_empty(mapped: Option<Value>) -> Value {
    mapped.unwrap_or_else(|| Value::Object(Default::default()))
}

/// The mapped payload of one record given as JSON text (a JSONL line):
/// parse → `JsonDoc` → mapping. Errors are the record's (bad JSON, not an
/// object, a mapping error).
pub fn map_json_text(mapping: &Mapping, text: &str) -> Result<Value, Error> {
    map_doc(mapping, &mapping.parse_record(text)?)
}

/// The mapped payload of one record in document form (a table's row).
pub fn map_doc(mapping: &Mapping, record: &JsonDoc) -> Result<Value, Error> {
    mapping.apply(record).map(or_empty)
}

/// An action's fast path from a table's row: (batch, row, input index) →
/// the record's payload or failure.
pub type RowPayload<P> = dyn Fn(&BatchRows, usize, usize) -> Result<P, RecordFailure> + Send + Sync;

/// Rows `rows` of a bound batch as batch records, the first numbered
/// `first_index`. An action's own fast path (`direct`: row, index) makes
/// the payload when it has one; otherwise each row is written into `doc`
/// and made a payload by `prepare` (the path JSON text takes once parsed).
/// A cell with no JSON form, or either path's error, is the record's
/// failure.
pub fn table_records<P>(
    batch: &BatchRows,
    rows: Range<usize>,
    first_index: usize,
    direct: Option<&RowPayload<P>>,
    mut prepare: impl FnMut(&JsonDoc) -> Result<P, Error>,
) -> Vec<InputRecord<P>> {
    if let Some(direct) = direct {
        return rows
            .enumerate()
            .map(|(offset, row)| {
                let index = first_index + offset;
                let payload = direct(batch, row, index);
                InputRecord { index, payload }
            })
            .collect();
    }
    let mut doc = DocWriter::new();
    let doc = &mut doc;
    rows.enumerate()
        .map(|(offset, row)| {
            let index = first_index + offset;
            let payload = match batch.write_row(row, doc) {
                Ok(()) => {
                    prepare(doc.finish()).map_err(|err| RecordFailure::from_error(index, err))
                }
                Err(cell) => Err(RecordFailure::invalid(index, cell.into_reason(), None)),
            };
            InputRecord { index, payload }
        })
        .collect()
}

/// The mapped payload of one record already converted to JSON.
pub fn map_json_value(mapping: &Mapping, record: &Value) -> Result<Value, Error> {
    mapping.apply(record).map(or_empty)
}

/// A payload made from a record already in JSON form (an action's own
/// path, or [`map_json_value`]) as a batch record's payload: its error is
/// the record's `invalid` failure at `index` (naming the field of a
/// validation error).
pub fn value_record<P>(index: usize, prepared: Result<P, Error>) -> Result<P, RecordFailure> {
    prepared.map_err(|err| RecordFailure::from_error(index, err))
}

/// A payload made from JSON text by `prepare` (an action's own path, or
/// [`map_json_text`]) as a batch record's payload: its error is the
/// record's failure at `index`.
pub fn record_from_text<P>(index: usize, prepared: Result<P, Error>) -> Result<P, RecordFailure> {
    prepared.map_err(|err| RecordFailure::from_error(index, err))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::Outcome;

    fn mapping(source: Value) -> Mapping {
        Mapping::compile(&source).expect("mapping compiles")
    }

    #[test]
    fn text_is_parsed_and_mapped() {
        let m = mapping(json!({"email": {"@path": "$.traits.email"}}));
        let out = map_json_text(&m, r#"{"traits":{"email":"a@b.c","x":1}}"#).unwrap();
        assert_eq!(out, json!({"email": "a@b.c"}));
    }

    #[test]
    fn undefined_result_is_an_empty_object() {
        let m = mapping(json!({"@path": "$.missing"}));
        assert_eq!(map_json_text(&m, "{}").unwrap(), json!({}));
        assert_eq!(map_json_value(&m, &json!({})).unwrap(), json!({}));
    }

    #[test]
    fn bad_text_is_a_validation_error() {
        let m = mapping(json!({"email": {"@path": "$.email"}}));
        assert!(matches!(
            map_json_text(&m, "{not json"),
            Err(Error::PayloadValidation { .. })
        ));
        assert!(matches!(
            map_json_text(&m, "[1]"),
            Err(Error::PayloadValidation { .. })
        ));
    }

    #[test]
    fn value_records_map_like_text_records() {
        let m = mapping(json!({"email": {"@path": "$.email"}, "n": 3}));
        let value = json!({"email": "x@y.z"});
        let from_text = map_json_text(&m, &value.to_string()).unwrap();
        let from_value: Value = value_record(0, map_json_value(&m, &value)).unwrap();
        assert_eq!(from_text, from_value);
    }

    #[test]
    fn failures_carry_the_record_index() {
        let m = mapping(json!({"email": {"@path": "$.email"}}));
        let failed = record_from_text::<Value>(7, map_json_text(&m, "nope")).unwrap_err();
        assert_eq!(failed.index, 7);
        assert_eq!(failed.outcome, Outcome::Invalid);
        let failed =
            value_record::<Value>(4, map_json_value(&m, &json!("not an object"))).unwrap_err();
        assert_eq!(failed.index, 4);
        assert_eq!(failed.outcome, Outcome::Invalid);
    }
}
