//! Contact exports: the download links (no key, 404 on a wrong path,
//! faults and the request log apply), the 404/400 of unknown ids and bad
//! bodies, the list of exports and the scopes.

mod common;

use common::exports::{export, status, text, upsert, EXPORTS};
use common::{call, http, start, start_with};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorOptions;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn downloads_need_no_key_and_wrong_paths_are_404() {
    let fake = start().await;
    let list = fake.add_list("VIP").unwrap();
    upsert(&fake, "m", 2, &[&list]).await;
    let id = export(&fake, json!({"list_ids": [list], "file_type": "json"})).await;
    let base = format!("{}/downloads/contact-exports", fake.url());
    let get = |url: String| async move { http().get(url).send().await.unwrap().status().as_u16() };
    assert_eq!(get(format!("{base}/{id}/1.json.gz")).await, 200);
    let wrong_key = http()
        .get(format!("{base}/{id}/1.json.gz"))
        .bearer_auth("SG.wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), 200);
    for wrong in [
        "2.json.gz",
        "0.json.gz",
        "01.json.gz",
        "1.csv.gz",
        "1.json",
        "x",
    ] {
        assert_eq!(get(format!("{base}/{id}/{wrong}")).await, 404, "{wrong}");
    }
    assert_eq!(get(format!("{base}/not-an-export/1.json.gz")).await, 404);
    let post = http()
        .post(format!("{base}/{id}/1.json.gz"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    // Logged like any request, and subject to injected faults.
    let file = format!("/downloads/contact-exports/{id}/1.json.gz");
    fake.fail_next(&file, 503, 1, None, false).unwrap();
    assert_eq!(get(format!("{}{file}", fake.url())).await, 503);
    assert!(fake.requests().iter().any(|r| r["path"] == file));
    // The links follow the download base.
    let other = fake.url().replace("127.0.0.1", "localhost");
    fake.set_download_base(Some(other.clone())).unwrap();
    let urls = status(&fake, &id).await.body["urls"].clone();
    assert!(urls[0].as_str().unwrap().starts_with(&other));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_ids_and_bad_bodies_are_refused() {
    let fake = start().await;
    let list = fake.add_list("VIP").unwrap();
    let missing = "0b0b0b0b-0000-4000-8000-000000000000";
    let answer = call(
        &fake,
        Method::POST,
        EXPORTS,
        Some(json!({"list_ids": [list, missing]})),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.fields(), ["list_ids[1]"]);
    assert!(answer.first_message().contains(missing));
    let answer = status(&fake, missing).await;
    assert_eq!(
        (answer.status, answer.fields()),
        (404, vec!["id".to_owned()])
    );
    let segments = json!({"segment_ids": ["s1"]});
    let answer = call(&fake, Method::POST, EXPORTS, Some(segments)).await;
    assert_eq!(
        (answer.status, answer.fields()),
        (400, vec!["segment_ids".to_owned()])
    );
    assert!(answer.first_message().contains("not emulated"));
    let bad = json!({"list_ids": list, "file_type": "xml", "max_file_size": "5"});
    let answer = call(&fake, Method::POST, EXPORTS, Some(bad)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.fields(), ["list_ids", "file_type", "max_file_size"]);
    let raw = common::call_raw(&fake, Method::POST, EXPORTS, Some(b"{".to_vec()), &[]).await;
    assert_eq!((raw.status, raw.fields()), (400, vec!["null".to_owned()]));
    let answer = call(&fake, Method::POST, EXPORTS, Some(json!([]))).await;
    assert_eq!(answer.status, 400);
    // Nothing was created.
    let listed = call(&fake, Method::GET, EXPORTS, None).await;
    assert_eq!(listed.body["result"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_are_listed_oldest_first_and_reset_clears_them() {
    let fake = start().await;
    let first = export(&fake, json!({})).await;
    let second = export(&fake, json!({"file_type": "json"})).await;
    let listed = call(&fake, Method::GET, EXPORTS, None).await;
    assert_eq!(listed.status, 200);
    let ids: Vec<String> = listed.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| text(&e["id"]))
        .collect();
    assert_eq!(ids, [first.clone(), second]);
    assert_eq!(listed.body["result"][0]["status"], "ready");
    fake.set_export_file_bytes(Some(10)).unwrap();
    fake.reset();
    assert_eq!(status(&fake, &first).await.status, 404);
    // The split size is back to max_file_size: three contacts, one file.
    upsert(&fake, "m", 3, &[]).await;
    let id = export(&fake, json!({})).await;
    assert_eq!(
        status(&fake, &id).await.body["urls"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_need_a_marketing_read_scope() {
    let options = EmulatorOptions {
        scopes: Some(vec!["mail.send".into()]),
        ..EmulatorOptions::default()
    };
    let fake = start_with(options).await;
    assert_eq!(
        call(&fake, Method::POST, EXPORTS, Some(json!({})))
            .await
            .status,
        403
    );
    assert_eq!(call(&fake, Method::GET, EXPORTS, None).await.status, 403);
    let options = EmulatorOptions {
        scopes: Some(vec!["marketing.read".into()]),
        ..EmulatorOptions::default()
    };
    let fake = start_with(options).await;
    assert_eq!(
        call(&fake, Method::POST, EXPORTS, Some(json!({})))
            .await
            .status,
        202
    );
}
