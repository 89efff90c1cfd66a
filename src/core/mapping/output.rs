//! A mapping's result that still borrows from the record and the mapping.
//!
//! Building a `serde_json::Value` costs an allocation per key and per string.
//! A caller that only serializes the result (a request body) or converts it
//! into another form (Python objects through `pythonize`) can skip that:
//! [`Mapped`] implements `serde::Serialize` with exactly the JSON that
//! [`Mapped::into_value`] would give. Both charge what they copy to what is
//! left of the record's output budget (see `budget.rs`), each on its own:
//! a result may be serialized more than once.

use std::cell::Cell;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::budget::{Budget, VALUE_BYTES};
use super::value::{Member, Val, MAX_DATA_DEPTH};
use crate::error::Result;
use crate::js;
use crate::json_doc::{JsonRef, JsonView};

/// The result of [`Mapping::apply_borrowed`](super::Mapping::apply_borrowed).
#[derive(Debug, Clone)]
pub struct Mapped<'a> {
    value: Val<'a>,
    /// The output budget left once the mapping ran: (left, limit).
    left: (usize, usize),
}

/// A member of an object result, as [`Mapped::members`] lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemberValue<'m> {
    /// JSON from the record or the mapping, or built by a directive.
    Json(JsonRef<'m>),
    /// A string a directive built.
    Str(&'m str),
    /// An array or object the mapping built.
    Built,
}

impl<'a> Mapped<'a> {
    pub(crate) fn new(value: Val<'a>, budget: Budget<'_>) -> Self {
        Self {
            value,
            left: budget.left(),
        }
    }

    fn budget(&self) -> Budget<'static> {
        Budget::resume(self.left.0, self.left.1)
    }

    /// The result as JSON; `None` for JS `undefined`.
    pub fn into_value(self) -> Result<Option<Value>> {
        let mut budget = self.budget();
        self.value.into_output(&mut budget)
    }

    /// The members of a result that is an object the mapping built (a
    /// mapping whose root is an object of fields), in output order, with
    /// `undefined` members left out; `None` for any other result.
    pub fn members(&self) -> Option<impl Iterator<Item = (&str, MemberValue<'_>)>> {
        let Val::Obj(members) = &self.value else {
            return None;
        };
        Some(defined(members))
    }

    /// The members of the object member `key` of an object result, when the
    /// mapping built that object (one level: its own arrays and objects are
    /// [`MemberValue::Built`]); `undefined` members left out.
    pub fn object_member(
        &self,
        key: &str,
    ) -> Option<impl Iterator<Item = (&str, MemberValue<'_>)>> {
        let Val::Obj(members) = &self.value else {
            return None;
        };
        let (_, Val::Obj(inner)) = members.iter().find(|(name, _)| name.as_ref() == key)? else {
            return None;
        };
        Some(defined(inner))
    }
}

/// The members of a built object as [`MemberValue`]s, `undefined` ones left out.
fn defined<'v>(members: &'v [Member<'v>]) -> impl Iterator<Item = (&'v str, MemberValue<'v>)> {
    members.iter().filter_map(|(key, value)| {
        let value = match value {
            Val::Undefined => return None,
            Val::Ref(json) => MemberValue::Json(*json),
            Val::Json(json) => MemberValue::Json(JsonRef::from(&**json)),
            Val::Str(text) => MemberValue::Str(text),
            Val::Arr(_) | Val::Obj(_) => MemberValue::Built,
        };
        Some((key.as_ref(), value))
    })
}

impl Serialize for Mapped<'_> {
    /// JS `undefined` at the top level serializes as `null`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let budget = Cell::new(self.budget());
        Nested(&self.value, 0, &budget).serialize(serializer)
    }
}

/// A value being serialized, with its depth and the budget for copies.
struct Nested<'v, 'a, 'b>(&'v Val<'a>, usize, &'b Cell<Budget<'static>>);

/// JSON being serialized, objects in JS key order; copies are charged
/// unless a directive built it (`None`: charged when it was built).
struct Ordered<'v, 'b>(JsonRef<'v>, usize, Option<&'b Cell<Budget<'static>>>);

fn check_depth<E: serde::ser::Error>(depth: usize) -> Result<(), E> {
    if depth > MAX_DATA_DEPTH {
        return Err(E::custom(format!(
            "value is nested more than {MAX_DATA_DEPTH} levels deep"
        )));
    }
    Ok(())
}

/// Takes `bytes` from the budget shared by one serialization.
fn charge<E: serde::ser::Error>(
    budget: Option<&Cell<Budget<'static>>>,
    bytes: usize,
) -> Result<(), E> {
    let Some(budget) = budget else {
        return Ok(());
    };
    let mut left = budget.get();
    let charged = left.charge(bytes);
    budget.set(left);
    charged.map_err(E::custom)
}

impl Serialize for Nested<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Nested(value, depth, budget) = *self;
        check_depth(depth)?;
        match value {
            Val::Undefined => serializer.serialize_none(),
            Val::Ref(v) => Ordered(*v, depth, Some(budget)).serialize(serializer),
            Val::Json(v) => Ordered(JsonRef::from(&**v), depth, None).serialize(serializer),
            Val::Str(s) => serializer.serialize_str(s),
            Val::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Nested(item, depth + 1, budget))?;
                }
                seq.end()
            }
            Val::Obj(members) => {
                let present = members.iter().filter(|(_, v)| !v.is_undefined());
                let mut map = serializer.serialize_map(Some(present.clone().count()))?;
                for (key, member) in present {
                    if let std::borrow::Cow::Borrowed(key) = key {
                        charge(Some(budget), key.len())?;
                    }
                    map.serialize_entry(key.as_ref(), &Nested(member, depth + 1, budget))?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Ordered<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Ordered(value, depth, budget) = *self;
        check_depth(depth)?;
        match value.view() {
            JsonView::Array(items) => {
                charge(budget, items.len().saturating_mul(VALUE_BYTES))?;
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&Ordered(item, depth + 1, budget))?;
                }
                seq.end()
            }
            JsonView::Object(object) => {
                charge(budget, object.len().saturating_mul(VALUE_BYTES))?;
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for (key, member) in js::members_in_js_order(object) {
                    charge(budget, key.len())?;
                    map.serialize_entry(key, &Ordered(member, depth + 1, budget))?;
                }
                map.end()
            }
            JsonView::String(text) => {
                charge(budget, text.len().saturating_add(VALUE_BYTES))?;
                serializer.serialize_str(text)
            }
            _ => {
                charge(budget, VALUE_BYTES)?;
                value.serialize(serializer)
            }
        }
    }
}
