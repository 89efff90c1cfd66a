//! Segment's mapping language ("mapping-kit"), compiled once and applied to
//! many records.
//!
//! A mapping is JSON: raw values plus the directives `@path @if @template
//! @literal @arrayPath @case @replace @merge @transform @flatten @json
//! @excludeWhenNull`. The semantics are those of Segment's TypeScript code,
//! JS quirks included (see `shared/conformance/README.md`). `@liquid` is not
//! supported: a mapping that uses it fails to compile.
//!
//! ```
//! use sendgrid_core::mapping::Mapping;
//! use serde_json::json;
//!
//! let mapping = Mapping::compile(&json!({
//!     "email": {"@path": "$.traits.email"},
//!     "greeting": {"@template": "Hi {{traits.name}}"}
//! }))?;
//! let out = mapping.apply(&json!({"traits": {"email": "a@b.c", "name": "Ann"}}))?;
//! assert_eq!(out, Some(json!({"email": "a@b.c", "greeting": "Hi Ann"})));
//! # Ok::<(), sendgrid_core::Error>(())
//! ```

mod apply;
mod compile;
mod defaults;
mod js;
mod ops;
mod path;
mod replace;
mod template;
mod value;

use std::collections::HashSet;

use serde_json::Value;

pub use defaults::{default_mapping, effective_mapping, merge_over_defaults};
pub use path::PathSegment;

use crate::error::{Error, Result};
use compile::{Compiler, Node};
use value::Val;

/// A validated, compiled mapping. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Mapping {
    root: Node,
    input_paths: Vec<Vec<PathSegment>>,
}

impl Mapping {
    /// Validates and compiles `mapping`. Errors name the location of the bad
    /// part, e.g. `mapping.traits.email.@path: must be a string or a directive, not a number`.
    pub fn compile(mapping: &Value) -> Result<Self> {
        compile::precheck(mapping)?;
        let mut compiler = Compiler::default();
        let root = compiler.compile_root(mapping, "mapping", 0, true)?;
        let mut seen = HashSet::new();
        let mut input_paths = compiler.paths;
        input_paths.retain(|p| seen.insert(p.clone()));
        Ok(Self { root, input_paths })
    }

    /// Applies the mapping to one record (Segment's `transform`). `Ok(None)`
    /// is JS `undefined`: the whole mapping is one directive that resolved
    /// to nothing. Object members that resolve to nothing are left out.
    pub fn apply(&self, input: &Value) -> Result<Option<Value>> {
        if !input.is_object() {
            return Err(Error::Mapping(format!(
                "data must be an object, got {}",
                js::type_name(input)
            )));
        }
        apply::eval(&self.root, &Val::Ref(input))?.into_output()
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
}

/// Compiles `mapping` and applies it to `input` once.
pub fn transform(mapping: &Value, input: &Value) -> Result<Option<Value>> {
    Mapping::compile(mapping)?.apply(input)
}
