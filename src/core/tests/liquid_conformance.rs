//! `@liquid` against Segment's mapping-kit: the recorded vectors of
//! `tests/data/conformance/mapping-kit-liquid-vectors.json` (their source:
//! `tests/data/conformance/SOURCE.md`), and, when `LIQUID_DIFF_FILE` names a
//! file of the same format (`scripts/conformance/liquid_differential.mjs`
//! writes one), a differential run over it.

use std::path::PathBuf;

use segment_sendgrid_core::{JsonDoc, Mapping};
use serde_json::Value;

/// Vectors where this library differs from Segment on purpose, with why.
const DEVIATIONS: &[(&str, &str)] = &[
    (
        "disabled filter in an untaken branch",
        "a disabled filter is refused when the mapping compiles, wherever it is \
         (liquidjs throws only when the filter runs)",
    ),
    (
        "memory limit: doubling assigns",
        "what filters build is also held to the record's output budget (64 MiB by \
         default), reached here before liquidjs's 1e8 units: the record fails with \
         the budget's message",
    ),
];

fn read(path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// Runs one vector through `apply` and through a parsed `JsonDoc` record;
/// `Err` says how it differs from what Segment did.
fn check(vector: &Value) -> Result<(), String> {
    let (mapping, input) = (&vector["mapping"], &vector["input"]);
    let got = Mapping::compile(mapping).and_then(|m| m.apply(input));
    if let Ok(compiled) = Mapping::compile(mapping) {
        // Whole, and parsed only as far as the mapping reads it.
        let text = input.to_string();
        let whole = JsonDoc::parse(&text).map_err(|e| e.to_string())?;
        let projected = compiled.parse_record(&text).map_err(|e| e.to_string())?;
        for (how, doc) in [("whole", whole), ("projected", projected)] {
            let again = compiled.apply(&doc);
            if format!("{again:?}") != format!("{got:?}") {
                return Err(format!(
                    "{how} JsonDoc record differs: {again:?} vs {got:?}"
                ));
            }
        }
    }
    let wanted = if vector["error"] == true {
        format!("error {}", vector["error_message"])
    } else if vector["expected_absent"] == true {
        "undefined".to_owned()
    } else {
        serde_json::to_string(&vector["expected"]).unwrap()
    };
    let ok = match &got {
        Err(e) => vector["error_message"]
            .as_str()
            .is_some_and(|m| e.to_string().ends_with(m)),
        Ok(None) => vector["expected_absent"] == true,
        // Compared as text: key order and number spelling count.
        Ok(Some(out)) => serde_json::to_string(out).ok() == Some(wanted.clone()),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "mapping: {mapping}\n  wanted: {wanted}\n  got:    {got:?}"
        ))
    }
}

/// Every vector of `file` that differs, except the listed deviations.
fn differences(file: &Value) -> (usize, Vec<String>) {
    let vectors = file["vectors"].as_array().expect("vectors");
    let failures = vectors
        .iter()
        .filter(|v| !DEVIATIONS.iter().any(|(name, _)| v["name"] == *name))
        .filter_map(|v| check(v).err().map(|why| format!("{}\n  {why}", v["name"])))
        .collect();
    (vectors.len(), failures)
}

#[test]
fn liquid_vectors() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/conformance/mapping-kit-liquid-vectors.json");
    let file = read(&path);
    let (count, failures) = differences(&file);
    assert!(
        failures.is_empty(),
        "{} of {count} vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(count, file["counts"]["vectors"].as_u64().unwrap() as usize);
    // Each listed deviation is a vector that really differs.
    for (name, _) in DEVIATIONS {
        let v = file["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == *name);
        assert!(
            check(v.expect("deviation names a vector")).is_err(),
            "{name}"
        );
    }
}

#[test]
fn differential_file() {
    let Some(path) = std::env::var_os("LIQUID_DIFF_FILE") else {
        return; // only when a differential run was recorded
    };
    let (count, failures) = differences(&read(&PathBuf::from(path)));
    println!(
        "{count} random templates replayed, {} differ",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The paths a `@liquid` mapping reads are those of mapping-kit's
/// `getFieldValueKeys` (the 4 `@liquid` vectors of `mapping-kit-vectors.json`).
#[test]
fn liquid_reads_are_the_field_value_keys() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/conformance/mapping-kit-vectors.json");
    let file = read(&path);
    let vectors: Vec<&Value> = file["field_value_keys_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["value"].get("@liquid").is_some())
        .collect();
    assert_eq!(vectors.len(), 4);
    for v in vectors {
        let mapping = Mapping::compile(&serde_json::json!({"f": v["value"]})).unwrap();
        let keys: Vec<String> = mapping
            .input_paths()
            .iter()
            .map(|p| p.iter().map(|s| s.key()).collect::<Vec<_>>().join("."))
            .collect();
        let wanted: Vec<String> = serde_json::from_value(v["expected_keys"].clone()).unwrap();
        assert_eq!(keys, wanted, "{}", v["name"]);
    }
}
