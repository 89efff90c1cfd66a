//! Object operations behind `@merge`, `@flatten`, `@excludeWhenNull` and
//! `@json` decode, with the JS behaviour Segment's code inherits
//! (`Object.assign` of strings and arrays, spread order, …).

use std::borrow::Cow;

use indexmap::IndexMap;
use serde_json::Value;

use super::budget::Budget;
use super::value::{into_js_order, sort_members_js, too_deep, Member, Val, MAX_DATA_DEPTH};
use crate::error::{Error, Result};
use crate::js;
use crate::json_doc::{JsonRef, JsonView};

/// The own enumerable members of a value, as `Object.assign` and
/// `Object.entries` see them: object members in JS order, array elements
/// and string units under their index. Other values have none. Members
/// made here (an index key, a string's unit) are charged to `budget`
/// first: a 1 MB string has a million of them.
fn entries<'a>(value: Val<'a>, budget: &mut Budget<'_>) -> Result<Vec<Member<'a>>> {
    let indexed = |i: usize| Cow::Owned(i.to_string());
    Ok(match value {
        Val::Ref(json) => match json.view() {
            JsonView::Object(members) => {
                budget.charge_values(members.len())?;
                js::members_in_js_order(members)
                    .map(|(k, v)| (Cow::Borrowed(k), Val::Ref(v)))
                    .collect()
            }
            JsonView::Array(items) => {
                budget.charge_values(items.len().saturating_mul(2))?;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (indexed(i), Val::Ref(v)))
                    .collect()
            }
            JsonView::String(s) => string_entries(s, budget)?,
            _ => Vec::new(),
        },
        Val::Json(json) => match *json {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Val::Json(Box::new(v))))
                .collect(),
            Value::Array(items) => {
                budget.charge_values(items.len())?;
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (indexed(i), Val::Json(Box::new(v))))
                    .collect()
            }
            Value::String(s) => string_entries(&s, budget)?,
            _ => Vec::new(),
        },
        Val::Str(s) => string_entries(&s, budget)?,
        Val::Arr(items) => {
            budget.charge_values(items.len())?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (indexed(i), v))
                .collect()
        }
        Val::Obj(members) => members,
        Val::Undefined => Vec::new(),
    })
}

fn string_entries<'a>(s: &str, budget: &mut Budget<'_>) -> Result<Vec<Member<'a>>> {
    // Each unit becomes a member holding an index key and a one-unit
    // string: about 64 bytes of memory (8 values) for 1 to 4 of text.
    budget.charge_values(js::utf16_len(s).saturating_mul(8))?;
    budget.charge(s.len())?;
    Ok(js::utf16_units(s)
        .enumerate()
        .map(|(i, unit)| (Cow::Owned(i.to_string()), Val::Str(unit)))
        .collect())
}

fn is_object(value: &Val<'_>) -> bool {
    matches!(value, Val::Obj(_)) || value.json().is_some_and(JsonRef::is_object)
}

fn is_array(value: &Val<'_>) -> bool {
    matches!(value, Val::Arr(_)) || value.json().is_some_and(JsonRef::is_array)
}

/// `Object.assign({}, ...objects)`: later sources win, a key keeps the place
/// where it first appeared, array indices come first.
pub(crate) fn merge<'a>(objects: Vec<Val<'a>>, budget: &mut Budget<'_>) -> Result<Val<'a>> {
    let mut merged: IndexMap<Cow<'_, str>, Val<'_>> = IndexMap::new();
    for source in objects {
        for (key, value) in entries(source, budget)? {
            merged.insert(key, value);
        }
    }
    let mut members: Vec<Member<'_>> = merged.into_iter().collect();
    sort_members_js(&mut members);
    Ok(Val::Obj(members))
}

/// Segment's `flattenObject(value, '', separator, omitArrays)`: nested keys
/// joined with `separator`; a non-container becomes `{"": value}`.
pub(crate) fn flatten<'a>(
    value: Val<'a>,
    separator: &str,
    omit_arrays: bool,
    budget: &mut Budget<'_>,
) -> Result<Val<'a>> {
    let mut flat: IndexMap<String, Val<'a>> = IndexMap::new();
    let mut into = Flat {
        flat: &mut flat,
        separator,
        omit_arrays,
        budget,
    };
    into.add(value, "", 0)?;
    let mut members: Vec<Member<'a>> = flat.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect();
    sort_members_js(&mut members);
    Ok(Val::Obj(members))
}

struct Flat<'f, 'a, 'b, 's> {
    flat: &'f mut IndexMap<String, Val<'a>>,
    separator: &'f str,
    omit_arrays: bool,
    budget: &'b mut Budget<'s>,
}

impl<'a> Flat<'_, 'a, '_, '_> {
    fn add(&mut self, value: Val<'a>, prefix: &str, depth: usize) -> Result<()> {
        if depth > MAX_DATA_DEPTH {
            return Err(too_deep());
        }
        if !(is_object(&value) || (!self.omit_arrays && is_array(&value))) {
            self.budget.charge_values(1)?;
            self.flat.insert(prefix.to_owned(), value);
            return Ok(());
        }
        for (key, child) in entries(value, self.budget)? {
            let key = if prefix.is_empty() {
                self.budget.charge(key.len())?;
                key.into_owned()
            } else {
                // Keys grow with depth, and the separator may be long.
                let len = prefix.len() + self.separator.len() + key.len();
                self.budget.charge(len)?;
                format!("{prefix}{}{key}", self.separator)
            };
            self.add(child, &key, depth + 1)?;
        }
        Ok(())
    }
}

/// `@excludeWhenNull`'s `cleanNulls`: `null` members of the object and of
/// nested objects become `undefined`; arrays are left alone.
pub(crate) fn clean_nulls<'a>(
    value: Val<'a>,
    depth: usize,
    budget: &mut Budget<'_>,
) -> Result<Val<'a>> {
    if !is_object(&value) {
        return Ok(value);
    }
    if depth > MAX_DATA_DEPTH {
        return Err(too_deep());
    }
    let mut members = entries(value, budget)?;
    for (_, member) in &mut members {
        let taken = std::mem::replace(member, Val::Undefined);
        if !taken.is_null() {
            *member = clean_nulls(taken, depth + 1, budget)?;
        }
    }
    Ok(Val::Obj(members))
}

/// `@json` decode: a string is parsed as JSON; text that is not JSON and
/// values that are not strings come back unchanged. The parsed value is
/// charged before parsing, as a value per `,` `:` `[` `{` of its text.
pub(crate) fn json_decode<'a>(value: Val<'a>, budget: &mut Budget<'_>) -> Result<Val<'a>> {
    let Some(text) = value.as_str() else {
        return Ok(value);
    };
    budget.charge_parts(text, |b| matches!(b, b',' | b':' | b'[' | b'{'))?;
    match serde_json::from_str::<Value>(text) {
        Ok(parsed) => Ok(Val::Json(Box::new(into_js_order(parsed, 0)?))),
        Err(e) if e.to_string().contains("recursion limit") => Err(Error::Mapping(
            "@json decode: the JSON text is nested more than 128 levels deep".into(),
        )),
        Err(_) => Ok(value),
    }
}
