//! Rendering a parsed template against one payload: variable lookups
//! (assigned names first, then the payload; a missing one is `undefined`),
//! operators, filters, and liquidjs's memory limit on what filters build.

use std::cmp::Ordering;

use super::expr::{Expr, Filtered, Op};
use super::filters::{apply, Args};
use super::parse::Part;
use super::value::{compare, equals, LVal};
use super::{LiquidError, MEMORY_LIMIT};
use crate::js;
use crate::json_doc::{JsonRef, JsonView};
use crate::mapping::budget::VALUE_BYTES;

/// liquidjs's `memoryLimit`: units (mostly UTF-16 code units) that filters
/// and ranges allocate during one render. They are also held to what the
/// record may still produce (`cap`, the engine's output budget), so a
/// template cannot build more than any other directive may.
#[derive(Debug)]
pub(crate) struct Mem {
    used: f64,
    bytes: f64,
    cap: f64,
    /// The render stopped at `cap`, not at liquidjs's limit.
    pub over_budget: bool,
}

impl Mem {
    pub(crate) fn new(cap: usize) -> Self {
        Mem {
            used: 0.0,
            bytes: 0.0,
            cap: cap as f64,
            over_budget: false,
        }
    }

    pub(crate) fn use_units(&mut self, count: usize) -> Result<(), String> {
        self.use_f64(count as f64)
    }

    pub(crate) fn use_f64(&mut self, count: f64) -> Result<(), String> {
        self.charge(count, count)
    }

    /// `count` array elements about to be built: one liquidjs unit each,
    /// but a value's bytes each against the record's budget (a range is a
    /// few characters of template).
    pub(crate) fn use_values(&mut self, count: f64) -> Result<(), String> {
        self.charge(count, count * VALUE_BYTES as f64)
    }

    fn charge(&mut self, units: f64, bytes: f64) -> Result<(), String> {
        if units > 0.0 {
            if self.used + units > MEMORY_LIMIT {
                return Err("memory alloc limit exceeded".to_owned());
            }
            if self.bytes + bytes > self.cap {
                self.over_budget = true;
                return Err("output budget exceeded".to_owned());
            }
            self.used += units;
            self.bytes += bytes;
        }
        Ok(())
    }
}

struct Cx<'a, 'm> {
    root: JsonRef<'a>,
    /// `assign` and `capture` results; the last one of a name wins.
    scope: Vec<(&'a str, LVal<'a>)>,
    mem: &'m mut Mem,
}

pub(crate) fn render<'a>(
    parts: &'a [Part],
    root: JsonRef<'a>,
    mem: &mut Mem,
) -> Result<String, LiquidError> {
    let mut cx = Cx {
        root,
        scope: Vec::new(),
        mem,
    };
    let mut out = String::new();
    render_parts(parts, &mut cx, &mut out)?;
    Ok(out)
}

fn render_parts<'a>(
    parts: &'a [Part],
    cx: &mut Cx<'a, '_>,
    out: &mut String,
) -> Result<(), LiquidError> {
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Output(value, pos) => {
                let v = eval_filtered(value, cx).map_err(|e| LiquidError::at(e, *pos))?;
                v.render(out);
            }
            Part::Assign(name, value, pos) => {
                let v = eval_filtered(value, cx).map_err(|e| LiquidError::at(e, *pos))?;
                cx.scope.push((name, v));
            }
            Part::Capture(name, body) => {
                let mut text = String::new();
                render_parts(body, cx, &mut text)?;
                cx.scope.push((name, LVal::str(text)));
            }
            Part::If(branches, otherwise, pos) => {
                let mut taken = None;
                for (test, body) in branches {
                    let v = eval_filtered(test, cx).map_err(|e| LiquidError::at(e, *pos))?;
                    if v.is_truthy() {
                        taken = Some(body);
                        break;
                    }
                }
                render_parts(taken.unwrap_or(otherwise), cx, out)?;
            }
        }
    }
    Ok(())
}

fn eval_filtered<'a>(value: &'a Filtered, cx: &mut Cx<'a, '_>) -> Result<LVal<'a>, String> {
    let mut v = eval(&value.expr, cx)?;
    for call in &value.filters {
        let mut args = Args {
            positional: Vec::new(),
            named: Vec::new(),
        };
        for (key, arg) in &call.args {
            let a = eval(arg, cx)?;
            match key {
                Some(key) => args.named.push((key.clone(), a)),
                None => args.positional.push(a),
            }
        }
        v = apply(&call.filter, v, &args, cx.mem)?;
    }
    Ok(v)
}

fn eval<'a>(expr: &'a Expr, cx: &mut Cx<'a, '_>) -> Result<LVal<'a>, String> {
    Ok(match expr {
        Expr::Lit(v) => v.clone(),
        Expr::Path(name, props) => {
            let mut v = lookup(name, cx);
            for prop in props {
                v = match prop {
                    // `.name`: read without copying the name.
                    Expr::Lit(LVal::Str(key)) => read_key(&v, key),
                    _ => read_property(&v, &eval(prop, cx)?),
                };
            }
            v
        }
        Expr::Range(low, high) => {
            let low = eval(low, cx)?.js_number().trunc();
            let high = eval(high, cx)?.js_number().trunc();
            cx.mem.use_values(high - low + 1.0)?;
            let mut items = Vec::new();
            let mut n = low;
            while n <= high {
                items.push(LVal::Num(n));
                n += 1.0;
            }
            LVal::Arr(items)
        }
        Expr::Not(inner) => LVal::Bool(!eval(inner, cx)?.is_truthy()),
        Expr::Op(l, op, r) => {
            let l = eval(l, cx)?;
            if *op == Op::And && !l.is_truthy() {
                return Ok(LVal::Bool(false));
            }
            if *op == Op::Or && l.is_truthy() {
                return Ok(LVal::Bool(true));
            }
            let r = eval(r, cx)?;
            LVal::Bool(match op {
                Op::Eq => equals(&l, &r),
                Op::Ne => !equals(&l, &r),
                Op::Lt => compare(&l, &r) == Some(Ordering::Less),
                Op::Gt => compare(&l, &r) == Some(Ordering::Greater),
                Op::Le => matches!(compare(&l, &r), Some(Ordering::Less | Ordering::Equal)),
                Op::Ge => matches!(compare(&l, &r), Some(Ordering::Greater | Ordering::Equal)),
                Op::Contains => contains(&l, &r),
                Op::And | Op::Or => r.is_truthy(),
            })
        }
    })
}

fn lookup<'a>(name: &str, cx: &Cx<'a, '_>) -> LVal<'a> {
    if let Some((_, v)) = cx.scope.iter().rev().find(|(n, _)| *n == name) {
        return v.clone();
    }
    read_variable(&LVal::Json(cx.root), name)
}

/// A variable of the payload `root`: its own property (an object's member,
/// an array's or a string's index or `length`), or else what liquidjs's
/// empty globals give (`size` is 0, anything else `undefined`).
pub(crate) fn read_variable<'a>(root: &LVal<'a>, name: &str) -> LVal<'a> {
    let own = match root {
        LVal::Json(j) if !j.is_array() => {
            j.members().and_then(|m| m.get(name)).map(LVal::from_json)
        }
        LVal::Json(_) | LVal::Arr(_) | LVal::Str(_)
            if name == "length" || js::array_index(name).is_some() =>
        {
            Some(read_key(root, name)).filter(|v| !matches!(v, LVal::Undefined))
        }
        _ => None,
    };
    match own {
        Some(v) => v,
        None if name == "size" => LVal::Num(0.0),
        None => LVal::Undefined,
    }
}

fn contains(l: &LVal<'_>, r: &LVal<'_>) -> bool {
    let l = l.to_value();
    if let Some(items) = l.items() {
        return items.iter().any(|item| equals(item, r));
    }
    match l {
        // `str.indexOf(toValue(r))`: `r` through `String()`.
        LVal::Str(s) => s.contains(r.to_value().to_js_string().as_str()),
        _ => false,
    }
}

/// liquidjs's `readProperty` on plain data (own properties only).
pub(crate) fn read_property<'a>(obj: &LVal<'a>, key: &LVal<'_>) -> LVal<'a> {
    match key {
        // A number reads an array element, counting from the end when negative.
        LVal::Num(n) if obj.is_array() => {
            let len = array_len(obj) as f64;
            let i = if *n < 0.0 { n + len } else { *n };
            if i >= 0.0 && i.fract() == 0.0 {
                array_item(obj, i as usize)
            } else {
                LVal::Undefined
            }
        }
        LVal::Str(s) => read_key(obj, s),
        other => read_key(obj, &other.to_value().to_js_string()),
    }
}

/// `obj[key]` for a property name, with liquidjs's `size`, `first` and `last`.
fn read_key<'a>(obj: &LVal<'a>, key: &str) -> LVal<'a> {
    if obj.is_nil() {
        return obj.clone();
    }
    if obj.is_array() {
        if let Some(i) = js::array_index(key) {
            return array_item(obj, i as usize);
        }
        let len = array_len(obj);
        return match key {
            "size" | "length" => LVal::Num(len as f64),
            "first" => array_item(obj, 0),
            "last" if len > 0 => array_item(obj, len - 1),
            _ => LVal::Undefined,
        };
    }
    match obj {
        LVal::Json(j) => match j.view() {
            JsonView::Object(members) => match members.get(key) {
                Some(v) => LVal::from_json(v),
                None if key == "size" => LVal::Num(members.len() as f64),
                None => LVal::Undefined,
            },
            _ => LVal::Undefined,
        },
        LVal::Str(s) => match key {
            "size" | "length" => LVal::Num(js::utf16_len(s) as f64),
            _ => match js::array_index(key) {
                Some(i) => s
                    .encode_utf16()
                    .nth(i as usize)
                    .map_or(LVal::Undefined, |u| {
                        LVal::str(String::from_utf16_lossy(&[u]))
                    }),
                None => LVal::Undefined,
            },
        },
        _ => LVal::Undefined,
    }
}

fn array_len(arr: &LVal<'_>) -> usize {
    match arr {
        LVal::Arr(items) => items.len(),
        LVal::Json(j) => match j.view() {
            JsonView::Array(items) => items.len(),
            _ => 0,
        },
        _ => 0,
    }
}

fn array_item<'a>(arr: &LVal<'a>, i: usize) -> LVal<'a> {
    let item = match arr {
        LVal::Arr(items) => items.get(i).cloned(),
        LVal::Json(j) => match j.view() {
            JsonView::Array(items) => items.get(i).map(LVal::from_json),
            _ => None,
        },
        _ => None,
    };
    item.unwrap_or(LVal::Undefined)
}
