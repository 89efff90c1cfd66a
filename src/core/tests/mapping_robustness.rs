//! Hostile mappings and data: deep nesting fails cleanly (never a stack
//! overflow), huge strings work, and random mappings never panic.

use segment_sendgrid_core::Error;
use segment_sendgrid_core::Mapping;
use serde_json::{json, Map, Value};

const DEEP: usize = 10_000;

/// `wrap` applied `depth` times around `leaf`, built without recursion.
fn nest(depth: usize, leaf: Value, wrap: impl Fn(Value) -> Value) -> Value {
    (0..depth).fold(leaf, |inner, _| wrap(inner))
}

fn in_object(key: &str) -> impl Fn(Value) -> Value + '_ {
    move |inner| {
        let mut map = Map::new();
        map.insert(key.to_owned(), inner);
        Value::Object(map)
    }
}

/// serde_json drops values recursively; take deep ones apart by hand so the
/// test itself cannot overflow.
fn drop_flat(value: Value) {
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        match v {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn mapping_error(result: Result<Mapping, Error>) -> String {
    match result {
        Err(Error::Mapping(message)) => message,
        other => panic!("expected a mapping error, got {other:?}"),
    }
}

#[test]
fn deeply_nested_mappings_fail_to_compile_with_the_location() {
    let raw = nest(DEEP, json!(1), in_object("a"));
    let message = mapping_error(Mapping::compile(&raw));
    assert!(message.starts_with("mapping.a.a.a"), "{}", &message[..80]);
    assert!(
        message.ends_with("nested more than 256 levels deep"),
        "{message}"
    );
    drop_flat(raw);

    let arrays = nest(DEEP, json!({"@path": "$.a"}), |inner| {
        Value::Array(vec![inner])
    });
    assert!(Mapping::compile(&arrays).is_err());
    drop_flat(arrays);

    let ifs = nest(DEEP, json!({"@path": "$.a"}), |inner| {
        let mut options = json!({"exists": {"@path": "$.x"}});
        options["then"] = inner; // not `json!`, which would copy `inner` recursively
        in_object("@if")(options)
    });
    let message = mapping_error(Mapping::compile(&ifs));
    assert!(
        message.starts_with("mapping.@if.then.@if.then"),
        "{}",
        &message[..80]
    );
    drop_flat(ifs);

    let literals = nest(DEEP, json!("x"), in_object("@literal"));
    assert!(Mapping::compile(&literals).is_err());
    drop_flat(literals);
}

#[test]
fn nesting_just_under_the_limit_compiles_and_applies() {
    let deep = nest(250, json!({"@path": "$.a"}), in_object("k"));
    let mapping = Mapping::compile(&deep).expect("250 levels compile");
    let out = mapping.apply(&json!({"a": "leaf"})).unwrap().unwrap();
    let leaf = (0..250).fold(&out, |v, _| &v["k"]);
    assert_eq!(leaf, "leaf");
    let arrays = nest(250, json!({"@path": "$.a"}), |inner| {
        Value::Array(vec![inner])
    });
    assert!(Mapping::compile(&arrays)
        .unwrap()
        .apply(&json!({"a": 1}))
        .is_ok());
}

#[test]
fn deeply_nested_data_fails_or_works_without_overflow() {
    let deep = nest(DEEP, json!("bottom"), in_object("d"));
    let deep_array = nest(DEEP, json!(null), |inner| Value::Array(vec![inner]));
    // Not `json!`: it would serialize the deep values recursively.
    let mut fields = Map::new();
    fields.insert("deep".to_owned(), deep);
    fields.insert("arr".to_owned(), deep_array);
    fields.insert("s".to_owned(), json!("x"));
    let input = Value::Object(fields);
    let cases = [
        json!({"v": {"@path": "$.deep"}}),
        json!({"@path": "$.deep"}),
        json!({"v": {"@arrayPath": ["$.deep", {"x": {"@path": "$.d"}}]}}),
        json!({"v": {"@json": {"mode": "encode", "value": {"@path": "$.deep"}}}}),
        json!({"v": {"@flatten": {"value": {"@path": "$.deep"}, "separator": "."}}}),
        json!({"v": {"@excludeWhenNull": {"@path": "$.deep"}}}),
        json!({"v": {"@template": "{{arr}}"}}),
        json!({"v": {"@if": {"blank": {"@path": "$.arr"}, "then": 1}}}),
        json!({"v": {"@merge": {"direction": "right", "objects": [{"@path": "$.deep"}]}}}),
        json!({"v": {"@transform": {"apply": {"p": {"@path": "$.deep"}}, "mapping": {"q": {"@path": "$.p"}}}}}),
    ];
    for case in &cases {
        let mapping = Mapping::compile(case).unwrap();
        match mapping.apply(&input) {
            Ok(Some(out)) => drop_flat(out),
            Ok(None) => {}
            Err(Error::Mapping(message)) => assert!(message.contains("nested"), "{message}"),
            Err(other) => panic!("{other:?}"),
        }
    }
    // A deep path into deep data is only a loop.
    let path = format!("$.deep{}", ".d".repeat(DEEP));
    let out = Mapping::compile(&json!({"v": {"@path": path}}))
        .unwrap()
        .apply(&input)
        .unwrap();
    assert_eq!(out, Some(json!({"v": "bottom"})));
    drop_flat(input);
}

#[test]
fn deeply_nested_json_text_is_not_decoded_past_the_parser_limit() {
    let text = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let mapping =
        Mapping::compile(&json!({"v": {"@json": {"mode": "decode", "value": {"@path": "$.t"}}}}))
            .unwrap();
    let err = mapping.apply(&json!({ "t": text })).unwrap_err();
    assert!(
        err.to_string().contains("nested more than 128 levels"),
        "{err}"
    );
}

#[test]
fn a_50_mb_string_is_handled() {
    // One directive at a time: all of them together would produce 300 MB,
    // over the output limit (see `outputs_past_the_limit_fail_the_record`).
    let big = "é".repeat(25 * 1024 * 1024); // 50 MiB of UTF-8
    let input = json!({ "s": big, "n": 1 });
    let apply = |directive: Value| {
        let mapping = Mapping::compile(&json!({ "v": directive })).unwrap();
        let mut out = mapping.apply(&input).unwrap().unwrap();
        out["v"].take()
    };
    let text_len = |v: Value| v.as_str().map(str::len);
    assert_eq!(
        text_len(apply(json!({"@path": "$.s"}))),
        Some(50 * 1024 * 1024)
    );
    assert_eq!(
        apply(json!({"@path": "$.s.length"})),
        json!(25 * 1024 * 1024)
    );
    assert_eq!(
        text_len(apply(json!({"@template": "<{{s}}>"}))),
        Some(50 * 1024 * 1024 + 2)
    );
    let upper = apply(json!({"@case": {"operator": "upper", "value": {"@path": "$.s"}}}));
    assert!(upper.as_str().is_some_and(|s| s.starts_with("ÉÉ")));
    let replaced =
        apply(json!({"@replace": {"pattern": "é", "replacement": "e", "value": {"@path": "$.s"}}}));
    assert_eq!(text_len(replaced), Some(25 * 1024 * 1024));
    assert_eq!(
        text_len(apply(
            json!({"@json": {"mode": "encode", "value": {"@path": "$.s"}}})
        )),
        Some(50 * 1024 * 1024 + 2)
    );
}

/// A small seeded generator of mapping-ish JSON: directive names, paths,
/// odd option values, mixed keys. Whatever it produces must not panic.
struct Gen(fastrand::Rng);

impl Gen {
    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.0.usize(..options.len())]
    }

    fn scalar(&mut self) -> Value {
        match self.0.u8(..9) {
            0 => Value::Null,
            1 => json!(self.0.bool()),
            2 => json!(self.0.i64(-3..1000)),
            3 => json!(self.0.f64() * 1e22),
            4 => json!(""),
            5 => json!(self.pick(&[
                "$.a",
                "$.b.c",
                "$.arr[1]",
                "$.s.length",
                "a.b",
                "$.",
                "{{a}}{{{b}}}",
                "x$&y",
                "é"
            ])),
            6 => {
                json!(self
                    .pick(&["encode", "decode", "left", "right", "lower", "upper", "ENCODE", "."]))
            }
            7 => json!("0123456789abc"),
            _ => json!(self.pick(&[
                "\u{1F600}",
                "ß",
                "[0]",
                "']",
                "\"",
                "__segment_internal_directive"
            ])),
        }
    }

    fn value(&mut self, depth: usize) -> Value {
        if depth > 5 || self.0.u8(..4) == 0 {
            return self.scalar();
        }
        match self.0.u8(..5) {
            0 => Value::Array(
                (0..self.0.usize(..4))
                    .map(|_| self.value(depth + 1))
                    .collect(),
            ),
            1 => {
                let name = self.pick(&[
                    "@path",
                    "@if",
                    "@template",
                    "@literal",
                    "@arrayPath",
                    "@case",
                    "@replace",
                    "@merge",
                    "@transform",
                    "@flatten",
                    "@json",
                    "@excludeWhenNull",
                    "@nope",
                ]);
                let mut map = Map::new();
                map.insert(name.to_owned(), self.value(depth + 1));
                Value::Object(map)
            }
            _ => {
                let mut map = Map::new();
                for _ in 0..self.0.usize(..5) {
                    let key = self.pick(&[
                        "exists",
                        "blank",
                        "then",
                        "else",
                        "value",
                        "mode",
                        "pattern",
                        "replacement",
                        "pattern2",
                        "replacement2",
                        "global",
                        "ignorecase",
                        "operator",
                        "direction",
                        "objects",
                        "apply",
                        "mapping",
                        "separator",
                        "omitArrays",
                        "a",
                        "0",
                        "10",
                        "_metadata",
                        "@path",
                    ]);
                    map.insert(key.to_owned(), self.value(depth + 1));
                }
                Value::Object(map)
            }
        }
    }
}

#[test]
fn random_mappings_never_panic() {
    let mut gen = Gen(fastrand::Rng::with_seed(0x5e9_3e47));
    let inputs = [
        json!({}),
        json!({"a": 1, "b": {"c": [1, "x", null]}, "arr": [{"a": 0}, "s", [1]], "s": "héllo", "10": true, "2": null}),
        json!({"a": "{{b}}", "b": "[0]", "s": "", "arr": {"x": {"y": null}}}),
    ];
    let (mut compiled, mut applied) = (0, 0);
    for _ in 0..20_000 {
        let mapping = gen.value(0);
        let result = std::panic::catch_unwind(|| {
            let Ok(m) = Mapping::compile(&mapping) else {
                return (0, 0);
            };
            let ok = inputs
                .iter()
                .filter(|input| m.apply(*input).is_ok())
                .count();
            (1, ok)
        });
        let (c, a) = result.unwrap_or_else(|_| panic!("panicked on mapping {mapping}"));
        compiled += c;
        applied += a;
    }
    // The generator must reach the evaluator, not only the validator.
    assert!(
        compiled > 2_000 && applied > 2_000,
        "compiled {compiled}, applied {applied}"
    );
}

#[test]
fn nested_directives_compile_in_linear_time() {
    // Each level is compiled once, whether its value is used (`then`) or
    // only validated (`blank` next to a truthy `exists`); compiling twice
    // per level would never finish at this depth.
    for key in ["then", "blank"] {
        let chain = nest(120, json!({"@path": "$.a"}), |inner| {
            let mut options = json!({"exists": {"@path": "$.x"}});
            options[key] = inner;
            in_object("@if")(options)
        });
        let mapping = Mapping::compile(&chain).expect("compiles");
        assert!(mapping.apply(&json!({"x": 1, "a": 2})).is_ok());
    }
}
