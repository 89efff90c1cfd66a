//! `json`, `jsonify` and `inspect`: `JSON.stringify(value, replacer, space)`
//! (the data has no cycles, so `inspect` is `json`), from the JS module.

use serde_json::{Map, Number, Value};

use super::filters::Args;
use super::render::Mem;
use super::value::LVal;
use crate::js;

pub(crate) fn json<'a>(
    input: &LVal<'a>,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Result<LVal<'a>, String> {
    let Some(value) = to_json(input) else {
        return Ok(LVal::Undefined); // `JSON.stringify(undefined)`
    };
    let text = js::stringify_indented(&value, &indent(args.get(0)));
    mem.use_units(js::utf16_len(&text))?;
    Ok(LVal::str(text))
}

/// `space`: a number of spaces (at most 10), the first 10 units of a
/// string, or nothing.
fn indent(space: Option<&LVal<'_>>) -> String {
    match space {
        Some(LVal::Num(n)) if *n >= 1.0 => " ".repeat(n.min(10.0) as usize),
        Some(LVal::Str(s)) => {
            String::from_utf16_lossy(&s.encode_utf16().take(10).collect::<Vec<_>>())
        }
        _ => String::new(),
    }
}

/// The JSON `JSON.stringify` sees; `None` for `undefined`.
fn to_json(v: &LVal<'_>) -> Option<Value> {
    Some(match v {
        LVal::Undefined => return None,
        LVal::Null => Value::Null,
        // A drop is an object without own properties.
        LVal::Nil | LVal::Empty | LVal::Blank => Value::Object(Map::new()),
        LVal::Bool(b) => Value::Bool(*b),
        LVal::Num(n) => Number::from_f64(*n).map_or(Value::Null, Value::Number),
        LVal::Str(s) => Value::String(s.to_string()),
        LVal::Json(j) => j.to_value(),
        // `undefined` in an array is `null`.
        LVal::Arr(items) => Value::Array(
            items
                .iter()
                .map(|i| to_json(i).unwrap_or(Value::Null))
                .collect(),
        ),
    })
}
