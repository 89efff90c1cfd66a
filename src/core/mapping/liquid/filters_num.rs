//! liquidjs's math filters (every argument through `+x || 0`, doubles as
//! JS computes them) and its array and value filters.

use super::expr::{Expr, Scan};
use super::filters::Args;
use super::filters_json::json;
use super::render::{read_property, read_variable, Mem};
use super::value::{equals, LVal};
use crate::js;

/// A math filter's result, or `None` when `name` is not one.
pub(crate) fn apply_math<'a>(name: &str, input: &LVal<'a>, args: &Args<'a>) -> Option<LVal<'a>> {
    let v = input.to_number();
    // A missing argument is `undefined`: NaN in arithmetic.
    let arg = |i: usize| args.get(i).map_or(f64::NAN, LVal::to_number);
    let n = match name {
        "abs" => v.abs(),
        "ceil" => v.ceil(),
        "floor" => v.floor(),
        "at_least" => args.positional.iter().map(LVal::to_number).fold(v, js_max),
        "at_most" => args.positional.iter().map(LVal::to_number).fold(v, js_min),
        "plus" => v + arg(0),
        "minus" => v - arg(0),
        "times" => v * arg(0),
        "divided_by" => {
            let q = v / arg(0);
            if args.get(1).is_some_and(|a| a.to_number() != 0.0) {
                q.floor()
            } else {
                q
            }
        }
        "modulo" => ((v % arg(0)) + arg(0)) % arg(0),
        "round" => round(v, args.get(0).map_or(0.0, LVal::to_number)),
        _ => return None,
    };
    Some(LVal::Num(n))
}

/// `Math.max` / `Math.min`: NaN wins, and +0 is above -0.
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_positive() {
            a
        } else {
            b
        }
    } else {
        a.max(b)
    }
}

fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

/// liquidjs's `round`: shifts the decimal point through the number's text
/// (so 1.005 rounds to 1.01 as written, not as stored), rounds half up.
fn round(v: f64, digits: f64) -> f64 {
    let scaled = shift_decimal(v.abs(), digits);
    if scaled.is_nan() || scaled > 9_007_199_254_740_991.0 {
        return v;
    }
    let floor = scaled.floor();
    let rounded = if scaled - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    };
    let back = shift_decimal(rounded, -digits);
    if v < 0.0 {
        -back
    } else {
        back
    }
}

/// `Number(\`${mantissa}e${Number(power) + exponent}\`)`
fn shift_decimal(n: f64, exponent: f64) -> f64 {
    let mut text = String::new();
    js::push_f64(&mut text, n);
    let (mantissa, power) = text.split_once('e').unwrap_or((&text, "0"));
    let mut shifted = js::string_to_number(power) + exponent;
    if shifted == 0.0 {
        shifted = 0.0; // `-0` prints as "0"
    }
    let mut power_text = String::new();
    js::push_f64(&mut power_text, shifted);
    js::string_to_number(&format!("{mantissa}e{power_text}"))
}

pub(crate) fn apply_array<'a>(
    name: &str,
    input: LVal<'a>,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Result<LVal<'a>, String> {
    Ok(match name {
        "join" => {
            let items = input.to_array();
            let sep = match args.get(0) {
                None => " ".to_owned(),
                Some(s) if s.is_nil() => " ".to_owned(),
                Some(s) => s.to_text().into_owned(),
            };
            // `Array#join`: `undefined` and `null` as "", the rest `String()`.
            let texts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    LVal::Undefined | LVal::Null => String::new(),
                    v => v.to_js_string(),
                })
                .collect();
            // liquidjs charges `String(item)` ("undefined", "null" included).
            let size: usize = items
                .iter()
                .zip(&texts)
                .map(|(v, t)| match v {
                    LVal::Undefined => 9,
                    LVal::Null => 4,
                    _ => js::utf16_len(t),
                })
                .sum::<usize>()
                + js::utf16_len(&sep) * items.len().saturating_sub(1);
            mem.use_units(size)?;
            LVal::str(texts.join(&sep))
        }
        "first" | "last" => match input.items() {
            Some(items) => {
                let item = if name == "first" {
                    items.first()
                } else {
                    items.last()
                };
                item.cloned().unwrap_or(LVal::Undefined)
            }
            None => match &input {
                // `isArrayLike('')` is falsy.
                LVal::Str(s) if s.is_empty() => LVal::str(""),
                LVal::Str(s) => {
                    let unit = if name == "first" {
                        s.encode_utf16().next()
                    } else {
                        s.encode_utf16().last()
                    };
                    unit.map_or(LVal::Undefined, |u| {
                        LVal::str(String::from_utf16_lossy(&[u]))
                    })
                }
                _ => LVal::str(""),
            },
        },
        "size" => {
            let size = if input.is_nil() {
                LVal::Num(0.0)
            } else {
                read_property(&input, &LVal::str("size"))
            };
            match size {
                LVal::Num(_) => size,
                _ => LVal::Num(0.0),
            }
        }
        "compact" => {
            let items = input.to_array();
            mem.use_units(items.len())?;
            LVal::Arr(items.into_iter().filter(|v| !v.is_nil()).collect())
        }
        "slice" => slice(input, args, mem)?,
        "where" => {
            let items = input.to_array();
            mem.use_units(items.len())?;
            let property = args.get(0).map(LVal::to_text).unwrap_or_default();
            let expected = args.get(1).filter(|e| !matches!(e, LVal::Undefined));
            let kept = items.into_iter().filter(|item| {
                let value = read_path(item, &property);
                match expected {
                    None => value.is_truthy(),
                    Some(expected) => equals(&value, expected),
                }
            });
            LVal::Arr(kept.collect())
        }
        // Copies of the array with one element more or less.
        "push" | "unshift" | "pop" | "shift" => {
            let mut items = input.to_array();
            mem.use_units(items.len() + usize::from(name == "push"))?;
            let arg = || args.get(0).cloned().unwrap_or(LVal::Undefined);
            match name {
                "push" => items.push(arg()),
                "unshift" => items.insert(0, arg()),
                "pop" => {
                    items.pop();
                }
                _ if !items.is_empty() => {
                    items.remove(0);
                }
                _ => {}
            }
            LVal::Arr(items)
        }
        "sum" => {
            let property = args.get(0).filter(|p| p.js_truthy()).map(LVal::to_text);
            let total = input.to_array().iter().fold(0.0, |sum, item| {
                let v = match &property {
                    // A variable path from the item ("" reads nothing).
                    Some(p) if p.is_empty() => LVal::Undefined,
                    Some(p) => p.split('.').fold(item.clone(), |v, key| {
                        read_property(&v, &LVal::str(key.to_owned()))
                    }),
                    None => item.clone(),
                };
                let n = v.js_number();
                sum + if n.is_nan() { 0.0 } else { n }
            });
            LVal::Num(total)
        }
        "default" => {
            let fallback = args.get(0).cloned().unwrap_or(LVal::Undefined);
            let allow_false = args
                .named
                .iter()
                .any(|(k, v)| &**k == "allow_false" && v.is_truthy());
            let input = input.to_value();
            match &input {
                LVal::Str(s) if s.is_empty() => fallback,
                _ if input.items().is_some_and(|i| i.is_empty()) => fallback,
                LVal::Str(_) | LVal::Json(_) | LVal::Arr(_) => input,
                LVal::Bool(false) if allow_false => input,
                _ if !input.is_truthy() => fallback,
                _ => input,
            }
        }
        "raw" => input,
        "json" | "jsonify" | "inspect" => json(&input, args, mem)?,
        "to_integer" => LVal::Num(input.js_number()),
        _ => input,
    })
}

/// liquidjs's `slice(v, begin, length = 1)`, JS coercions included.
/// `property` read as a value with `item` as the only variables
/// (liquidjs's `readScopeValue` in a context spawned from the item).
fn read_path<'a>(item: &LVal<'a>, property: &str) -> LVal<'a> {
    match Scan::new(property).operand() {
        // A literal is a name here too (`"0"` reads the item's index 0).
        Ok(Expr::Lit(_)) => read_variable(item, property.trim()),
        Ok(Expr::Path(name, props)) => {
            // `[0]`: no name, the item itself is indexed.
            let mut v = if name.is_empty() {
                item.clone()
            } else {
                read_variable(item, &name)
            };
            for prop in &props {
                let Expr::Lit(key) = prop else {
                    return LVal::Undefined;
                };
                v = read_property(&v, key);
            }
            v
        }
        _ => LVal::Undefined,
    }
}

fn slice<'a>(input: LVal<'a>, args: &Args<'a>, mem: &mut Mem) -> Result<LVal<'a>, String> {
    let input = input.to_value();
    if input.is_nil() {
        return Ok(LVal::Arr(Vec::new()));
    }
    let items = input.items();
    let text = input.to_text();
    let total = items
        .as_ref()
        .map_or_else(|| text.chars().count(), Vec::len) as f64;
    let mut begin = args.get(0).cloned().unwrap_or(LVal::Undefined);
    let length = args.given(1).cloned().unwrap_or(LVal::Num(1.0));
    if begin.js_number() < 0.0 {
        // `length + begin`: a string `begin` concatenates.
        begin = LVal::Num(js_plus(&LVal::Num(total), &begin));
    }
    if begin.js_number() < 0.0 || length.js_number() < 0.0 {
        return Ok(if items.is_some() {
            LVal::Arr(Vec::new())
        } else {
            LVal::str("")
        });
    }
    mem.use_f64(length.js_number())?;
    Ok(match items {
        Some(items) => {
            // `Array.prototype.slice(begin, begin + length)`
            let start = to_index(begin.js_number(), total);
            let end = to_index(js_plus(&begin, &length), total);
            LVal::Arr(
                items
                    .into_iter()
                    .skip(start)
                    .take(end.saturating_sub(start))
                    .collect(),
            )
        }
        None => {
            // `advanceCodePoints`: as many code points as `i < count` allows.
            let start = code_points(begin.js_number()).min(total as usize);
            let count = code_points(length.js_number());
            LVal::str(text.chars().skip(start).take(count).collect::<String>())
        }
    })
}

/// `ToIntegerOrInfinity`, clamped to `0..=len` (non-negative here).
fn to_index(n: f64, len: f64) -> usize {
    if n.is_nan() {
        0
    } else {
        n.trunc().clamp(0.0, len) as usize
    }
}

/// How many steps a JS loop `for (i = 0; i < count; i++)` takes.
pub(crate) fn code_points(count: f64) -> usize {
    if count > 0.0 {
        count.ceil().min(1e9) as usize
    } else {
        0
    }
}

/// JS `a + b` then `Number()`: a string on either side concatenates.
fn js_plus(a: &LVal<'_>, b: &LVal<'_>) -> f64 {
    let a = a.to_value();
    let b = b.to_value();
    let is_text = |v: &LVal<'_>| matches!(v, LVal::Str(_) | LVal::Json(_) | LVal::Arr(_));
    if is_text(&a) || is_text(&b) {
        js::string_to_number(&(a.to_js_string() + &b.to_js_string()))
    } else {
        a.js_number() + b.js_number()
    }
}
