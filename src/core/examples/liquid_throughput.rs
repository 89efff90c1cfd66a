//! `@liquid` throughput on a JSONL file of events (W1), for
//! `benchmarks/liquid.py`. Prints one JSON line: the seconds to map every
//! event held as a parsed [`JsonDoc`] (`parsed_s`) and as a
//! `serde_json::Value` (`value_s`), best of three, and the first results
//! (`sample`) so the driver can check them against Segment's.
//!
//! Usage: cargo run --release -p segment-sendgrid-core --example liquid_throughput -- EVENTS.jsonl MAPPING.json

use std::time::Instant;

use segment_sendgrid_core::{JsonDoc, Mapping};
use serde_json::Value;

// The allocator the Python extension ships with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(events_file), Some(mapping_file)) = (args.next(), args.next()) else {
        return Err("usage: liquid_throughput EVENTS.jsonl MAPPING.json".into());
    };
    let text = std::fs::read_to_string(events_file)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l))
        .collect::<Result<_, _>>()?;
    let docs: Vec<JsonDoc> = lines
        .iter()
        .map(|l| JsonDoc::parse(l))
        .collect::<Result<_, _>>()?;
    let mapping = Mapping::compile(&serde_json::from_str(&std::fs::read_to_string(
        mapping_file,
    )?)?)?;

    let sample: Vec<Value> = events
        .iter()
        .take(200)
        .map(|e| mapping.apply(e).map(|v| v.unwrap_or(Value::Null)))
        .collect::<Result<_, _>>()?;
    let parsed_s = best_of(3, || {
        for doc in &docs {
            std::hint::black_box(mapping.apply_borrowed(doc).ok().flatten().is_some());
        }
    });
    let value_s = best_of(3, || {
        for event in &events {
            std::hint::black_box(mapping.apply(event).ok().flatten().is_some());
        }
    });
    let out = serde_json::json!({
        "events": events.len(),
        "parsed_s": parsed_s,
        "value_s": value_s,
        "sample": sample,
    });
    println!("{out}");
    Ok(())
}

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
