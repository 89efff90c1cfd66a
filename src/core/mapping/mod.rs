//! Segment's mapping language ("mapping-kit"), compiled once and applied to
//! many records.
//!
//! A mapping is JSON: raw values plus the directives `@path @if @template
//! @literal @arrayPath @case @replace @merge @transform @flatten @json
//! @excludeWhenNull @liquid`. The semantics are those of Segment's TypeScript
//! code, JS quirks included (see `tests/data/conformance/VECTORS.md`);
//! `@liquid` is a Liquid engine of its own (`liquid/`).
//!
//! ```
//! use segment_sendgrid_core::Mapping;
//! use serde_json::json;
//!
//! let mapping = Mapping::compile(&json!({
//!     "email": {"@path": "$.traits.email"},
//!     "greeting": {"@template": "Hi {{traits.name}}"}
//! }))?;
//! let out = mapping.apply(&json!({"traits": {"email": "a@b.c", "name": "Ann"}}))?;
//! assert_eq!(out, Some(json!({"email": "a@b.c", "greeting": "Hi Ann"})));
//! # Ok::<(), segment_sendgrid_core::Error>(())
//! ```

mod apply;
mod budget;
mod check;
mod compile;
mod defaults;
mod directives;
mod liquid;
mod node;
mod ops;
mod output;
mod path;
mod plan;
mod record_paths;
mod replace;
mod resolve;
mod stringify;
mod template;
mod value;

// Keys of the mapping itself (trusted input): a fast hash, no DoS-resistant one.
use foldhash::HashSet;

use serde_json::Value;

pub use crate::json_doc::PathTrie;
pub use budget::MAX_OUTPUT_BYTES;
pub use defaults::{default_mapping, effective_mapping};
pub use output::{Mapped, MemberValue};
pub use path::PathSegment;
pub use plan::FieldPlan;

use crate::error::{Error, Result};
use crate::json_doc::{JsonDoc, JsonRef};
use apply::Limits;
use compile::Compiler;
use node::Node;

/// A validated, compiled mapping. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Mapping {
    root: Node,
    input_paths: Vec<Vec<PathSegment>>,
    /// The same paths as a trie, to project records on.
    reads: PathTrie,
    /// Distinct prefixes of the paths read from the record.
    prefix_count: usize,
    /// The most one record's output may take ([`MAX_OUTPUT_BYTES`]).
    max_output: usize,
}

impl Mapping {
    /// Validates and compiles `mapping`. Errors name the location of the bad
    /// part, e.g. `mapping.traits.email.@path: must be a string or a directive, not a number`.
    pub fn compile(mapping: &Value) -> Result<Self> {
        check::precheck(mapping)?;
        let mut compiler = Compiler::default();
        let root = compiler.compile_root(mapping, "mapping", 0, true)?;
        let mut seen = HashSet::default();
        let prefix_count = compiler.prefixes.len();
        let mut input_paths = compiler.paths;
        input_paths.retain(|p| seen.insert(p.clone()));
        let mut reads = PathTrie::default();
        for path in &input_paths {
            let keys: Vec<&str> = path.iter().map(PathSegment::key).collect();
            reads.insert(&keys);
        }
        Ok(Self {
            root,
            input_paths,
            reads,
            prefix_count,
            max_output: MAX_OUTPUT_BYTES,
        })
    }

    /// The same mapping with another bound on what it may produce for one
    /// record (default [`MAX_OUTPUT_BYTES`]): roughly the JSON size of
    /// everything it builds or copies, intermediate values included. A
    /// record that would exceed it fails with a mapping error.
    pub fn with_output_limit(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    fn limits(&self) -> Limits {
        Limits {
            prefix_count: self.prefix_count,
            max_output: self.max_output,
        }
    }

    /// Applies the mapping to one record (Segment's `transform`). `Ok(None)`
    /// is JS `undefined`: the whole mapping is one directive that resolved
    /// to nothing. Object members that resolve to nothing are left out. A
    /// record whose output would pass the output limit (see
    /// [`with_output_limit`](Self::with_output_limit)) fails with
    /// [`Error::Mapping`] naming the directive.
    pub fn apply<'a>(&self, input: impl Into<JsonRef<'a>>) -> Result<Option<Value>> {
        let input = input.into();
        check_record(input)?;
        apply::apply_to_record(&self.root, input, self.limits())
    }

    /// Like [`apply`](Self::apply), but the result borrows from `input` and
    /// from the mapping instead of copying every key and string: serialize it
    /// (it implements `serde::Serialize`) or turn it into JSON with
    /// [`Mapped::into_value`].
    pub fn apply_borrowed<'a>(
        &'a self,
        input: impl Into<JsonRef<'a>>,
    ) -> Result<Option<Mapped<'a>>> {
        let input = input.into();
        check_record(input)?;
        let (value, budget) = apply::eval_record(&self.root, input, self.limits())?;
        Ok((!value.is_undefined()).then(|| Mapped::new(value, budget)))
    }

    /// The mapping as plain field lookups, when it is only raw values,
    /// record `@path`s and `@if … exists` (Segment's defaults are): callers
    /// holding records in another form can then read just those fields.
    pub fn field_plan(&self) -> Option<FieldPlan> {
        FieldPlan::of_root(&self.root)
    }

    /// The parts of the input record the mapping reads, so that a caller
    /// holding the record in another form (a Python dict) can convert only
    /// those. Each entry is a path from the record's root: the whole value
    /// found there is needed (or, when the path stops early at a
    /// non-container, the value where it stops). An empty path means the
    /// whole record (a path computed at run time, for instance).
    pub fn input_paths(&self) -> &[Vec<PathSegment>] {
        &self.input_paths
    }

    /// [`input_paths`](Self::input_paths) as a trie: `reads().parse_doc(text)`
    /// parses only what the mapping reads, and the mapping gives the same
    /// result on that record as on the whole one.
    pub fn reads(&self) -> &PathTrie {
        &self.reads
    }

    /// One record's JSON text (a JSONL line), parsed as far as the mapping
    /// reads it. Errors are the record's, worded for the line it came from:
    /// text that is not JSON, or JSON that is not an object.
    pub fn parse_record(&self, text: &str) -> Result<JsonDoc> {
        let record = self.reads.parse_doc(text).map_err(|e| {
            // A JSONL line is one line: its column is what says where.
            let full = e.to_string();
            let suffix = format!(" at line 1 column {}", e.column());
            let reason = match full.strip_suffix(&suffix) {
                Some(what) => format!("invalid JSON: {what} (column {})", e.column()),
                None => format!("invalid JSON: {full}"),
            };
            Error::validation(reason, None)
        })?;
        if !record.root().is_object() {
            let kind = crate::json_kind::a_json_type(record.root());
            return Err(Error::validation(
                format!("expected a JSON object, got {kind}"),
                None,
            ));
        }
        Ok(record)
    }
}

/// Segment's `transform` accepts only an object as the record.
fn check_record(input: JsonRef<'_>) -> Result<()> {
    if input.is_object() {
        return Ok(());
    }
    Err(Error::Mapping(format!(
        "data must be an object, got {}",
        input.view().type_name()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile_error(mapping: Value) -> String {
        match Mapping::compile(&mapping) {
            Err(Error::Mapping(message)) => message,
            other => panic!("expected a mapping error, got {other:?}"),
        }
    }

    #[test]
    fn a_compiled_mapping_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<Mapping>();
    }

    #[test]
    fn compile_errors_name_the_location() {
        assert_eq!(
            compile_error(json!({"traits": {"email": {"@path": 5}}})),
            "mapping.traits.email.@path: must be a string or a directive, not a number"
        );
        assert_eq!(
            compile_error(json!({"a": {"@path": "$.a", "extra": 1}})),
            "mapping.a: the directive @path cannot be mixed with other keys (extra)"
        );
        assert_eq!(
            compile_error(json!({"a": [{"@path": "$.a", "@template": "x"}]})),
            "mapping.a[0]: an object holds exactly one directive, this one has @path, @template"
        );
        assert_eq!(
            compile_error(json!({"a b": {"@nope": 1}})),
            "mapping[\"a b\"]: unknown directive @nope"
        );
        // Segment validates every option, used or not, and throws on a null mapping.
        assert_eq!(
            compile_error(
                json!({"v": {"@if": {"exists": 1, "blank": {"@case": {"operator": "upper", "value": 5}}}}})
            ),
            "mapping.v.@if.blank.@case.value: must be a string or a directive, not a number"
        );
        assert_eq!(
            compile_error(Value::Null),
            "mapping: must be an object, not null"
        );
        assert_eq!(
            compile_error(json!({"x": {"@if": {"exists": 1, "then": {"@liquid": "{% for %}"}}}})),
            "mapping.x.@if.then.@liquid: tag \"for\" is disabled, line:1, col:1"
        );
    }

    #[test]
    fn input_paths_list_what_the_record_feeds() {
        let upsert = Mapping::compile(&default_mapping("upsert_contact").unwrap()).unwrap();
        let keys: Vec<Vec<&str>> = upsert
            .input_paths()
            .iter()
            .map(|p| p.iter().map(PathSegment::key).collect())
            .collect();
        assert!(keys.contains(&vec!["traits", "address", "country"]));
        assert!(keys.contains(&vec!["properties", "email"]));
        assert!(keys.contains(&vec!["anonymousId"]));
        assert_eq!(keys.len(), 31, "{keys:?}"); // phone is read twice but listed once

        let shaped = Mapping::compile(&json!({
            "items": {"@arrayPath": ["$.products[0].tags", {"id": {"@path": "$.id"}}]},
            "t": {"@transform": {"apply": {"p": {"@path": "$.properties"}}, "mapping": {"q": {"@path": "$.p.x"}}}},
            "tpl": {"@template": "{{a.b}}"}
        }))
        .unwrap();
        let listed: Vec<Vec<(&str, Option<u32>)>> = shaped
            .input_paths()
            .iter()
            .map(|p| p.iter().map(|s| (s.key(), s.index())).collect())
            .collect();
        assert_eq!(
            listed,
            vec![
                vec![("products", None), ("0", Some(0)), ("tags", None)],
                vec![("properties", None)],
                vec![("a", None), ("b", None)],
            ]
        );
        let dynamic = Mapping::compile(&json!({"v": {"@path": {"@path": "$.which"}}})).unwrap();
        assert!(dynamic.input_paths().iter().any(Vec::is_empty));
    }

    #[test]
    fn record_objects_come_out_in_js_key_order() {
        let record: Value = serde_json::from_str(
            r#"{"o": {"b": 1, "10": 2, "2": 3, "a": {"9": 0, "x": 1, "1": 2}}}"#,
        )
        .unwrap();
        let mapping = Mapping::compile(&json!({"v": {"@path": "$.o"}})).unwrap();
        let want = r#"{"v":{"2":3,"10":2,"b":1,"a":{"1":2,"9":0,"x":1}}}"#;
        let applied = mapping.apply(&record).unwrap().unwrap();
        assert_eq!(serde_json::to_string(&applied).unwrap(), want);
        let borrowed = mapping.apply_borrowed(&record).unwrap().unwrap();
        assert_eq!(serde_json::to_string(&borrowed).unwrap(), want);
        assert_eq!(borrowed.into_value().unwrap(), Some(applied));
    }

    #[test]
    fn a_mapping_gives_the_same_result_on_the_projected_record() {
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
