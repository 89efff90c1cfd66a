//! Lookup paths (`$.traits.email`, `$.products[0].price`), split once when
//! the mapping is compiled, and Segment's `get()` semantics for reading them.

use std::collections::HashMap;

use serde_json::Value;

use super::js;
use super::value::Val;

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

    fn is_length(&self) -> bool {
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

    pub(crate) fn segments(&self) -> &[PathSegment] {
        &self.segments
    }
}

/// Where a lookup currently stands.
enum Cursor<'v, 'a> {
    /// Inside JSON that outlives the lookup (input record, mapping constants).
    Input(&'a Value),
    /// Inside JSON a directive built (a nested payload); copied if returned.
    Owned(&'v Value),
    /// Inside a structure the mapping built (a nested payload).
    Built(&'v Val<'a>),
    /// A value computed on the way (`.length`, a string's unit).
    Computed(Val<'a>),
}

/// Segment's `get(payload, path)`: `path.reduce((o, k) => o && o[k], payload)`.
/// A falsy value met on the way (`0`, `""`, `false`, `null`) is the result.
/// Only own properties are read: JS prototype members (`toString`…) are
/// `undefined` here.
pub(crate) fn get<'a>(payload: &Val<'a>, path: &Path) -> Val<'a> {
    let mut cursor = match payload {
        Val::Ref(v) => Cursor::Input(v),
        Val::Json(v) => Cursor::Owned(v),
        other => Cursor::Built(other),
    };
    for segment in path.segments() {
        if !is_truthy(&cursor) {
            break;
        }
        match step(&cursor, segment) {
            Some(next) => cursor = next,
            None => return Val::Undefined,
        }
    }
    match cursor {
        Cursor::Input(v) => Val::Ref(v),
        Cursor::Owned(v) => Val::Json(Box::new(v.clone())),
        Cursor::Built(v) => v.clone(),
        Cursor::Computed(v) => v,
    }
}

fn is_truthy(cursor: &Cursor<'_, '_>) -> bool {
    match cursor {
        Cursor::Input(v) => js::is_truthy(v),
        Cursor::Owned(v) => js::is_truthy(v),
        Cursor::Built(v) => v.is_truthy(),
        Cursor::Computed(v) => v.is_truthy(),
    }
}

fn step<'v, 'a>(cursor: &Cursor<'v, 'a>, segment: &PathSegment) -> Option<Cursor<'v, 'a>> {
    match cursor {
        Cursor::Input(v) => step_json(v, segment, Cursor::Input),
        Cursor::Owned(v) => step_json(v, segment, Cursor::Owned),
        Cursor::Built(Val::Ref(v)) => step_json(v, segment, Cursor::Input),
        Cursor::Built(Val::Json(v)) => step_json(v, segment, Cursor::Owned),
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
    value: &'j Value,
    segment: &PathSegment,
    wrap: impl Fn(&'j Value) -> Cursor<'v, 'a>,
) -> Option<Cursor<'v, 'a>> {
    match value {
        Value::Object(map) => map.get(segment.key()).map(wrap),
        Value::Array(items) if segment.is_length() => Some(length(items.len())),
        Value::Array(items) => items.get(segment.index()? as usize).map(wrap),
        Value::String(s) => step_str(s, segment),
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

/// Ids for the prefixes of the paths that read the input record, shared
/// between paths: `$.traits` gets one id however many fields read below it.
#[derive(Debug, Default)]
pub(crate) struct PrefixTable {
    ids: HashMap<(u32, Box<str>), u32>,
}

impl PrefixTable {
    /// A path read from the input record, with the ids of its prefixes.
    pub(crate) fn root_path(&mut self, path: Path) -> RootPath {
        let mut parent = u32::MAX;
        let mut chain = Vec::with_capacity(path.segments().len());
        for segment in path.segments() {
            let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
            parent = *self
                .ids
                .entry((parent, segment.key.clone()))
                .or_insert(next);
            chain.push(parent);
        }
        RootPath {
            path,
            chain: chain.into_boxed_slice(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }
}

/// A path read from the input record; `chain[i]` is the id of the prefix
/// ending at segment `i`.
#[derive(Debug, Clone)]
pub(crate) struct RootPath {
    path: Path,
    chain: Box<[u32]>,
}

impl RootPath {
    pub(crate) fn segments(&self) -> &[PathSegment] {
        self.path.segments()
    }
}

/// What one record gave for each prefix so far.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Prefix<'a> {
    Unknown,
    Found(&'a Value),
    Missing,
}

enum Step<'a> {
    Child(&'a Value),
    Missing,
    /// `.length` or a string's unit: computed, not cached.
    Computed,
}

fn step_ref<'a>(value: &'a Value, segment: &PathSegment) -> Step<'a> {
    let found = match value {
        Value::Object(map) => lookup(map, segment.key()),
        Value::Array(_) | Value::String(_) if segment.is_length() => return Step::Computed,
        Value::Array(items) => segment.index().and_then(|i| items.get(i as usize)),
        Value::String(s) => match segment.index() {
            Some(i) if (i as usize) < js::utf16_len(s) => return Step::Computed,
            _ => None,
        },
        _ => None,
    };
    found.map_or(Step::Missing, Step::Child)
}

/// Path tries and field plans keep at most this many keys of a path as
/// nested nodes, which their users walk recursively. Longer paths are cut
/// there (a trie then selects the whole value) or left to the engine, which
/// walks paths without recursion.
pub(crate) const MAX_NESTED_PATH: usize = 64;

/// Objects up to this size are searched in order, comparing lengths first:
/// cheaper than hashing the key (SipHash) and probing the index, and the
/// entries are contiguous, so the scan stays on a few cache lines.
const SCAN_MAX: usize = 24;

/// Loads the first byte of every key of a small object the mapping will
/// read again, so their cache misses overlap instead of coming one by one
/// as sibling lookups compare keys.
fn warm_keys(value: &Value) {
    if let Value::Object(map) = value {
        if map.len() <= SCAN_MAX {
            let first_bytes = map.keys().fold(0u8, |acc, k| {
                acc ^ k.as_bytes().first().copied().unwrap_or(0)
            });
            std::hint::black_box(first_bytes);
        }
    }
}

/// `map.get(key)`, without hashing for small objects.
fn lookup<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() > SCAN_MAX {
        return map.get(key);
    }
    let wanted = key.as_bytes();
    map.iter()
        .find(|(k, _)| {
            let k = k.as_bytes();
            // Length and last byte first: most mismatches end there, without a memcmp call.
            k.len() == wanted.len() && k.last() == wanted.last() && k == wanted
        })
        .map(|(_, v)| v)
}

/// `get(record, path)` that remembers every prefix in `prefixes` (one slot
/// per id of the table), so sibling paths do not repeat the lookups.
pub(crate) fn get_from_record<'a>(
    record: &'a Value,
    path: &RootPath,
    prefixes: &mut [Prefix<'a>],
) -> Val<'a> {
    let segments = path.path.segments();
    let (mut start, mut current) = (0, record);
    for (i, id) in path.chain.iter().enumerate().rev() {
        match prefixes.get(*id as usize) {
            Some(Prefix::Found(v)) => {
                (start, current) = (i + 1, v);
                break;
            }
            Some(Prefix::Missing) => return Val::Undefined,
            _ => {}
        }
    }
    for (segment, id) in segments.iter().zip(path.chain.iter()).skip(start) {
        if !js::is_truthy(current) {
            break;
        }
        let slot = prefixes.get_mut(*id as usize);
        match step_ref(current, segment) {
            Step::Child(child) => {
                current = child;
                if let Some(slot) = slot {
                    *slot = Prefix::Found(child);
                    warm_keys(child);
                }
            }
            Step::Missing => {
                if let Some(slot) = slot {
                    *slot = Prefix::Missing;
                }
                return Val::Undefined;
            }
            Step::Computed => return get(&Val::Ref(record), &path.path),
        }
    }
    Val::Ref(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(raw: &str) -> Vec<String> {
        Path::parse(raw)
            .segments()
            .iter()
            .map(|s| s.key().to_owned())
            .collect()
    }

    #[test]
    fn lookup_matches_map_get_on_small_and_large_objects() {
        for size in [0, 3, SCAN_MAX, SCAN_MAX + 1, 100] {
            let map: serde_json::Map<String, Value> = (0..size)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect();
            for key in ["k0", "k2", "k24", "k99", "k", "", "k100"] {
                assert_eq!(lookup(&map, key), map.get(key), "{size} {key}");
            }
            warm_keys(&Value::Object(map));
        }
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
        let payload = Val::Ref(&input);
        let read = |p: &str| get(&payload, &Path::from_mapping(p)).into_output().unwrap();
        assert_eq!(read("$.a.b"), Some(json!(0)));
        assert_eq!(read("$.s.length"), Some(json!(3)));
        assert_eq!(read("$.s[1]"), Some(json!("b")));
        assert_eq!(read("$.arr.length"), Some(json!(3)));
        assert_eq!(read("$.arr[01]"), None);
        assert_eq!(read("$.o.k.z"), Some(json!(null)));
        assert_eq!(read("$.o.toString"), None);
        assert_eq!(read("$."), Some(input.clone()));
    }

    #[test]
    fn shared_prefix_lookups_match_plain_get() {
        let record = json!({
            "t": {"a": {"b": 1, "z": 0}, "s": "héllo", "arr": [{"x": 1}, null], "f": false},
            "n": null
        });
        let raw = [
            "t.a.b",
            "t.a.z.q",
            "t.a",
            "t.s.length",
            "t.s[1]",
            "t.s.x",
            "t.arr[0].x",
            "t.arr[1].y",
            "t.arr.length",
            "t.f.g",
            "n.x",
            "m.x",
            "m",
            "t.a.b.c",
            "",
            "t.arr[5]",
        ];
        let mut table = PrefixTable::default();
        let paths: Vec<RootPath> = raw
            .iter()
            .map(|p| table.root_path(Path::parse(p)))
            .collect();
        for order in [false, true] {
            let mut prefixes = vec![Prefix::Unknown; table.len()];
            let mut indices: Vec<usize> = (0..paths.len()).collect();
            if order {
                indices.reverse();
            }
            for i in indices {
                let cached = get_from_record(&record, &paths[i], &mut prefixes)
                    .into_output()
                    .unwrap();
                let plain = get(&Val::Ref(&record), &Path::parse(raw[i]))
                    .into_output()
                    .unwrap();
                assert_eq!(cached, plain, "{}", raw[i]);
            }
        }
    }
}
