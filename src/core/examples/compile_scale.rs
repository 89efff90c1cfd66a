//! How long compiling a mapping of many `@path`s takes, for
//! `benchmarks/RESULTS.md`: one field per path, each reading its own key
//! (`{"f0": {"@path": "$.k0"}, …}`), so the trie of read paths has as many
//! children at its root as there are fields.
//!
//! Usage: cargo run --release -p segment-sendgrid-core --example compile_scale -- [N ...]

use std::time::Instant;

use segment_sendgrid_core::Mapping;
use serde_json::{json, Map, Value};

// The allocator the Python extension ships with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        sizes = vec![64_000, 500_000];
    }
    for n in sizes {
        let fields: Map<String, Value> = (0..n)
            .map(|i| (format!("f{i}"), json!({"@path": format!("$.k{i}")})))
            .collect();
        let mapping = Value::Object(fields);
        let started = Instant::now();
        let compiled = Mapping::compile(&mapping)?;
        let compile_s = started.elapsed().as_secs_f64();
        // Tearing the compiled mapping down is part of a `transform` call.
        let started = Instant::now();
        drop(Mapping::compile(&mapping)?);
        let compile_drop_s = started.elapsed().as_secs_f64();
        let record: Value = Value::Object((0..n).map(|i| (format!("k{i}"), json!(i))).collect());
        let text = record.to_string();
        let started = Instant::now();
        let parsed = compiled.parse_record(&text)?;
        let parse_s = started.elapsed().as_secs_f64();
        std::hint::black_box(&parsed);
        println!(
            "{{\"paths\":{n},\"compile_s\":{compile_s},\"compile_and_drop_s\":{compile_drop_s},\"parse_record_s\":{parse_s}}}"
        );
    }
    Ok(())
}
