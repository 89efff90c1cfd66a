//! The values a template works with, and liquidjs's rules for them: what is
//! truthy (only `false`, `nil` and `undefined` are falsy), how a value
//! prints (`String()` of JS, arrays concatenated), `==` (strict equality,
//! arrays element by element), `<`/`>` (JS relational comparison) and
//! property reads (`size`, `first`, `last`, negative indexes).

use std::borrow::Cow;

use crate::js;
use crate::json_doc::{JsonRef, JsonView};

#[derive(Debug, Clone)]
pub(crate) enum LVal<'a> {
    /// JS `undefined`: a missing variable or property.
    Undefined,
    /// JSON `null`.
    Null,
    /// The literals `nil`/`null`, `empty`, `blank` (liquidjs drops): they
    /// compare specially, print as "" and are `null` / "" as values.
    Nil,
    Empty,
    Blank,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    /// An array or object of the record.
    Json(JsonRef<'a>),
    /// An array a filter or range built.
    Arr(Vec<LVal<'a>>),
}

impl<'a> LVal<'a> {
    pub(crate) fn from_json(v: JsonRef<'a>) -> Self {
        match v.view() {
            JsonView::Null => LVal::Null,
            JsonView::Bool(b) => LVal::Bool(b),
            JsonView::Number(n) => LVal::Num(n.as_f64().unwrap_or(f64::NAN)),
            JsonView::String(s) => LVal::Str(Cow::Borrowed(s)),
            JsonView::Array(_) | JsonView::Object(_) => LVal::Json(v),
        }
    }

    pub(crate) fn str(s: impl Into<Cow<'a, str>>) -> Self {
        LVal::Str(s.into())
    }

    /// `isNil` (`== null` in JS): `undefined`, `null`, `nil`.
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, LVal::Undefined | LVal::Null | LVal::Nil)
    }

    pub(crate) fn is_truthy(&self) -> bool {
        !matches!(self, LVal::Bool(false)) && !self.is_nil()
    }

    /// JS truthiness (`if (chars)` inside a filter): drops are objects.
    pub(crate) fn js_truthy(&self) -> bool {
        match self {
            LVal::Undefined | LVal::Null | LVal::Bool(false) => false,
            LVal::Num(n) => *n != 0.0 && !n.is_nan(),
            LVal::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    pub(crate) fn is_array(&self) -> bool {
        match self {
            LVal::Arr(_) => true,
            LVal::Json(v) => v.is_array(),
            _ => false,
        }
    }

    /// The elements of an array, or `None`.
    pub(crate) fn items(&self) -> Option<Vec<LVal<'a>>> {
        match self {
            LVal::Arr(items) => Some(items.clone()),
            LVal::Json(v) => match v.view() {
                JsonView::Array(items) => Some(items.iter().map(LVal::from_json).collect()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `toArray`: nil is `[]`, an array itself, anything else `[value]`.
    pub(crate) fn to_array(&self) -> Vec<LVal<'a>> {
        let value = self.to_value();
        if value.is_nil() {
            return Vec::new();
        }
        value.items().unwrap_or_else(|| vec![value.clone()])
    }

    /// `stringify`: strings as they are, nil as "", arrays with their
    /// elements printed back to back, anything else `String(value)`.
    pub(crate) fn render(&self, out: &mut String) {
        match self {
            LVal::Undefined | LVal::Null | LVal::Nil | LVal::Empty | LVal::Blank => {}
            LVal::Arr(_) | LVal::Json(_) if self.is_array() => {
                for item in self.items().unwrap_or_default() {
                    item.render(out);
                }
            }
            other => other.push_js_string(out),
        }
    }

    pub(crate) fn to_text(&self) -> Cow<'a, str> {
        match self {
            LVal::Str(s) => s.clone(),
            other => {
                let mut out = String::new();
                other.render(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// JS `String(value)` (arrays joined with commas, `undefined` and `null`
    /// members as "").
    pub(crate) fn push_js_string(&self, out: &mut String) {
        match self {
            LVal::Undefined => out.push_str("undefined"),
            LVal::Null => out.push_str("null"),
            // A drop is an object: liquidjs turns it into its value first
            // wherever it prints one, so this shows only inside arrays.
            LVal::Nil | LVal::Empty | LVal::Blank => out.push_str("[object Object]"),
            LVal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            LVal::Num(n) => js::push_f64(out, *n),
            LVal::Str(s) => out.push_str(s),
            LVal::Json(v) if !v.is_array() => out.push_str("[object Object]"),
            LVal::Json(_) | LVal::Arr(_) => {
                for (i, item) in self.items().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !matches!(item, LVal::Undefined | LVal::Null) {
                        item.push_js_string(out);
                    }
                }
            }
        }
    }

    /// liquidjs's `toValue`: the value a drop stands for (`nil` is `null`,
    /// `empty` and `blank` are "").
    pub(crate) fn to_value(&self) -> LVal<'a> {
        match self {
            LVal::Nil => LVal::Null,
            LVal::Empty | LVal::Blank => LVal::str(""),
            other => other.clone(),
        }
    }

    /// `+value || 0` (liquidjs's `toNumber`).
    pub(crate) fn to_number(&self) -> f64 {
        let n = self.js_number();
        if n.is_nan() {
            0.0
        } else {
            n
        }
    }

    /// JS `Number(value)`.
    pub(crate) fn js_number(&self) -> f64 {
        match self {
            LVal::Undefined => f64::NAN,
            LVal::Null | LVal::Nil => 0.0,
            LVal::Bool(b) => f64::from(u8::from(*b)),
            LVal::Num(n) => *n,
            LVal::Str(s) => js::string_to_number(s),
            // `empty` and `blank` are "" as values (`valueOf`).
            LVal::Empty | LVal::Blank => 0.0,
            other => {
                let mut text = String::new();
                other.push_js_string(&mut text);
                js::string_to_number(&text)
            }
        }
    }
}

/// `==` of liquidjs: a drop on the left compares, else one on the right,
/// then arrays element-wise, then `===`.
pub(crate) fn equals(l: &LVal<'_>, r: &LVal<'_>) -> bool {
    if is_drop(l) {
        return drop_equals(l, r);
    }
    if is_drop(r) {
        return drop_equals(r, l);
    }
    match (l, r) {
        _ if l.is_array() => match (l.items(), r.items()) {
            (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| equals(x, y)),
            _ => false,
        },
        (LVal::Undefined, LVal::Undefined) | (LVal::Null, LVal::Null) => true,
        (LVal::Bool(a), LVal::Bool(b)) => a == b,
        (LVal::Num(a), LVal::Num(b)) => a == b,
        (LVal::Str(a), LVal::Str(b)) => a == b,
        (LVal::Json(a), LVal::Json(b)) => a.same(*b),
        _ => false,
    }
}

fn is_drop(v: &LVal<'_>) -> bool {
    matches!(v, LVal::Nil | LVal::Empty | LVal::Blank)
}

/// `NullDrop`, `EmptyDrop` and `BlankDrop`'s `equals(value)`.
fn drop_equals(drop: &LVal<'_>, v: &LVal<'_>) -> bool {
    match drop {
        LVal::Nil => v.to_value().is_nil(),
        LVal::Blank => {
            matches!(v, LVal::Bool(false))
                || v.to_value().is_nil()
                || match v {
                    LVal::Str(s) => js::js_trim(s).is_empty(),
                    _ => drop_equals(&LVal::Empty, v),
                }
        }
        _ => !matches!(v, LVal::Empty | LVal::Blank) && is_empty(&v.to_value()),
    }
}

fn is_empty(v: &LVal<'_>) -> bool {
    match v {
        LVal::Str(s) => s.is_empty(),
        LVal::Arr(items) => items.is_empty(),
        LVal::Json(j) => match j.view() {
            JsonView::Array(items) => items.is_empty(),
            JsonView::Object(members) => members.is_empty(),
            _ => false,
        },
        _ => false,
    }
}

/// JS `l < r` (`Less`), `l > r`, …: strings compare by UTF-16 units when
/// both are strings, otherwise both become numbers (NaN: always false).
pub(crate) fn compare(l: &LVal<'_>, r: &LVal<'_>) -> Option<std::cmp::Ordering> {
    // The drops never order (their gt/lt return false).
    if matches!(l, LVal::Nil | LVal::Empty | LVal::Blank)
        || matches!(r, LVal::Nil | LVal::Empty | LVal::Blank)
    {
        return None;
    }
    // Objects and arrays compare as their `String()`.
    let text = |v: &LVal<'_>| match v {
        LVal::Json(_) | LVal::Arr(_) => Some(v.to_js_string()),
        LVal::Str(s) => Some(s.to_string()),
        _ => None,
    };
    match (text(l), text(r)) {
        (Some(a), Some(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        (a, b) => {
            let num = |t: Option<String>, v: &LVal<'_>| {
                t.map_or_else(|| v.js_number(), |t| js::string_to_number(&t))
            };
            num(a, l).partial_cmp(&num(b, r))
        }
    }
}

impl LVal<'_> {
    pub(crate) fn to_js_string(&self) -> String {
        let mut out = String::new();
        self.push_js_string(&mut out);
        out
    }
}
