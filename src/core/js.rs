//! JavaScript semantics Segment's code has because it runs under Node, in
//! one place for the mapping engine and both actions: key enumeration order,
//! truthiness, `String()` of numbers and scalars, `trim()`, UTF-16 lengths and
//! `JSON.stringify` (string escaping and whole values).

use std::fmt::Write;

use serde_json::{Map, Number, Value};

use crate::json_doc::{JsonRef, Members};

/// Largest property name JS treats as an array index (2^32 - 2).
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// Integers up to 2^53 print the same as JS doubles; larger ones must round.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_992;

/// The array index `key` stands for, if JS treats it as one: `"0"`, `"17"`,
/// but not `"01"`, `"-1"`, `"1.0"` or `"4294967295"`.
pub(crate) fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    match bytes {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ if bytes.len() > 10 => None,
        _ => {
            let mut n: u64 = 0;
            for &c in bytes {
                if !c.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u64::from(c - b'0');
            }
            u32::try_from(n).ok().filter(|_| n <= MAX_ARRAY_INDEX)
        }
    }
}

/// Sort key giving JS enumeration order when used with a stable sort:
/// array indices first in ascending order, then other keys as inserted.
pub(crate) fn order_key(key: &str) -> (bool, u32) {
    match array_index(key) {
        Some(i) => (false, i),
        None => (true, 0),
    }
}

/// Cheap test first: most keys do not start with a digit.
pub(crate) fn has_index_key<'k>(mut keys: impl Iterator<Item = &'k str>) -> bool {
    keys.any(|k| k.as_bytes().first().is_some_and(u8::is_ascii_digit) && array_index(k).is_some())
}

/// The members of `map` in the order JS would enumerate them.
pub(crate) fn entries_in_js_order(map: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let mut entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if has_index_key(map.keys().map(String::as_str)) {
        entries.sort_by_key(|(k, _)| order_key(k));
    }
    entries
}

/// The members of an input object in the order JS would enumerate them:
/// as held, unless a key is an array index (then sorted, which allocates).
pub(crate) fn members_in_js_order(
    members: Members<'_>,
) -> impl Iterator<Item = (&str, JsonRef<'_>)> {
    let sorted = has_index_key(members.keys()).then(|| {
        let mut entries: Vec<(&str, JsonRef<'_>)> = members.iter().collect();
        entries.sort_by_key(|(k, _)| order_key(k));
        entries
    });
    let held = sorted.is_none().then(|| members.iter());
    sorted
        .into_iter()
        .flatten()
        .chain(held.into_iter().flatten())
}

/// JS truthiness of a JSON value.
pub(crate) fn is_truthy(value: &Value) -> bool {
    JsonRef::from(value).is_truthy()
}

/// Segment's `realTypeOf`: the lower-cased `Object.prototype.toString` tag.
pub(crate) fn type_name(value: &Value) -> &'static str {
    JsonRef::from(value).view().type_name()
}

/// `Number.prototype.toString()`: shortest round-trip digits, exponent form
/// from 1e21 up and below 1e-6 (`1e+21`, `5e-7`), `-0` as `0`.
pub(crate) fn push_f64(out: &mut String, f: f64) {
    if f == 0.0 {
        out.push('0');
    } else {
        out.push_str(ryu_js::Buffer::new().format(f));
    }
}

/// A JSON number as JS prints it (integers beyond 2^53 round like doubles).
pub(crate) fn push_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64().filter(|u| *u <= MAX_SAFE_INTEGER) {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER) {
        let _ = write!(out, "{i}");
    } else {
        push_f64(out, n.as_f64().unwrap_or(f64::NAN));
    }
}

/// `String(n)`: a JSON number as JS prints it.
pub(crate) fn number_to_string(n: &Number) -> String {
    let mut out = String::new();
    push_number(&mut out, n);
    out
}

/// `String(value)` for scalars; `None` for objects and arrays.
pub(crate) fn scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_to_string(n)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_owned()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// `String(value)` for any value: objects print as `[object Object]`, arrays
/// as their items joined by `,` (`null` items empty), as JS does.
pub(crate) fn string_of(value: &Value) -> String {
    match value {
        Value::Object(_) => "[object Object]".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => string_of(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        scalar => scalar_to_string(scalar).unwrap_or_default(),
    }
}

/// `String.prototype.trim()`: JS WhiteSpace and LineTerminator characters,
/// which differ from Rust's `char::is_whitespace` (U+FEFF yes, U+0085 no).
pub(crate) fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

pub(crate) fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// `Number(text)` (StringToNumber): JS whitespace around, "" is 0,
/// `0x`/`0o`/`0b` integers, `Infinity`, decimal literals; anything else NaN.
pub(crate) fn string_to_number(text: &str) -> f64 {
    let s = js_trim(text);
    if s.is_empty() {
        return 0.0;
    }
    let radix = match s.get(..2) {
        Some("0x" | "0X") => 16,
        Some("0o" | "0O") => 8,
        Some("0b" | "0B") => 2,
        _ => 10,
    };
    if radix != 10 {
        let digits = &s[2..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return f64::NAN;
        }
        return digits.chars().fold(0.0, |n, c| {
            n * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
        });
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned == "Infinity" {
        return if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // Rust also reads "inf", "nan" and "1." forms JS does not all share:
    // only digits, one dot and an exponent may reach the parser.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let digits_ok = mantissa.chars().filter(|&c| c == '.').count() <= 1
        && mantissa.chars().any(|c| c.is_ascii_digit())
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.');
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    if !digits_ok || !exponent_ok {
        return f64::NAN;
    }
    s.parse().unwrap_or(f64::NAN)
}

/// `str.length`: the number of UTF-16 code units.
pub(crate) fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// The UTF-16 code units of `s`, each as a one-unit string (`str[i]`,
/// `Object.assign({}, str)`). A lone surrogate half has no Rust `char`,
/// so it becomes U+FFFD.
pub(crate) fn utf16_units(s: &str) -> impl Iterator<Item = String> + '_ {
    s.encode_utf16().map(|u| {
        char::from_u32(u32::from(u))
            .unwrap_or(char::REPLACEMENT_CHARACTER)
            .to_string()
    })
}

/// `Canonicalize(ch)` of a case-insensitive, non-unicode JS RegExp: the
/// simple upper-case mapping unless it is not one BMP character or would map
/// a non-ASCII character to ASCII. Astral characters match only themselves.
pub(crate) fn canonicalize(c: char) -> char {
    if u32::from(c) > 0xFFFF {
        return c;
    }
    let mut upper = c.to_uppercase();
    let (Some(u), None) = (upper.next(), upper.next()) else {
        return c;
    };
    if u32::from(u) > 0xFFFF || (u32::from(c) >= 128 && u32::from(u) < 128) {
        return c;
    }
    u
}

/// Hands `emit` the contents of `s` as a JSON string literal, in pieces:
/// runs of text and escape sequences. Text without anything to escape
/// (nearly all of it) is found so in 8-byte steps and emitted whole.
pub(crate) fn json_string_pieces(s: &str, mut emit: impl FnMut(&str)) {
    if !needs_json_escape(s.as_bytes()) {
        emit(s);
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        emit(&s[start..i]);
        if escape.is_empty() {
            let mut unit = String::with_capacity(6);
            let _ = write!(unit, "\\u{b:04x}");
            emit(&unit);
        } else {
            emit(escape);
        }
        start = i + 1;
    }
    emit(&s[start..]);
}

/// `JSON.stringify(value)` (compact): numbers as `String(n)`, object keys
/// in JS enumeration order, strings escaped as Node escapes them.
pub(crate) fn stringify(value: &Value) -> String {
    let mut out = Vec::with_capacity(64);
    write_json(&mut out, value);
    // Only valid UTF-8 is ever written: the input strings and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `JSON.stringify(value)` to `out`.
pub(crate) fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(number_to_string(n).as_bytes()),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in entries_in_js_order(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_string(out, key);
                out.push(b':');
                write_json(out, item);
            }
            out.push(b'}');
        }
    }
}

/// `JSON.stringify(value, null, indent)`: as [`stringify`], each member on
/// its own line below its container, `indent` once per level ("" is compact).
pub(crate) fn stringify_indented(value: &Value, indent: &str) -> String {
    fn write(out: &mut Vec<u8>, value: &Value, indent: &str, depth: usize) {
        let (open, close, items): (u8, u8, Vec<(Option<&str>, &Value)>) = match value {
            Value::Array(items) if !items.is_empty() => {
                (b'[', b']', items.iter().map(|v| (None, v)).collect())
            }
            Value::Object(map) if !map.is_empty() => (
                b'{',
                b'}',
                entries_in_js_order(map)
                    .into_iter()
                    .map(|(k, v)| (Some(k), v))
                    .collect(),
            ),
            scalar_or_empty => return write_json(out, scalar_or_empty),
        };
        let line = |out: &mut Vec<u8>, depth: usize| {
            out.push(b'\n');
            for _ in 0..depth {
                out.extend_from_slice(indent.as_bytes());
            }
        };
        out.push(open);
        for (i, (key, item)) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            line(out, depth + 1);
            if let Some(key) = key {
                write_json_string(out, key);
                out.extend_from_slice(b": ");
            }
            write(out, item, indent, depth + 1);
        }
        line(out, depth);
        out.push(close);
    }
    if indent.is_empty() {
        return stringify(value);
    }
    let mut out = Vec::with_capacity(64);
    write(&mut out, value, indent, 0);
    String::from_utf8(out).unwrap_or_default()
}

/// A JSON string literal, escaped as `JSON.stringify` escapes it.
pub(crate) fn write_json_string(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    json_string_pieces(text, |piece| out.extend_from_slice(piece.as_bytes()));
    out.push(b'"');
}

/// Whether any byte is `"`, `\` or below 0x20, eight bytes at a time.
fn needs_json_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte of `x` is zero → its high bit is set here (exact as a whole-word test).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let chunks = bytes.chunks_exact(8);
    let rest = chunks.remainder();
    let special = |word: u64| {
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
        below_space
            | has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
    };
    chunks
        .map(|chunk| u64::from_ne_bytes(chunk.try_into().unwrap_or_default()))
        .any(|word| special(word) != 0)
        || rest.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
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
        0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
        0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
        0xFEFF,
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
        let value = serde_json::json!({"q": "a\"b\\c", "ctl": "\u{0}\u{7}", "ls": "\u{2028}", "slash": "</x>"});
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
}
