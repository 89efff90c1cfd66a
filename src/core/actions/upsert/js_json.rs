//! JSON text exactly as JavaScript writes it: `String(number)` and
//! `JSON.stringify(value)`. Segment's code runs under Node, so a custom field
//! holding an object is sent as the text Node produces: numbers like `1e+21`
//! and `5e-7`, and object keys in JS enumeration order (integer-like keys
//! first, ascending, then the others in insertion order).

use serde_json::{Number, Value};

use crate::mapping::js::json_string_pieces;

/// Largest integer a JS number holds exactly (2^53).
const JS_SAFE_INTEGER: u64 = 1 << 53;

/// `String(n)` in JavaScript.
pub fn number_to_string(number: &Number) -> String {
    if let Some(u) = number.as_u64() {
        if u <= JS_SAFE_INTEGER {
            return u.to_string();
        }
    } else if let Some(i) = number.as_i64() {
        if i.unsigned_abs() <= JS_SAFE_INTEGER {
            return i.to_string();
        }
    }
    // Beyond 2^53 JS has already rounded the value to the nearest double.
    let float = number.as_f64().unwrap_or(0.0);
    ryu_js::Buffer::new().format(float).to_owned()
}

/// `JSON.stringify(value)` (compact).
pub fn stringify(value: &Value) -> String {
    let mut out = Vec::with_capacity(64);
    write_value(&mut out, value);
    // Only valid UTF-8 is ever written: the input strings and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `JSON.stringify(value)` to `out`.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(number_to_string(n).as_bytes()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map.iter()),
    }
}

/// Appends an object whose entries come from `entries`, in JS key order.
pub fn write_object<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a String, &'a Value)>) {
    let mut entries: Vec<(&String, &Value)> = entries.collect();
    if entries.iter().any(|(k, _)| array_index(k).is_some()) {
        // Stable: non-index keys keep insertion order after the indexes.
        entries.sort_by_key(|(k, _)| array_index(k).map_or((1, 0), |i| (0, i)));
    }
    out.push(b'{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

/// A JSON string literal, escaped as `JSON.stringify` escapes it.
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    json_string_pieces(text, |piece| out.extend_from_slice(piece.as_bytes()));
    out.push(b'"');
}

/// The value of `key` when JS treats it as an array index: the canonical
/// decimal text of an integer in `0..=2^32-2`.
fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    (n < u64::from(u32::MAX)).then_some(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_written_as_javascript_does() {
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
            ("9007199254740993", "9007199254740992"),
            ("-0.0", "0"),
        ];
        for (input, expected) in cases {
            let value: Value = serde_json::from_str(input).unwrap();
            let Value::Number(n) = value else { panic!() };
            assert_eq!(number_to_string(&n), expected, "{input}");
        }
    }

    #[test]
    fn objects_use_js_key_order_and_escaping() {
        let value: Value = serde_json::from_str(
            r#"{"b":1,"10":2,"a":{"z":0,"2":1,"1":2},"2":3,"-1":4,"01":5,"4294967295":6,"4294967294":7}"#,
        )
        .unwrap();
        assert_eq!(
            stringify(&value),
            r#"{"2":3,"10":2,"4294967294":7,"b":1,"a":{"1":2,"2":1,"z":0},"-1":4,"01":5,"4294967295":6}"#
        );
        let value = json!({"q": "a\"b\\c", "ctl": "\u{0}\u{7}", "ls": "\u{2028}", "slash": "</x>"});
        assert_eq!(
            stringify(&value),
            "{\"q\":\"a\\\"b\\\\c\",\"ctl\":\"\\u0000\\u0007\",\"ls\":\"\u{2028}\",\"slash\":\"</x>\"}"
        );
        assert_eq!(
            stringify(&json!([1, true, null, "a"])),
            r#"[1,true,null,"a"]"#
        );
    }
}
