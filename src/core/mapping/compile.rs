//! Validation of a mapping and its compiled form: one `Node` per directive
//! or raw value, with paths pre-split and constants kept as JSON.
//!
//! Whatever Segment would reject whenever a directive runs (a malformed
//! directive, `@if` with neither `exists` nor `blank`, …) is rejected here,
//! once, with the location of the bad part. Errors that depend on the data
//! (`@template` of a number, `@case` with an unknown operator on a string)
//! stay runtime errors, as in Segment.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::js;
use super::path::{Path, PathSegment};
use super::replace::Replacement;
use super::template::Template;
use crate::error::{Error, Result};

/// How deep a mapping may nest (JSON levels).
pub(crate) const MAX_MAPPING_DEPTH: usize = 256;

/// Segment's key for a directive wrapped around all the other fields.
const ROOT_DIRECTIVE_KEY: &str = "__segment_internal_directive";

/// `@replace` patterns and replacements are at most this many UTF-16 units.
pub(crate) const MAX_REPLACE_LEN: usize = 10;

pub(crate) const LIQUID_UNSUPPORTED: &str = "@liquid is not supported yet";

#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A raw value with no directive inside, objects already in JS order.
    Const(Value),
    /// A raw object with directives inside; members in JS order.
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Path(Path),
    /// `@path` whose path comes from another directive.
    DynamicPath(Box<Node>, Box<str>),
    If(Box<IfNode>),
    Template(Template),
    /// `@template` whose template comes from another directive.
    DynamicTemplate(Box<Node>, Box<str>),
    ArrayPath(Box<ArrayPathNode>),
    Case(Box<CaseNode>),
    Replace(Box<ReplaceNode>),
    /// `@merge`, objects already reversed for `direction: "left"`.
    Merge(Vec<Node>),
    Transform(Box<TransformNode>),
    Flatten(Box<FlattenNode>),
    Json(Box<JsonNode>),
    ExcludeWhenNull(Box<Node>),
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
}

pub(crate) fn error_at(at: &str, message: impl std::fmt::Display) -> Error {
    Error::Mapping(format!("{at}: {message}"))
}

/// `at.key`, or `at["key"]` when the key is not a plain name.
pub(crate) fn child_at(at: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '@' | '-'));
    if plain {
        format!("{at}.{key}")
    } else {
        format!("{at}[{}]", Value::from(key))
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(m) if is_directive_like(m) => "a directive",
        Value::Object(_) => "an object",
    }
}

fn is_directive_like(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| k.starts_with('@'))
}

/// Checks the whole mapping before compiling it, without recursion so that
/// any depth is safe: fails when it nests deeper than the limit (compiling
/// recurses along the mapping) or uses `@liquid` anywhere.
pub(crate) fn precheck(mapping: &Value) -> Result<()> {
    // (value, depth, index of its step in `steps`); a step is (parent, name).
    let mut steps: Vec<(usize, String)> = vec![(0, "mapping".to_owned())];
    let mut pending: Vec<(&Value, usize, usize)> = vec![(mapping, 0, 0)];
    let location = |steps: &[(usize, String)], mut i: usize| {
        let mut names = Vec::new();
        while i != 0 {
            let (parent, name) = &steps[i];
            names.push(name.as_str());
            i = *parent;
        }
        names.push("mapping");
        names.iter().rev().fold(String::new(), |at, name| {
            if at.is_empty() {
                (*name).to_owned()
            } else if name.starts_with('[') {
                format!("{at}{name}")
            } else {
                child_at(&at, name)
            }
        })
    };
    while let Some((value, depth, step)) = pending.pop() {
        if depth > MAX_MAPPING_DEPTH {
            return Err(too_deep(&location(&steps, step)));
        }
        match value {
            Value::Object(map) => {
                if map.contains_key("@liquid") {
                    return Err(error_at(&location(&steps, step), LIQUID_UNSUPPORTED));
                }
                for (key, child) in map.iter().rev() {
                    if child.is_object() || child.is_array() {
                        steps.push((step, key.clone()));
                        pending.push((child, depth + 1, steps.len() - 1));
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if child.is_object() || child.is_array() {
                        steps.push((step, format!("[{i}]")));
                        pending.push((child, depth + 1, steps.len() - 1));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Either a literal string or a compiled directive.
enum StringOr {
    Str(String),
    Node(Node),
}

#[derive(Default)]
pub(crate) struct Compiler {
    /// Input paths read by directives that run on the input record.
    pub paths: Vec<Vec<PathSegment>>,
}

impl Compiler {
    fn record(&mut self, rooted: bool, path: &Path) {
        if rooted {
            self.paths.push(path.segments().to_vec());
        }
    }

    /// What `transform()` does before resolving: a non-object mapping is
    /// object-spread (`"ab"` → `{"0":"a","1":"b"}`, `5` → `{}`) and a
    /// `__segment_internal_directive` gets the other fields as its `mapping`.
    pub(crate) fn compile_root(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let spread: Cow<'_, Map<String, Value>> = match v {
            Value::Object(map) => Cow::Borrowed(map),
            Value::Array(items) => {
                let mut members = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let key = i.to_string();
                    let node = self.compile(item, &format!("{at}[{i}]"), depth + 1, rooted)?;
                    members.push((key, node));
                }
                return Ok(constant_or_object(members));
            }
            Value::String(s) => Cow::Owned(
                js::utf16_units(s)
                    .enumerate()
                    .map(|(i, unit)| (i.to_string(), Value::String(unit)))
                    .collect(),
            ),
            _ => Cow::Owned(Map::new()),
        };
        let Some(root_directive) = spread.get(ROOT_DIRECTIVE_KEY) else {
            return self.compile_object(&spread, at, depth, rooted);
        };
        let at = child_at(at, ROOT_DIRECTIVE_KEY);
        let Value::Object(wrapper) = root_directive else {
            return Err(error_at(&at, "the root directive must be an object"));
        };
        if wrapper.len() > 1 {
            return Err(error_at(
                &at,
                "the root mapping must only have a single directive object",
            ));
        }
        let Some((name, Value::Object(options))) = wrapper.iter().next() else {
            return Err(error_at(&at, "the root directive must be an object"));
        };
        let fields: Map<String, Value> = js::entries_in_js_order(&spread)
            .into_iter()
            .filter(|(k, _)| *k != ROOT_DIRECTIVE_KEY)
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
        let mut options = options.clone();
        options.insert("mapping".to_owned(), Value::Object(fields));
        let mut wrapped = Map::new();
        wrapped.insert(name.clone(), Value::Object(options));
        self.compile_object(&wrapped, &at, depth, rooted)
    }

    /// Any mapping value: a directive object, a raw object or array, a scalar.
    pub(crate) fn compile(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        match v {
            Value::Object(map) => self.compile_object(map, at, depth, rooted),
            Value::Array(items) => self.compile_array(items, at, depth, rooted),
            scalar => Ok(Node::Const(scalar.clone())),
        }
    }

    fn compile_array(
        &mut self,
        items: &[Value],
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        if depth > MAX_MAPPING_DEPTH {
            return Err(too_deep(at));
        }
        let mut nodes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            nodes.push(self.compile(item, &format!("{at}[{i}]"), depth + 1, rooted)?);
        }
        if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
            return Ok(Node::Const(Value::Array(
                nodes.into_iter().map(into_const).collect(),
            )));
        }
        Ok(Node::Array(nodes))
    }

    fn compile_object(
        &mut self,
        map: &Map<String, Value>,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        if depth > MAX_MAPPING_DEPTH {
            return Err(too_deep(at));
        }
        let mut directives = map.keys().filter(|k| k.starts_with('@'));
        let Some(name) = directives.next() else {
            return self.compile_raw_object(map, at, depth, rooted);
        };
        if directives.next().is_some()
            || map.keys().any(|k| !k.starts_with('@') && k != "_metadata")
        {
            return Err(misshapen_directive(map, at));
        }
        let options = map.get(name).unwrap_or(&Value::Null);
        self.compile_directive(name, options, at, depth, rooted)
    }

    /// An object without directive keys; a constant when nothing inside is
    /// a directive.
    fn compile_raw_object(
        &mut self,
        map: &Map<String, Value>,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let mut members = Vec::with_capacity(map.len());
        for (key, value) in js::entries_in_js_order(map) {
            members.push((
                key.to_owned(),
                self.compile(value, &child_at(at, key), depth + 1, rooted)?,
            ));
        }
        Ok(constant_or_object(members))
    }

    fn compile_directive(
        &mut self,
        name: &str,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let here = child_at(at, name);
        let depth = depth + 1;
        Ok(match name {
            "@path" => match self.string_or_directive(v, &here, depth, rooted)? {
                StringOr::Str(s) => {
                    let path = Path::from_mapping(&s);
                    self.record(rooted, &path);
                    Node::Path(path)
                }
                StringOr::Node(node) => {
                    self.record(rooted, &Path::parse(""));
                    Node::DynamicPath(Box::new(node), here.into())
                }
            },
            "@template" => match self.string_or_directive(v, &here, depth, rooted)? {
                StringOr::Str(s) => {
                    let template = Template::compile(&s);
                    match template.paths() {
                        Some(paths) => paths.for_each(|p| {
                            if rooted {
                                self.paths.push(p.segments().to_vec());
                            }
                        }),
                        None => self.record(rooted, &Path::parse("")),
                    }
                    Node::Template(template)
                }
                StringOr::Node(node) => {
                    self.record(rooted, &Path::parse(""));
                    Node::DynamicTemplate(Box::new(node), here.into())
                }
            },
            "@literal" => self.compile(v, &here, depth, rooted)?,
            "@excludeWhenNull" => {
                Node::ExcludeWhenNull(Box::new(self.compile(v, &here, depth, rooted)?))
            }
            "@if" => self.compile_if(v, &here, depth, rooted)?,
            "@case" => self.compile_case(v, &here, depth, rooted)?,
            "@replace" => self.compile_replace(v, &here, depth, rooted)?,
            "@arrayPath" => self.compile_array_path(v, &here, depth, rooted)?,
            "@json" => self.compile_json(v, &here, depth, rooted)?,
            "@flatten" => self.compile_flatten(v, &here, depth, rooted)?,
            "@merge" => self.compile_merge(v, &here, depth, rooted)?,
            "@transform" => self.compile_transform(v, &here, depth, rooted)?,
            "@liquid" => return Err(error_at(at, LIQUID_UNSUPPORTED)),
            _ => return Err(error_at(at, format!("unknown directive {name}"))),
        })
    }

    fn string_or_directive(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<StringOr> {
        match v {
            Value::String(s) => Ok(StringOr::Str(s.clone())),
            Value::Object(m) if is_directive_like(m) => {
                Ok(StringOr::Node(self.compile(v, at, depth, rooted)?))
            }
            other => Err(error_at(
                at,
                format!("must be a string or a directive, not {}", describe(other)),
            )),
        }
    }

    /// `@merge` objects and `@transform` parts: a directive or a raw object.
    fn object_or_directive(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        match v {
            Value::Object(_) => self.compile(v, at, depth, rooted),
            other => Err(error_at(
                at,
                format!("must be an object or a directive, not {}", describe(other)),
            )),
        }
    }

    fn compile_if(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let (condition, key, test) = match (opts.get("exists"), opts.get("blank")) {
            (Some(e), blank) if js::is_truthy(e) || blank.is_some_and(js::is_truthy) => {
                (Condition::Exists, "exists", e)
            }
            (None, Some(b)) if js::is_truthy(b) => (Condition::Blank, "blank", b),
            _ => {
                return Err(error_at(
                    at,
                    "@if requires an \"exists\" key or a \"blank\" key",
                ))
            }
        };
        let then_is_test = opts.get("then") == Some(test);
        let test_node = self.compile(test, &child_at(at, key), depth + 1, rooted)?;
        let then = match opts.get("then") {
            Some(t) if !then_is_test => {
                Some(self.compile(t, &child_at(at, "then"), depth + 1, rooted)?)
            }
            _ => None,
        };
        let otherwise = match opts.get("else") {
            Some(e) if js::is_truthy(e) => {
                Some(self.compile(e, &child_at(at, "else"), depth + 1, rooted)?)
            }
            Some(e) => {
                self.compile(e, &child_at(at, "else"), depth + 1, false)?;
                None
            }
            None => None,
        };
        Ok(Node::If(Box::new(IfNode {
            condition,
            test: test_node,
            then_is_test,
            then,
            otherwise,
        })))
    }

    fn compile_case(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let operator = optional_string(opts, "operator", at)?.unwrap_or("");
        if operator.is_empty() {
            return Err(error_at(at, "@case requires an \"operator\" key"));
        }
        let value = self.truthy_string_or_directive(opts, at, depth, rooted)?;
        Ok(Node::Case(Box::new(CaseNode {
            upper: match operator {
                "upper" => Some(true),
                "lower" => Some(false),
                _ => None,
            },
            value,
            at: at.into(),
        })))
    }

    /// The `value` of `@case` / `@replace`: used only when truthy.
    fn truthy_string_or_directive(
        &mut self,
        opts: &Map<String, Value>,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Option<Node>> {
        let Some(raw) = opts.get("value") else {
            return Ok(None);
        };
        Ok(
            match self.string_or_directive(raw, &child_at(at, "value"), depth + 1, rooted)? {
                StringOr::Str(s) if s.is_empty() => None,
                StringOr::Str(s) => Some(Node::Const(Value::String(s))),
                StringOr::Node(node) => Some(node),
            },
        )
    }

    fn compile_replace(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let pattern = match opts.get("pattern") {
            Some(Value::String(p)) => p.clone(),
            Some(other) => {
                return Err(error_at(
                    at,
                    format!("@replace pattern must be a string, not {}", describe(other)),
                ))
            }
            None => return Err(error_at(at, "@replace requires a \"pattern\" key")),
        };
        if pattern.is_empty() || js::utf16_len(&pattern) > MAX_REPLACE_LEN {
            return Err(error_at(
                at,
                format!("@replace pattern must be 1 to {MAX_REPLACE_LEN} characters long"),
            ));
        }
        let replacement = optional_string(opts, "replacement", at)?.unwrap_or("");
        if js::utf16_len(replacement) > MAX_REPLACE_LEN {
            return Err(error_at(
                at,
                format!("@replace replacement must be at most {MAX_REPLACE_LEN} characters long"),
            ));
        }
        if !opts.contains_key("value") {
            return Err(error_at(at, "@replace requires a \"value\" key"));
        }
        let value = self.truthy_string_or_directive(opts, at, depth, rooted)?;
        let second = match (opts.get("pattern2"), opts.get("replacement2")) {
            (Some(Value::String(p)), r) if !p.is_empty() => match r {
                None | Some(Value::Null) => Some(("", p)),
                Some(Value::String(r)) => Some((r.as_str(), p)),
                Some(_) => None,
            },
            _ => None,
        }
        .map(|(r, p)| SecondReplace {
            pattern: p.clone(),
            replacement_len: js::utf16_len(r),
            replacement: Replacement::parse(r),
        });
        Ok(Node::Replace(Box::new(ReplaceNode {
            value,
            pattern,
            replacement: Replacement::parse(replacement),
            global: optional_bool(opts, "global", at)?.unwrap_or(true),
            ignore_case: optional_bool(opts, "ignorecase", at)?.unwrap_or(false),
            second,
            at: at.into(),
        })))
    }

    fn compile_array_path(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let Value::Array(items) = v else {
            return Err(error_at(
                at,
                format!(
                    "@arrayPath must be an array [path, shape], not {}",
                    describe(v)
                ),
            ));
        };
        let Some(first) = items.first() else {
            return Err(error_at(
                at,
                "@arrayPath requires a path as its first element",
            ));
        };
        let root = match self.string_or_directive(first, &format!("{at}[0]"), depth + 1, rooted)? {
            StringOr::Str(s) => {
                let path = Path::from_mapping(&s);
                self.record(rooted, &path);
                Node::Path(path)
            }
            StringOr::Node(node) => node,
        };
        let shape = match items.get(1) {
            Some(raw) => {
                let node = self.compile(raw, &format!("{at}[1]"), depth + 1, false)?;
                raw.as_object().filter(|m| !m.is_empty()).map(|_| node)
            }
            None => None,
        };
        Ok(Node::ArrayPath(Box::new(ArrayPathNode { root, shape })))
    }

    fn compile_json(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let mode = optional_string(opts, "mode", at)?
            .ok_or_else(|| error_at(at, "@json requires a \"mode\" key"))?;
        let mode = match mode {
            "encode" => JsonMode::Encode,
            "decode" => JsonMode::Decode,
            m if matches!(m.to_lowercase().as_str(), "encode" | "decode") => JsonMode::Neither,
            m => {
                return Err(error_at(
                    at,
                    format!("@json mode must be \"encode\" or \"decode\", not {m:?}"),
                ))
            }
        };
        let value = match opts.get("value") {
            Some(raw) if js::is_truthy(raw) => {
                self.compile(raw, &child_at(at, "value"), depth + 1, rooted)?
            }
            _ => return Err(error_at(at, "@json requires a \"value\" key")),
        };
        Ok(Node::Json(Box::new(JsonNode { value, mode })))
    }

    fn compile_flatten(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let separator = optional_string(opts, "separator", at)?.unwrap_or("");
        if separator.is_empty() {
            return Err(error_at(at, "@flatten requires a \"separator\" key"));
        }
        let Some(raw) = opts.get("value") else {
            return Err(error_at(at, "@flatten requires a \"value\" key"));
        };
        Ok(Node::Flatten(Box::new(FlattenNode {
            value: self.compile(raw, &child_at(at, "value"), depth + 1, rooted)?,
            separator: separator.to_owned(),
            omit_arrays: opts.get("omitArrays").is_some_and(js::is_truthy),
        })))
    }

    fn compile_merge(&mut self, v: &Value, at: &str, depth: usize, rooted: bool) -> Result<Node> {
        let opts = options(v, at)?;
        let direction = optional_string(opts, "direction", at)?.unwrap_or("");
        if !matches!(direction.to_lowercase().as_str(), "left" | "right") {
            return Err(error_at(
                at,
                "@merge requires a \"direction\" key of \"left\" or \"right\"",
            ));
        }
        let Some(Value::Array(objects)) = opts.get("objects") else {
            return Err(error_at(at, "@merge requires an \"objects\" array"));
        };
        let objects_at = child_at(at, "objects");
        let mut nodes = objects
            .iter()
            .enumerate()
            .map(|(i, o)| {
                self.object_or_directive(o, &format!("{objects_at}[{i}]"), depth + 2, rooted)
            })
            .collect::<Result<Vec<_>>>()?;
        if direction == "left" {
            nodes.reverse();
        }
        Ok(Node::Merge(nodes))
    }

    fn compile_transform(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = options(v, at)?;
        let (Some(apply), Some(mapping)) = (opts.get("apply"), opts.get("mapping")) else {
            return Err(error_at(
                at,
                "@transform requires an \"apply\" key and a \"mapping\" key",
            ));
        };
        let apply_at = child_at(at, "apply");
        if !apply.is_object() {
            return Err(error_at(
                &apply_at,
                format!("must be an object or a directive, not {}", describe(apply)),
            ));
        }
        let apply = self.compile_root(apply, &apply_at, depth + 1, rooted)?;
        let mapping =
            self.object_or_directive(mapping, &child_at(at, "mapping"), depth + 1, false)?;
        Ok(Node::Transform(Box::new(TransformNode {
            apply,
            mapping,
            at: at.into(),
        })))
    }
}

/// An object with two directives, or a directive mixed with other keys.
fn misshapen_directive(map: &Map<String, Value>, at: &str) -> Error {
    let (directives, others): (Vec<&str>, Vec<&str>) = map
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "_metadata")
        .partition(|k| k.starts_with('@'));
    if directives.len() > 1 {
        let names = directives.join(", ");
        return error_at(
            at,
            format!("an object holds exactly one directive, this one has {names}"),
        );
    }
    let (name, others) = (directives.join(""), others.join(", "));
    error_at(
        at,
        format!("the directive {name} cannot be mixed with other keys ({others})"),
    )
}

fn too_deep(at: &str) -> Error {
    error_at(
        at,
        format!("the mapping is nested more than {MAX_MAPPING_DEPTH} levels deep"),
    )
}

/// A raw object node: one constant when no member holds a directive.
fn constant_or_object(members: Vec<(String, Node)>) -> Node {
    if members.iter().all(|(_, n)| matches!(n, Node::Const(_))) {
        let object = members
            .into_iter()
            .map(|(k, n)| (k, into_const(n)))
            .collect();
        return Node::Const(Value::Object(object));
    }
    Node::Object(members)
}

fn into_const(node: Node) -> Value {
    match node {
        Node::Const(v) => v,
        _ => Value::Null, // callers check that every node is a constant
    }
}

/// The options object of a directive: a plain object, not another directive.
fn options<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>> {
    match v {
        Value::Object(map) if !is_directive_like(map) => Ok(map),
        other => Err(error_at(
            at,
            format!("must be an object, not {}", describe(other)),
        )),
    }
}

fn optional_string<'v>(
    opts: &'v Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'v str>> {
    match opts.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(error_at(
            &child_at(at, key),
            format!("must be a string, not {}", describe(other)),
        )),
    }
}

fn optional_bool(opts: &Map<String, Value>, key: &str, at: &str) -> Result<Option<bool>> {
    match opts.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(error_at(
            &child_at(at, key),
            format!("must be a boolean, not {}", describe(other)),
        )),
    }
}
