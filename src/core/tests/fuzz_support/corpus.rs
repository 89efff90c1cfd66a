//! The seed corpus in `tests/fuzz_corpus/`, replayed by every test run:
//! cases found by fuzzing or reported (the output explosions among them),
//! kept as files so that they are checked the same way as generated ones.
//!
//! - `mapping/*.json`: `{"mapping": …, "records": [...], "limit": bytes?,
//!   "errors": [substring or null, one per record]?}`;
//! - `json/*.json` (any text, not necessarily JSON): parsed as a record.

use std::path::{Path, PathBuf};

use proptest::test_runner::TestCaseError;
use segment_sendgrid_core::{Mapping, MAX_OUTPUT_BYTES};
use serde_json::Value;

use super::checks;

fn files(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}

fn fail(file: &Path, error: TestCaseError) -> ! {
    panic!("{}: {error}", file.display())
}

/// Replays every mapping case; returns how many records were applied.
pub fn replay_mappings() -> usize {
    let mut applied = 0;
    for file in files("mapping") {
        let text = std::fs::read_to_string(&file).unwrap();
        let case: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let records = case["records"].as_array().cloned().unwrap_or_default();
        let limit = case["limit"]
            .as_u64()
            .map_or(MAX_OUTPUT_BYTES, |l| l as usize);
        let outcomes = checks::mapping_case(&case["mapping"], &records, limit)
            .unwrap_or_else(|e| fail(&file, e));
        let expected = case["errors"].as_array().cloned().unwrap_or_default();
        for (i, want) in expected.iter().enumerate() {
            let got = outcomes.get(i);
            match (want.as_str(), got) {
                (Some(part), Some(Err(message))) => {
                    assert!(
                        message.contains(part),
                        "{} record {i}: {message}",
                        file.display()
                    );
                }
                (None, Some(Ok(_))) => {}
                _ => panic!(
                    "{} record {i}: expected {want}, got {got:?}",
                    file.display()
                ),
            }
        }
        applied += outcomes.len();
    }
    applied
}

/// Replays every JSON text case against the parser and a mapping's
/// projection of it.
pub fn replay_json_texts() {
    let mapping = Mapping::compile(&serde_json::json!({
        "a": {"@path": "$.a"},
        "deep": {"@path": "$.b.c"},
        "t": {"@template": "{{s}}"}
    }))
    .unwrap();
    for file in files("json") {
        let bytes = std::fs::read(&file).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        checks::json_text(text, Some(&mapping)).unwrap_or_else(|e| fail(&file, e));
    }
}
