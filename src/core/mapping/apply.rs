//! Evaluation of a compiled mapping against one payload (Segment's
//! `resolve`). Recursion follows the mapping, whose depth compiling bounds.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::check::error_at;
use super::js;
use super::node::{
    ArrayPathNode, CaseNode, Condition, FlattenNode, IfNode, JsonMode, JsonNode, Node, ReplaceNode,
    TransformNode, MAX_REPLACE_LEN,
};
use super::ops;
use super::path::{get, Path};
use super::record_paths::{get_from_record, Prefix, RootPath};
use super::replace::replace;
use super::template::Template;
use super::value::{
    json_stringify, loosely_equals_empty_string, push_js_string, strip_undefined, Val,
};
use crate::error::Result;
use crate::json_doc::{JsonRef, JsonView};

/// What one application of a mapping shares between directives.
pub(crate) struct Cx<'a, 'c> {
    /// The input record.
    pub record: JsonRef<'a>,
    /// Lookups of path prefixes in `record` made so far.
    pub prefixes: &'c mut [Prefix<'a>],
}

/// Most mappings hold fewer prefixes than this: their memo needs no heap.
const INLINE_PREFIXES: usize = 64;

/// Runs `f` with a fresh context for `record`.
fn with_record<'a, R>(
    record: JsonRef<'a>,
    prefix_count: usize,
    f: impl FnOnce(&mut Cx<'a, '_>) -> R,
) -> R {
    let mut inline = [Prefix::Unknown; INLINE_PREFIXES];
    let mut heap = Vec::new();
    let prefixes = if prefix_count <= INLINE_PREFIXES {
        &mut inline[..prefix_count]
    } else {
        heap.resize(prefix_count, Prefix::Unknown);
        &mut heap[..]
    };
    f(&mut Cx { record, prefixes })
}

/// Resolves a compiled mapping against one record.
pub(crate) fn eval_record<'a>(
    root: &'a Node,
    record: JsonRef<'a>,
    prefix_count: usize,
) -> Result<Val<'a>> {
    with_record(record, prefix_count, |cx| eval(root, &Val::Ref(record), cx))
}

/// Applies a compiled mapping to one record; `None` is JS `undefined`.
pub(crate) fn apply_to_record(
    root: &Node,
    record: JsonRef<'_>,
    prefix_count: usize,
) -> Result<Option<Value>> {
    let Node::Object(members) = root else {
        return eval_record(root, record, prefix_count)?.into_output();
    };
    // The usual shape, a raw object of fields: built straight into the output.
    with_record(record, prefix_count, |cx| {
        let payload = Val::Ref(record);
        let mut out = Map::with_capacity(members.len());
        for (key, member) in members {
            let value = match eval_in_place(member, cx) {
                Some(value) => value,
                None => eval(member, &payload, cx)?,
            };
            if let Some(value) = value.into_output()? {
                out.insert(key.clone(), value);
            }
        }
        Ok(Some(Value::Object(out)))
    })
}

/// Record paths, constants and `@if exists` over them (every field of
/// Segment's default mappings), evaluated where the value is used: they
/// cannot fail, and their value is not passed back through the recursive
/// dispatcher and a `Result` (copies the CPU stalls on when they are read
/// back at once). `None` for other nodes.
// Inlined in release only: in debug builds every inlined copy keeps its own
// stack slots, and mappings nest 256 levels deep through `eval_object`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn eval_in_place<'a>(node: &'a Node, cx: &mut Cx<'a, '_>) -> Option<Val<'a>> {
    match node {
        Node::If(test) => eval_if_exists_on_record(test, cx),
        _ => eval_leaf(node, cx),
    }
}

/// `get_from_record` out of line: the dispatcher's frame stays small.
#[inline(never)]
fn read_record_path<'a>(path: &'a RootPath, cx: &mut Cx<'a, '_>) -> Val<'a> {
    get_from_record(cx.record, path, cx.prefixes)
}

/// A node that reads the record or is a constant: evaluated in place.
#[cfg_attr(not(debug_assertions), inline(always))]
fn eval_leaf<'a>(node: &'a Node, cx: &mut Cx<'a, '_>) -> Option<Val<'a>> {
    match node {
        Node::RecordPath(path) => Some(get_from_record(cx.record, path, cx.prefixes)),
        Node::Const(v) => Some(Val::Ref(JsonRef::from(v))),
        _ => None,
    }
}

/// `@if exists` whose parts all read the record or are constants; `None`
/// for any other shape.
#[cfg_attr(not(debug_assertions), inline(always))]
fn eval_if_exists_on_record<'a>(node: &'a IfNode, cx: &mut Cx<'a, '_>) -> Option<Val<'a>> {
    let is_leaf = |n: &Node| matches!(n, Node::RecordPath(_) | Node::Const(_));
    if node.condition != Condition::Exists
        || !is_leaf(&node.test)
        || !node.then.as_ref().is_none_or(is_leaf)
        || !node.otherwise.as_ref().is_none_or(is_leaf)
    {
        return None;
    }
    let test = eval_leaf(&node.test, cx)?;
    let branch = if !test.is_nullish() {
        if node.then_is_test {
            return Some(test);
        }
        &node.then
    } else {
        &node.otherwise
    };
    match branch {
        Some(branch) => eval_leaf(branch, cx),
        None => Some(Val::Undefined),
    }
}

/// Resolves `node` against `payload`. Each directive lives in its own
/// function so this recursive dispatcher keeps a small stack frame.
pub(crate) fn eval<'a>(node: &'a Node, payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    match node {
        Node::Const(v) => Ok(Val::Ref(JsonRef::from(v))),
        Node::Path(path) => Ok(get(payload, path)),
        Node::RecordPath(path) => Ok(read_record_path(path, cx)),
        Node::Object(members) => eval_object(members, payload, cx),
        Node::Array(items) => eval_array(items, payload, cx),
        Node::DynamicPath(inner, at) => eval_dynamic_path(inner, at, payload, cx),
        Node::If(node) => eval_if(node, payload, cx),
        Node::Template(template) => template.render(payload).map(Val::Str),
        Node::DynamicTemplate(inner, at) => eval_dynamic_template(inner, at, payload, cx),
        Node::ArrayPath(node) => eval_array_path(node, payload, cx),
        Node::Case(node) => eval_case(node, payload, cx),
        Node::Replace(node) => eval_replace(node, payload, cx),
        Node::Merge(objects) => eval_merge(objects, payload, cx),
        Node::Transform(node) => eval_transform(node, payload, cx),
        Node::Flatten(node) => eval_flatten(node, payload, cx),
        Node::Json(node) => eval_json(node, payload, cx),
        Node::ExcludeWhenNull(inner) => eval_exclude_when_null(inner, payload, cx),
    }
}

// Out of line: the members' reads are inlined here, not in the dispatcher.
#[inline(never)]
fn eval_object<'a>(
    members: &'a [(String, Node)],
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let mut out = Vec::with_capacity(members.len());
    for (key, member) in members {
        // Not a helper returning `Result`: that wrapping costs 8-13% here (measured).
        let value = match eval_in_place(member, cx) {
            Some(value) => value,
            None => eval(member, payload, cx)?,
        };
        out.push((Cow::Borrowed(key.as_str()), value));
    }
    Ok(Val::Obj(out))
}

fn eval_array<'a>(items: &'a [Node], payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(eval(item, payload, cx)?);
    }
    Ok(Val::Arr(out))
}

fn eval_dynamic_path<'a>(
    inner: &'a Node,
    at: &str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let path = eval(inner, payload, cx)?;
    let Some(path) = path.as_str() else {
        return Err(error_at(
            at,
            format!("@path: expected string, got {}", path.type_name()),
        ));
    };
    Ok(get(payload, &Path::from_mapping(path)))
}

fn eval_dynamic_template<'a>(
    inner: &'a Node,
    at: &str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let source = eval(inner, payload, cx)?;
    let Some(source) = source.as_str() else {
        return Err(error_at(
            at,
            format!("@template: expected string, got {}", source.type_name()),
        ));
    };
    Template::compile(source).render(payload).map(Val::Str)
}

fn eval_merge<'a>(objects: &'a [Node], payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let mut resolved = Vec::with_capacity(objects.len());
    for object in objects {
        resolved.push(eval(object, payload, cx)?);
    }
    Ok(ops::merge(resolved))
}

/// The mapping resolved against the payload that `apply` builds (with its
/// `undefined` members removed, as Segment's nested `transform` does).
fn eval_transform<'a>(
    node: &'a TransformNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let is_object =
        matches!(payload, Val::Obj(_)) || payload.json().is_some_and(JsonRef::is_object);
    if !is_object {
        return Err(error_at(
            &node.at,
            format!(
                "@transform: data must be an object, got {}",
                payload.type_name()
            ),
        ));
    }
    let new_payload = strip_undefined(eval(&node.apply, payload, cx)?);
    eval(&node.mapping, &new_payload, cx)
}

fn eval_flatten<'a>(
    node: &'a FlattenNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    ops::flatten(
        eval(&node.value, payload, cx)?,
        &node.separator,
        node.omit_arrays,
    )
}

fn eval_json<'a>(node: &'a JsonNode, payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let value = eval(&node.value, payload, cx)?;
    match node.mode {
        JsonMode::Encode => Ok(json_stringify(&value)?.map_or(Val::Undefined, Val::Str)),
        JsonMode::Decode => ops::json_decode(value),
        JsonMode::Neither => Ok(Val::Undefined),
    }
}

fn eval_exclude_when_null<'a>(
    inner: &'a Node,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let value = eval(inner, payload, cx)?;
    if value.is_null() {
        return Ok(Val::Undefined);
    }
    ops::clean_nulls(value, 0)
}

fn eval_if<'a>(node: &'a IfNode, payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let test = eval(&node.test, payload, cx)?;
    let holds = !test.is_nullish()
        && match node.condition {
            Condition::Exists => true,
            Condition::Blank => !loosely_equals_empty_string(&test)?,
        };
    if holds {
        if node.then_is_test {
            return Ok(test);
        }
        return match &node.then {
            Some(then) => eval(then, payload, cx),
            None => Ok(Val::Undefined),
        };
    }
    match &node.otherwise {
        Some(otherwise) => eval(otherwise, payload, cx),
        None => Ok(Val::Undefined),
    }
}

/// The root value; with a shape, every element (or the one object) is
/// resolved against it, each element becoming the payload.
fn eval_array_path<'a>(
    node: &'a ArrayPathNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let root = eval(&node.root, payload, cx)?;
    let Some(shape) = &node.shape else {
        return Ok(root);
    };
    let items = match &root {
        Val::Ref(v) => match v.view() {
            JsonView::Array(items) => items
                .iter()
                .map(|item| eval(shape, &Val::Ref(item), cx))
                .collect::<Result<_>>()?,
            JsonView::Object(_) => vec![eval(shape, &root, cx)?],
            _ => return Ok(root),
        },
        Val::Json(json) if json.is_array() => json
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| eval(shape, &Val::Json(Box::new(item.clone())), cx))
            .collect::<Result<_>>()?,
        Val::Arr(items) => items
            .iter()
            .map(|item| eval(shape, item, cx))
            .collect::<Result<_>>()?,
        Val::Obj(_) => vec![eval(shape, &root, cx)?],
        other if other.json().is_some_and(JsonRef::is_object) => vec![eval(shape, &root, cx)?],
        _ => return Ok(root),
    };
    Ok(Val::Arr(items))
}

fn eval_case<'a>(node: &'a CaseNode, payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let Some(value) = &node.value else {
        return Ok(Val::Undefined);
    };
    let value = eval(value, payload, cx)?;
    let Some(text) = value.as_str() else {
        return Ok(value);
    };
    match node.upper {
        Some(true) => Ok(Val::Str(text.to_uppercase())),
        Some(false) => Ok(Val::Str(text.to_lowercase())),
        None => Err(error_at(
            &node.at,
            "operator key should have a value of \"lower\" or \"upper\"",
        )),
    }
}

fn eval_replace<'a>(
    node: &'a ReplaceNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let Some(value) = &node.value else {
        return Ok(Val::Undefined);
    };
    let value = eval(value, payload, cx)?;
    let text: Cow<'_, str> = if let Some(s) = value.as_str() {
        Cow::Borrowed(s)
    } else if value
        .json()
        .is_some_and(|v| matches!(v.view(), JsonView::Bool(_) | JsonView::Number(_)))
    {
        let mut s = String::new();
        push_js_string(&mut s, &value, 0)?;
        Cow::Owned(s)
    } else {
        return Ok(Val::Str(String::new()));
    };
    let mut out = replace(
        &text,
        &node.pattern,
        &node.replacement,
        node.global,
        node.ignore_case,
    );
    if let Some(second) = &node.second {
        if js::utf16_len(&second.pattern) > MAX_REPLACE_LEN {
            return Err(error_at(
                &node.at,
                "@replace requires a \"pattern\" less than 10 characters",
            ));
        }
        if second.replacement_len > MAX_REPLACE_LEN {
            return Err(error_at(
                &node.at,
                "@replace requires a \"replacement\" less than 10 characters",
            ));
        }
        out = replace(
            &out,
            &second.pattern,
            &second.replacement,
            node.global,
            node.ignore_case,
        );
    }
    Ok(Val::Str(out))
}
