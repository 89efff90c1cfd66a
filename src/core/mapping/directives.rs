//! Compiling each directive: Segment's validation rules for its options,
//! plus what its code rejects whenever it runs.

use serde_json::{Map, Value};

use super::check::{child_at, describe, error_at, is_directive_like};
use super::compile::{Compiler, StringOr};
use super::node::{
    ArrayPathNode, CaseNode, Condition, FlattenNode, IfNode, JsonMode, JsonNode, Node, ReplaceNode,
    SecondReplace, TransformNode, MAX_REPLACE_LEN,
};
use super::path::Path;
use super::replace::Replacement;
use crate::error::Result;
use crate::js;

impl Compiler {
    /// The options object of a directive: a plain object, not another
    /// directive. Like Segment, every value in it is validated, including
    /// keys the directive does not use: `compiled` lists the keys the
    /// directive compiles itself (checked then), the others are checked here.
    fn options<'v>(
        &mut self,
        v: &'v Value,
        at: &str,
        depth: usize,
        compiled: &[&str],
    ) -> Result<&'v Map<String, Value>> {
        let map = match v {
            Value::Object(map) if !is_directive_like(map) => map,
            other => {
                return Err(error_at(
                    at,
                    format!("must be an object, not {}", describe(other)),
                ))
            }
        };
        for (key, value) in map {
            if (value.is_object() || value.is_array()) && !compiled.contains(&key.as_str()) {
                self.compile(value, &child_at(at, key), depth + 1, false)?;
            }
        }
        Ok(map)
    }

    pub(super) fn compile_if(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let is_used = |k: &str| v.get(k).is_some_and(js::is_truthy);
        let test_key = if v.get("exists").is_some() && (is_used("exists") || is_used("blank")) {
            "exists"
        } else {
            "blank"
        };
        let opts = self.options(v, at, depth, &[test_key, "then", "else"])?;
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

    pub(super) fn compile_case(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["value"])?;
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

    pub(super) fn compile_replace(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["value"])?;
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

    pub(super) fn compile_array_path(
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
            StringOr::Str(s) => self.path_node(Path::from_mapping(&s), rooted),
            StringOr::Node(node) => node,
        };
        let shape = match items.get(1) {
            Some(raw) => {
                let node = self.compile(raw, &format!("{at}[1]"), depth + 1, false)?;
                raw.as_object().filter(|m| !m.is_empty()).map(|_| node)
            }
            None => None,
        };
        Ok(Node::ArrayPath(Box::new(ArrayPathNode {
            root,
            shape,
            at: at.into(),
        })))
    }

    pub(super) fn compile_json(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["value"])?;
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
        Ok(Node::Json(Box::new(JsonNode {
            value,
            mode,
            at: at.into(),
        })))
    }

    pub(super) fn compile_flatten(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["value"])?;
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
            at: at.into(),
        })))
    }

    pub(super) fn compile_merge(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["objects"])?;
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
        Ok(Node::Merge(nodes, at.into()))
    }

    pub(super) fn compile_transform(
        &mut self,
        v: &Value,
        at: &str,
        depth: usize,
        rooted: bool,
    ) -> Result<Node> {
        let opts = self.options(v, at, depth, &["apply", "mapping"])?;
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

/// The options object of a directive: a plain object, not another directive.
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
