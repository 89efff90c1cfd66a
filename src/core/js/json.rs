//! `JSON.stringify`: string escaping and whole values, with JS key order.

use std::fmt::Write;

use serde_json::Value;

use super::keys::entries_in_js_order;
use super::values::number_to_string;

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
