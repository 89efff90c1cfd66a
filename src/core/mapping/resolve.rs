//! Each directive's evaluation (the dispatcher in `apply.rs` calls these).
//! A directive that builds a value names itself in `cx.budget.site` just
//! before it charges what it builds, so an over-budget error says where.

use std::borrow::Cow;

use super::apply::{eval, Cx};
use super::check::error_at;
use super::liquid::{LiquidTemplate, Mem};
use super::node::{
    ArrayPathNode, CaseNode, FlattenNode, JsonMode, JsonNode, Node, ReplaceNode, TransformNode,
    MAX_REPLACE_LEN,
};
use super::ops;
use super::path::{get, Path};
use super::replace::replace;
use super::stringify::{js_string, json_stringify};
use super::template::render_source;
use super::value::{clone_in_js_order, strip_undefined, Val};
use crate::error::Result;
use crate::js;
use crate::json_doc::{JsonRef, JsonView};

/// The string a dynamic directive's argument evaluated to, or Segment's
/// "expected string" error naming the directive.
fn expect_str<'v>(value: &'v Val<'_>, directive: &str, at: &str) -> Result<&'v str> {
    value.as_str().ok_or_else(|| {
        error_at(
            at,
            format!("{directive}: expected string, got {}", value.type_name()),
        )
    })
}

pub(super) fn eval_dynamic_path<'a>(
    inner: &'a Node,
    at: &'a str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let path = eval(inner, payload, cx)?;
    let path = expect_str(&path, "@path", at)?;
    cx.budget.site = at;
    cx.budget.charge_parts(path, |b| matches!(b, b'.' | b'['))?;
    get(payload, &Path::from_mapping(path), &mut cx.budget)
}

pub(super) fn eval_dynamic_template<'a>(
    inner: &'a Node,
    at: &'a str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let source = eval(inner, payload, cx)?;
    let source = expect_str(&source, "@template", at)?;
    cx.budget.site = at;
    render_source(source, payload, &mut cx.budget).map(Val::Str)
}

pub(super) fn eval_merge<'a>(
    objects: &'a [Node],
    at: &'a str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let mut resolved = Vec::with_capacity(objects.len());
    for object in objects {
        resolved.push(eval(object, payload, cx)?);
    }
    cx.budget.site = at;
    ops::merge(resolved, &mut cx.budget)
}

/// The mapping resolved against the payload that `apply` builds (with its
/// `undefined` members removed, as Segment's nested `transform` does).
pub(super) fn eval_transform<'a>(
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

pub(super) fn eval_flatten<'a>(
    node: &'a FlattenNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let value = eval(&node.value, payload, cx)?;
    cx.budget.site = &node.at;
    ops::flatten(value, &node.separator, node.omit_arrays, &mut cx.budget)
}

pub(super) fn eval_json<'a>(
    node: &'a JsonNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let value = eval(&node.value, payload, cx)?;
    cx.budget.site = &node.at;
    match node.mode {
        JsonMode::Encode => {
            Ok(json_stringify(&value, &mut cx.budget)?.map_or(Val::Undefined, Val::Str))
        }
        JsonMode::Decode => ops::json_decode(value, &mut cx.budget),
        JsonMode::Neither => Ok(Val::Undefined),
    }
}

pub(super) fn eval_exclude_when_null<'a>(
    inner: &'a Node,
    at: &'a str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let value = eval(inner, payload, cx)?;
    if value.is_null() {
        return Ok(Val::Undefined);
    }
    cx.budget.site = at;
    ops::clean_nulls(value, 0, &mut cx.budget)
}

/// The root value; with a shape, every element (or the one object) is
/// resolved against it, each element becoming the payload.
pub(super) fn eval_array_path<'a>(
    node: &'a ArrayPathNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let root = eval(&node.root, payload, cx)?;
    let Some(shape) = &node.shape else {
        return Ok(root);
    };
    let mut items = Vec::new();
    match &root {
        Val::Ref(v) => match v.view() {
            JsonView::Array(elements) => {
                reserve_slots(&mut items, elements.len(), &node.at, cx)?;
                for item in elements.iter() {
                    items.push(eval(shape, &Val::Ref(item), cx)?);
                }
            }
            JsonView::Object(_) => items.push(eval(shape, &root, cx)?),
            _ => return Ok(root),
        },
        Val::Json(json) if json.is_array() => {
            let elements = json.as_array().map_or(&[][..], Vec::as_slice);
            reserve_slots(&mut items, elements.len(), &node.at, cx)?;
            for item in elements {
                // The element is the payload of its own evaluation: a copy.
                let item = clone_in_js_order(JsonRef::from(item), &mut cx.budget, 0)?;
                items.push(eval(shape, &Val::Json(Box::new(item)), cx)?);
            }
        }
        Val::Arr(elements) => {
            reserve_slots(&mut items, elements.len(), &node.at, cx)?;
            for item in elements {
                items.push(eval(shape, item, cx)?);
            }
        }
        Val::Obj(_) => items.push(eval(shape, &root, cx)?),
        other if other.json().is_some_and(JsonRef::is_object) => {
            items.push(eval(shape, &root, cx)?);
        }
        _ => return Ok(root),
    }
    Ok(Val::Arr(items))
}

/// Room for `count` elements of a built array, charged first.
fn reserve_slots<'a>(
    items: &mut Vec<Val<'a>>,
    count: usize,
    at: &'a str,
    cx: &mut Cx<'a, '_>,
) -> Result<()> {
    cx.budget.site = at;
    cx.budget.charge_values(count)?;
    items.reserve_exact(count);
    Ok(())
}

pub(super) fn eval_case<'a>(
    node: &'a CaseNode,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let Some(value) = &node.value else {
        return Ok(Val::Undefined);
    };
    let value = eval(value, payload, cx)?;
    let Some(text) = value.as_str() else {
        return Ok(value);
    };
    let Some(upper) = node.upper else {
        return Err(error_at(
            &node.at,
            "operator key should have a value of \"lower\" or \"upper\"",
        ));
    };
    cx.budget.site = &node.at;
    cx.budget.charge_str(text)?;
    let changed = if upper {
        text.to_uppercase()
    } else {
        text.to_lowercase()
    };
    // Case mapping grows a string at most threefold ('ΐ' → "Ϊ́").
    cx.budget.charge(changed.len().saturating_sub(text.len()))?;
    Ok(Val::Str(changed))
}

pub(super) fn eval_replace<'a>(
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
        Cow::Owned(js_string(&value, &mut cx.budget)?)
    } else {
        return Ok(Val::Str(String::new()));
    };
    cx.budget.site = &node.at;
    let mut out = replace(
        &text,
        &node.pattern,
        &node.replacement,
        node.global,
        node.ignore_case,
        &mut cx.budget,
    )?;
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
            &mut cx.budget,
        )?;
    }
    Ok(Val::Str(out))
}

/// `@liquid`: the payload's members are the template's variables. A payload
/// the mapping built (inside `@transform`) is turned into JSON first.
pub(crate) fn eval_liquid<'a>(
    template: &LiquidTemplate,
    at: &'a str,
    payload: &Val<'a>,
    cx: &mut Cx<'a, '_>,
) -> Result<Val<'a>> {
    let owned;
    let root = match payload {
        Val::Ref(v) => *v,
        other => {
            cx.budget.site = at;
            owned = other
                .clone()
                .into_output(&mut cx.budget)?
                .unwrap_or_default();
            JsonRef::from(&owned)
        }
    };
    cx.budget.site = at;
    let mut mem = Mem::new(cx.budget.left().0);
    let text = match template.render(root, &mut mem) {
        Ok(text) => text,
        Err(e) => {
            // Past the record's budget: its error, as every directive reports it.
            let over = mem.over_budget.then(|| cx.budget.charge(usize::MAX).err());
            return Err(over.flatten().unwrap_or_else(|| error_at(at, e.0)));
        }
    };
    cx.budget.charge_str(&text)?;
    Ok(Val::Str(text))
}
