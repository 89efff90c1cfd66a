//! Rows of Arrow batches against the events they must equal: the same
//! document as the row's JSON text parsed, for every supported type.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, MapBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Date64Array, Decimal128Array,
    DictionaryArray, Float32Array, Float64Array, Int16Array, Int64Array, LargeStringArray,
    ListArray, RecordBatch, StringArray, StringViewArray, StructArray, Time64MicrosecondArray,
    TimestampMicrosecondArray, TimestampNanosecondArray, UInt64Array,
};
use arrow_schema::{DataType, Field};
use serde_json::{json, Value};

use super::*;
use crate::json_doc::{DocWriter, JsonDoc, PathTrie};

fn whole() -> PathTrie {
    let mut trie = PathTrie::default();
    trie.insert::<&str>(&[]);
    trie
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("a valid batch")
}

/// Each row of `batch` as read through `reads`: its JSON, or its error.
fn rows(batch: &RecordBatch, reads: &PathTrie) -> Vec<Result<Value, String>> {
    let plan = RowPlan::new(&batch.schema(), reads).expect("plans");
    let bound = plan.bind(batch).expect("binds");
    let mut out = DocWriter::new();
    (0..bound.len())
        .map(|row| match bound.write_row(row, &mut out) {
            Ok(()) => {
                let doc = out.finish();
                let text = serde_json::to_string(&doc.root()).unwrap();
                // The written document reads as the one its JSON text parses into.
                let parsed = JsonDoc::parse(&text).unwrap();
                assert_eq!(text, serde_json::to_string(&parsed.root()).unwrap());
                Ok(serde_json::from_str(&text).unwrap())
            }
            Err(err) => Err(err.into_reason()),
        })
        .collect()
}

#[test]
fn scalar_columns_and_dotted_names() {
    let b = batch(vec![
        (
            "traits.email",
            Arc::new(StringArray::from(vec![Some("a@x.io"), None])) as ArrayRef,
        ),
        ("userId", Arc::new(LargeStringArray::from(vec!["u1", "u2"]))),
        (
            "traits.age",
            Arc::new(Int16Array::from(vec![Some(30), None])),
        ),
        ("traits.big", Arc::new(UInt64Array::from(vec![u64::MAX, 1]))),
        (
            "traits.score",
            Arc::new(Float32Array::from(vec![0.1f32, 2.0])),
        ),
        ("ok", Arc::new(BooleanArray::from(vec![true, false]))),
        (
            "view",
            Arc::new(StringViewArray::from(vec!["𝄞 astral", ""])),
        ),
    ]);
    assert_eq!(
        rows(&b, &whole()),
        vec![
            Ok(
                json!({"traits": {"email": "a@x.io", "age": 30, "big": u64::MAX,
                                 "score": f64::from(0.1f32)},
                      "userId": "u1", "ok": true, "view": "𝄞 astral"})
            ),
            Ok(
                json!({"traits": {"email": null, "age": null, "big": 1, "score": 2.0},
                      "userId": "u2", "ok": false, "view": ""})
            ),
        ]
    );
}

#[test]
fn instants_dates_times_and_decimals_follow_the_value_rules() {
    let b = batch(vec![
        (
            "at",
            Arc::new(
                TimestampNanosecondArray::from(vec![1_714_566_600_123_999_999, -1])
                    .with_timezone("Europe/Paris"),
            ) as ArrayRef,
        ),
        (
            "naive",
            Arc::new(TimestampMicrosecondArray::from(vec![0, 1_500])),
        ),
        ("day", Arc::new(Date32Array::from(vec![19_844, 0]))),
        ("day64", Arc::new(Date64Array::from(vec![-1, 86_400_000]))),
        (
            "time",
            Arc::new(Time64MicrosecondArray::from(vec![45_296_000_001, 0])),
        ),
        (
            "price",
            Arc::new(
                Decimal128Array::from(vec![1230, 700])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
    ]);
    assert_eq!(
        rows(&b, &whole()),
        vec![
            Ok(
                json!({"at": "2024-05-01T12:30:00.123Z", "naive": "1970-01-01T00:00:00.000Z",
                      "day": "2024-05-01", "day64": "1969-12-31", "time": "12:34:56.000001",
                      "price": 12.3})
            ),
            Ok(
                json!({"at": "1969-12-31T23:59:59.999Z", "naive": "1970-01-01T00:00:00.001Z",
                      "day": "1970-01-01", "day64": "1970-01-02", "time": "00:00:00",
                      "price": 7.0})
            ),
        ]
    );
}

#[test]
fn structs_lists_maps_and_dictionaries_nest() {
    let tags = ListArray::from_iter_primitive::<arrow_array::types::Int64Type, _, _>(vec![
        Some(vec![Some(1), None]),
        Some(vec![]),
    ]);
    let address = StructArray::from(vec![
        (
            Arc::new(Field::new("city", DataType::Utf8, true)),
            Arc::new(StringArray::from(vec!["Paris", "Lyon"])) as ArrayRef,
        ),
        (
            Arc::new(Field::new("zip", DataType::Int64, true)),
            Arc::new(Int64Array::from(vec![75001, 69001])) as ArrayRef,
        ),
    ]);
    let mut map = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
    for (k, v) in [("a", 1), ("b", 2), ("a", 3)] {
        map.keys().append_value(k);
        map.values().append_value(v);
    }
    map.append(true).unwrap();
    map.append(false).unwrap();
    let plan: DictionaryArray<Int32Type> = vec!["gold", "gold"].into_iter().collect();
    let b = batch(vec![
        ("tags", Arc::new(tags) as ArrayRef),
        ("traits.address", Arc::new(address)),
        ("counts", Arc::new(map.finish())),
        ("plan", Arc::new(plan)),
    ]);
    assert_eq!(
        rows(&b, &whole()),
        vec![
            Ok(
                json!({"tags": [1, null], "traits": {"address": {"city": "Paris", "zip": 75001}},
                      "counts": {"a": 3, "b": 2}, "plan": "gold"})
            ),
            Ok(
                json!({"tags": [], "traits": {"address": {"city": "Lyon", "zip": 69001}},
                      "counts": null, "plan": "gold"})
            ),
        ]
    );
}

#[test]
fn only_what_the_mapping_reads_is_read() {
    let b = batch(vec![
        (
            "traits.email",
            Arc::new(StringArray::from(vec!["a@x.io"])) as ArrayRef,
        ),
        (
            "traits.avatar",
            Arc::new(BinaryArray::from(vec![b"\x89PNG".as_ref()])),
        ),
        ("other", Arc::new(Int64Array::from(vec![1]))),
    ]);
    let mut reads = PathTrie::default();
    reads.insert(&["traits", "email"]);
    assert_eq!(
        rows(&b, &reads),
        vec![Ok(json!({"traits": {"email": "a@x.io"}}))]
    );
    let err = RowPlan::new(&b.schema(), &whole()).unwrap_err().to_string();
    assert!(
        err.contains("\"traits.avatar\" is Binary, which has no JSON form"),
        "{err}"
    );
}

#[test]
fn a_cell_with_no_json_form_fails_its_row_naming_the_path() {
    let b = batch(vec![(
        "traits.score",
        Arc::new(Float64Array::from(vec![1.0, f64::NAN, f64::NEG_INFINITY])) as ArrayRef,
    )]);
    let got = rows(&b, &whole());
    assert_eq!(got[0], Ok(json!({"traits": {"score": 1.0}})));
    assert_eq!(
        got[1],
        Err("traits.score: nan is not a JSON number (NaN and infinities have no JSON form)".into())
    );
    assert!(got[2]
        .as_ref()
        .unwrap_err()
        .starts_with("traits.score: -inf "));
}

#[test]
fn names_that_do_not_nest_are_refused_before_any_row() {
    let b = batch(vec![
        ("traits", Arc::new(StringArray::from(vec!["x"])) as ArrayRef),
        ("traits.email", Arc::new(StringArray::from(vec!["a@x.io"]))),
    ]);
    let err = RowPlan::new(&b.schema(), &whole()).unwrap_err().to_string();
    assert!(err.contains("both a value and the parent"), "{err}");
}

#[test]
fn sliced_batches_read_their_own_rows() {
    let b = batch(vec![
        (
            "n",
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        ),
        ("s", Arc::new(StringArray::from(vec!["a", "b", "c", "d"]))),
    ]);
    assert_eq!(
        rows(&b.slice(2, 2), &whole()),
        vec![Ok(json!({"n": 3, "s": "c"})), Ok(json!({"n": 4, "s": "d"}))]
    );
}
