//! The compiled form of a mapping: one `Node` per directive or raw value,
//! paths pre-split, constants kept as JSON.

use serde_json::Value;

use super::liquid::LiquidTemplate;
use super::path::Path;
use super::record_paths::RootPath;
use super::replace::Replacement;
use super::template::Template;

/// `@replace` patterns and replacements are at most this many UTF-16 units.
pub(crate) const MAX_REPLACE_LEN: usize = 10;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A raw value with no directive inside, objects already in JS order.
    Const(Value),
    /// A raw object with directives inside; members in JS order.
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// A path read from the current payload (inside `@arrayPath` shapes and
    /// `@transform` mappings).
    Path(Path),
    /// A path read from the input record, its prefix lookups shared.
    RecordPath(Box<RootPath>),
    /// `@path` whose path comes from another directive.
    DynamicPath(Box<Node>, Box<str>),
    If(Box<IfNode>),
    /// `@template` and its location.
    Template(Box<(Template, Box<str>)>),
    /// `@template` whose template comes from another directive.
    DynamicTemplate(Box<Node>, Box<str>),
    ArrayPath(Box<ArrayPathNode>),
    Case(Box<CaseNode>),
    Replace(Box<ReplaceNode>),
    /// `@merge`, objects already reversed for `direction: "left"`, and its location.
    Merge(Vec<Node>, Box<str>),
    Transform(Box<TransformNode>),
    Flatten(Box<FlattenNode>),
    Json(Box<JsonNode>),
    ExcludeWhenNull(Box<Node>, Box<str>),
    /// `@liquid`, parsed, and its location.
    Liquid(Box<(LiquidTemplate, Box<str>)>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Condition {
    /// Not `undefined`/`null`.
    Exists,
    /// Not `undefined`/`null` and `!= ''` (loose).
    Blank,
}

#[derive(Debug, Clone)]
pub(crate) struct IfNode {
    pub condition: Condition,
    pub test: Node,
    /// `then` is the very mapping tested (`exists: X, then: X`, Segment's
    /// usual shape): its value is reused instead of evaluated twice.
    pub then_is_test: bool,
    pub then: Option<Node>,
    /// Only a truthy `else` is ever used.
    pub otherwise: Option<Node>,
}

#[derive(Debug, Clone)]
pub(crate) struct ArrayPathNode {
    pub root: Node,
    /// Present only when it is an object with at least one key.
    pub shape: Option<Node>,
    pub at: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct CaseNode {
    /// `None`: an unknown operator, an error once a string reaches it.
    pub upper: Option<bool>,
    pub value: Option<Node>,
    pub at: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct ReplaceNode {
    pub value: Option<Node>,
    pub pattern: String,
    pub replacement: Replacement,
    pub global: bool,
    pub ignore_case: bool,
    pub second: Option<SecondReplace>,
    pub at: Box<str>,
}

/// `pattern2` / `replacement2`, which Segment does not validate: their
/// length is checked only when they are used.
#[derive(Debug, Clone)]
pub(crate) struct SecondReplace {
    pub pattern: String,
    pub replacement_len: usize,
    pub replacement: Replacement,
}

#[derive(Debug, Clone)]
pub(crate) struct TransformNode {
    pub apply: Node,
    pub mapping: Node,
    pub at: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct FlattenNode {
    pub value: Node,
    pub separator: String,
    pub omit_arrays: bool,
    pub at: Box<str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JsonMode {
    Encode,
    Decode,
    /// Validation lower-cases the mode but the directive compares it exactly,
    /// so `"ENCODE"` passes and yields `undefined`.
    Neither,
}

#[derive(Debug, Clone)]
pub(crate) struct JsonNode {
    pub value: Node,
    pub mode: JsonMode,
    pub at: Box<str>,
}
