//! Values as JS sees them: truthiness, `String()` of numbers and any value,
//! `trim()`, `Number(text)`, UTF-16 lengths and units, RegExp case folding.

use std::fmt::Write;

use serde_json::{Number, Value};

use crate::json_doc::JsonRef;

/// Integers up to 2^53 print the same as JS doubles; larger ones must round.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_992;

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
