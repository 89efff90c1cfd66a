//! Throughput of the mapping core on a JSONL file of events (W1), for
//! `benchmarks/mapping.py`. Prints one JSON line of timings:
//! - `parsed_s`: applying the default upsert mapping to already-parsed events;
//! - `jsonl_to_body_s`: JSONL bytes → parse → map → serialised request body
//!   (`{"contacts":[…]}` per 1,000 events).
//!
//! Usage: cargo run --release -p segment-sendgrid-core --example w1_throughput -- FILE

use std::time::Instant;

use sendgrid_core::{default_mapping, Mapping};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args()
        .nth(1)
        .ok_or("usage: w1_throughput EVENTS.jsonl")?;
    let text = std::fs::read_to_string(&file)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l))
        .collect::<Result<_, _>>()?;
    let mapping = Mapping::compile(&default_mapping("upsert_contact")?)?;

    // Warm-up, then the best of three runs of each figure.
    for event in events.iter().take(20_000) {
        std::hint::black_box(mapping.apply(event)?);
    }
    let parsed_s = best_of(3, || {
        for event in &events {
            std::hint::black_box(mapping.apply(event).ok());
        }
    });
    let jsonl_to_body_s = best_of(3, || {
        let mut bytes = 0usize;
        for chunk in lines.chunks(1000) {
            let mut body = Vec::with_capacity(chunk.len() * 512);
            body.extend_from_slice(b"{\"contacts\":[");
            for (i, line) in chunk.iter().enumerate() {
                let event: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                if let Ok(Some(payload)) = mapping.apply(&event) {
                    if i > 0 {
                        body.push(b',');
                    }
                    serde_json::to_writer(&mut body, &payload).ok();
                }
            }
            body.extend_from_slice(b"]}");
            bytes += body.len();
        }
        std::hint::black_box(bytes);
    });
    println!(
        "{{\"events\":{},\"parsed_s\":{parsed_s},\"jsonl_to_body_s\":{jsonl_to_body_s}}}",
        events.len()
    );
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
