//! Building a [`JsonDoc`]: from JSON text through `serde_json`'s parser
//! (whole, or only the parts a [`PathTrie`] selects), or from a `Value`.
//!
//! Children are gathered on a stack while their container is parsed and
//! moved to the end of the slot array when it closes, so every container's
//! children end up consecutive without a list per container.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::PathTrie;
use super::{JsonDoc, Slot, Span, SCAN_MAX};

/// A document being built (also by [`super::write::DocWriter`]).
pub(super) struct Builder {
    doc: JsonDoc,
    /// Children (with their keys) of the containers still open.
    pub(super) pending: Vec<(Span, Slot)>,
}

impl Builder {
    pub(super) fn new(text_len: usize) -> Self {
        let mut slots = Vec::with_capacity(text_len / 16 + 4);
        slots.push(Slot::Null);
        let mut keys = Vec::with_capacity(slots.capacity());
        keys.push(Span::default());
        Self {
            doc: JsonDoc {
                slots,
                keys,
                text: String::with_capacity(text_len / 2),
                key_text: String::with_capacity(text_len / 8),
                indexes: Vec::new(),
                sorted: Vec::new(),
            },
            pending: Vec::new(),
        }
    }

    /// Empties the document, keeping its buffers.
    pub(super) fn clear(&mut self) {
        let doc = &mut self.doc;
        doc.slots.truncate(1);
        doc.keys.truncate(1);
        doc.text.clear();
        doc.key_text.clear();
        doc.indexes.clear();
        doc.sorted.clear();
        self.pending.clear();
    }

    pub(super) fn push_text(&mut self, s: &str) -> Span {
        let at = self.doc.text.len() as u32;
        self.doc.text.push_str(s);
        Span {
            at,
            len: s.len() as u32,
        }
    }

    pub(super) fn push_key(&mut self, s: &str) -> Span {
        let at = self.doc.key_text.len() as u32;
        self.doc.key_text.push_str(s);
        Span {
            at,
            len: s.len() as u32,
        }
    }

    /// Moves the children gathered since `start` into place.
    pub(super) fn close(&mut self, start: usize, container: fn(Span) -> Slot) -> Slot {
        let span = Span {
            at: self.doc.slots.len() as u32,
            len: (self.pending.len() - start) as u32,
        };
        for (key, slot) in self.pending.drain(start..) {
            self.doc.keys.push(key);
            self.doc.slots.push(slot);
        }
        let slot = container(span);
        if matches!(slot, Slot::Obj(_)) && span.len as usize > SCAN_MAX {
            self.index_members(span);
        }
        slot
    }

    /// Sorts a large object's member offsets by key (keys are unique by now).
    fn index_members(&mut self, span: Span) {
        let doc = &mut self.doc;
        let start = doc.sorted.len();
        doc.sorted.extend(0..span.len);
        let (keys, text) = (&doc.keys, &doc.key_text);
        doc.sorted[start..].sort_unstable_by(|a, b| {
            let key = |offset: &u32| &text[keys[(span.at + offset) as usize].range()];
            key(a).cmp(key(b))
        });
        doc.indexes.push((span.at, start as u32));
    }

    fn finish(mut self, root: Slot) -> JsonDoc {
        self.doc.slots[0] = root;
        self.doc
    }

    /// The document with `root` as its value, kept for reuse.
    pub(super) fn set_root(&mut self, root: Slot) -> &JsonDoc {
        self.doc.slots[0] = root;
        &self.doc
    }

    /// Among the members gathered since `start`, a key given twice keeps its
    /// first place and its last value (`JSON.parse`, a Python dict).
    pub(super) fn dedupe_members(&mut self, start: usize) {
        let mut seen = SeenKeys::default();
        let mut kept = start;
        for i in start..self.pending.len() {
            let (key, slot) = self.pending[i];
            match seen.earlier(self, start, kept, key) {
                Some(first) => self.pending[first].1 = slot,
                None => {
                    self.pending[kept] = (key, slot);
                    kept += 1;
                }
            }
        }
        self.pending.truncate(kept);
    }
}

/// Parses `text`, keeping only what `trie` selects when given.
pub(super) fn parse(text: &str, trie: Option<&PathTrie>) -> serde_json::Result<JsonDoc> {
    if u32::try_from(text.len()).is_err() {
        return Err(serde::de::Error::custom("JSON text longer than 4 GiB"));
    }
    let mut builder = Builder::new(text.len());
    let mut de = serde_json::Deserializer::from_str(text);
    let trie = trie.filter(|t| !t.is_whole());
    let root = Build {
        b: &mut builder,
        trie,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(builder.finish(root))
}

/// Parses one value; `trie` (when not `None`) selects an object's members.
struct Build<'b, 't> {
    b: &'b mut Builder,
    trie: Option<&'t PathTrie>,
}

impl<'de> DeserializeSeed<'de> for Build<'_, '_> {
    type Value = Slot;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Slot, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_, '_> {
    type Value = Slot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Slot, E> {
        Ok(Slot::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Slot, E> {
        Ok(Slot::I64(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Slot, E> {
        Ok(Slot::U64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Slot, E> {
        Ok(Slot::F64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Slot, E> {
        Ok(Slot::Str(self.b.push_text(v)))
    }

    fn visit_unit<E>(self) -> Result<Slot, E> {
        Ok(Slot::Null)
    }

    fn visit_none<E>(self) -> Result<Slot, E> {
        Ok(Slot::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
        let start = self.b.pending.len();
        // Arrays are kept whole: a path may index any element.
        while let Some(slot) = seq.next_element_seed(Build {
            b: &mut *self.b,
            trie: None,
        })? {
            self.b.pending.push((Span::default(), slot));
        }
        Ok(self.b.close(start, Slot::Arr))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
        let start = self.b.pending.len();
        let mut seen = SeenKeys::default();
        while let Some(key) = map.next_key_seed(KeyText(&mut *self.b))? {
            let child = match self.trie {
                None => None,
                Some(trie) => match trie.child(self.b.doc.key(key)) {
                    Some(child) => Some(child).filter(|c| !c.is_whole()),
                    None => {
                        // Not read: its key goes and its value is skipped unparsed.
                        self.b.doc.key_text.truncate(key.at as usize);
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                },
            };
            let slot = map.next_value_seed(Build {
                b: &mut *self.b,
                trie: child,
            })?;
            let end = self.b.pending.len();
            match seen.earlier(self.b, start, end, key) {
                // `JSON.parse`: a repeated key keeps its first place, its last value.
                Some(i) => self.b.pending[i].1 = slot,
                None => self.b.pending.push((key, slot)),
            }
        }
        Ok(self.b.close(start, Slot::Obj))
    }
}

/// The keys of the object being parsed, to find a repeated one: a 64-bit
/// filter settles most keys without comparing; objects with many members
/// get a hash index.
#[derive(Default)]
struct SeenKeys {
    filter: u64,
    index: Option<HashMap<Box<str>, usize>>,
}

/// Members before an object switches from scanning to its hash index.
const SCAN_MEMBERS: usize = 32;

impl SeenKeys {
    /// Where `key` already is among the members `start..end` gathered so
    /// far (`key` goes at `end` when it is new).
    fn earlier(&mut self, b: &Builder, start: usize, end: usize, key: Span) -> Option<usize> {
        let text = b.doc.key(key);
        let members = &b.pending[start..end];
        if let Some(index) = &mut self.index {
            return match index.get(text) {
                Some(&i) => Some(i),
                None => {
                    index.insert(text.into(), end);
                    None
                }
            };
        }
        if members.len() >= SCAN_MEMBERS {
            let mut index: HashMap<Box<str>, usize> = members
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (b.doc.key(*k).into(), start + i))
                .collect();
            let found = index.get(text).copied();
            if found.is_none() {
                index.insert(text.into(), end);
            }
            self.index = Some(index);
            return found;
        }
        let bytes = text.as_bytes();
        let bit = 1u64
            << ((bytes.len() as u64)
                .wrapping_mul(31)
                .wrapping_add(u64::from(bytes.first().copied().unwrap_or(0)))
                .wrapping_add(u64::from(bytes.last().copied().unwrap_or(0)) * 7)
                & 63);
        if self.filter & bit == 0 {
            self.filter |= bit;
            return None;
        }
        members
            .iter()
            .position(|(k, _)| k.len == key.len && b.doc.key(*k) == text)
            .map(|i| start + i)
    }
}

/// An object key, copied into the document's text.
struct KeyText<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for KeyText<'_> {
    type Value = Span;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Span, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyText<'_> {
    type Value = Span;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<Span, E> {
        Ok(self.0.push_key(v))
    }
}

/// A copy of `value` as a document.
pub(super) fn from_value(value: &Value) -> JsonDoc {
    let mut builder = Builder::new(0);
    let root = value_slot(&mut builder, value);
    builder.finish(root)
}

fn value_slot(b: &mut Builder, value: &Value) -> Slot {
    match value {
        Value::Null => Slot::Null,
        Value::Bool(v) => Slot::Bool(*v),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Slot::U64(u),
            (_, Some(i)) => Slot::I64(i),
            _ => Slot::F64(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Slot::Str(b.push_text(s)),
        Value::Array(items) => {
            let start = b.pending.len();
            for item in items {
                let slot = value_slot(b, item);
                b.pending.push((Span::default(), slot));
            }
            b.close(start, Slot::Arr)
        }
        Value::Object(map) => {
            let start = b.pending.len();
            for (key, item) in map {
                let key = b.push_key(key);
                let slot = value_slot(b, item);
                b.pending.push((key, slot));
            }
            b.close(start, Slot::Obj)
        }
    }
}
