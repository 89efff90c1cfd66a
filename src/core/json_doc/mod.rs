//! A parsed JSON document in a few flat arrays, and [`JsonRef`], the one
//! read-only view the mapping engine takes of input JSON, whether a
//! `serde_json::Value` or a [`JsonDoc`].
//!
//! A `serde_json::Value` object (with `preserve_order`) spends a 112-byte
//! entry and a heap block per key, and each string its own block: a 1.2 KB
//! event becomes ~8 KB spread over the heap, and reading a few fields from
//! many events waits on memory. A `JsonDoc` keeps every value in a 16-byte
//! slot, an object's or array's children in consecutive slots, key spans in
//! a parallel array, and key text and string text in two buffers: the same
//! event takes ~3 KB, and a key lookup scans one short run of 8-byte key
//! spans and the object's keys, stored together (objects of more than 24
//! members are binary-searched through a sorted index instead).

mod parse;
mod path_trie;
mod view;
mod write;

use serde_json::Value;

pub use path_trie::PathTrie;
pub(crate) use path_trie::MAX_NESTED_PATH;
pub use view::{Items, JsonRef, JsonView, Members};
pub use write::DocWriter;

/// Objects up to this size are searched in order, comparing lengths first:
/// cheaper than hashing or bisecting, and the keys are contiguous, so the
/// scan stays on a few cache lines. Larger ones have a sorted index.
const SCAN_MAX: usize = 24;

/// Whether a stored key is `wanted`, comparing length and last byte first:
/// most mismatches end there, without a `memcmp` call.
#[inline(always)]
fn same_key(candidate: &[u8], wanted: &[u8]) -> bool {
    candidate.len() == wanted.len() && candidate.last() == wanted.last() && candidate == wanted
}

/// Where a string, a key or a container's children are: `len` items from `at`
/// (bytes of the text buffers for strings and keys, slots for containers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    at: u32,
    len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.at as usize..self.at as usize + self.len as usize
    }
}

/// One JSON value. Numbers keep the form JSON text gave them (as
/// `serde_json::Number` does); containers point at their children.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Span),
    Arr(Span),
    Obj(Span),
}

/// A parsed JSON document. Built by [`JsonDoc::parse`] (or, keeping only
/// what a mapping reads, [`PathTrie::parse_doc`])
/// and read through [`JsonDoc::root`].
///
/// Objects keep their members in the order the text gave them; a key given
/// twice keeps its first place and its last value, as `JSON.parse` does.
#[derive(Clone, PartialEq)]
pub struct JsonDoc {
    /// `slots[0]` is the root; a container's children are consecutive.
    slots: Vec<Slot>,
    /// `keys[i]` is the key of `slots[i]` when that slot is an object member.
    keys: Vec<Span>,
    /// String values.
    text: String,
    /// Keys, apart from values: an object's keys are searched together.
    key_text: String,
    /// For each object of more than [`SCAN_MAX`] members, by the position of
    /// its first member: where its members' offsets, sorted by key, start
    /// in `sorted` (objects close in order, so this is sorted too).
    indexes: Vec<(u32, u32)>,
    sorted: Vec<u32>,
}

impl JsonDoc {
    /// Parses a whole JSON text. Errors are `serde_json`'s (with its line and
    /// column); values nested more than 128 levels deep are refused.
    pub fn parse(text: &str) -> serde_json::Result<Self> {
        parse::parse(text, None)
    }

    /// The document's value.
    pub fn root(&self) -> JsonRef<'_> {
        JsonRef::doc(self, 0)
    }

    /// A copy of `value` as a document (recursively: as deep as `value`).
    pub fn from_value(value: &Value) -> Self {
        parse::from_value(value)
    }

    /// Bytes held: a measure of how much memory the document takes.
    #[cfg(test)]
    fn heap_size(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.keys.capacity() * std::mem::size_of::<Span>()
            + self.text.capacity()
            + self.key_text.capacity()
            + self.indexes.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.sorted.capacity() * std::mem::size_of::<u32>()
    }

    fn slot(&self, at: u32) -> Slot {
        self.slots[at as usize]
    }

    fn str(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    fn key(&self, span: Span) -> &str {
        &self.key_text[span.range()]
    }

    /// The member named `key` of the object whose members are `span`:
    /// scanned in order when the object is small, else binary-searched.
    #[inline]
    fn find_key(&self, span: Span, key: &str) -> Option<u32> {
        let wanted = key.as_bytes();
        if span.len as usize > SCAN_MAX {
            if let Ok(i) = self.indexes.binary_search_by_key(&span.at, |(at, _)| *at) {
                let start = self.indexes[i].1 as usize;
                let order = &self.sorted[start..start + span.len as usize];
                let found = order.binary_search_by(|&offset| {
                    self.key(self.keys[(span.at + offset) as usize]).cmp(key)
                });
                return found.ok().map(|i| span.at + order[i]);
            }
        }
        // Span lengths first: a mismatch then costs no read of the key text.
        let text = self.key_text.as_bytes();
        let len = wanted.len() as u32;
        self.keys[span.range()]
            .iter()
            .position(|k| k.len == len && same_key(&text[k.range()], wanted))
            .map(|i| span.at + i as u32)
    }

    /// Loads one word of every cache line holding the key spans, slots and
    /// key text of the members `span`.
    fn warm(&self, span: Span) {
        let range = span.range();
        let mut acc = 0u32;
        for key in self.keys[range.clone()].iter().step_by(8) {
            acc ^= key.len;
        }
        for slot in self.slots[range.clone()].iter().step_by(4) {
            acc ^= u32::from(matches!(slot, Slot::Null));
        }
        // The members' keys were written in order, with the keys of nested
        // objects between them: at most the first 1 KiB.
        if let (Some(first), Some(last)) = (self.keys.get(range.start), range.last()) {
            let text = self
                .key_text
                .as_bytes()
                .get(first.at as usize..self.keys[last].range().end)
                .unwrap_or_default();
            for byte in text.iter().step_by(64).take(16) {
                acc ^= u32::from(*byte);
            }
        }
        std::hint::black_box(acc);
    }
}

impl std::fmt::Debug for JsonDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JsonDoc({:?})", self.root())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "type": "identify", "n": [1, -2, 2.5, 18446744073709551615u64, null, true, false],
            "traits": {"email": "a@b.c", "name": "Zoë \"Z\"", "address": {"city": "Paris"}, "e": {}},
            "empty": [], "": "blank key", "10": "index key"
        })
    }

    #[test]
    fn a_value_survives_the_round_trip() {
        let value = sample();
        let doc = JsonDoc::from_value(&value);
        assert_eq!(doc.root().to_value(), value);
        let parsed = JsonDoc::parse(&value.to_string()).unwrap();
        assert_eq!(parsed.root().to_value(), value);
        assert_eq!(parsed, doc);
        for scalar in [json!(null), json!(0), json!("s"), json!([]), json!({})] {
            assert_eq!(JsonDoc::from_value(&scalar).root().to_value(), scalar);
            let text = scalar.to_string();
            assert_eq!(JsonDoc::parse(&text).unwrap().root().to_value(), scalar);
        }
    }

    #[test]
    fn reads_members_items_and_scalars() {
        let doc = JsonDoc::from_value(&sample());
        let JsonView::Object(root) = doc.root().view() else {
            panic!("not an object")
        };
        assert_eq!(root.len(), 6);
        let traits = root.get("traits").unwrap();
        let JsonView::Object(traits) = traits.view() else {
            panic!("not an object")
        };
        assert_eq!(traits.get("name").unwrap().as_str(), Some("Zoë \"Z\""));
        assert!(traits.get("nope").is_none());
        let keys: Vec<&str> = traits.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["email", "name", "address", "e"]);
        let JsonView::Array(n) = root.get("n").unwrap().view() else {
            panic!("not an array")
        };
        assert_eq!(n.len(), 7);
        assert!(
            matches!(n.get(3).unwrap().view(), JsonView::Number(x) if x.as_u64() == Some(u64::MAX))
        );
        assert!(n.get(7).is_none());
        assert_eq!(root.get("").unwrap().as_str(), Some("blank key"));
        assert_eq!(format!("{:?}", doc.root().view().type_name()), "\"object\"");
    }

    #[test]
    fn member_lookup_matches_map_get_on_small_and_large_objects() {
        for size in [0, 3, 24, 25, 100] {
            let map: serde_json::Map<String, Value> = (0..size)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect();
            let value = Value::Object(map.clone());
            let doc = JsonDoc::from_value(&value);
            for root in [JsonRef::from(&value), doc.root()] {
                let JsonView::Object(members) = root.view() else {
                    panic!("not an object")
                };
                members.warm();
                for key in ["k0", "k2", "k24", "k99", "k", "", "k100"] {
                    let found = members.get(key).map(JsonRef::to_value);
                    assert_eq!(found.as_ref(), map.get(key), "{size} {key}");
                }
            }
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let text = r#"{"a": 1, "b": {"x": 1}, "a": {"deep": [2]}, "c": 3, "b": 4}"#;
        let doc = JsonDoc::parse(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc.root().to_value(), value);
        assert_eq!(
            serde_json::to_string(&doc.root()).unwrap(),
            r#"{"a":{"deep":[2]},"b":4,"c":3}"#
        );
        // Objects with many keys: repeated keys found through a hash index,
        // lookups through the sorted index.
        let many: String = (0..100)
            .map(|i| format!("\"k{}\": {i},", (i * 7) % 40))
            .collect();
        let text = format!("{{{many} \"\": 0, \"é\": 1}}");
        let value: Value = serde_json::from_str(&text).unwrap();
        let doc = JsonDoc::parse(&text).unwrap();
        assert_eq!(doc.root().to_value(), value);
        let members = doc.root().members().unwrap();
        for key in (0..45)
            .map(|i| format!("k{i}"))
            .chain(["", "é", "k", "k399"].map(String::from))
        {
            let found = members.get(&key).map(JsonRef::to_value);
            assert_eq!(found.as_ref(), value.get(&key), "{key}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in ["", "{", r#"{"a": }"#, "[1,]", "{} x", r#""\x""#, "NaN"] {
            assert!(JsonDoc::parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = JsonDoc::parse(&deep).unwrap_err().to_string();
        assert!(err.contains("recursion limit"), "{err}");
    }

    #[test]
    fn takes_less_memory_than_a_value() {
        let doc = JsonDoc::from_value(&sample());
        assert!(doc.heap_size() < 1024, "{}", doc.heap_size());
    }
}
