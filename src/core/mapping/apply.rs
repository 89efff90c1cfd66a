//! Evaluation of a compiled mapping against one payload (Segment's
//! `resolve`). Recursion follows the mapping, whose depth compiling bounds.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::budget::Budget;
use super::node::{Condition, IfNode, Node};
use super::path::get;
use super::record_paths::{get_from_record, Prefix, RootPath};
use super::resolve::{
    eval_array_path, eval_case, eval_dynamic_path, eval_dynamic_template, eval_exclude_when_null,
    eval_flatten, eval_json, eval_liquid, eval_merge, eval_replace, eval_transform,
};
use super::stringify::loosely_equals_empty_string;
use super::value::Val;
use crate::error::Result;
use crate::json_doc::JsonRef;

/// What one application of a mapping shares between directives.
pub(crate) struct Cx<'a, 'c> {
    /// The input record.
    pub record: JsonRef<'a>,
    /// Lookups of path prefixes in `record` made so far.
    pub prefixes: &'c mut [Prefix<'a>],
    /// What the record may still produce.
    pub budget: Budget<'a>,
}

/// Most mappings hold fewer prefixes than this: their memo needs no heap.
const INLINE_PREFIXES: usize = 64;

/// How a mapping runs on a record: its shape and its output limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub prefix_count: usize,
    pub max_output: usize,
}

/// Runs `f` with a fresh context for `record`.
fn with_record<'a, R>(
    record: JsonRef<'a>,
    limits: Limits,
    f: impl FnOnce(&mut Cx<'a, '_>) -> R,
) -> R {
    let prefix_count = limits.prefix_count;
    let mut inline = [Prefix::Unknown; INLINE_PREFIXES];
    let mut heap = Vec::new();
    let prefixes = if prefix_count <= INLINE_PREFIXES {
        &mut inline[..prefix_count]
    } else {
        heap.resize(prefix_count, Prefix::Unknown);
        &mut heap[..]
    };
    f(&mut Cx {
        record,
        prefixes,
        budget: Budget::new(limits.max_output),
    })
}

/// Resolves a compiled mapping against one record; also returns the
/// budget left for copying the result out.
pub(crate) fn eval_record<'a>(
    root: &'a Node,
    record: JsonRef<'a>,
    limits: Limits,
) -> Result<(Val<'a>, Budget<'a>)> {
    with_record(record, limits, |cx| {
        let value = eval(root, &Val::Ref(record), cx)?;
        Ok((value, cx.budget))
    })
}

/// Applies a compiled mapping to one record; `None` is JS `undefined`.
pub(crate) fn apply_to_record(
    root: &Node,
    record: JsonRef<'_>,
    limits: Limits,
) -> Result<Option<Value>> {
    let Node::Object(members) = root else {
        let (value, mut budget) = eval_record(root, record, limits)?;
        budget.site = "";
        return value.into_output(&mut budget);
    };
    // The usual shape, a raw object of fields: built straight into the output.
    with_record(record, limits, |cx| {
        let payload = Val::Ref(record);
        cx.budget.charge_values(members.len())?;
        let mut out = Map::with_capacity(members.len());
        for (key, member) in members {
            let value = match eval_in_place(member, cx) {
                Some(value) => value,
                None => eval(member, &payload, cx)?,
            };
            cx.budget.site = "";
            if let Some(value) = value.into_output(&mut cx.budget)? {
                cx.budget.charge(key.len())?;
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
        Node::Path(path) => {
            cx.budget.site = "@path";
            get(payload, path, &mut cx.budget)
        }
        Node::RecordPath(path) => Ok(read_record_path(path, cx)),
        Node::Object(members) => eval_object(members, payload, cx),
        Node::Array(items) => eval_array(items, payload, cx),
        Node::DynamicPath(inner, at) => eval_dynamic_path(inner, at, payload, cx),
        Node::If(node) => eval_if(node, payload, cx),
        Node::Template(template) => {
            let (template, at) = &**template;
            cx.budget.site = at;
            template.render(payload, &mut cx.budget).map(Val::Str)
        }
        Node::DynamicTemplate(inner, at) => eval_dynamic_template(inner, at, payload, cx),
        Node::ArrayPath(node) => eval_array_path(node, payload, cx),
        Node::Case(node) => eval_case(node, payload, cx),
        Node::Replace(node) => eval_replace(node, payload, cx),
        Node::Merge(objects, at) => eval_merge(objects, at, payload, cx),
        Node::Transform(node) => eval_transform(node, payload, cx),
        Node::Flatten(node) => eval_flatten(node, payload, cx),
        Node::Json(node) => eval_json(node, payload, cx),
        Node::ExcludeWhenNull(inner, at) => eval_exclude_when_null(inner, at, payload, cx),
        Node::Liquid(node) => eval_liquid(&node.0, &node.1, payload, cx),
    }
}

// Out of line: the members' reads are inlined here, not in the dispatcher.
#[inline(never)]
fn eval_object<'a>(
    members: &'a [(String, Node)],
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    cx.budget.charge_values(members.len())?;
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
    cx.budget.charge_values(items.len())?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(eval(item, payload, cx)?);
    }
    Ok(Val::Arr(out))
}

fn eval_if<'a>(node: &'a IfNode, payload: &Val<'a>, cx: &mut Cx<'a, '_>) -> Result<Val<'a>> {
    let test = eval(&node.test, payload, cx)?;
    let holds = !test.is_nullish()
        && match node.condition {
            Condition::Exists => true,
            Condition::Blank => !loosely_equals_empty_string(&test, &mut cx.budget)?,
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
