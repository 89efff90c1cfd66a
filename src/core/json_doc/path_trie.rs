//! The parts of a record a mapping reads, and parsing only those from JSON
//! text. Events carry far more than a mapping looks at (Segment's `context`,
//! timestamps, unread traits); skipping the rest while parsing saves the
//! allocations of a full JSON tree, and the mapping gives the same result on
//! the projected record as on the whole one.

use foldhash::HashMap;

use super::JsonDoc;

/// Path tries (and the mapping's field plans) keep at most this many keys of
/// a path as nested nodes, which their users walk recursively. Longer paths
/// are cut there (a trie then selects the whole value) or left to the mapping
/// engine, which walks paths without recursion.
pub(crate) const MAX_NESTED_PATH: usize = 64;

/// Children searched in order up to this many, like small JSON objects;
/// a node with more gets a hash index, so adding or finding a key never
/// scans a long list (a mapping may read 500,000 fields).
const SCAN_CHILDREN: usize = 8;

/// The input paths a mapping reads, as a trie over object keys. A node
/// marked `whole` (or reached through an array) is needed entirely.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PathTrie {
    whole: bool,
    /// In the order they were first added.
    children: Vec<(String, PathTrie)>,
    /// Positions in `children` by key, once there are more than
    /// [`SCAN_CHILDREN`].
    index: Option<HashMap<Box<str>, usize>>,
}

impl PathTrie {
    /// Adds a path of object keys; an empty path means the whole value.
    pub fn insert<S: AsRef<str>>(&mut self, path: &[S]) {
        let mut node = self;
        for key in path.iter().take(MAX_NESTED_PATH) {
            if node.whole {
                return;
            }
            let key = key.as_ref();
            let at = match node.position(key) {
                Some(at) => at,
                None => node.add_child(key),
            };
            node = &mut node.children[at].1;
        }
        node.whole = true;
        node.children.clear();
        node.index = None;
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.children.iter().position(|(k, _)| k == key),
        }
    }

    fn add_child(&mut self, key: &str) -> usize {
        let at = self.children.len();
        self.children.push((key.to_owned(), PathTrie::default()));
        match &mut self.index {
            Some(index) => {
                index.insert(key.into(), at);
            }
            None if self.children.len() > SCAN_CHILDREN => {
                let index = self.children.iter().enumerate();
                self.index = Some(index.map(|(i, (k, _))| (k.as_str().into(), i)).collect());
            }
            None => {}
        }
        at
    }

    /// The whole value under this node is needed.
    pub fn is_whole(&self) -> bool {
        self.whole
    }

    /// The keys read below this node, with their sub-tries.
    pub fn children(&self) -> impl Iterator<Item = (&str, &PathTrie)> {
        self.children.iter().map(|(k, t)| (k.as_str(), t))
    }

    pub(crate) fn child(&self, key: &str) -> Option<&PathTrie> {
        self.position(key).map(|at| &self.children[at].1)
    }

    /// Parses JSON text into a [`JsonDoc`], keeping only what this trie
    /// selects (objects keep the selected keys; arrays and selected leaves
    /// are parsed whole).
    pub fn parse_doc(&self, json: &str) -> serde_json::Result<JsonDoc> {
        super::parse::parse(json, Some(self))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn parse(trie: &PathTrie, text: &str) -> serde_json::Result<Value> {
        trie.parse_doc(text).map(|doc| doc.root().to_value())
    }

    fn trie(paths: &[&[&str]]) -> PathTrie {
        let mut trie = PathTrie::default();
        for path in paths {
            trie.insert(path);
        }
        trie
    }

    #[test]
    fn keeps_only_the_selected_paths() {
        let text = r#"{"a": {"b": 1, "c": [1, {"x": 2}], "d": "s"}, "e": {"f": null},
                       "g\u0041": true, "h": [{"i": 1}], "a2": 5}"#;
        let selective = trie(&[
            &["a", "c"],
            &["a", "zz"],
            &["gA"],
            &["h"],
            &["e", "f", "deep"],
        ]);
        let parsed = parse(&selective, text).unwrap();
        assert_eq!(
            parsed,
            json!({"a": {"c": [1, {"x": 2}]}, "e": {"f": null}, "gA": true, "h": [{"i": 1}]})
        );
        assert_eq!(
            parse(&trie(&[&[]]), text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(
            parse(&trie(&[&["a", "b"]]), "[1, 2]").unwrap(),
            json!([1, 2])
        );
        assert_eq!(parse(&trie(&[&["a"]]), "\"str\"").unwrap(), json!("str"));
    }

    #[test]
    fn many_children_keep_their_order_and_are_found() {
        let keys: Vec<String> = (0..100).rev().map(|i| format!("k{i}")).collect();
        let mut wide = PathTrie::default();
        for key in &keys {
            wide.insert(&[key.as_str(), "x"]);
            wide.insert(&[key.as_str(), "y"]);
        }
        let listed: Vec<&str> = wide.children().map(|(k, _)| k).collect();
        assert_eq!(listed, keys);
        for key in &keys {
            let child = wide.child(key).unwrap();
            assert_eq!(child.children().count(), 2, "{key}");
        }
        assert!(wide.child("k100").is_none());
        // Asking for a whole child drops its own children.
        wide.insert(&["k7"]);
        assert!(wide.child("k7").unwrap().is_whole());
        assert_eq!(wide.children().count(), 100);
    }

    #[test]
    fn very_deep_paths_select_the_whole_value_below_the_depth_limit() {
        let path: Vec<String> = (0..10_000).map(|i| format!("k{i}")).collect();
        let deep = trie(&[&path.iter().map(String::as_str).collect::<Vec<_>>()]);
        let mut node = &deep;
        for depth in 0..MAX_NESTED_PATH {
            assert!(!node.is_whole(), "{depth}");
            node = node.children().next().unwrap().1;
        }
        assert!(node.is_whole() && node.children().next().is_none());
    }

    #[test]
    fn rejects_what_a_full_parse_rejects() {
        let selective = trie(&[&["a"]]);
        for bad in [
            r#"{"a": 1"#,
            r#"{"b": [1,}"#,
            r#"{"a": 1} x"#,
            "",
            r#"{"b": "\x"}"#,
        ] {
            assert!(parse(&selective, bad).is_err(), "{bad}");
        }
        // Deep nesting: skipped without recursion, refused where it is read.
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            parse(&selective, &format!(r#"{{"b": {deep}}}"#)).unwrap(),
            json!({})
        );
        assert!(parse(&selective, &format!(r#"{{"a": {deep}}}"#)).is_err());
    }
}
