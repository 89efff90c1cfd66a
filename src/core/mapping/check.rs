//! Locations inside a mapping, the wording of compile errors, and the check
//! that runs over the whole mapping before it is compiled.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// How deep a mapping may nest (JSON levels).
pub(crate) const MAX_MAPPING_DEPTH: usize = 256;

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

pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Object(m) if is_directive_like(m) => "a directive",
        other => crate::json_kind::a_json_type(other),
    }
}

pub(crate) fn is_directive_like(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| k.starts_with('@'))
}

/// Checks the whole mapping before compiling it, without recursion so that
/// any depth is safe: fails when it nests deeper than the limit (compiling
/// recurses along the mapping).
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

/// An object with two directives, or a directive mixed with other keys.
pub(crate) fn misshapen_directive(map: &Map<String, Value>, at: &str) -> Error {
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

pub(crate) fn too_deep(at: &str) -> Error {
    error_at(
        at,
        format!("the mapping is nested more than {MAX_MAPPING_DEPTH} levels deep"),
    )
}
