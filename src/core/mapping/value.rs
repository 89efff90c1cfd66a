//! The value a directive produces while a mapping is applied.
//!
//! It borrows from the input record and from the compiled mapping, so
//! nothing is copied until the output is built, and it can hold JS
//! `undefined`, which Segment's semantics depend on (an `undefined` member
//! overwrites in `@merge`, is dropped by `JSON.stringify`, stringifies as ""
//! inside arrays) and which disappears only at the very end.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::budget::{Budget, VALUE_BYTES};
use crate::error::{Error, Result};
use crate::js;
use crate::json_doc::{Items, JsonRef, JsonView, Members};

/// How deep input data may be for the operations that walk it (building
/// the output, `@json`, `@flatten`, `@excludeWhenNull`, stringifying).
pub(crate) const MAX_DATA_DEPTH: usize = 256;

/// An object member; keys are borrowed from the mapping or input when possible.
pub(crate) type Member<'a> = (Cow<'a, str>, Val<'a>);

#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    /// JS `undefined`: a missing path, an `@if` without a matching branch…
    Undefined,
    /// JSON borrowed from the input record or from the compiled mapping.
    Ref(JsonRef<'a>),
    /// A string a directive built.
    Str(String),
    /// Other JSON a directive built (decoded JSON, `.length`); in JS key order.
    Json(Box<Value>),
    /// An array the mapping built; elements may be `Undefined`.
    Arr(Vec<Val<'a>>),
    /// An object the mapping built, in JS key order; members may be `Undefined`.
    Obj(Vec<Member<'a>>),
}

pub(crate) fn too_deep() -> Error {
    Error::Mapping(format!(
        "value is nested more than {MAX_DATA_DEPTH} levels deep"
    ))
}

impl<'a> Val<'a> {
    /// The plain JSON this value is, when it is not a structure the mapping built.
    pub(crate) fn json(&self) -> Option<JsonRef<'_>> {
        match self {
            Val::Ref(v) => Some(*v),
            Val::Json(v) => Some(JsonRef::from(&**v)),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => self.json().and_then(JsonRef::as_str),
        }
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Val::Undefined)
    }

    pub(crate) fn is_null(&self) -> bool {
        self.json().is_some_and(JsonRef::is_null)
    }

    /// `value === undefined || value === null`
    pub(crate) fn is_nullish(&self) -> bool {
        self.is_undefined() || self.is_null()
    }

    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            Val::Undefined => false,
            Val::Str(s) => !s.is_empty(),
            Val::Arr(_) | Val::Obj(_) => true,
            Val::Ref(_) | Val::Json(_) => self.json().is_some_and(JsonRef::is_truthy),
        }
    }

    /// `realTypeOf(value)`
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Undefined => "undefined",
            Val::Str(_) => "string",
            Val::Arr(_) => "array",
            Val::Obj(_) => "object",
            Val::Ref(_) | Val::Json(_) => self.json().map_or("undefined", |v| v.view().type_name()),
        }
    }

    /// The output value; `None` is a top-level `undefined`. `undefined`
    /// members are dropped and `undefined` array elements become `null`
    /// (Segment's `removeUndefined`, then JSON); every object comes out in JS
    /// key order. What is copied (record values, mapping keys and
    /// constants) is charged to `budget`; what the mapping built was
    /// charged when it was built, and is moved.
    pub(crate) fn into_output(self, budget: &mut Budget<'_>) -> Result<Option<Value>> {
        self.into_output_at(budget, 0)
    }

    fn into_output_at(self, budget: &mut Budget<'_>, depth: usize) -> Result<Option<Value>> {
        if depth > MAX_DATA_DEPTH {
            return Err(too_deep());
        }
        Ok(Some(match self {
            Val::Undefined => return Ok(None),
            Val::Ref(v) => clone_in_js_order(v, budget, depth)?,
            Val::Str(s) => Value::String(s),
            Val::Json(v) => *v,
            Val::Arr(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(
                        item.into_output_at(budget, depth + 1)?
                            .unwrap_or(Value::Null),
                    );
                }
                Value::Array(out)
            }
            Val::Obj(members) => {
                let mut out = Map::with_capacity(members.len());
                for (key, value) in members {
                    if let Some(v) = value.into_output_at(budget, depth + 1)? {
                        if let Cow::Borrowed(key) = key {
                            budget.charge(key.len())?;
                        }
                        out.insert(key.into_owned(), v);
                    }
                }
                Value::Object(out)
            }
        }))
    }

    /// A copy of this value (reading a nested payload twice), charged to
    /// `budget` for what it copies: borrowed JSON is shared, not copied.
    pub(crate) fn copy(&self, budget: &mut Budget<'_>, depth: usize) -> Result<Val<'a>> {
        if depth > MAX_DATA_DEPTH {
            return Err(too_deep());
        }
        Ok(match self {
            Val::Undefined => Val::Undefined,
            Val::Ref(v) => Val::Ref(*v),
            Val::Str(s) => {
                budget.charge_str(s)?;
                Val::Str(s.clone())
            }
            Val::Json(v) => Val::Json(Box::new(clone_in_js_order(
                JsonRef::from(&**v),
                budget,
                depth,
            )?)),
            Val::Arr(items) => {
                budget.charge_values(items.len())?;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(item.copy(budget, depth + 1)?);
                }
                Val::Arr(out)
            }
            Val::Obj(members) => {
                budget.charge_values(members.len())?;
                let mut out = Vec::with_capacity(members.len());
                for (key, item) in members {
                    if let Cow::Owned(key) = key {
                        budget.charge(key.len())?;
                    }
                    out.push((key.clone(), item.copy(budget, depth + 1)?));
                }
                Val::Obj(out)
            }
        })
    }
}

/// A deep copy of input JSON with every object in JS key order (the record
/// may come from a source that keeps `"10"` after `"b"`; JS never does),
/// charged to `budget`.
pub(crate) fn clone_in_js_order(
    value: JsonRef<'_>,
    budget: &mut Budget<'_>,
    depth: usize,
) -> Result<Value> {
    if depth > MAX_DATA_DEPTH {
        return Err(too_deep());
    }
    match value.view() {
        JsonView::Array(items) => clone_array_in_js_order(items, budget, depth),
        JsonView::Object(members) => clone_object_in_js_order(members, budget, depth),
        JsonView::String(s) => {
            budget.charge_str(s)?;
            Ok(Value::String(s.to_owned()))
        }
        _ => {
            budget.charge(VALUE_BYTES)?;
            Ok(value.to_value())
        }
    }
}

// The two halves of `clone_in_js_order` keep its recursive frame small.
fn clone_array_in_js_order(
    items: Items<'_>,
    budget: &mut Budget<'_>,
    depth: usize,
) -> Result<Value> {
    budget.charge_values(items.len())?;
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        out.push(clone_in_js_order(item, budget, depth + 1)?);
    }
    Ok(Value::Array(out))
}

fn clone_object_in_js_order(
    members: Members<'_>,
    budget: &mut Budget<'_>,
    depth: usize,
) -> Result<Value> {
    budget.charge_values(members.len())?;
    let mut out = Map::with_capacity(members.len());
    for (k, v) in js::members_in_js_order(members) {
        budget.charge(k.len())?;
        out.insert(k.to_owned(), clone_in_js_order(v, budget, depth + 1)?);
    }
    Ok(Value::Object(out))
}

/// Puts every object of an owned value in JS key order.
pub(crate) fn into_js_order(value: Value, depth: usize) -> Result<Value> {
    if depth > MAX_DATA_DEPTH {
        return Err(too_deep());
    }
    Ok(match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| into_js_order(v, depth + 1))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            if js::has_index_key(entries.iter().map(|(k, _)| k.as_str())) {
                entries.sort_by_key(|(k, _)| js::order_key(k));
            }
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries {
                out.insert(k, into_js_order(v, depth + 1)?);
            }
            Value::Object(out)
        }
        scalar => scalar,
    })
}

/// Stable re-ordering of built members into JS enumeration order.
pub(crate) fn sort_members_js(members: &mut [Member<'_>]) {
    if js::has_index_key(members.iter().map(|(k, _)| k.as_ref())) {
        members.sort_by_key(|(k, _)| js::order_key(k));
    }
}

/// Segment's `removeUndefined` on an intermediate value (used for the
/// payload `@transform` builds): `undefined` members go, array slots stay.
pub(crate) fn strip_undefined(value: Val<'_>) -> Val<'_> {
    match value {
        Val::Obj(members) => Val::Obj(
            members
                .into_iter()
                .filter(|(_, v)| !v.is_undefined())
                .map(|(k, v)| (k, strip_undefined(v)))
                .collect(),
        ),
        Val::Arr(items) => Val::Arr(items.into_iter().map(strip_undefined).collect()),
        other => other,
    }
}
