//! Throughput of the core on Arrow record batches of the W1 contact shape
//! as flat columns (email, names, address parts, phone; with
//! `--custom-fields`, three custom fields of text, number and date), for
//! `benchmarks/tables.py`. One thread. Prints one JSON line:
//! - `rows`: rows read;
//! - `fast_s`: batches → the exact `PUT /v3/marketing/contacts` bodies
//!   (1,000 contacts each) as a run makes them: the schema planned once,
//!   each row's contact written from the Arrow buffers when the mapping
//!   allows (`upsert::flat_table`), else through the document path;
//! - `document_s`: the same through the document path alone (each row
//!   written into a `JsonDoc`, mapped by the engine, then the schema stage
//!   and the contact), the path of struct columns and other directives.
//!
//! Usage: cargo run --release -p segment-sendgrid-core --example table_throughput -- [ROWS] [--custom-fields] [--fast-only]

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use segment_sendgrid_core::build_contact;
use segment_sendgrid_core::payload_from_doc;
use segment_sendgrid_core::validate_payload;
use segment_sendgrid_core::DocWriter;
use segment_sendgrid_core::FieldDefinitions;
use segment_sendgrid_core::FlatTable;
use segment_sendgrid_core::RowPlan;
use segment_sendgrid_core::UpsertPayload;
use segment_sendgrid_core::{default_mapping, Mapping};
use serde_json::json;

// The allocator the Python extension ships with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 65_536;
const CITIES: [(&str, &str, &str, &str); 3] = [
    ("San Francisco", "CA", "USA", "94107"),
    ("München", "BY", "Germany", "80331"),
    ("Paris", "IDF", "France", "75001"),
];
const FIRST: [&str; 4] = ["Ada", "José", "Zoë", "Łukasz"];
const LAST: [&str; 4] = ["Lovelace", "Müller", "García", "Nguyễn"];

fn batch(start: usize, len: usize, custom: bool) -> RecordBatch {
    let rows = start..start + len;
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.clone().map(f)))
    };
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("traits.email", text(&|i| format!("user{i:08}@example.com"))),
        ("traits.first_name", text(&|i| FIRST[i % 4].to_owned())),
        ("traits.last_name", text(&|i| LAST[i % 4].to_owned())),
        ("traits.address.city", text(&|i| CITIES[i % 3].0.to_owned())),
        (
            "traits.address.state",
            text(&|i| CITIES[i % 3].1.to_owned()),
        ),
        (
            "traits.address.country",
            text(&|i| CITIES[i % 3].2.to_owned()),
        ),
        (
            "traits.address.postal_code",
            text(&|i| CITIES[i % 3].3.to_owned()),
        ),
        (
            "traits.phone",
            text(&|i| format!("+1415{:07}", i % 10_000_000)),
        ),
    ];
    if custom {
        columns.push(("traits.plan", text(&|i| ["free", "pro"][i % 2].to_owned())));
        columns.push((
            "traits.score",
            Arc::new(Float64Array::from_iter_values(
                rows.clone().map(|i| (i % 1000) as f64 / 10.0),
            )),
        ));
        columns.push((
            "traits.signed_up",
            Arc::new(TimestampMillisecondArray::from_iter_values(
                rows.clone().map(|i| 1_700_000_000_000 + i as i64 * 1000),
            )),
        ));
    }
    RecordBatch::try_from_iter(columns).expect("a valid batch")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let custom = args.iter().any(|a| a == "--custom-fields");
    let batches: Vec<RecordBatch> = (0..rows)
        .step_by(BATCH)
        .map(|start| batch(start, BATCH.min(rows - start), custom))
        .collect();
    let mut source = default_mapping("upsert_contact")?;
    if custom {
        source["customFields"] = json!({
            "plan": {"@path": "$.traits.plan"},
            "score": {"@path": "$.traits.score"},
            "signed_up": {"@path": "$.traits.signed_up"},
        });
    }
    let mapping = Mapping::compile(&source)?;
    let fields = FieldDefinitions::from_json(&json!({"custom_fields": [
        {"id": "e1_T", "name": "plan", "field_type": "Text"},
        {"id": "e2_N", "name": "score", "field_type": "Number"},
        {"id": "e3_D", "name": "signed_up", "field_type": "Date"},
    ]}));
    let fast_s = best_of(3, || bodies(&batches, &mapping, &fields, true));
    // `--fast-only`: for profiling the fast path alone.
    let document_s = if args.iter().any(|a| a == "--fast-only") {
        f64::NAN
    } else {
        best_of(3, || bodies(&batches, &mapping, &fields, false))
    };
    let document = if document_s.is_nan() {
        "null".to_owned()
    } else {
        document_s.to_string()
    };
    println!("{{\"rows\":{rows},\"custom_fields\":{custom},\"fast_s\":{fast_s},\"document_s\":{document}}}");
    Ok(())
}

/// Every batch's rows into 1,000-contact bodies; panics unless all are accepted.
fn bodies(batches: &[RecordBatch], mapping: &Mapping, fields: &FieldDefinitions, fast: bool) {
    let plan = RowPlan::new(&batches[0].schema(), mapping.reads()).expect("plans");
    let direct = if fast {
        FlatTable::new(mapping, &plan)
    } else {
        None
    };
    let mut doc = DocWriter::new();
    let mut body = Vec::new();
    let mut in_body = 0;
    let mut accepted = 0;
    for batch in batches {
        let rows = plan.bind(batch).expect("binds");
        for row in 0..rows.len() {
            let payload = match &direct {
                Some(direct) => direct.payload(&rows, row, row).ok(),
                None => {
                    rows.write_row(row, &mut doc).ok();
                    payload_from_doc(mapping, doc.finish()).ok()
                }
            };
            let contact = match payload {
                Some(UpsertPayload::Encoded(contact)) => contact,
                Some(UpsertPayload::Pending(pending)) => pending.finish(fields).expect("a contact"),
                Some(UpsertPayload::Mapped(payload)) => {
                    let valid = validate_payload(payload).expect("valid");
                    build_contact(&valid, fields).expect("a contact")
                }
                None => panic!("row {row} failed"),
            };
            if in_body == 0 {
                body.clear();
                body.extend_from_slice(b"{\"contacts\":[");
            } else {
                body.push(b',');
            }
            body.extend_from_slice(&contact.json);
            in_body += 1;
            accepted += 1;
            if in_body == 1000 {
                body.extend_from_slice(b"]}");
                std::hint::black_box(&body);
                in_body = 0;
            }
        }
    }
    assert_eq!(
        accepted,
        batches.iter().map(RecordBatch::num_rows).sum::<usize>()
    );
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
