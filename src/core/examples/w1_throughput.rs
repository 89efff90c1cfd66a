//! Throughput of the core on a JSONL file of events (W1), for
//! `benchmarks/mapping.py`. Prints one JSON line of timings:
//! - `parsed_s`: the default upsert mapping applied to already-parsed events
//!   held as [`JsonDoc`]s, the engine's own parsed form (whole events, not
//!   only what the mapping reads; borrowed output, as the engine hands it to
//!   serialisers);
//! - `parsed_value_s`: the same on events held as `serde_json::Value`s;
//! - `jsonl_to_body_s`: JSONL bytes → the exact `PUT /v3/marketing/contacts`
//!   bodies (1,000 contacts each), i.e. everything but the network, through
//!   `upsert::flat::payload_from_json` (parse what the mapping reads, map,
//!   Segment's schema stage, contact bytes), as a run takes them.
//!
//! Usage: cargo run --release -p segment-sendgrid-core --example w1_throughput -- FILE

use std::time::Instant;

use segment_sendgrid_core::build_contact;
use segment_sendgrid_core::payload_from_json;
use segment_sendgrid_core::validate_payload;
use segment_sendgrid_core::FieldDefinitions;
use segment_sendgrid_core::JsonDoc;
use segment_sendgrid_core::UpsertPayload;
use segment_sendgrid_core::{default_mapping, Mapping};
use serde_json::{json, Value};

// The allocator the Python extension ships with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let docs: Vec<JsonDoc> = lines
        .iter()
        .map(|l| JsonDoc::parse(l))
        .collect::<Result<_, _>>()?;
    let mapping = Mapping::compile(&default_mapping("upsert_contact")?)?;
    let fields = FieldDefinitions::from_json(&json!({"custom_fields": []}));

    for event in events.iter().take(20_000) {
        std::hint::black_box(mapping.apply_borrowed(event)?.is_some());
    }
    let parsed_s = best_of(3, || {
        for doc in &docs {
            std::hint::black_box(mapping.apply_borrowed(doc).ok().flatten().is_some());
        }
    });
    let parsed_value_s = best_of(3, || {
        for event in &events {
            std::hint::black_box(mapping.apply_borrowed(event).ok().flatten().is_some());
        }
    });
    let mut accepted = 0usize;
    let jsonl_to_body_s = best_of(3, || {
        accepted = 0;
        for chunk in lines.chunks(1000) {
            let mut body = Vec::with_capacity(chunk.len() * 400);
            body.extend_from_slice(b"{\"contacts\":[");
            for line in chunk {
                let contact = match payload_from_json(&mapping, line) {
                    Ok(UpsertPayload::Encoded(contact)) => contact,
                    Ok(UpsertPayload::Pending(pending)) => match pending.finish(&fields) {
                        Ok(contact) => contact,
                        Err(_) => continue,
                    },
                    Ok(UpsertPayload::Mapped(payload)) => {
                        let Ok(valid) = validate_payload(payload) else {
                            continue;
                        };
                        let Ok(contact) = build_contact(&valid, &fields) else {
                            continue;
                        };
                        contact
                    }
                    Err(_) => continue,
                };
                if accepted % 1000 != 0 {
                    body.push(b',');
                }
                body.extend_from_slice(&contact.json);
                accepted += 1;
            }
            body.extend_from_slice(b"]}");
            std::hint::black_box(&body);
        }
    });
    if accepted != events.len() {
        return Err(format!("only {accepted} of {} events became contacts", events.len()).into());
    }
    println!(
        "{{\"events\":{},\"parsed_s\":{parsed_s},\"parsed_value_s\":{parsed_value_s},\"jsonl_to_body_s\":{jsonl_to_body_s}}}",
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
