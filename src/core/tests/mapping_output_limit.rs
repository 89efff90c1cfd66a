//! The bound on what a mapping may produce for one record: small mappings
//! that would ask for gigabytes fail the record with a mapping error naming
//! the directive and the limit, instead of aborting the process.

use segment_sendgrid_core::Error;
use segment_sendgrid_core::{Mapping, MAX_OUTPUT_BYTES};
use serde_json::{json, Value};

fn nest(depth: usize, leaf: Value, wrap: impl Fn(Value) -> Value) -> Value {
    (0..depth).fold(leaf, |inner, _| wrap(inner))
}

/// The mapping error of applying `mapping` to `record`, by every way of
/// taking a result out (they must agree).
fn output_error(mapping: &Mapping, record: &Value) -> String {
    let applied = mapping.apply(record);
    let borrowed = mapping
        .apply_borrowed(record)
        .and_then(|m| m.map(|m| m.into_value()).transpose());
    let serialized = mapping
        .apply_borrowed(record)
        .map(|m| serde_json::to_string(&m));
    let message = match applied {
        Err(Error::Mapping(message)) => message,
        other => panic!("expected a mapping error, got {other:?}"),
    };
    assert!(borrowed.is_err(), "into_value accepted what apply refused");
    match serialized {
        Err(_) | Ok(Err(_)) => {}
        Ok(Ok(text)) => panic!("serialized {} bytes that apply refused", text.len()),
    }
    message
}

fn assert_names_the_limit(message: &str, site: &str, limit: usize) {
    assert!(message.starts_with(site), "{message}");
    assert!(
        message.contains(&format!("would exceed {limit} bytes")),
        "{message}"
    );
}

/// A lower limit than the default where reaching it is the point: the
/// tests stay fast in debug builds (one test below uses the default).
const SMALL: usize = 4 << 20;

#[test]
fn nested_replace_fails_instead_of_growing_tenfold_per_level() {
    // 1 character → 10 per level: depth 9 asked for ~10 GB and aborted.
    let mapping = nest(
        9,
        json!({"@path": "$.s"}),
        |inner| json!({"@replace": {"pattern": "a", "replacement": "aaaaaaaaaa", "value": inner}}),
    );
    let compiled = Mapping::compile(&json!({ "v": mapping })).unwrap();
    let message = output_error(&compiled, &json!({"s": "a"}));
    assert_names_the_limit(&message, "mapping.v.@replace", MAX_OUTPUT_BYTES);
    // Three levels are 1,000 characters, far below the limit.
    let small = nest(
        3,
        json!({"@path": "$.s"}),
        |inner| json!({"@replace": {"pattern": "a", "replacement": "aaaaaaaaaa", "value": inner}}),
    );
    let out = Mapping::compile(&json!({ "v": small }))
        .unwrap()
        .apply(&json!({"s": "a"}))
        .unwrap()
        .unwrap();
    assert_eq!(out["v"].as_str().map(str::len), Some(1000));
}

#[test]
fn nested_json_encode_fails_instead_of_doubling_per_level() {
    // Each encode escapes the quotes and backslashes of the one inside.
    let mapping = nest(
        40,
        json!({"@path": "$.s"}),
        |inner| json!({"@json": {"mode": "encode", "value": inner}}),
    );
    let text = serde_json::to_string(&mapping).unwrap();
    assert!(text.len() < 2_000, "{}", text.len());
    let compiled = Mapping::compile(&json!({ "v": mapping }))
        .unwrap()
        .with_output_limit(SMALL);
    let message = output_error(&compiled, &json!({"s": "\""}));
    assert_names_the_limit(&message, "mapping.v.@json", SMALL);
}

#[test]
fn a_replacement_copying_the_text_around_every_match_is_bounded() {
    // `$\`` copies everything before each match: quadratic in the value.
    let compiled = Mapping::compile(&json!({
        "v": {"@replace": {"pattern": "a", "replacement": "$`", "value": {"@path": "$.s"}}}
    }))
    .unwrap()
    .with_output_limit(SMALL);
    let message = output_error(&compiled, &json!({ "s": "a".repeat(20_000) }));
    assert_names_the_limit(&message, "mapping.v.@replace", SMALL);
}

#[test]
fn templates_repeating_a_value_are_bounded() {
    // `@transform` feeds each level's text to the next level's template,
    // which repeats it 8 times: 8^depth.
    let mapping = nest(10, json!({"@path": "$.s"}), |inner| {
        json!({"@transform": {
            "apply": {"t": inner},
            "mapping": {"@template": "{{t}}{{t}}{{t}}{{t}}{{t}}{{t}}{{t}}{{t}}"}
        }})
    });
    let compiled = Mapping::compile(&json!({ "v": mapping }))
        .unwrap()
        .with_output_limit(SMALL);
    let message = output_error(&compiled, &json!({ "s": "x".repeat(100) }));
    assert_names_the_limit(&message, "mapping.v.@transform.", SMALL);
    assert!(message.contains(".mapping.@template: "), "{message}");
    // A placeholder found in rendered text (triple braces, then double)
    // repeats a record value once per placeholder.
    let compiled = Mapping::compile(&json!({"v": {"@template": "{{{a}}}"}}))
        .unwrap()
        .with_output_limit(SMALL);
    let record = json!({"a": "{{b}}".repeat(10_000), "b": "y".repeat(1000)});
    let message = output_error(&compiled, &record);
    assert_names_the_limit(&message, "mapping.v.@template", SMALL);
}

#[test]
fn copies_of_a_large_value_count_against_the_limit() {
    // 100 fields each copying a 1 MB string: 100 MB of output.
    let fields = |count: usize| -> Value {
        (0..count)
            .map(|i| (format!("f{i}"), json!({"@path": "$.s"})))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let compiled = Mapping::compile(&fields(100)).unwrap();
    let record = json!({ "s": "z".repeat(64 * 1024) });
    let message = output_error(&compiled.clone().with_output_limit(SMALL), &record);
    assert_names_the_limit(&message, "mapping: ", SMALL);
    // Under the default limit (6.4 MB) they are fine.
    assert!(compiled.apply(&record).is_ok());
}

#[test]
fn array_path_shapes_over_large_arrays_are_bounded() {
    let padding = "p".repeat(1000);
    let compiled = Mapping::compile(&json!({
        "v": {"@arrayPath": ["$.items", {"id": {"@path": "$.id"}, "pad": padding}]}
    }))
    .unwrap()
    .with_output_limit(SMALL);
    let items: Vec<Value> = (0..10_000).map(|i| json!({ "id": i })).collect();
    let message = output_error(&compiled, &json!({ "items": items }));
    assert_names_the_limit(&message, "mapping: ", SMALL);
    // A nested array path multiplies: every element of every element.
    let compiled = Mapping::compile(&json!({
        "v": {"@arrayPath": ["$.rows", {"cells": {"@arrayPath": ["$.cells", {"x": {"@path": "$.x"}}]}}]}
    }))
    .unwrap()
    .with_output_limit(SMALL);
    let row = json!({"cells": vec![json!({"x": 1}); 500]});
    let message = output_error(&compiled, &json!({ "rows": vec![row; 500] }));
    assert!(message.contains("would exceed 4194304 bytes"), "{message}");
}

#[test]
fn merging_a_long_string_is_bounded() {
    // `Object.assign({}, "…")` makes a member per character.
    let compiled = Mapping::compile(&json!({
        "v": {"@merge": {"direction": "right", "objects": [{"@path": "$.s"}]}}
    }))
    .unwrap()
    .with_output_limit(SMALL);
    let message = output_error(&compiled, &json!({ "s": "m".repeat(1024 * 1024) }));
    assert_names_the_limit(&message, "mapping.v.@merge", SMALL);
}

#[test]
fn flatten_keys_with_a_long_separator_are_bounded() {
    let separator = "-".repeat(100_000);
    let compiled = Mapping::compile(&json!({
        "v": {"@flatten": {"value": {"@path": "$.o"}, "separator": separator}}
    }))
    .unwrap()
    .with_output_limit(SMALL);
    let inner: serde_json::Map<String, Value> =
        (0..100).map(|i| (format!("k{i}"), json!(i))).collect();
    let message = output_error(&compiled, &json!({"o": {"a": inner}}));
    assert_names_the_limit(&message, "mapping.v.@flatten", SMALL);
}

#[test]
fn a_lower_limit_applies_to_every_way_of_taking_the_output() {
    let compiled = Mapping::compile(&json!({
        "a": {"@path": "$.s"},
        "b": {"@template": "{{s}}{{s}}"},
        "c": {"@arrayPath": ["$.arr", {"x": {"@path": "$.x"}}]}
    }))
    .unwrap();
    let record = json!({"s": "q".repeat(100), "arr": [{"x": "w"}, {"x": 2}]});
    let full = serde_json::to_string(&compiled.apply(&record).unwrap()).unwrap();
    // The measure is about the JSON size: it passes somewhere near it.
    let passes = |limit: usize| {
        let limited = compiled.clone().with_output_limit(limit);
        let applied = limited.apply(&record).is_ok();
        let borrowed = limited.apply_borrowed(&record);
        let into_value = borrowed
            .clone()
            .is_ok_and(|m| m.map(|m| m.into_value()).transpose().is_ok());
        let serialized = borrowed.is_ok_and(|m| serde_json::to_string(&m).is_ok());
        assert_eq!(applied, into_value, "limit {limit}");
        assert_eq!(applied, serialized, "limit {limit}");
        applied
    };
    let threshold = (0..4 * full.len()).find(|&limit| passes(limit)).unwrap();
    assert!(
        threshold > full.len() / 2 && threshold < 3 * full.len(),
        "{threshold} for {} bytes of JSON",
        full.len()
    );
    assert!((threshold..threshold + 50).all(passes));
}

#[test]
fn a_liquid_template_building_text_is_held_to_the_output_limit() {
    // Each assign doubles the text; liquidjs's own limit (1e8 units) is far
    // above the record's budget here.
    let mut template = String::from("{% assign s = \"xxxxxxxxxx\" %}");
    for _ in 0..20 {
        template.push_str("{% assign s = s | append: s %}");
    }
    template.push_str("{{ s | size }}");
    let mapping = Mapping::compile(&json!({"n": {"@liquid": template}}))
        .unwrap()
        .with_output_limit(1_000_000);
    let message = output_error(&mapping, &json!({}));
    assert_names_the_limit(&message, "mapping.n.@liquid", 1_000_000);
    // A range is charged a value's bytes per element.
    let range = Mapping::compile(&json!({"n": {"@liquid": "{{ (1..200000) | size }}"}})).unwrap();
    let message = output_error(&range.with_output_limit(1_000_000), &json!({}));
    assert_names_the_limit(&message, "mapping.n.@liquid", 1_000_000);
    // Under the default limit the same template renders (10 · 2^20 units).
    let mapping = Mapping::compile(&json!({"n": {"@liquid": template}})).unwrap();
    assert_eq!(
        mapping.apply(&json!({})).unwrap(),
        Some(json!({"n": "10485760"}))
    );
}
