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

/// liquidjs's `memoryLimit`: units (mostly UTF-16 code units) that filters
/// and ranges allocate during one render.
#[derive(Debug, Default)]
pub(crate) struct Mem {
    used: f64,
}

impl Mem {
    pub(crate) fn use_units(&mut self, count: usize) -> Result<(), String> {
        self.use_f64(count as f64)
    }

    pub(crate) fn use_f64(&mut self, count: f64) -> Result<(), String> {
        if count > 0.0 {
            if self.used + count > MEMORY_LIMIT {
                return Err("memory alloc limit exceeded".to_owned());
            }
            self.used += count;
        }
        Ok(())
    }
}

struct Cx<'a> {
    root: JsonRef<'a>,
    /// `assign` and `capture` results; the last one of a name wins.
    scope: Vec<(&'a str, LVal<'a>)>,
    mem: Mem,
}

pub(crate) fn render<'a>(parts: &'a [Part], root: JsonRef<'a>) -> Result<String, LiquidError> {
    let mut cx = Cx {
        root,
        scope: Vec::new(),
        mem: Mem::default(),
    };
    let mut out = String::new();
    render_parts(parts, &mut cx, &mut out)?;
    Ok(out)
}

fn render_parts<'a>(
    parts: &'a [Part],
    cx: &mut Cx<'a>,
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

fn eval_filtered<'a>(value: &'a Filtered, cx: &mut Cx<'a>) -> Result<LVal<'a>, String> {
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
        v = apply(&call.filter, v, &args, &mut cx.mem)?;
    }
    Ok(v)
}

fn eval<'a>(expr: &'a Expr, cx: &mut Cx<'a>) -> Result<LVal<'a>, String> {
    Ok(match expr {
        Expr::Lit(v) => v.clone(),
        Expr::Path(name, props) => {
            let mut v = lookup(name, cx);
            for prop in props {
                let key = eval(prop, cx)?;
                v = read_property(&v, &key);
            }
            v
        }
        Expr::Range(low, high) => {
            let low = eval(low, cx)?.js_number().trunc();
            let high = eval(high, cx)?.js_number().trunc();
            cx.mem.use_f64(high - low + 1.0)?;
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

fn lookup<'a>(name: &str, cx: &Cx<'a>) -> LVal<'a> {
    if let Some((_, v)) = cx.scope.iter().rev().find(|(n, _)| *n == name) {
        return v.clone();
    }
    read_property(&LVal::Json(cx.root), &LVal::str(name.to_owned()))
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
    if obj.is_nil() {
        return obj.clone();
    }
    let text = key.to_js_string();
    if let Some(items) = obj.items() {
        let index = match key {
            LVal::Num(n) => Some(*n),
            _ => js::array_index(&text).map(f64::from),
        };
        if let Some(mut i) = index {
            if i < 0.0 && matches!(key, LVal::Num(_)) {
                i += items.len() as f64;
            }
            return if i >= 0.0 && i.fract() == 0.0 {
                items.get(i as usize).cloned().unwrap_or(LVal::Undefined)
            } else {
                LVal::Undefined
            };
        }
        return match text.as_str() {
            "size" | "length" => LVal::Num(items.len() as f64),
            "first" => items.first().cloned().unwrap_or(LVal::Undefined),
            "last" => items.last().cloned().unwrap_or(LVal::Undefined),
            _ => LVal::Undefined,
        };
    }
    match obj {
        LVal::Json(j) => match j.view() {
            JsonView::Object(members) => match members.get(&text) {
                Some(v) => LVal::from_json(v),
                None if text == "size" => LVal::Num(members.len() as f64),
                None => LVal::Undefined,
            },
            _ => LVal::Undefined,
        },
        LVal::Str(s) => match text.as_str() {
            "size" | "length" => LVal::Num(js::utf16_len(s) as f64),
            _ => match js::array_index(&text) {
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
