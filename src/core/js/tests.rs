use serde_json::{Number, Value};

use super::*;

/// A string literal as `JSON.stringify` writes it: `"`, `\` and control
/// characters escaped, everything else (non-ASCII, `/`) verbatim.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    json_string_pieces(s, |piece| out.push_str(piece));
    out.push('"');
}

#[test]
fn array_indices_follow_js() {
    assert_eq!(array_index("0"), Some(0));
    assert_eq!(array_index("10"), Some(10));
    assert_eq!(array_index("4294967294"), Some(4_294_967_294));
    for k in [
        "",
        "01",
        "-1",
        "1.0",
        "4294967295",
        "99999999999",
        "a1",
        "1a",
    ] {
        assert_eq!(array_index(k), None, "{k}");
    }
}

#[test]
fn numbers_print_like_js() {
    let cases = [
        (1.5, "1.5"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (5e-7, "5e-7"),
        (0.1, "0.1"),
        (100.0, "100"),
        (-0.0, "0"),
        (123456789.125, "123456789.125"),
        (5e-324, "5e-324"),
        (1e300, "1e+300"),
        (1e20, "100000000000000000000"),
        (0.000001, "0.000001"),
    ];
    for (f, want) in cases {
        let mut s = String::new();
        push_f64(&mut s, f);
        assert_eq!(s, want);
    }
    let mut s = String::new();
    push_number(&mut s, &Number::from(12_345_678_901_234_567_890u64));
    assert_eq!(s, "12345678901234567000");
    s.clear();
    push_number(&mut s, &Number::from(-42i64));
    assert_eq!(s, "-42");
}

/// Every code point Node's `String.prototype.trim` strips (v20,
/// `("a"+c+"a"+c).trim()` over all of U+0000..U+10FFFF): WhiteSpace and
/// LineTerminator, and not U+0085 (NEL), which Rust's `is_whitespace` has.
const NODE_TRIMMED: [u32; 25] = [
    0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
    0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF,
];

#[test]
fn trim_strips_exactly_what_node_strips() {
    let trimmed: Vec<u32> = (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|&c| {
            let s = format!("{c}a{c}");
            js_trim(&s) == "a"
        })
        .map(u32::from)
        .collect();
    assert_eq!(trimmed, NODE_TRIMMED);
    assert_eq!(js_trim("\u{85}a\u{85}"), "\u{85}a\u{85}");
}

#[test]
fn trim_and_utf16() {
    assert_eq!(js_trim("\u{feff} a \u{3000}"), "a");
    assert_eq!(js_trim("\u{feff} \t"), "");
    assert_eq!(utf16_len("a😀é"), 4);
    let units: Vec<String> = utf16_units("a😀").collect();
    assert_eq!(units, ["a", "\u{fffd}", "\u{fffd}"]);
}

#[test]
fn string_of_numbers_as_javascript_writes_it() {
    let cases = [
        ("1e21", "1e+21"),
        ("5e-7", "5e-7"),
        ("1e-7", "1e-7"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("-0.5", "-0.5"),
        ("123456789012345680000", "123456789012345680000"),
        ("-2.25e-10", "-2.25e-10"),
        ("100", "100"),
        ("1.5", "1.5"),
        ("15555550123", "15555550123"),
        ("9007199254740992", "9007199254740992"),
        ("9007199254740993", "9007199254740992"),
        ("-9007199254740993", "-9007199254740992"),
        ("18446744073709551615", "18446744073709552000"),
        ("-0.0", "0"),
    ];
    for (input, expected) in cases {
        let value: Value = serde_json::from_str(input).unwrap();
        let Value::Number(n) = value else { panic!() };
        assert_eq!(number_to_string(&n), expected, "{input}");
    }
    assert_eq!(scalar_to_string(&Value::Null).as_deref(), Some("null"));
    assert_eq!(
        scalar_to_string(&Value::Bool(true)).as_deref(),
        Some("true")
    );
    assert_eq!(scalar_to_string(&Value::Array(vec![])), None);
}

#[test]
fn stringify_uses_js_key_order_and_escaping() {
    let value: Value = serde_json::from_str(
        r#"{"b":1,"10":2,"a":{"z":0,"2":1,"1":2},"2":3,"-1":4,"01":5,"4294967295":6,"4294967294":7}"#,
    )
    .unwrap();
    assert_eq!(
        stringify(&value),
        r#"{"2":3,"10":2,"4294967294":7,"b":1,"a":{"1":2,"2":1,"z":0},"-1":4,"01":5,"4294967295":6}"#
    );
    let value =
        serde_json::json!({"q": "a\"b\\c", "ctl": "\u{0}\u{7}", "ls": "\u{2028}", "slash": "</x>"});
    assert_eq!(
        stringify(&value),
        "{\"q\":\"a\\\"b\\\\c\",\"ctl\":\"\\u0000\\u0007\",\"ls\":\"\u{2028}\",\"slash\":\"</x>\"}"
    );
    assert_eq!(
        stringify(&serde_json::json!([1, true, null, "a", 1e21, {"a": 1.0}])),
        r#"[1,true,null,"a",1e+21,{"a":1}]"#
    );
}

#[test]
fn canonicalize_follows_non_unicode_regexp() {
    assert_eq!(canonicalize('é'), 'É');
    assert_eq!(canonicalize('a'), 'A');
    assert_eq!(canonicalize('ß'), 'ß');
    assert_eq!(canonicalize('ſ'), 'ſ'); // long s upper-cases to ASCII S
}

#[test]
fn json_string_escapes() {
    let mut s = String::new();
    push_json_string(&mut s, "héllo \"q\" \\ / \n\t 😀 \u{1}");
    assert_eq!(s, r#""héllo \"q\" \\ / \n\t 😀 \u0001""#);
}

#[test]
fn json_string_escaping_matches_serde_json_at_every_position() {
    // Every special byte, and its neighbours, at every offset of a word.
    let specials = [
        '"', '\\', '\n', '\u{1f}', '\u{0}', ' ', '!', '#', '[', ']', '\u{7f}', 'é',
    ];
    for len in 0..20 {
        for at in 0..len {
            for special in specials {
                let text: String = (0..len)
                    .map(|i| if i == at { special } else { 'a' })
                    .collect();
                let mut ours = String::new();
                push_json_string(&mut ours, &text);
                assert_eq!(ours, serde_json::to_string(&text).unwrap(), "{text:?}");
            }
        }
    }
}
