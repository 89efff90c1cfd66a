//! Generators: mapping-ish JSON (directives, their option keys, paths that
//! the generated records hold), records, chains of growing directives, and
//! JSON-ish text. Sizes and depths are bounded so a case stays small; what
//! a mapping may *produce* is bounded by the engine's output limit.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const DIRECTIVES: &[&str] = &[
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
    "@liquid",
    "@nope",
];

const OPTION_KEYS: &[&str] = &[
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
    "__segment_internal_directive",
];

/// Strings that mean something somewhere: paths the records hold, template
/// placeholders, option values, replacement patterns, odd characters.
const WORDS: &[&str] = &[
    "$.a",
    "$.b.c",
    "$.arr[1]",
    "$.arr",
    "$.s",
    "$.s.length",
    "$.o",
    "$.",
    "a.b",
    "$.10",
    "{{a}}{{{b.c}}}",
    "{{s}}{{s}}{{s}}",
    "x$&y$`$'",
    "encode",
    "decode",
    "ENCODE",
    "left",
    "right",
    "lower",
    "upper",
    ".",
    "é",
    "ß",
    "\u{1F600}",
    "\"",
    "\\",
    "[0]",
    "']",
    "",
    "aaaaaaaaaa",
    "a",
    "İ",
    "ΐ",
    "ﬀ",
    "\u{0}",
    "\u{2028}",
    "{{{",
    "}}}",
    "$.s[0]",
    "$['a']",
    "$.a[\"b\"]",
    "length",
    "__proto__",
    "1e21",
    "-0",
    // `@liquid` templates over the records' fields.
    "{{ a | append: s | append: s }}{{ b.c | plus: 1 }}",
    "{% assign x = s | split: \"\" %}{{ x | join: s }}{{ arr | slice: -1, 2 | first }}",
    "{% if a > 1 and s contains \"a\" %}{{ s | upcase }}{% else %}{{ o | json }}{% endif %}",
    "{%- capture c -%} {{ s | truncate: 3 }} {%- endcapture -%}{{ c | size }}{{ (1..a) | join }}",
    "{{ s | date: \"%F %T\" }}{{ a | date_to_rfc822 }}{{ arr[1] | default: o }}",
    "{% for x in arr %}{% endfor %}",
    "{{ s | sort }}",
    "{% assign s = s | append: s %}{% assign s = s | append: s %}{{ s }}{{ s }}",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..1000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        word().prop_map(Value::from),
    ]
}

fn object(
    inner: impl Strategy<Value = Value>,
    keys: BoxedStrategy<String>,
) -> impl Strategy<Value = Value> {
    vec((keys, inner), 0..5).prop_map(|members| Value::Object(members.into_iter().collect()))
}

/// Mapping-ish JSON: directives around option objects around directives.
pub fn mapping() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 48, 5, |inner| {
        let option_key = proptest::sample::select(OPTION_KEYS)
            .prop_map(str::to_owned)
            .boxed();
        prop_oneof![
            1 => vec(inner.clone(), 0..4).prop_map(Value::Array),
            3 => (proptest::sample::select(DIRECTIVES), inner.clone()).prop_map(|(name, v)| {
                let mut map = Map::new();
                map.insert(name.to_owned(), v);
                Value::Object(map)
            }),
            3 => object(inner, option_key),
        ]
    })
}

/// A record: the keys the generated paths read, and some others.
pub fn record() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => proptest::sample::select(&["a", "b", "c", "s", "arr", "o", "10", "2", "x"][..])
            .prop_map(str::to_owned),
        1 => word(),
    ]
    .boxed();
    let long = (1usize..2000, word())
        .prop_map(|(n, w)| Value::from(w.repeat(n.min(2000 / (w.len() + 1)))));
    let leaf = prop_oneof![4 => scalar(), 1 => long];
    let value = leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            object(inner, key.clone()),
        ]
    });
    let top_key =
        proptest::sample::select(&["a", "b", "s", "arr", "o", "10"][..]).prop_map(str::to_owned);
    vec((top_key, value), 0..6).prop_map(|members| Value::Object(members.into_iter().collect()))
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = Value> + Clone {
    proptest::sample::select(options).prop_map(Value::from)
}

/// Well-formed mappings: every directive with the options it takes, around
/// generated mappings, so that cases reach the evaluator (and not only the
/// validator) and nest directives in any order.
pub fn valid_mapping() -> impl Strategy<Value = Value> {
    let path = pick(&[
        "$.a",
        "$.b.c",
        "$.arr",
        "$.arr[0]",
        "$.s",
        "$.s.length",
        "$.o",
        "$.",
        "$.x",
    ]);
    let leaf = prop_oneof![
        3 => path.clone().prop_map(|p| json!({"@path": p})),
        2 => pick(&["{{a}}", "<{{s}}>{{b.c}}", "{{{s}}}", "{{arr}}-{{o}}", "{{a}}{{a}}{{a}}"])
            .prop_map(|t| json!({"@template": t})),
        1 => scalar(),
    ];
    leaf.prop_recursive(5, 40, 3, move |inner| {
        let word = pick(&["a", "é", "$&", "$`", "$'", "{{", "\"", "aaaaaaaaaa", "x", "İ", "ß", "ﬀ", "Σ"]);
        let key = pick(&["a", "b", "s", "t", "10", "0", "x"]).prop_map(|k| k.as_str().unwrap_or("").to_owned());
        prop_oneof![
            (pick(&["exists", "blank"]), inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(test, t, then, otherwise)| {
                    json!({"@if": {test.as_str().unwrap_or("exists"): t, "then": then, "else": otherwise}})
                }),
            (pick(&["upper", "lower", "title"]), inner.clone())
                .prop_map(|(operator, value)| json!({"@case": {"operator": operator, "value": value}})),
            (word.clone(), word.clone(), inner.clone(), any::<bool>(), any::<bool>(), word)
                .prop_map(|(pattern, replacement, value, global, ignorecase, pattern2)| json!({"@replace": {
                    "pattern": pattern, "replacement": replacement, "value": value,
                    "global": global, "ignorecase": ignorecase, "pattern2": pattern2
                }})),
            (pick(&["encode", "decode"]), inner.clone())
                .prop_map(|(mode, value)| json!({"@json": {"mode": mode, "value": value}})),
            (pick(&["left", "right"]), vec(inner.clone(), 1..3))
                .prop_map(|(direction, objects)| json!({"@merge": {"direction": direction, "objects": objects}})),
            (inner.clone(), any::<bool>())
                .prop_map(|(value, omit)| json!({"@flatten": {"value": value, "separator": ".", "omitArrays": omit}})),
            (path.clone(), key.clone(), inner.clone())
                .prop_map(|(root, k, shape)| json!({"@arrayPath": [root, {k: shape}]})),
            (key.clone(), inner.clone(), inner.clone()).prop_map(|(k, apply, mapping)| {
                json!({"@transform": {"apply": {k: apply}, "mapping": {"v": mapping}}})
            }),
            inner.clone().prop_map(|v| json!({"@excludeWhenNull": v})),
            inner.clone().prop_map(|v| json!({"@path": v})),
            inner.clone().prop_map(|v| json!({"@template": v})),
            vec((key, inner.clone()), 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            vec(inner, 0..3).prop_map(Value::Array),
        ]
    })
    .prop_map(|root| json!({"out": root}))
}

/// A record holding something at every path the generated mappings read.
pub fn rich_record() -> impl Strategy<Value = Value> {
    let text = || {
        (0usize..400, word())
            .prop_map(|(n, w)| Value::from(w.repeat(n.min(400 / (w.len() + 1)) + 1)))
    };
    (text(), text(), record(), vec(scalar(), 0..6)).prop_map(|(a, s, extra, items)| {
        let mut record = json!({
            "a": a, "s": s, "b": {"c": items.first().cloned().unwrap_or(Value::Null)},
            "arr": [{"x": items.get(1).cloned()}, "txt", items.clone()],
            "o": {"10": 1, "k": items, "n": null}
        });
        if let (Some(into), Value::Object(more)) = (record.as_object_mut(), extra) {
            for (k, v) in more {
                into.entry(k).or_insert(v);
            }
        }
        record
    })
}

/// A directive that builds more than it reads, wrapped around `inner`.
fn grow(inner: Value, how: u8) -> Value {
    match how % 7 {
        0 => json!({"@replace": {"pattern": "a", "replacement": "aaaaaaaaaa", "value": inner}}),
        1 => json!({"@json": {"mode": "encode", "value": inner}}),
        2 => json!({"@transform": {
            "apply": {"t": inner},
            "mapping": {"@template": "{{t}}{{t}}{{t}}{{t}}{{t}}"}
        }}),
        3 => json!({"@merge": {"direction": "right", "objects": [inner, {"k": 1}]}}),
        4 => json!({"@flatten": {"value": {"x": inner, "y": [inner]}, "separator": "::"}}),
        5 => {
            json!({"@transform": {"apply": {"t": inner}, "mapping": {"u": [{"@path": "$.t"}, {"@path": "$.t"}]}}})
        }
        _ => json!({"@replace": {"pattern": "a", "replacement": "$`$'", "value": inner}}),
    }
}

/// Chains of directives that grow their input level after level: what
/// aborted the process before output was bounded.
pub fn explosive() -> impl Strategy<Value = Value> {
    (
        vec(any::<u8>(), 1..14),
        proptest::sample::select(&["$.s", "$.a", "$.arr", "$.o"][..]),
    )
        .prop_map(|(levels, path)| {
            let chain = levels.into_iter().fold(json!({"@path": path}), grow);
            json!({ "v": chain })
        })
}

/// JSON-ish text: JSON tokens in any order (mostly invalid, often deep),
/// or a generated value written out (valid), possibly cut short.
pub fn json_text() -> impl Strategy<Value = String> {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"a\"",
        "\"b\"",
        "\"\\u00e9\"",
        "\"\\ud800\"",
        "\"\\ud83d\\ude00\"",
        "0",
        "-1",
        "1e400",
        "18446744073709551616",
        "1.5e-7",
        "true",
        "null",
        " ",
        "\"\\x\"",
        "\"",
        "\\",
        "nul",
        "[[[[[[[[",
        "]]]]]]]]",
    ];
    let tokens = vec(proptest::sample::select(TOKENS), 0..60).prop_map(|t| t.concat());
    let written = (record(), any::<prop::sample::Index>()).prop_map(|(value, cut)| {
        let text = value.to_string();
        let at = cut.index(text.len() + 1);
        match text.get(..at) {
            Some(prefix) if at % 3 == 0 => prefix.to_owned(),
            _ => text,
        }
    });
    prop_oneof![tokens, written, any::<String>()]
}
