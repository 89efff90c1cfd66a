//! Compiled mappings of the mapping dicts passed most recently, so that
//! `sg.transform(mapping, event)` in a loop, or a single-record client call
//! per event, compiles its mapping once and not once per call.
//!
//! A dict can change between calls, so it is looked up by its content: the
//! JSON text of its conversion (key order included, which decides the
//! output's). Converting and writing that text costs a fraction of
//! compiling (no nodes, paths or tries are built), and a `Mapping` object
//! skips even that. The cache is small and bounded in entries and in text.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::mapping::CompiledMapping;

/// Mappings kept: the handful a program alternates between.
const ENTRIES: usize = 16;
/// Text kept, all entries together; a mapping whose text alone is larger
/// is compiled each time.
const TEXT_BYTES: usize = 16 * 1024 * 1024;

/// What a mapping was compiled for: the same source compiles differently
/// alone (`transform`) and over each action's defaults.
pub type Purpose = u8;

struct Entry {
    purpose: Purpose,
    text: String,
    compiled: Arc<CompiledMapping>,
}

static CACHE: Mutex<VecDeque<Entry>> = Mutex::new(VecDeque::new());

/// What `sg.transform` compiles: the mapping alone.
pub const TRANSFORM: Purpose = 0;

/// The compiled form of `source` for `purpose`: from the cache, or made by
/// `compile` (outside the lock) and kept, most recent first.
pub fn compiled<E>(
    purpose: Purpose,
    source: Value,
    compile: impl FnOnce(Value) -> Result<CompiledMapping, E>,
) -> Result<Arc<CompiledMapping>, E> {
    let text = source.to_string();
    if let Some(found) = take(purpose, &text) {
        return Ok(found);
    }
    let compiled = Arc::new(compile(source)?);
    if text.len() <= TEXT_BYTES {
        keep(Entry {
            purpose,
            text,
            compiled: Arc::clone(&compiled),
        });
    }
    Ok(compiled)
}

fn entries() -> std::sync::MutexGuard<'static, VecDeque<Entry>> {
    // A panic while holding the lock leaves the list as it was: still usable.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The entry for `text`, moved to the front.
fn take(purpose: Purpose, text: &str) -> Option<Arc<CompiledMapping>> {
    let mut entries = entries();
    let at = entries
        .iter()
        .position(|e| e.purpose == purpose && e.text.len() == text.len() && e.text == text)?;
    let entry = entries.remove(at)?;
    let found = Arc::clone(&entry.compiled);
    entries.push_front(entry);
    Some(found)
}

fn keep(entry: Entry) {
    let mut entries = entries();
    let same = |e: &Entry| e.purpose == entry.purpose && e.text == entry.text;
    if entries.iter().any(same) {
        return; // compiled twice at once: the first one stays
    }
    entries.push_front(entry);
    let mut text: usize = entries.iter().map(|e| e.text.len()).sum();
    while entries.len() > ENTRIES || text > TEXT_BYTES {
        match entries.pop_back() {
            Some(evicted) => text -= evicted.text.len(),
            None => break,
        }
    }
}
