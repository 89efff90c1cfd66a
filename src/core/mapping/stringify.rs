//! Values turned into text: JS `String(value)` (templates, `@replace` of
//! numbers, `@if blank` of arrays) and `JSON.stringify` (`@json` encode).
//! Every piece is charged to the record's budget before it is appended:
//! text can grow far beyond the values it comes from (an array holding the
//! same long string many times, a `@json` of a `@json`).

use super::budget::{Budget, Text};
use super::value::{too_deep, Member, Val, MAX_DATA_DEPTH};
use crate::error::Result;
use crate::js;
use crate::json_doc::{Items, JsonRef, JsonView, Members};

/// `String(value)`, appended to `out`. Inside arrays (`Array#join`)
/// `undefined` and `null` print as "".
pub(crate) fn push_js_string(out: &mut Text<'_, '_>, value: &Val<'_>, depth: usize) -> Result<()> {
    match value {
        Val::Undefined => out.push_str("undefined")?,
        Val::Str(s) => out.push_str(s)?,
        Val::Obj(_) => out.push_str("[object Object]")?,
        Val::Ref(v) => push_json_js_string(out, *v, depth)?,
        Val::Json(v) => push_json_js_string(out, JsonRef::from(&**v), depth)?,
        Val::Arr(items) => {
            if depth > MAX_DATA_DEPTH {
                return Err(too_deep());
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',')?;
                }
                if !item.is_nullish() {
                    push_js_string(out, item, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

fn push_json_js_string(out: &mut Text<'_, '_>, value: JsonRef<'_>, depth: usize) -> Result<()> {
    match value.view() {
        JsonView::Null => out.push_str("null")?,
        JsonView::Bool(b) => out.push_str(if b { "true" } else { "false" })?,
        JsonView::Number(n) => out.push_number(&n)?,
        JsonView::String(s) => out.push_str(s)?,
        JsonView::Object(_) => out.push_str("[object Object]")?,
        JsonView::Array(items) => {
            if depth > MAX_DATA_DEPTH {
                return Err(too_deep());
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',')?;
                }
                if !item.is_null() {
                    push_json_js_string(out, item, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

/// `String(value)` as a new string.
pub(crate) fn js_string(value: &Val<'_>, budget: &mut Budget<'_>) -> Result<String> {
    let mut text = Text::new(budget)?;
    push_js_string(&mut text, value, 0)?;
    Ok(text.out)
}

/// `value == ''` (loose equality) for a value that is neither `undefined`
/// nor `null`: `""`, `0`, `false` and arrays that join to "" are equal.
pub(crate) fn loosely_equals_empty_string(
    value: &Val<'_>,
    budget: &mut Budget<'_>,
) -> Result<bool> {
    let json = match value {
        Val::Undefined | Val::Obj(_) => return Ok(false),
        Val::Str(s) => return Ok(s.is_empty()),
        Val::Arr(_) => return Ok(js_string(value, budget)?.is_empty()),
        Val::Ref(v) => *v,
        Val::Json(v) => JsonRef::from(&**v),
    };
    Ok(match json.view() {
        JsonView::Null | JsonView::Object(_) => false,
        JsonView::Bool(b) => !b,
        JsonView::Number(n) => n.as_f64() == Some(0.0),
        JsonView::String(s) => s.is_empty(),
        JsonView::Array(_) => {
            let mut joined = Text::new(budget)?;
            push_json_js_string(&mut joined, json, 0)?;
            joined.out.is_empty()
        }
    })
}

/// `JSON.stringify(value)`; `None` for `undefined`. Object members that are
/// `undefined` are left out, array slots become `null`, numbers print as JS.
pub(crate) fn json_stringify(value: &Val<'_>, budget: &mut Budget<'_>) -> Result<Option<String>> {
    if value.is_undefined() {
        return Ok(None);
    }
    let mut out = Text::new(budget)?;
    push_stringified(&mut out, value, 0)?;
    Ok(Some(out.out))
}

/// A JSON string literal, escaped as `JSON.stringify` does; its length is
/// counted first, so it is charged once.
fn push_json_string(out: &mut Text<'_, '_>, s: &str) -> Result<()> {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    let text = out.charged(s.len() + escapes + 2)?;
    text.push('"');
    js::json_string_pieces(s, |piece| text.push_str(piece));
    text.push('"');
    Ok(())
}

// Containers are written by helpers of their own: the recursive frames stay
// small (data nests 256 levels deep; debug builds keep every temporary).
fn push_stringified(out: &mut Text<'_, '_>, value: &Val<'_>, depth: usize) -> Result<()> {
    if depth > MAX_DATA_DEPTH {
        return Err(too_deep());
    }
    match value {
        Val::Undefined => out.push_str("null"),
        Val::Str(s) => push_json_string(out, s),
        Val::Ref(v) => push_json_stringified(out, *v, depth),
        Val::Json(v) => push_json_stringified(out, JsonRef::from(&**v), depth),
        Val::Arr(items) => push_built_array(out, items, depth),
        Val::Obj(members) => push_built_object(out, members, depth),
    }
}

fn push_built_array(out: &mut Text<'_, '_>, items: &[Val<'_>], depth: usize) -> Result<()> {
    out.push('[')?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',')?;
        }
        push_stringified(out, item, depth + 1)?;
    }
    out.push(']')
}

fn push_built_object(out: &mut Text<'_, '_>, members: &[Member<'_>], depth: usize) -> Result<()> {
    out.push('{')?;
    let mut first = true;
    for (key, item) in members.iter().filter(|(_, v)| !v.is_undefined()) {
        if !first {
            out.push(',')?;
        }
        first = false;
        push_json_string(out, key)?;
        out.push(':')?;
        push_stringified(out, item, depth + 1)?;
    }
    out.push('}')
}

fn push_json_stringified(out: &mut Text<'_, '_>, value: JsonRef<'_>, depth: usize) -> Result<()> {
    if depth > MAX_DATA_DEPTH {
        return Err(too_deep());
    }
    match value.view() {
        JsonView::Null => out.push_str("null"),
        JsonView::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        JsonView::Number(n) if n.as_f64().is_some_and(f64::is_finite) => out.push_number(&n),
        JsonView::Number(_) => out.push_str("null"),
        JsonView::String(s) => push_json_string(out, s),
        JsonView::Array(items) => push_json_array(out, items, depth),
        JsonView::Object(members) => push_json_object(out, members, depth),
    }
}

fn push_json_array(out: &mut Text<'_, '_>, items: Items<'_>, depth: usize) -> Result<()> {
    out.push('[')?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',')?;
        }
        push_json_stringified(out, item, depth + 1)?;
    }
    out.push(']')
}

fn push_json_object(out: &mut Text<'_, '_>, members: Members<'_>, depth: usize) -> Result<()> {
    out.push('{')?;
    for (i, (key, item)) in js::members_in_js_order(members).enumerate() {
        if i > 0 {
            out.push(',')?;
        }
        push_json_string(out, key)?;
        out.push(':')?;
        push_json_stringified(out, item, depth + 1)?;
    }
    out.push('}')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mapping::budget::{MAX_OUTPUT_BYTES, VALUE_BYTES};

    #[test]
    fn stringifies_like_js() {
        let mut budget = Budget::new(MAX_OUTPUT_BYTES);
        let value = json!({"a": [1, null, "x\"", 1e21], "10": true, "2": {}});
        let text = json_stringify(&Val::Ref((&value).into()), &mut budget).unwrap();
        assert_eq!(
            text.as_deref(),
            Some(r#"{"2":{},"10":true,"a":[1,null,"x\"",1e+21]}"#)
        );
        let joined = js_string(&Val::Ref((&value["a"]).into()), &mut budget).unwrap();
        assert_eq!(joined, "1,,x\",1e+21");
    }

    #[test]
    fn stops_at_the_budget() {
        let long = json!(["é".repeat(1000), "é".repeat(1000)]);
        let mut budget = Budget::new(6000);
        assert!(json_stringify(&Val::Ref((&long).into()), &mut budget).is_ok());
        assert!(json_stringify(&Val::Ref((&long).into()), &mut budget).is_err());
        let mut budget = Budget::new(6000);
        assert!(js_string(&Val::Ref((&long).into()), &mut budget).is_ok());
        assert!(js_string(&Val::Ref((&long).into()), &mut budget).is_err());
    }

    #[test]
    fn a_string_literal_is_charged_exactly_its_length() {
        let all: String = (0u8..0x80).map(char::from).chain(['é', '😀']).collect();
        let literal = serde_json::to_string(&all).unwrap();
        let value = Val::Str(all);
        for (limit, fits) in [
            (literal.len() + VALUE_BYTES, true),
            (literal.len() + 7, false),
        ] {
            let mut budget = Budget::new(limit);
            let text = json_stringify(&value, &mut budget);
            assert_eq!(text.is_ok(), fits, "{limit}");
            if let Ok(text) = text {
                assert_eq!(text.as_deref(), Some(literal.as_str()));
            }
        }
    }
}
