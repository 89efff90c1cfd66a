//! Mapping engine throughput on workload W1 (docs/BENCHMARKS.md): seeded
//! synthetic identify events of about 1.2 KB, Segment's Upsert Contact
//! default mapping, applied to already-parsed `serde_json::Value`s.
//!
//! `cargo bench -p segment-sendgrid-core --bench mapping`; divan prints the
//! events/s figure as `item/s`. Also the upsert request-body serialiser, from
//! parsed values and from JSON text.

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use segment_sendgrid_core::{default_mapping, Mapping};
use segment_sendgrid_core::{encode_mapped_contact, payload_from_json};
use serde_json::{json, Value};

const EVENTS: usize = 1_000;

const FIRST_NAMES: [&str; 12] = [
    "Zoë",
    "José",
    "Åsa",
    "Björn",
    "Łukasz",
    "Siobhán",
    "Renée",
    "Chloé",
    "Øyvind",
    "François",
    "Ada",
    "Hiroshi",
];
const LAST_NAMES: [&str; 10] = [
    "Müller",
    "García",
    "Ångström",
    "Nowak",
    "O'Brien",
    "Dvořák",
    "Søndergaard",
    "Lovelace",
    "Yamada",
    "Fernández",
];
const CITIES: [(&str, &str, &str); 6] = [
    ("San Francisco", "CA", "USA"),
    ("München", "BY", "Germany"),
    ("São Paulo", "SP", "Brazil"),
    ("Kraków", "MA", "Poland"),
    ("Zürich", "ZH", "Switzerland"),
    ("Montréal", "QC", "Canada"),
];
const PLANS: [&str; 4] = ["free", "starter", "business", "enterprise"];
const COLORS: [&str; 5] = ["blue", "vert", "röd", "amarillo", "紫"];

fn hex(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.u32(..16), 16).unwrap_or('0'))
        .collect()
}

fn uuid(rng: &mut fastrand::Rng) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 3),
        hex(rng, 12)
    )
}

/// One W1 identify event, deterministic for a given generator state.
fn w1_event(rng: &mut fastrand::Rng, i: usize) -> Value {
    let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
    let (city, state, country) = CITIES[rng.usize(..CITIES.len())];
    let day = rng.u32(1..28);
    let ts = format!(
        "2024-03-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rng.u32(..24),
        rng.u32(..60),
        rng.u32(..60),
        rng.u32(..1000)
    );
    json!({
        "type": "identify",
        "userId": format!("user-{i:07}"),
        "anonymousId": uuid(rng),
        "messageId": format!("ajs-next-{}", hex(rng, 32)),
        "timestamp": ts,
        "sentAt": ts,
        "receivedAt": ts,
        "originalTimestamp": ts,
        "context": {
            "library": {"name": "analytics.js", "version": "next-1.64.0"},
            "ip": format!("203.0.{}.{}", rng.u8(..255), rng.u8(1..255)),
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "locale": "de-DE",
            "timezone": "Europe/Berlin",
            "page": {
                "path": "/pricing",
                "referrer": "https://www.google.com/",
                "search": "?utm_source=newsletter",
                "title": "Pricing – Example",
                "url": "https://www.example.com/pricing?utm_source=newsletter"
            }
        },
        "traits": {
            "email": format!("{}.{}{i}@example.com", first.to_lowercase(), last.to_lowercase()),
            "first_name": first,
            "last_name": last,
            "phone": format!("+1415555{:04}", rng.u32(..10_000)),
            "address": {
                "city": city,
                "state": state,
                "country": country,
                "postal_code": format!("{:05}", rng.u32(..100_000)),
                "line1": format!("{} Market Street", rng.u32(1..2000))
            },
            "plan": PLANS[rng.usize(..PLANS.len())],
            "company": "Initech GmbH",
            "title": "Head of Growth",
            "age": rng.u32(18..90),
            "logins": rng.u32(..5000),
            "vip": rng.bool(),
            "signup_source": "newsletter",
            "favorite_color": COLORS[rng.usize(..COLORS.len())],
            "lifetime_value": f64::from(rng.u32(..1_000_000)) / 100.0,
            "created_at": format!("2023-0{}-{day:02}T08:00:00.000Z", rng.u32(1..10))
        },
        "integrations": {}
    })
}

fn w1_events(n: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0x0057_0001);
    (0..n).map(|i| w1_event(&mut rng, i)).collect()
}

fn compiled(action: &str) -> Mapping {
    let mapping = default_mapping(action).expect("default mapping");
    Mapping::compile(&mapping).expect("compiles")
}

#[divan::bench]
fn apply_upsert_contact_default(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let events = w1_events(EVENTS);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for event in &events {
            black_box(mapping.apply(black_box(event)).ok());
        }
    });
}

/// The same on 50 events that stay in the CPU caches, as when each event
/// is mapped right after it was parsed.
#[divan::bench]
fn apply_upsert_contact_default_cache_hot(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let events = w1_events(50);
    bencher.counter(ItemsCount::new(events.len())).bench(|| {
        for event in &events {
            black_box(mapping.apply(black_box(event)).ok());
        }
    });
}

/// The borrowed result (no key or string copied), dropped right away: the
/// cost of the mapping itself.
#[divan::bench]
fn apply_borrowed_upsert_contact_default(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let events = w1_events(EVENTS);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for event in &events {
            black_box(mapping.apply_borrowed(black_box(event)).ok());
        }
    });
}

/// The borrowed result serialized as JSON into one reused buffer, as a
/// request body is written.
#[divan::bench]
fn apply_borrowed_and_serialize_upsert_contact_default(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let events = w1_events(EVENTS);
    let mut body = Vec::with_capacity(EVENTS * 600);
    bencher.counter(ItemsCount::new(EVENTS)).bench_local(|| {
        body.clear();
        for event in &events {
            if let Ok(Some(mapped)) = mapping.apply_borrowed(black_box(event)) {
                let _ = serde_json::to_writer(&mut body, &mapped);
            }
        }
        black_box(body.len());
    });
}

/// Parsed events → the contact bytes of a request body (Segment's schema
/// stage and `convertPayload` in one pass): the request-body serialiser.
#[divan::bench]
fn encode_upsert_contacts_from_values(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let events = w1_events(EVENTS);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for event in &events {
            let mapped = mapping.apply_borrowed(black_box(event)).ok().flatten();
            black_box(mapped.as_ref().and_then(encode_mapped_contact));
        }
    });
}

/// JSON text of an event → its contact bytes, parsing only what the mapping
/// reads: the per-record work of a JSONL upsert.
#[divan::bench]
fn encode_upsert_contacts_from_json_text(bencher: Bencher) {
    let mapping = compiled("upsert_contact");
    let lines: Vec<String> = w1_events(EVENTS).iter().map(Value::to_string).collect();
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for line in &lines {
            black_box(payload_from_json(&mapping, black_box(line)).ok());
        }
    });
}

fn read<'v>(root: Option<&'v Value>, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(root?, |v, k| v.get(k))
}

/// Reference floor, not the engine: the same fields read and copied into a
/// `serde_json::Value` by hand-written Rust (traits, else properties).
#[divan::bench]
fn hand_written_upsert_contact_reference(bencher: Bencher) {
    const FIELDS: [(&str, &[&str]); 16] = [
        ("first_name", &["first_name"]),
        ("last_name", &["last_name"]),
        ("country", &["address", "country"]),
        ("postal_code", &["address", "postal_code"]),
        ("city", &["address", "city"]),
        ("state", &["address", "state"]),
        ("address_line_1", &["address", "line1"]),
        ("address_line_2", &["address", "line2"]),
        ("phone_number", &["phone"]),
        ("whatsapp", &["whatsapp"]),
        ("line", &["line"]),
        ("facebook", &["facebook"]),
        ("unique_name", &["unique_name"]),
        ("primary_email", &["email"]),
        ("phone_number_id", &["phone"]),
        ("external_id", &["external_id"]),
    ];
    let events = w1_events(EVENTS);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for event in &events {
            let (traits, properties) = (event.get("traits"), event.get("properties"));
            let mut out = serde_json::Map::with_capacity(18);
            out.insert("enable_batching".to_owned(), Value::Bool(true));
            for (field, path) in FIELDS {
                let found = read(traits, path)
                    .filter(|v| !v.is_null())
                    .or_else(|| read(properties, path));
                if let Some(v) = found {
                    out.insert(field.to_owned(), v.clone());
                }
            }
            if let Some(id) = event.get("anonymousId") {
                out.insert("anonymous_id".to_owned(), id.clone());
            }
            black_box(Value::Object(out));
        }
    });
}

#[divan::bench]
fn apply_send_email_default(bencher: Bencher) {
    let mapping = compiled("send_dynamic_template");
    let events = w1_events(EVENTS);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        for event in &events {
            black_box(mapping.apply(black_box(event)).ok());
        }
    });
}

#[divan::bench]
fn compile_upsert_contact_default(bencher: Bencher) {
    let mapping = default_mapping("upsert_contact").expect("default mapping");
    bencher.bench(|| black_box(Mapping::compile(black_box(&mapping)).ok()));
}

fn main() {
    let events = w1_events(EVENTS);
    let bytes: usize = events.iter().map(|e| e.to_string().len()).sum();
    println!(
        "W1: {EVENTS} events, {} bytes of JSON each on average",
        bytes / EVENTS
    );
    divan::main();
}
