//! Compiling a mapping: the walk over raw objects and arrays, directive
//! dispatch and the root's object spread (each directive's own rules are in
//! `directives.rs`).
//!
//! Whatever Segment would reject whenever a directive runs (a malformed
//! directive, `@if` with neither `exists` nor `blank`, …) is rejected here,
//! once, with the location of the bad part. Errors that depend on the data
//! (`@template` of a number, `@case` with an unknown operator on a string)
//! stay runtime errors, as in Segment.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::check::MAX_MAPPING_DEPTH;
use super::check::{
    child_at, describe, error_at, is_directive_like, misshapen_directive, too_deep,
};
use super::liquid::LiquidTemplate;
use super::node::Node;
use super::path::{Path, PathSegment};
use super::record_paths::PrefixTable;
use super::template::Template;
use crate::error::Result;
use crate::js;

/// Segment's key for a directive wrapped around all the other fields.
const ROOT_DIRECTIVE_KEY: &str = "__segment_internal_directive";

/// Either a literal string or a compiled directive.
pub(super) enum StringOr {
    Str(String),
    Node(Node),
}

#[derive(Default)]
pub(crate) struct Compiler {
    /// Input paths read by directives that run on the input record.
    pub paths: Vec<Vec<PathSegment>>,
    pub prefixes: PrefixTable,
}

impl Compiler {
    pub(super) fn record(&mut self, rooted: bool, path: &Path) {
        if rooted {
            self.paths.push(path.segments().to_vec());
        }
    }

    /// A static path; `rooted` when it is read from the input record.
    pub(super) fn path_node(&mut self, path: Path, rooted: bool) -> Node {
        if !rooted {
            return Node::Path(path);
        }
        self.record(rooted, &path);
        Node::RecordPath(Box::new(self.prefixes.root_path(path)))
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
            // `Object.keys(null)` throws in Segment's code.
            Value::Null => return Err(error_at(at, "must be an object, not null")),
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

    pub(super) fn compile_array(
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

    pub(super) fn compile_object(
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
    pub(super) fn compile_raw_object(
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

    pub(super) fn compile_directive(
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
                StringOr::Str(s) => self.path_node(Path::from_mapping(&s), rooted),
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
                    Node::Template(Box::new((template, here.into())))
                }
                StringOr::Node(node) => {
                    self.record(rooted, &Path::parse(""));
                    Node::DynamicTemplate(Box::new(node), here.into())
                }
            },
            "@literal" => self.compile(v, &here, depth, rooted)?,
            "@excludeWhenNull" => {
                let inner = self.compile(v, &here, depth, rooted)?;
                Node::ExcludeWhenNull(Box::new(inner), here.into())
            }
            "@if" => self.compile_if(v, &here, depth, rooted)?,
            "@case" => self.compile_case(v, &here, depth, rooted)?,
            "@replace" => self.compile_replace(v, &here, depth, rooted)?,
            "@arrayPath" => self.compile_array_path(v, &here, depth, rooted)?,
            "@json" => self.compile_json(v, &here, depth, rooted)?,
            "@flatten" => self.compile_flatten(v, &here, depth, rooted)?,
            "@merge" => self.compile_merge(v, &here, depth, rooted)?,
            "@transform" => self.compile_transform(v, &here, depth, rooted)?,
            "@liquid" => {
                let Value::String(source) = v else {
                    return Err(error_at(
                        &here,
                        format!("must be a string, not {}", describe(v)),
                    ));
                };
                let template = LiquidTemplate::compile(source).map_err(|e| error_at(&here, e.0))?;
                for keys in template.reads() {
                    self.record(rooted, &Path::from_keys(keys));
                }
                Node::Liquid(Box::new((template, here.into())))
            }
            _ => return Err(error_at(at, format!("unknown directive {name}"))),
        })
    }

    pub(super) fn string_or_directive(
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
    pub(super) fn object_or_directive(
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
}

/// A raw object node: one constant when no member holds a directive.
pub(super) fn constant_or_object(members: Vec<(String, Node)>) -> Node {
    if members.iter().all(|(_, n)| matches!(n, Node::Const(_))) {
        let object = members
            .into_iter()
            .map(|(k, n)| (k, into_const(n)))
            .collect();
        return Node::Const(Value::Object(object));
    }
    Node::Object(members)
}

pub(super) fn into_const(node: Node) -> Value {
    match node {
        Node::Const(v) => v,
        _ => Value::Null, // callers check that every node is a constant
    }
}
