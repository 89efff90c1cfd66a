//! Contact exports: what an export holds (every member of its lists once,
//! in json and csv), pending then ready, files split on whole lines, and
//! the snapshot rule.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::exports::{
    csv_rows, export, files, identifiers, json_lines, on, status, stored, text, upsert,
    Identifiers, CONTACTS,
};
use common::{call, http, start, start_with};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorOptions;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_json_export_holds_every_member_of_the_list_once() {
    let fake = start().await;
    let (vip, other) = (
        fake.add_list("VIP").unwrap(),
        fake.add_list("Other").unwrap(),
    );
    let plan = fake.add_custom_field("plan", "Text").unwrap();
    upsert(&fake, "m", 120, &[&vip]).await;
    upsert(&fake, "o", 7, &[&other]).await;
    upsert(&fake, "n", 3, &[]).await;
    let body = json!({"contacts": [{"email": "m0@example.com", "external_id": "m-0",
        "custom_fields": {plan: "pro"}}]});
    assert_eq!(
        call(&fake, Method::PUT, CONTACTS, Some(body)).await.status,
        202
    );
    let id = export(&fake, json!({"list_ids": [vip], "file_type": "json"})).await;
    let lines = json_lines(&files(&fake, &id).await);
    let got: BTreeMap<String, Identifiers> = lines
        .iter()
        .map(|l| (text(&l["contact_id"]), identifiers(l)))
        .collect();
    assert_eq!(got.len(), lines.len(), "a contact twice");
    assert_eq!(got, stored(&fake, on(&vip)));
    let first = lines
        .iter()
        .find(|l| l["email"] == "m0@example.com")
        .unwrap();
    assert_eq!(first["custom_fields"], json!({"plan": "pro"}));
    assert_eq!(first["first_name"], "Ann, \"A\"");
    assert_eq!(first["list_ids"], json!([vip]));
    assert!(first["created_at"].is_string() && first["updated_at"].is_string());
    let answer = status(&fake, &id).await;
    assert_eq!(answer.body["contact_count"], 120);
    assert_eq!(answer.body["export_type"], "list_export");
    assert_eq!(answer.body["lists"], json!([{"ID": vip, "Name": "VIP"}]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_export_of_two_lists_is_their_union() {
    let fake = start().await;
    let (a, b) = (fake.add_list("A").unwrap(), fake.add_list("B").unwrap());
    upsert(&fake, "a", 10, &[&a]).await;
    upsert(&fake, "b", 10, &[&b]).await;
    upsert(&fake, "ab", 5, &[&a, &b]).await;
    upsert(&fake, "n", 4, &[]).await;
    // No file_type: csv.
    let id = export(&fake, json!({"list_ids": [a, b, a]})).await;
    let texts = files(&fake, &id).await;
    assert_eq!(texts.len(), 1);
    let rows = csv_rows(&texts[0]);
    let header = &rows[0];
    assert_eq!(header[..3], ["CONTACT_ID", "EMAIL", "PHONE_NUMBER_ID"]);
    assert_eq!(header[header.len() - 2..], ["CREATED_AT", "UPDATED_AT"]);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (email, external) = (column("EMAIL"), column("EXTERNAL_ID"));
    let got: BTreeMap<String, Identifiers> = rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{r:?}");
            assert_eq!(r[column("FIRST_NAME")], "Ann, \"A\"");
            (r[0].clone(), (r[email].clone(), r[external].clone()))
        })
        .collect();
    assert_eq!(got.len(), 25);
    assert_eq!(got, stored(&fake, |c| on(&a)(c) || on(&b)(c)));
    let both = rows.iter().find(|r| r[email] == "ab0@example.com").unwrap();
    assert_eq!(both[column("LIST_IDS")], format!("{a},{b}"));
    // No list: every contact.
    let all = export(&fake, json!({"file_type": "csv"})).await;
    assert_eq!(csv_rows(&files(&fake, &all).await[0]).len(), 1 + 29);
    assert_eq!(
        status(&fake, &all).await.body["export_type"],
        "contacts_export"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_is_pending_for_the_import_delay_then_ready() {
    let options = EmulatorOptions {
        import_delay_ms: 1_000,
        ..EmulatorOptions::default()
    };
    let fake = start_with(options).await;
    let list = fake.add_list("VIP").unwrap();
    let id = export(&fake, json!({"list_ids": [list], "file_type": "json"})).await;
    let pending = status(&fake, &id).await;
    assert_eq!(pending.status, 200);
    assert_eq!(pending.body["status"], "pending");
    for absent in ["urls", "completed_at", "contact_count"] {
        assert!(pending.body.get(absent).is_none(), "{absent}");
    }
    for present in ["created_at", "updated_at", "expires_at"] {
        assert!(pending.body[present].as_str().unwrap().ends_with('Z'));
    }
    let early = format!("{}/downloads/contact-exports/{id}/1.json.gz", fake.url());
    assert_eq!(http().get(&early).send().await.unwrap().status(), 404);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let ready = status(&fake, &id).await;
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["contact_count"], 0);
    assert_eq!(ready.body["urls"], json!([early]));
    assert_eq!(files(&fake, &id).await, [""]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_split_size_gives_several_files_of_whole_lines() {
    let fake = start().await;
    let list = fake.add_list("VIP").unwrap();
    upsert(&fake, "m", 40, &[&list]).await;
    fake.set_export_file_bytes(Some(1_000)).unwrap();
    assert!(fake.set_export_file_bytes(Some(0)).is_err());
    let id = export(&fake, json!({"list_ids": [list], "file_type": "json"})).await;
    let texts = files(&fake, &id).await;
    assert!(texts.len() >= 5, "{} files", texts.len());
    for text in &texts {
        // Past 1,000 bytes only by the line that did not fit.
        assert!(text.len() <= 1_000 || text.lines().count() == 1);
        assert!(text.ends_with('\n'));
    }
    let ids: BTreeSet<String> = json_lines(&texts)
        .iter()
        .map(|l| text(&l["contact_id"]))
        .collect();
    assert_eq!(ids.len(), 40);
    let urls = status(&fake, &id).await.body["urls"].clone();
    assert!(urls[1]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{id}/2.json.gz")));
    let csv = export(&fake, json!({"list_ids": [list], "file_type": "csv"})).await;
    let texts = files(&fake, &csv).await;
    assert!(texts.len() >= 2);
    let rows: Vec<Vec<Vec<String>>> = texts.iter().map(|t| csv_rows(t)).collect();
    assert!(rows.iter().all(|file| file[0][0] == "CONTACT_ID"));
    assert_eq!(rows.iter().map(|file| file.len() - 1).sum::<usize>(), 40);
    // Back to max_file_size (5000 MB by default): one file.
    fake.set_export_file_bytes(None).unwrap();
    let one = export(&fake, json!({"list_ids": [list], "max_file_size": 1})).await;
    assert_eq!(files(&fake, &one).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_is_a_snapshot_of_its_creation() {
    let fake = start().await;
    let list = fake.add_list("VIP").unwrap();
    upsert(&fake, "m", 5, &[&list]).await;
    let before = stored(&fake, on(&list));
    let id = export(&fake, json!({"list_ids": [list], "file_type": "json"})).await;
    let gone = before.keys().next().unwrap();
    let path = format!("/v3/marketing/lists/{list}/contacts?contact_ids={gone}");
    assert_eq!(call(&fake, Method::DELETE, &path, None).await.status, 202);
    upsert(&fake, "late", 2, &[&list]).await;
    let ids: BTreeSet<String> = json_lines(&files(&fake, &id).await)
        .iter()
        .map(|l| text(&l["contact_id"]))
        .collect();
    assert_eq!(ids, before.keys().cloned().collect());
    assert_eq!(status(&fake, &id).await.body["contact_count"], 5);
    // A new export sees the list as it is now.
    let now = export(&fake, json!({"list_ids": [list], "file_type": "json"})).await;
    let lines = json_lines(&files(&fake, &now).await);
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(|l| &text(&l["contact_id"]) != gone));
}
