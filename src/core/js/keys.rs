//! Property enumeration order: JS lists array-index keys first, ascending,
//! then the other keys in insertion order.

use serde_json::{Map, Value};

use crate::json_doc::{JsonRef, Members};

/// Largest property name JS treats as an array index (2^32 - 2).
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// The array index `key` stands for, if JS treats it as one: `"0"`, `"17"`,
/// but not `"01"`, `"-1"`, `"1.0"` or `"4294967295"`.
pub(crate) fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    match bytes {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ if bytes.len() > 10 => None,
        _ => {
            let mut n: u64 = 0;
            for &c in bytes {
                if !c.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u64::from(c - b'0');
            }
            u32::try_from(n).ok().filter(|_| n <= MAX_ARRAY_INDEX)
        }
    }
}

/// Sort key giving JS enumeration order when used with a stable sort:
/// array indices first in ascending order, then other keys as inserted.
pub(crate) fn order_key(key: &str) -> (bool, u32) {
    match array_index(key) {
        Some(i) => (false, i),
        None => (true, 0),
    }
}

/// Cheap test first: most keys do not start with a digit.
pub(crate) fn has_index_key<'k>(mut keys: impl Iterator<Item = &'k str>) -> bool {
    keys.any(|k| k.as_bytes().first().is_some_and(u8::is_ascii_digit) && array_index(k).is_some())
}

/// The members of `map` in the order JS would enumerate them.
pub(crate) fn entries_in_js_order(map: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let mut entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if has_index_key(map.keys().map(String::as_str)) {
        entries.sort_by_key(|(k, _)| order_key(k));
    }
    entries
}

/// The members of an input object in the order JS would enumerate them:
/// as held, unless a key is an array index (then sorted, which allocates).
pub(crate) fn members_in_js_order(
    members: Members<'_>,
) -> impl Iterator<Item = (&str, JsonRef<'_>)> {
    let sorted = has_index_key(members.keys()).then(|| {
        let mut entries: Vec<(&str, JsonRef<'_>)> = members.iter().collect();
        entries.sort_by_key(|(k, _)| order_key(k));
        entries
    });
    let held = sorted.is_none().then(|| members.iter());
    sorted
        .into_iter()
        .flatten()
        .chain(held.into_iter().flatten())
}
