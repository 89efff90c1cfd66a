//! Emulator throughput, printed as figures (never asserted):
//! 1. small requests per second from a Rust load client (reqwest, keep-alive,
//!    many requests in flight) — target ≥ 20,000/s on a 2-core machine;
//! 2. the time to accept a ~6 MB, 30,000-contact PUT — target < 50 ms.
//!
//! Run: `cargo bench -p segment-sendgrid-emulator --bench emulator_throughput`
//! Optional args: `--seconds N` (default 5), `--concurrency N` (default 64).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use segment_sendgrid_emulator::{EmulatorOptions, FakeSendGrid};
use serde_json::json;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(arg("--seconds", 5), arg("--concurrency", 64) as usize));
}

async fn run(seconds: u64, concurrency: usize) {
    let fake = FakeSendGrid::start(EmulatorOptions::default())
        .await
        .expect("emulator starts");
    println!("emulator at {} ({} CPUs visible)", fake.url(), num_cpus());
    small_requests(&fake.url(), &fake.api_key(), seconds, concurrency).await;
    big_upsert(&fake.url(), &fake.api_key()).await;
    fake.stop_async().await;
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

async fn small_requests(url: &str, key: &str, seconds: u64, concurrency: usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let target = format!("{url}/v3/user/account");
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let run_for = |duration: Duration, count: bool| {
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, target, key) = (client.clone(), target.clone(), key.to_owned());
                let (done, failed) = (done.clone(), failed.clone());
                tokio::spawn(async move {
                    let end = Instant::now() + duration;
                    while Instant::now() < end {
                        let ok = match client.get(&target).bearer_auth(&key).send().await {
                            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        if count {
                            let counter = if ok { &done } else { &failed };
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        async move {
            for task in tasks {
                let _ = task.await;
            }
        }
    };
    run_for(Duration::from_millis(500), false).await; // warm-up: open connections
    let started = Instant::now();
    run_for(Duration::from_secs(seconds), true).await;
    let elapsed = started.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    println!(
        "small requests: {ok} in {elapsed:.2} s = {:.0} req/s ({} failed, {concurrency} in flight, GET /v3/user/account, client and server on the same cores)",
        ok as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
}

async fn big_upsert(url: &str, key: &str) {
    let client = reqwest::Client::new();
    // 30,000 W1-like contacts, padded to just under 6,000,000 bytes.
    let mut contacts: Vec<serde_json::Value> = (0..30_000)
        .map(|i| {
            json!({
                "email": format!("user{i}@example.com"),
                "first_name": "Ånna", "last_name": "Lindqvist",
                "city": "Göteborg",
                "external_id": format!("ext-{i:08}"),
            })
        })
        .collect();
    let mut body = serde_json::to_vec(&json!({ "contacts": contacts })).expect("json");
    // Each padded contact grows by `,"address_line_1":""` (20 bytes) + the padding.
    let pad = (6_000_000usize.saturating_sub(body.len()) / 30_000).saturating_sub(21);
    for contact in &mut contacts {
        contact["address_line_1"] = json!("x".repeat(pad.min(100)));
    }
    body = serde_json::to_vec(&json!({ "contacts": contacts })).expect("json");
    let target = format!("{url}/v3/marketing/contacts");
    let mut timings = Vec::new();
    let mut applied = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let response = client
            .put(&target)
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("answer");
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().await.expect("job id");
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 202, "the {} byte body must be accepted", body.len());
        // Untimed: wait for the job so its application does not overlap the next run.
        let job = format!(
            "{url}/v3/marketing/contacts/imports/{}",
            answer["job_id"].as_str().unwrap_or("")
        );
        loop {
            let state: serde_json::Value = client
                .get(&job)
                .bearer_auth(key)
                .send()
                .await
                .expect("job")
                .json()
                .await
                .expect("json");
            if state["status"] != "pending" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        applied.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    applied.sort_by(f64::total_cmp);
    timings.sort_by(f64::total_cmp);
    println!(
        "6 MB upsert: {} bytes, 30,000 contacts accepted (202) in median {:.1} ms, best {:.1} ms, worst {:.1} ms; job applied after median {:.1} ms (7 runs; the first creates, later ones update)",
        body.len(),
        timings[3],
        timings[0],
        timings[6],
        applied[3]
    );
}
