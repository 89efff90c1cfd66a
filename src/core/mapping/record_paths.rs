//! Reading a record's paths while a mapping is applied: the prefixes that
//! several paths share (`$.traits` under `traits.email`, `traits.phone` …)
//! are numbered at compile time and looked up once per record, and small
//! objects are searched without hashing.

use foldhash::HashMap;

use super::path::{get_in_record, Path, PathSegment};
use super::value::Val;
use crate::js;
use crate::json_doc::{JsonRef, JsonView};

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
                .entry((parent, segment.key().into()))
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
    Found(JsonRef<'a>),
    Missing,
}

enum Step<'a> {
    Child(JsonRef<'a>),
    Missing,
    /// `.length` or a string's unit: computed, not cached.
    Computed,
}

#[inline(always)]
fn step_ref<'a>(value: JsonRef<'a>, segment: &PathSegment) -> Step<'a> {
    if let Some(members) = value.members() {
        return members
            .get(segment.key())
            .map_or(Step::Missing, Step::Child);
    }
    let found = match value.view() {
        JsonView::Array(_) | JsonView::String(_) if segment.is_length() => return Step::Computed,
        JsonView::Array(items) => segment.index().and_then(|i| items.get(i as usize)),
        JsonView::String(s) => match segment.index() {
            Some(i) if (i as usize) < js::utf16_len(s) => return Step::Computed,
            _ => None,
        },
        _ => None,
    };
    found.map_or(Step::Missing, Step::Child)
}

/// `get(record, path)` that remembers every prefix in `prefixes` (one slot
/// per id of the table), so sibling paths do not repeat the lookups.
/// Inlined (in release: see `apply::eval_in_place`): its value is then
/// built where it is used, not passed back through memory (a stall when it
/// is read back at once).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn get_from_record<'a>(
    record: JsonRef<'a>,
    path: &RootPath,
    prefixes: &mut [Prefix<'a>],
) -> Val<'a> {
    let segments = path.path.segments();
    let (mut start, mut current) = (0, record);
    for (i, id) in path.chain.iter().enumerate().rev() {
        match prefixes.get(*id as usize) {
            Some(Prefix::Found(v)) => {
                (start, current) = (i + 1, *v);
                break;
            }
            Some(Prefix::Missing) => return Val::Undefined,
            _ => {}
        }
    }
    for (segment, id) in segments.iter().zip(path.chain.iter()).skip(start) {
        if !current.is_truthy() {
            break;
        }
        let slot = prefixes.get_mut(*id as usize);
        match step_ref(current, segment) {
            Step::Child(child) => {
                current = child;
                if let Some(slot) = slot {
                    *slot = Prefix::Found(child);
                    if let Some(members) = child.members() {
                        members.warm();
                    }
                }
            }
            Step::Missing => {
                if let Some(slot) = slot {
                    *slot = Prefix::Missing;
                }
                return Val::Undefined;
            }
            Step::Computed => return get_in_record(record, &path.path),
        }
    }
    Val::Ref(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_doc::JsonDoc;
    use crate::mapping::budget::{Budget, MAX_OUTPUT_BYTES};
    use serde_json::json;

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
        let doc = JsonDoc::from_value(&record);
        let inputs = [JsonRef::from(&record), doc.root()];
        for (order, input) in [false, true]
            .into_iter()
            .flat_map(|o| inputs.map(|i| (o, i)))
        {
            let mut prefixes = vec![Prefix::Unknown; table.len()];
            let mut indices: Vec<usize> = (0..paths.len()).collect();
            if order {
                indices.reverse();
            }
            for i in indices {
                let mut budget = Budget::new(MAX_OUTPUT_BYTES);
                let cached = get_from_record(input, &paths[i], &mut prefixes)
                    .into_output(&mut budget)
                    .unwrap();
                let plain = get_in_record(JsonRef::from(&record), &Path::parse(raw[i]))
                    .into_output(&mut budget)
                    .unwrap();
                assert_eq!(cached, plain, "{}", raw[i]);
            }
        }
    }
}
