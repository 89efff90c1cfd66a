//! Lookup paths (`$.traits.email`, `$.products[0].price`), split once when
//! the mapping is compiled, and Segment's `get()` semantics for reading them.

use serde_json::Value;

use crate::json_doc::{JsonRef, JsonView};

use super::budget::Budget;
use super::value::{clone_in_js_order, Val};
use crate::error::Result;
use crate::js;

/// One step of a lookup path: an object key, which also selects an array
/// element (or a string's UTF-16 unit) when it is a canonical index, and
/// reads `.length` of arrays and strings when it is `"length"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathSegment {
    key: Box<str>,
    index: Option<u32>,
}

impl PathSegment {
    fn new(key: String) -> Self {
        let index = js::array_index(&key);
        Self {
            key: key.into_boxed_str(),
            index,
        }
    }

    /// The property name.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The element this segment selects in an array, if the key is an index.
    pub fn index(&self) -> Option<u32> {
        self.index
    }

    pub(crate) fn is_length(&self) -> bool {
        &*self.key == "length"
    }
}

/// A pre-split path. No segments means the whole payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    segments: Box<[PathSegment]>,
}

impl Path {
    /// A `@path` / `@arrayPath` string. Like Segment's
    /// `path.replace('$.', '')`, only the first `$.` is removed, wherever it is.
    pub(crate) fn from_mapping(raw: &str) -> Self {
        Self::parse(&raw.replacen("$.", "", 1))
    }

    /// A path as `get()` splits it: on `.`, on `[` before a quote or digit
    /// and on runs of `]` after one; empty parts are dropped, then quotes
    /// are removed (so `a["x.y"]` still splits at the dot, as in Segment).
    pub(crate) fn parse(raw: &str) -> Self {
        let bytes = raw.as_bytes();
        let opens_index = |b: Option<&u8>| matches!(b, Some(b'"' | b'\'' | b'0'..=b'9'));
        let mut parts: Vec<&str> = Vec::new();
        let (mut start, mut i) = (0, 0);
        while let Some(&b) = bytes.get(i) {
            let separator_len = match b {
                b'.' => 1,
                b'[' if opens_index(bytes.get(i + 1)) => 1,
                b']' if i > 0 && opens_index(bytes.get(i - 1)) => {
                    bytes[i..].iter().take_while(|c| **c == b']').count()
                }
                _ => 0,
            };
            if separator_len == 0 {
                i += 1;
                continue;
            }
            parts.push(&raw[start..i]);
            i += separator_len;
            start = i;
        }
        parts.push(&raw[start..]);
        let segments = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| PathSegment::new(p.replace(['\'', '"'], "")))
            .collect();
        Self { segments }
    }

    /// A path of property names as they are (no splitting, no quotes removed).
    pub(crate) fn from_keys(keys: impl IntoIterator<Item = String>) -> Self {
        Self {
            segments: keys.into_iter().map(PathSegment::new).collect(),
        }
    }

    pub(crate) fn segments(&self) -> &[PathSegment] {
        &self.segments
    }
}

/// Where a lookup currently stands.
enum Cursor<'v, 'a> {
    /// Inside JSON that outlives the lookup (input record, mapping constants).
    Input(JsonRef<'a>),
    /// Inside JSON a directive built (a nested payload); copied if returned.
    Owned(JsonRef<'v>),
    /// Inside a structure the mapping built (a nested payload).
    Built(&'v Val<'a>),
    /// A value computed on the way (`.length`, a string's unit).
    Computed(Val<'a>),
}

/// Segment's `get(payload, path)`: `path.reduce((o, k) => o && o[k], payload)`.
/// A falsy value met on the way (`0`, `""`, `false`, `null`) is the result.
/// Only own properties are read: JS prototype members (`toString`…) are
/// `undefined` here. A value found inside what a directive built is copied,
/// and the copy charged to `budget`.
pub(crate) fn get<'a>(payload: &Val<'a>, path: &Path, budget: &mut Budget<'_>) -> Result<Val<'a>> {
    Ok(match walk(payload, path) {
        Cursor::Input(v) => Val::Ref(v),
        Cursor::Owned(v) => Val::Json(Box::new(clone_in_js_order(v, budget, 0)?)),
        Cursor::Built(v) => v.copy(budget, 0)?,
        Cursor::Computed(v) => v,
    })
}

/// [`get`] on the input record, which is only ever borrowed from.
pub(crate) fn get_in_record<'a>(record: JsonRef<'a>, path: &Path) -> Val<'a> {
    match walk(&Val::Ref(record), path) {
        Cursor::Input(v) => Val::Ref(v),
        Cursor::Computed(v) => v,
        // A record is JSON: a walk over it never enters a built value.
        Cursor::Owned(_) | Cursor::Built(_) => Val::Undefined,
    }
}

/// [`get`] for a value that is only looked at (stringified), not kept:
/// nothing is copied.
pub(crate) fn read<R>(payload: &Val<'_>, path: &Path, f: impl FnOnce(&Val<'_>) -> R) -> R {
    match walk(payload, path) {
        Cursor::Input(v) | Cursor::Owned(v) => f(&Val::Ref(v)),
        Cursor::Built(v) => f(v),
        Cursor::Computed(v) => f(&v),
    }
}

fn walk<'v, 'a>(payload: &'v Val<'a>, path: &Path) -> Cursor<'v, 'a> {
    let mut cursor = match payload {
        Val::Ref(v) => Cursor::Input(*v),
        Val::Json(v) => Cursor::Owned(JsonRef::from(&**v)),
        other => Cursor::Built(other),
    };
    for segment in path.segments() {
        if !is_truthy(&cursor) {
            break;
        }
        match step(&cursor, segment) {
            Some(next) => cursor = next,
            None => return Cursor::Computed(Val::Undefined),
        }
    }
    cursor
}

fn is_truthy(cursor: &Cursor<'_, '_>) -> bool {
    match cursor {
        Cursor::Input(v) | Cursor::Owned(v) => v.is_truthy(),
        Cursor::Built(v) => v.is_truthy(),
        Cursor::Computed(v) => v.is_truthy(),
    }
}

fn step<'v, 'a>(cursor: &Cursor<'v, 'a>, segment: &PathSegment) -> Option<Cursor<'v, 'a>> {
    match cursor {
        Cursor::Input(v) => step_json(*v, segment, Cursor::Input),
        Cursor::Owned(v) => step_json(*v, segment, Cursor::Owned),
        Cursor::Built(Val::Ref(v)) => step_json(*v, segment, Cursor::Input),
        Cursor::Built(Val::Json(v)) => step_json(JsonRef::from(&**v), segment, Cursor::Owned),
        Cursor::Built(Val::Str(s)) => step_str(s, segment),
        Cursor::Built(Val::Arr(items)) => {
            if segment.is_length() {
                return Some(length(items.len()));
            }
            items.get(segment.index()? as usize).map(Cursor::Built)
        }
        Cursor::Built(Val::Obj(members)) => members
            .iter()
            .find(|(k, _)| *k == segment.key())
            .map(|(_, v)| Cursor::Built(v)),
        Cursor::Built(Val::Undefined) => None,
        Cursor::Computed(v) => step_str(v.as_str()?, segment),
    }
}

/// One step inside JSON; `wrap` keeps track of how long the child lives.
fn step_json<'j, 'v, 'a>(
    value: JsonRef<'j>,
    segment: &PathSegment,
    wrap: impl Fn(JsonRef<'j>) -> Cursor<'v, 'a>,
) -> Option<Cursor<'v, 'a>> {
    match value.view() {
        JsonView::Object(members) => members.get(segment.key()).map(wrap),
        JsonView::Array(items) if segment.is_length() => Some(length(items.len())),
        JsonView::Array(items) => items.get(segment.index()? as usize).map(wrap),
        JsonView::String(s) => step_str(s, segment),
        _ => None,
    }
}

fn step_str<'v, 'a>(s: &str, segment: &PathSegment) -> Option<Cursor<'v, 'a>> {
    if segment.is_length() {
        return Some(length(js::utf16_len(s)));
    }
    let unit = js::utf16_units(s).nth(segment.index()? as usize)?;
    Some(Cursor::Computed(Val::Str(unit)))
}

fn length<'v, 'a>(n: usize) -> Cursor<'v, 'a> {
    Cursor::Computed(Val::Json(Box::new(Value::from(n))))
}

/// How many keys of a path field plans nest (the document's path tries cut
/// paths at the same depth).
pub(crate) use crate::json_doc::MAX_NESTED_PATH;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::budget::MAX_OUTPUT_BYTES;
    use serde_json::json;

    fn keys(raw: &str) -> Vec<String> {
        Path::parse(raw)
            .segments()
            .iter()
            .map(|s| s.key().to_owned())
            .collect()
    }

    #[test]
    fn splits_like_segment_get() {
        assert_eq!(keys("a.b[0].c"), ["a", "b", "0", "c"]);
        assert_eq!(keys("a['b c'].d"), ["a", "b c", "d"]);
        assert_eq!(keys("a[\"x.y\"]"), ["a", "x", "y"]);
        assert_eq!(keys("a[b]"), ["a[b]"]);
        assert_eq!(keys(""), Vec::<String>::new());
        assert_eq!(keys("."), Vec::<String>::new());
        assert_eq!(keys("a[0]]]b"), ["a", "0", "b"]);
        assert_eq!(keys("名前.x"), ["名前", "x"]);
        let p = Path::from_mapping("foo.$.bar");
        assert_eq!(p.segments().len(), 2);
    }

    #[test]
    fn reads_with_js_semantics() {
        let input = json!({"a": 0, "s": "abc", "arr": [1, 2, 3], "o": {"k": null}});
        let payload = Val::Ref(JsonRef::from(&input));
        let mut budget = Budget::new(MAX_OUTPUT_BYTES);
        let mut read = |p: &str| {
            get(&payload, &Path::from_mapping(p), &mut budget)
                .unwrap()
                .into_output(&mut budget)
                .unwrap()
        };
        assert_eq!(read("$.a.b"), Some(json!(0)));
        assert_eq!(read("$.s.length"), Some(json!(3)));
        assert_eq!(read("$.s[1]"), Some(json!("b")));
        assert_eq!(read("$.arr.length"), Some(json!(3)));
        assert_eq!(read("$.arr[01]"), None);
        assert_eq!(read("$.o.k.z"), Some(json!(null)));
        assert_eq!(read("$.o.toString"), None);
        assert_eq!(read("$."), Some(input.clone()));
    }
}
