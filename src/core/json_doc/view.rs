//! [`JsonRef`]: input JSON as the mapping engine reads it, the same API over
//! a `serde_json::Value` and a [`JsonDoc`].

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Number, Value};

use super::{same_key, JsonDoc, Slot, Span, SCAN_MAX};

/// A borrowed JSON value: part of a `serde_json::Value` or of a [`JsonDoc`].
#[derive(Clone, Copy)]
pub struct JsonRef<'a>(Ref<'a>);

#[derive(Clone, Copy)]
enum Ref<'a> {
    Value(&'a Value),
    Doc(&'a JsonDoc, u32),
}

/// What a [`JsonRef`] is, to match on.
#[derive(Debug, Clone)]
pub enum JsonView<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(&'a str),
    Array(Items<'a>),
    Object(Members<'a>),
}

/// The elements of an array.
#[derive(Clone, Copy)]
pub struct Items<'a>(ItemsRef<'a>);

#[derive(Clone, Copy)]
enum ItemsRef<'a> {
    Value(&'a [Value]),
    Doc(&'a JsonDoc, Span),
}

/// The members of an object, in the order the JSON gave them.
#[derive(Clone, Copy)]
pub struct Members<'a>(MembersRef<'a>);

#[derive(Clone, Copy)]
enum MembersRef<'a> {
    Value(&'a Map<String, Value>),
    Doc(&'a JsonDoc, Span),
}

impl<'a> From<&'a Value> for JsonRef<'a> {
    fn from(value: &'a Value) -> Self {
        JsonRef(Ref::Value(value))
    }
}

impl<'a> From<&'a JsonDoc> for JsonRef<'a> {
    fn from(doc: &'a JsonDoc) -> Self {
        doc.root()
    }
}

impl<'a> JsonRef<'a> {
    pub(super) fn doc(doc: &'a JsonDoc, at: u32) -> Self {
        JsonRef(Ref::Doc(doc, at))
    }

    /// The value's kind and contents.
    #[inline(always)]
    pub fn view(self) -> JsonView<'a> {
        match self.0 {
            Ref::Value(value) => match value {
                Value::Null => JsonView::Null,
                Value::Bool(b) => JsonView::Bool(*b),
                Value::Number(n) => JsonView::Number(n.clone()),
                Value::String(s) => JsonView::String(s),
                Value::Array(items) => JsonView::Array(Items(ItemsRef::Value(items))),
                Value::Object(map) => JsonView::Object(Members(MembersRef::Value(map))),
            },
            Ref::Doc(doc, at) => match doc.slot(at) {
                Slot::Null => JsonView::Null,
                Slot::Bool(b) => JsonView::Bool(b),
                Slot::I64(i) => JsonView::Number(i.into()),
                Slot::U64(u) => JsonView::Number(u.into()),
                // Parsed JSON holds no NaN or infinity.
                Slot::F64(f) => Number::from_f64(f).map_or(JsonView::Null, JsonView::Number),
                Slot::Str(span) => JsonView::String(doc.str(span)),
                Slot::Arr(span) => JsonView::Array(Items(ItemsRef::Doc(doc, span))),
                Slot::Obj(span) => JsonView::Object(Members(MembersRef::Doc(doc, span))),
            },
        }
    }

    /// JS truthiness (without building a [`JsonView`]: paths test it at
    /// every step).
    #[inline(always)]
    pub fn is_truthy(self) -> bool {
        match self.0 {
            Ref::Value(Value::String(s)) => !s.is_empty(),
            Ref::Value(Value::Array(_) | Value::Object(_)) => true,
            Ref::Doc(doc, at) => match doc.slot(at) {
                Slot::Str(span) => span.len > 0,
                Slot::Arr(_) | Slot::Obj(_) => true,
                Slot::Null => false,
                Slot::Bool(b) => b,
                _ => self.view().is_truthy(),
            },
            _ => self.view().is_truthy(),
        }
    }

    /// The object's members, when it is one.
    #[inline(always)]
    pub fn members(self) -> Option<Members<'a>> {
        match self.0 {
            Ref::Value(Value::Object(map)) => Some(Members(MembersRef::Value(map))),
            Ref::Doc(doc, at) => match doc.slot(at) {
                Slot::Obj(span) => Some(Members(MembersRef::Doc(doc, span))),
                _ => None,
            },
            Ref::Value(_) => None,
        }
    }

    pub fn as_str(self) -> Option<&'a str> {
        match self.view() {
            JsonView::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self.view(), JsonView::Null)
    }

    pub fn is_object(self) -> bool {
        matches!(self.view(), JsonView::Object(_))
    }

    pub fn is_array(self) -> bool {
        matches!(self.view(), JsonView::Array(_))
    }

    /// A `serde_json::Value` copy, members in the order they are held.
    pub fn to_value(self) -> Value {
        match self.view() {
            JsonView::Null => Value::Null,
            JsonView::Bool(b) => Value::Bool(b),
            JsonView::Number(n) => Value::Number(n),
            JsonView::String(s) => Value::String(s.to_owned()),
            JsonView::Array(items) => Value::Array(items.iter().map(JsonRef::to_value).collect()),
            JsonView::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

impl JsonView<'_> {
    /// JS truthiness.
    pub fn is_truthy(&self) -> bool {
        match self {
            JsonView::Null => false,
            JsonView::Bool(b) => *b,
            JsonView::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
            JsonView::String(s) => !s.is_empty(),
            JsonView::Array(_) | JsonView::Object(_) => true,
        }
    }

    /// Segment's `realTypeOf`: the lower-cased `Object.prototype.toString` tag.
    pub fn type_name(&self) -> &'static str {
        match self {
            JsonView::Null => "null",
            JsonView::Bool(_) => "boolean",
            JsonView::Number(_) => "number",
            JsonView::String(_) => "string",
            JsonView::Array(_) => "array",
            JsonView::Object(_) => "object",
        }
    }
}

impl<'a> Items<'a> {
    pub fn len(self) -> usize {
        match self.0 {
            ItemsRef::Value(items) => items.len(),
            ItemsRef::Doc(_, span) => span.len as usize,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn get(self, index: usize) -> Option<JsonRef<'a>> {
        match self.0 {
            ItemsRef::Value(items) => items.get(index).map(|v| JsonRef(Ref::Value(v))),
            ItemsRef::Doc(doc, span) => {
                (index < span.len as usize).then(|| JsonRef(Ref::Doc(doc, span.at + index as u32)))
            }
        }
    }

    pub fn iter(self) -> impl Iterator<Item = JsonRef<'a>> {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

impl<'a> Members<'a> {
    pub fn len(self) -> usize {
        match self.0 {
            MembersRef::Value(map) => map.len(),
            MembersRef::Doc(_, span) => span.len as usize,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The member named `key`; small objects are scanned without hashing.
    #[inline]
    pub fn get(self, key: &str) -> Option<JsonRef<'a>> {
        match self.0 {
            MembersRef::Value(map) if map.len() > SCAN_MAX => {
                map.get(key).map(|v| JsonRef(Ref::Value(v)))
            }
            MembersRef::Value(map) => map
                .iter()
                .find(|(k, _)| same_key(k.as_bytes(), key.as_bytes()))
                .map(|(_, v)| JsonRef(Ref::Value(v))),
            MembersRef::Doc(doc, span) => {
                doc.find_key(span, key).map(|at| JsonRef(Ref::Doc(doc, at)))
            }
        }
    }

    /// Loads what lookups in a small object that will be searched again
    /// read (its keys and, in a `JsonDoc`, its members' slots), so their
    /// cache misses overlap instead of coming one by one as lookups proceed.
    #[inline]
    pub fn warm(self) {
        match self.0 {
            MembersRef::Value(map) if map.len() <= SCAN_MAX => {
                let first_bytes = map.keys().fold(0u8, |acc, k| {
                    acc ^ k.as_bytes().first().copied().unwrap_or(0)
                });
                std::hint::black_box(first_bytes);
            }
            MembersRef::Doc(doc, span) if span.len as usize <= SCAN_MAX => doc.warm(span),
            _ => {}
        }
    }

    /// The members in the order they are held.
    pub fn iter(self) -> MembersIter<'a> {
        match self.0 {
            MembersRef::Value(map) => MembersIter(MembersIterRef::Value(map.iter())),
            MembersRef::Doc(doc, span) => MembersIter(MembersIterRef::Doc(doc, span.range())),
        }
    }

    pub fn keys(self) -> impl Iterator<Item = &'a str> {
        self.iter().map(|(k, _)| k)
    }
}

/// The iterator of [`Members::iter`].
pub struct MembersIter<'a>(MembersIterRef<'a>);

enum MembersIterRef<'a> {
    Value(serde_json::map::Iter<'a>),
    Doc(&'a JsonDoc, std::ops::Range<usize>),
}

impl<'a> Iterator for MembersIter<'a> {
    type Item = (&'a str, JsonRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            MembersIterRef::Value(iter) => iter
                .next()
                .map(|(k, v)| (k.as_str(), JsonRef(Ref::Value(v)))),
            MembersIterRef::Doc(doc, range) => {
                let i = range.next()?;
                Some((doc.key(doc.keys[i]), JsonRef(Ref::Doc(doc, i as u32))))
            }
        }
    }
}

impl JsonRef<'_> {
    /// The very same value (JS `===` of objects: identity, not equality).
    pub(crate) fn same(self, other: JsonRef<'_>) -> bool {
        match (self.0, other.0) {
            (Ref::Value(a), Ref::Value(b)) => std::ptr::eq(a, b),
            (Ref::Doc(a, i), Ref::Doc(b, j)) => std::ptr::eq(a, b) && i == j,
            _ => false,
        }
    }
}

/// Equal JSON: objects compare their members whatever their order.
impl PartialEq for JsonRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.view(), other.view()) {
            (JsonView::Null, JsonView::Null) => true,
            (JsonView::Bool(a), JsonView::Bool(b)) => a == b,
            (JsonView::Number(a), JsonView::Number(b)) => a == b,
            (JsonView::String(a), JsonView::String(b)) => a == b,
            (JsonView::Array(a), JsonView::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y)
            }
            (JsonView::Object(a), JsonView::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| w == v))
            }
            _ => false,
        }
    }
}

impl std::fmt::Debug for JsonRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Ref::Value(value) => write!(f, "{value:?}"),
            Ref::Doc(..) => write!(f, "{:?}", self.to_value()),
        }
    }
}

impl std::fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl std::fmt::Debug for Members<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The JSON, members in the order they are held.
impl Serialize for JsonRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.view() {
            JsonView::Null => serializer.serialize_unit(),
            JsonView::Bool(b) => serializer.serialize_bool(b),
            JsonView::Number(n) => n.serialize(serializer),
            JsonView::String(s) => serializer.serialize_str(s),
            JsonView::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
            JsonView::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, member) in members.iter() {
                    map.serialize_entry(key, &member)?;
                }
                map.end()
            }
        }
    }
}
