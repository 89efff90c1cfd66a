//! Compiling a mapping, and parsing records down to what it reads, take
//! time linear in the number of fields it reads (the trie of read paths
//! once searched its children in a list: 64,000 `@path`s took seconds and
//! 500,000 never finished). Figures for large mappings are in
//! `benchmarks/RESULTS.md` (`--example compile_scale`); this test only
//! checks how the time grows, with a wide margin.

use std::time::{Duration, Instant};

use segment_sendgrid_core::Mapping;
use serde_json::{json, Map, Value};

/// A mapping of `n` fields, each reading its own key, and a record with
/// those keys.
fn fields(n: usize) -> (Value, String) {
    let mapping: Map<String, Value> = (0..n)
        .map(|i| (format!("f{i}"), json!({"@path": format!("$.k{i}")})))
        .collect();
    let record: Map<String, Value> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
    (Value::Object(mapping), Value::Object(record).to_string())
}

/// The best of a few runs: the machine may be busy with other work.
fn best(mut run: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[test]
fn compiling_and_projecting_grow_linearly_with_the_fields_read() {
    let (small_mapping, small_record) = fields(4_000);
    let (large_mapping, large_record) = fields(32_000);
    let compile = |mapping: &Value| best(|| drop(Mapping::compile(mapping).unwrap()));
    let small = compile(&small_mapping);
    let large = compile(&large_mapping);
    // 8 times the fields: about 8 times the time when linear, 64 when
    // quadratic. The bound leaves room for caches and a busy machine.
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(ratio < 24.0, "compile: {small:?} → {large:?} (×{ratio:.1})");

    let (small_compiled, large_compiled) = (
        Mapping::compile(&small_mapping).unwrap(),
        Mapping::compile(&large_mapping).unwrap(),
    );
    let small = best(|| drop(small_compiled.parse_record(&small_record).unwrap()));
    let large = best(|| drop(large_compiled.parse_record(&large_record).unwrap()));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 24.0,
        "parse_record: {small:?} → {large:?} (×{ratio:.1})"
    );
    let parsed = large_compiled.parse_record(&large_record).unwrap();
    let out = large_compiled.apply(&parsed).unwrap().unwrap();
    assert_eq!(out["f31999"], json!(31_999));
}
