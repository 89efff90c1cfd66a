//! A mapping's result that still borrows from the record and the mapping.
//!
//! Building a `serde_json::Value` costs an allocation per key and per string.
//! A caller that only serializes the result (a request body) or converts it
//! into another form (Python objects through `pythonize`) can skip that:
//! [`Mapped`] implements `serde::Serialize` with exactly the JSON that
//! [`Mapped::into_value`] would give.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::js;
use super::value::{Val, MAX_DATA_DEPTH};
use crate::error::Result;
use crate::json_doc::{JsonRef, JsonView};

/// The result of [`Mapping::apply_borrowed`](super::Mapping::apply_borrowed).
#[derive(Debug, Clone)]
pub struct Mapped<'a>(pub(crate) Val<'a>);

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

impl Mapped<'_> {
    /// The result as JSON; `None` for JS `undefined`.
    pub fn into_value(self) -> Result<Option<Value>> {
        self.0.into_output()
    }

    /// The members of a result that is an object the mapping built (a
    /// mapping whose root is an object of fields), in output order, with
    /// `undefined` members left out; `None` for any other result.
    pub fn members(&self) -> Option<impl Iterator<Item = (&str, MemberValue<'_>)>> {
        let Val::Obj(members) = &self.0 else {
            return None;
        };
        Some(members.iter().filter_map(|(key, value)| {
            let value = match value {
                Val::Undefined => return None,
                Val::Ref(json) => MemberValue::Json(*json),
                Val::Json(json) => MemberValue::Json(JsonRef::from(&**json)),
                Val::Str(text) => MemberValue::Str(text),
                Val::Arr(_) | Val::Obj(_) => MemberValue::Built,
            };
            Some((key.as_ref(), value))
        }))
    }
}

impl Serialize for Mapped<'_> {
    /// JS `undefined` at the top level serializes as `null`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Nested(&self.0, 0).serialize(serializer)
    }
}

/// A value being serialized, with its depth.
struct Nested<'v, 'a>(&'v Val<'a>, usize);

/// Input JSON being serialized: objects in JS key order.
struct Ordered<'v>(JsonRef<'v>, usize);

fn check_depth<E: serde::ser::Error>(depth: usize) -> Result<(), E> {
    if depth > MAX_DATA_DEPTH {
        return Err(E::custom(format!(
            "value is nested more than {MAX_DATA_DEPTH} levels deep"
        )));
    }
    Ok(())
}

impl Serialize for Nested<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Nested(value, depth) = *self;
        check_depth(depth)?;
        match value {
            Val::Undefined => serializer.serialize_none(),
            Val::Ref(v) => Ordered(*v, depth).serialize(serializer),
            Val::Json(v) => Ordered(JsonRef::from(&**v), depth).serialize(serializer),
            Val::Str(s) => serializer.serialize_str(s),
            Val::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Nested(item, depth + 1))?;
                }
                seq.end()
            }
            Val::Obj(members) => {
                let present = members.iter().filter(|(_, v)| !v.is_undefined());
                let mut map = serializer.serialize_map(Some(present.clone().count()))?;
                for (key, member) in present {
                    map.serialize_entry(key.as_ref(), &Nested(member, depth + 1))?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Ordered(value, depth) = *self;
        check_depth(depth)?;
        match value.view() {
            JsonView::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&Ordered(item, depth + 1))?;
                }
                seq.end()
            }
            JsonView::Object(object) => {
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for (key, member) in js::members_in_js_order(object) {
                    map.serialize_entry(key, &Ordered(member, depth + 1))?;
                }
                map.end()
            }
            _ => value.serialize(serializer),
        }
    }
}
