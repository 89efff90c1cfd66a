//! [`DocWriter`]: a [`JsonDoc`] written value by value (depth first) by a
//! caller that holds the record in another form (an Arrow row), with no
//! JSON text in between. Its buffers are kept from one record to the next,
//! so a table's rows cost no allocation once the first few are written.

use super::parse::Builder;
use super::{JsonDoc, Slot, Span};

/// Writes one document at a time; see the module docs. Members are written
/// with their key, array elements without; containers are closed in order.
pub struct DocWriter {
    builder: Builder,
    /// Open containers: where their children start in `pending`, and their
    /// own key (the root's is the default span).
    open: Vec<(usize, Span)>,
}

impl Default for DocWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl DocWriter {
    pub fn new() -> Self {
        Self {
            builder: Builder::new(0),
            open: Vec::new(),
        }
    }

    /// Starts a new document, forgetting the last one (its buffers stay).
    pub fn reset(&mut self) {
        self.builder.clear();
        self.open.clear();
    }

    fn key(&mut self, key: Option<&str>) -> Span {
        key.map_or(Span::default(), |k| self.builder.push_key(k))
    }

    fn push(&mut self, key: Option<&str>, slot: Slot) {
        let key = self.key(key);
        self.builder.pending.push((key, slot));
    }

    pub fn null(&mut self, key: Option<&str>) {
        self.push(key, Slot::Null);
    }

    pub fn bool(&mut self, key: Option<&str>, value: bool) {
        self.push(key, Slot::Bool(value));
    }

    pub fn i64(&mut self, key: Option<&str>, value: i64) {
        self.push(key, Slot::I64(value));
    }

    pub fn u64(&mut self, key: Option<&str>, value: u64) {
        // Numbers that fit are signed, as `serde_json` parses them.
        match i64::try_from(value) {
            Ok(signed) => self.push(key, Slot::I64(signed)),
            Err(_) => self.push(key, Slot::U64(value)),
        }
    }

    /// A finite double (callers turn NaN and infinities into the record's
    /// failure first: JSON has no form for them).
    pub fn f64(&mut self, key: Option<&str>, value: f64) {
        debug_assert!(value.is_finite());
        self.push(key, Slot::F64(value));
    }

    pub fn str(&mut self, key: Option<&str>, value: &str) {
        let key = self.key(key);
        let text = self.builder.push_text(value);
        self.builder.pending.push((key, Slot::Str(text)));
    }

    pub fn begin_object(&mut self, key: Option<&str>) {
        let key = self.key(key);
        self.open.push((self.builder.pending.len(), key));
    }

    pub fn begin_array(&mut self, key: Option<&str>) {
        self.begin_object(key);
    }

    /// Closes the object opened last, whose keys the caller made distinct.
    pub fn end_object(&mut self) {
        let (start, key) = self.open.pop().expect("an open object");
        let slot = self.builder.close(start, Slot::Obj);
        self.builder.pending.push((key, slot));
    }

    /// Closes the object opened last, whose keys may repeat: a key given
    /// twice keeps its first place and its last value, as `JSON.parse` and
    /// a Python dict do.
    pub fn end_map(&mut self) {
        let start = self.open.last().expect("an open object").0;
        self.builder.dedupe_members(start);
        self.end_object();
    }

    pub fn end_array(&mut self) {
        let (start, key) = self.open.pop().expect("an open array");
        let slot = self.builder.close(start, Slot::Arr);
        self.builder.pending.push((key, slot));
    }

    /// The document written since [`reset`](Self::reset): one value, closed.
    pub fn finish(&mut self) -> &JsonDoc {
        debug_assert!(self.open.is_empty());
        let root = self.builder.pending.pop().map_or(Slot::Null, |(_, s)| s);
        debug_assert!(self.builder.pending.is_empty());
        self.builder.set_root(root)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn value(doc: &JsonDoc) -> Value {
        serde_json::to_value(doc.root()).expect("serializes")
    }

    #[test]
    fn writes_nested_documents_and_reuses_its_buffers() {
        let mut w = DocWriter::new();
        for round in 0..3 {
            w.reset();
            w.begin_object(None);
            w.str(Some("email"), "ada@example.com");
            w.begin_object(Some("traits"));
            w.i64(Some("n"), round);
            w.u64(Some("big"), u64::MAX);
            w.begin_array(Some("tags"));
            w.str(None, "a");
            w.null(None);
            w.f64(None, 1.5);
            w.end_array();
            w.end_object();
            w.bool(Some("ok"), true);
            w.end_object();
            let doc = w.finish();
            assert_eq!(
                value(doc),
                json!({"email": "ada@example.com",
                       "traits": {"n": round, "big": u64::MAX, "tags": ["a", null, 1.5]},
                       "ok": true})
            );
            let copy = JsonDoc::from_value(&value(doc));
            assert_eq!(value(doc), value(&copy));
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_its_last_value() {
        let mut w = DocWriter::new();
        w.begin_object(None);
        w.i64(Some("a"), 1);
        w.i64(Some("b"), 2);
        w.i64(Some("a"), 3);
        w.end_map();
        let doc = w.finish();
        assert_eq!(
            serde_json::to_string(&doc.root()).unwrap(),
            r#"{"a":3,"b":2}"#
        );
        let parsed = JsonDoc::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(value(doc), value(&parsed));
    }

    #[test]
    fn large_objects_are_indexed_as_parsed_ones_are() {
        let mut w = DocWriter::new();
        w.begin_object(None);
        let mut text = String::from("{");
        for i in (0..60).rev() {
            w.i64(Some(&format!("k{i}")), i);
            text.push_str(&format!("\"k{i}\":{i},"));
        }
        text.pop();
        text.push('}');
        w.end_object();
        let doc = w.finish();
        assert_eq!(value(doc), value(&JsonDoc::parse(&text).unwrap()));
        let members = doc.root().members().expect("an object");
        assert!(members.get("k7").is_some());
    }
}
