//! Evaluation of a compiled mapping against one payload (Segment's
//! `resolve`). Recursion follows the mapping, whose depth compiling bounds.

use std::borrow::Cow;

use serde_json::Value;

use super::compile::{
    error_at, ArrayPathNode, CaseNode, Condition, FlattenNode, IfNode, JsonMode, JsonNode, Node,
    ReplaceNode, TransformNode, MAX_REPLACE_LEN,
};
use super::js;
use super::ops;
use super::path::{get, Path};
use super::replace::replace;
use super::template::Template;
use super::value::{
    json_stringify, loosely_equals_empty_string, push_js_string, strip_undefined, Val,
};
use crate::error::Result;

/// Resolves `node` against `payload`. Each directive lives in its own
/// function so this recursive dispatcher keeps a small stack frame.
pub(crate) fn eval<'a>(node: &'a Node, payload: &Val<'a>) -> Result<Val<'a>> {
    match node {
        Node::Const(v) => Ok(Val::Ref(v)),
        Node::Path(path) => Ok(get(payload, path)),
        Node::Object(members) => eval_object(members, payload),
        Node::Array(items) => eval_array(items, payload),
        Node::DynamicPath(inner, at) => eval_dynamic_path(inner, at, payload),
        Node::If(node) => eval_if(node, payload),
        Node::Template(template) => template.render(payload).map(Val::Str),
        Node::DynamicTemplate(inner, at) => eval_dynamic_template(inner, at, payload),
        Node::ArrayPath(node) => eval_array_path(node, payload),
        Node::Case(node) => eval_case(node, payload),
        Node::Replace(node) => eval_replace(node, payload),
        Node::Merge(objects) => eval_merge(objects, payload),
        Node::Transform(node) => eval_transform(node, payload),
        Node::Flatten(node) => eval_flatten(node, payload),
        Node::Json(node) => eval_json(node, payload),
        Node::ExcludeWhenNull(inner) => eval_exclude_when_null(inner, payload),
    }
}

fn eval_object<'a>(members: &'a [(String, Node)], payload: &Val<'a>) -> Result<Val<'a>> {
    let mut out = Vec::with_capacity(members.len());
    for (key, member) in members {
        out.push((Cow::Borrowed(key.as_str()), eval(member, payload)?));
    }
    Ok(Val::Obj(out))
}

fn eval_array<'a>(items: &'a [Node], payload: &Val<'a>) -> Result<Val<'a>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(eval(item, payload)?);
    }
    Ok(Val::Arr(out))
}

fn eval_dynamic_path<'a>(inner: &'a Node, at: &str, payload: &Val<'a>) -> Result<Val<'a>> {
    let path = eval(inner, payload)?;
    let Some(path) = path.as_str() else {
        return Err(error_at(
            at,
            format!("@path: expected string, got {}", path.type_name()),
        ));
    };
    Ok(get(payload, &Path::from_mapping(path)))
}

fn eval_dynamic_template<'a>(inner: &'a Node, at: &str, payload: &Val<'a>) -> Result<Val<'a>> {
    let source = eval(inner, payload)?;
    let Some(source) = source.as_str() else {
        return Err(error_at(
            at,
            format!("@template: expected string, got {}", source.type_name()),
        ));
    };
    Template::compile(source).render(payload).map(Val::Str)
}

fn eval_merge<'a>(objects: &'a [Node], payload: &Val<'a>) -> Result<Val<'a>> {
    let mut resolved = Vec::with_capacity(objects.len());
    for object in objects {
        resolved.push(eval(object, payload)?);
    }
    Ok(ops::merge(resolved))
}

/// The mapping resolved against the payload that `apply` builds (with its
/// `undefined` members removed, as Segment's nested `transform` does).
fn eval_transform<'a>(node: &'a TransformNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let is_object = matches!(payload, Val::Obj(_)) || payload.json().is_some_and(Value::is_object);
    if !is_object {
        return Err(error_at(
            &node.at,
            format!(
                "@transform: data must be an object, got {}",
                payload.type_name()
            ),
        ));
    }
    let new_payload = strip_undefined(eval(&node.apply, payload)?);
    eval(&node.mapping, &new_payload)
}

fn eval_flatten<'a>(node: &'a FlattenNode, payload: &Val<'a>) -> Result<Val<'a>> {
    ops::flatten(
        eval(&node.value, payload)?,
        &node.separator,
        node.omit_arrays,
    )
}

fn eval_json<'a>(node: &'a JsonNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let value = eval(&node.value, payload)?;
    match node.mode {
        JsonMode::Encode => Ok(json_stringify(&value)?.map_or(Val::Undefined, Val::Str)),
        JsonMode::Decode => ops::json_decode(value),
        JsonMode::Neither => Ok(Val::Undefined),
    }
}

fn eval_exclude_when_null<'a>(inner: &'a Node, payload: &Val<'a>) -> Result<Val<'a>> {
    let value = eval(inner, payload)?;
    if value.is_null() {
        return Ok(Val::Undefined);
    }
    ops::clean_nulls(value, 0)
}

fn eval_if<'a>(node: &'a IfNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let test = eval(&node.test, payload)?;
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
            Some(then) => eval(then, payload),
            None => Ok(Val::Undefined),
        };
    }
    match &node.otherwise {
        Some(otherwise) => eval(otherwise, payload),
        None => Ok(Val::Undefined),
    }
}

/// The root value; with a shape, every element (or the one object) is
/// resolved against it, each element becoming the payload.
fn eval_array_path<'a>(node: &'a ArrayPathNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let root = eval(&node.root, payload)?;
    let Some(shape) = &node.shape else {
        return Ok(root);
    };
    let items = match &root {
        Val::Ref(Value::Array(items)) => items
            .iter()
            .map(|item| eval(shape, &Val::Ref(item)))
            .collect::<Result<_>>()?,
        Val::Json(json) if json.is_array() => json
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| eval(shape, &Val::Json(Box::new(item.clone()))))
            .collect::<Result<_>>()?,
        Val::Arr(items) => items
            .iter()
            .map(|item| eval(shape, item))
            .collect::<Result<_>>()?,
        Val::Obj(_) => vec![eval(shape, &root)?],
        other if other.json().is_some_and(Value::is_object) => vec![eval(shape, &root)?],
        _ => return Ok(root),
    };
    Ok(Val::Arr(items))
}

fn eval_case<'a>(node: &'a CaseNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let Some(value) = &node.value else {
        return Ok(Val::Undefined);
    };
    let value = eval(value, payload)?;
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

fn eval_replace<'a>(node: &'a ReplaceNode, payload: &Val<'a>) -> Result<Val<'a>> {
    let Some(value) = &node.value else {
        return Ok(Val::Undefined);
    };
    let value = eval(value, payload)?;
    let text: Cow<'_, str> = if let Some(s) = value.as_str() {
        Cow::Borrowed(s)
    } else if matches!(value.json(), Some(Value::Bool(_) | Value::Number(_))) {
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
