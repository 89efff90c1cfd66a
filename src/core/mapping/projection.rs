//! The parts of a record a mapping reads, and parsing only those from JSON
//! text. Events carry far more than a mapping looks at (Segment's `context`,
//! timestamps, unread traits); skipping the rest while parsing saves the
//! allocations of a full JSON tree, and the mapping gives the same result on
//! the projected record as on the whole one.

use super::path::MAX_NESTED_PATH;
use crate::json_doc::JsonDoc;

/// The input paths a mapping reads, as a trie over object keys. A node
/// marked `whole` (or reached through an array) is needed entirely.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PathTrie {
    whole: bool,
    /// Few per node: searched in order, like small JSON objects.
    children: Vec<(String, PathTrie)>,
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
            let at = match node.children.iter().position(|(k, _)| k == key) {
                Some(at) => at,
                None => {
                    node.children.push((key.to_owned(), PathTrie::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[at].1;
        }
        node.whole = true;
        node.children.clear();
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
        self.children.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    /// Parses JSON text into a [`JsonDoc`], keeping only what this trie
    /// selects (objects keep the selected keys; arrays and selected leaves
    /// are parsed whole).
    pub fn parse_doc(&self, json: &str) -> serde_json::Result<JsonDoc> {
        crate::json_doc::parse_projected(json, self)
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

    #[test]
    fn a_mapping_gives_the_same_result_on_the_projected_record() {
        use crate::mapping::{default_mapping, Mapping};
        let text = r#"{"type": "identify", "anonymousId": "a1", "userId": "u",
            "traits": {"email": "x@example.com", "first_name": "Zoë", "address": {"city": "Paris"},
                       "plan": "pro"}, "context": {"ip": "1.2.3.4"}}"#;
        let full: Value = serde_json::from_str(text).unwrap();
        for action in ["upsert_contact", "send_dynamic_template"] {
            let mapping = Mapping::compile(&default_mapping(action).unwrap()).unwrap();
            let projected = mapping.reads().parse_doc(text).unwrap();
            assert!(projected.root().members().unwrap().get("context").is_none());
            assert_eq!(
                mapping.apply(&projected).unwrap(),
                mapping.apply(&full).unwrap()
            );
        }
    }
}
