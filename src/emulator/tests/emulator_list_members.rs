//! Taking contacts off a list and deleting contacts: what each DELETE
//! changes, its job, its errors, and the 414 of a URL too long.

mod common;

use common::{call, start};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorHandle;
use serde_json::{json, Value};

const CONTACTS: &str = "/v3/marketing/contacts";

/// Upserts `count` contacts onto `list` and returns their ids, in order.
async fn members(fake: &EmulatorHandle, list: &str, count: usize) -> Vec<String> {
    let contacts: Vec<Value> = (0..count)
        .map(|i| json!({"email": format!("m{i}@example.com")}))
        .collect();
    let body = json!({"list_ids": [list], "contacts": contacts});
    assert_eq!(
        call(fake, Method::PUT, CONTACTS, Some(body)).await.status,
        202
    );
    let mut stored = fake.contacts();
    stored.sort_by_key(|c| {
        c["email"].as_str().unwrap()[1..]
            .split('@')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
    });
    stored
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn on_list(fake: &EmulatorHandle, list: &str) -> usize {
    let has = |c: &&Value| c["list_ids"].as_array().unwrap().iter().any(|l| l == list);
    fake.contacts().iter().filter(has).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn removal_from_a_list_keeps_the_contacts() {
    let fake = start().await;
    let list = fake.add_list("Newsletter").unwrap();
    let ids = members(&fake, &list, 5).await;
    let path = format!(
        "/v3/marketing/lists/{list}/contacts?contact_ids={},{}",
        ids[0], ids[3]
    );
    let answer = call(&fake, Method::DELETE, &path, None).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    assert!(answer.body["job_id"].is_string());
    assert_eq!(on_list(&fake, &list), 3);
    assert_eq!(fake.contacts().len(), 5);
    let count = call(
        &fake,
        Method::GET,
        &format!("/v3/marketing/lists/{list}/contacts/count"),
        None,
    )
    .await;
    assert_eq!(count.body["contact_count"], 3);
    // Again: they are no longer on it, which is no error.
    assert_eq!(call(&fake, Method::DELETE, &path, None).await.status, 202);
}

#[tokio::test(flavor = "multi_thread")]
async fn removal_errors_name_the_list_or_the_contact() {
    let fake = start().await;
    let list = fake.add_list("Newsletter").unwrap();
    let ids = members(&fake, &list, 2).await;
    let missing = call(
        &fake,
        Method::DELETE,
        &format!("/v3/marketing/lists/{list}/contacts"),
        None,
    )
    .await;
    assert_eq!(
        (missing.status, missing.fields()),
        (400, vec!["contact_ids".to_owned()])
    );
    let blank = format!("/v3/marketing/lists/{list}/contacts?contact_ids=,%20,");
    assert_eq!(call(&fake, Method::DELETE, &blank, None).await.status, 400);
    let no_list = format!("/v3/marketing/lists/nope/contacts?contact_ids={}", ids[0]);
    let answer = call(&fake, Method::DELETE, &no_list, None).await;
    assert_eq!(
        (answer.status, answer.fields()),
        (404, vec!["id".to_owned()])
    );
    let unknown = format!(
        "/v3/marketing/lists/{list}/contacts?contact_ids={},nope",
        ids[0]
    );
    let answer = call(&fake, Method::DELETE, &unknown, None).await;
    assert_eq!(answer.status, 404);
    assert!(
        answer.first_message().contains("'nope'"),
        "{:?}",
        answer.body
    );
    assert_eq!(
        on_list(&fake, &list),
        2,
        "a refused request changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deletion_is_a_job_followed_like_imports() {
    let fake = start().await;
    let list = fake.add_list("Customers").unwrap();
    let ids = members(&fake, &list, 4).await;
    let path = format!("{CONTACTS}?ids={},{},unknown-id", ids[1], ids[2]);
    let answer = call(&fake, Method::DELETE, &path, None).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    let job_id = answer.body["job_id"].as_str().unwrap();
    let job = call(
        &fake,
        Method::GET,
        &format!("{CONTACTS}/imports/{job_id}"),
        None,
    )
    .await;
    assert_eq!(job.body["job_type"], "delete");
    assert_eq!(job.body["status"], "completed");
    assert_eq!(job.body["results"]["requested_count"], 3);
    assert_eq!(job.body["results"]["deleted_count"], 2);
    let left: Vec<String> = fake
        .contacts()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&ids[0]) && left.contains(&ids[3]));
    assert_eq!(on_list(&fake, &list), 2);
    // Deleted contacts are gone from the identifier indexes too.
    let search = json!({"emails": ["m1@example.com", "m0@example.com"]});
    let found = call(
        &fake,
        Method::POST,
        &format!("{CONTACTS}/search/emails"),
        Some(search),
    )
    .await;
    assert!(found.body["result"]
        .get("m1@example.com")
        .and_then(|r| r.get("contact"))
        .is_none());
    assert!(found.body["result"]["m0@example.com"]["contact"].is_object());
    let all = call(
        &fake,
        Method::DELETE,
        &format!("{CONTACTS}?delete_all_contacts=true"),
        None,
    )
    .await;
    assert_eq!(all.status, 202);
    assert!(fake.contacts().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn deletion_needs_ids_or_all_but_not_both() {
    let fake = start().await;
    for (query, field) in [
        ("", "ids"),
        ("?ids=", "ids"),
        ("?delete_all_contacts=yes", "delete_all_contacts"),
        ("?ids=a&delete_all_contacts=true", "ids"),
    ] {
        let answer = call(&fake, Method::DELETE, &format!("{CONTACTS}{query}"), None).await;
        assert_eq!(
            (answer.status, answer.fields()),
            (400, vec![field.to_owned()]),
            "{query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_past_8_kib_is_414_and_changes_nothing() {
    let fake = start().await;
    let list = fake.add_list("Big").unwrap();
    let ids = members(&fake, &list, 3).await;
    // 36-byte ids and a comma: about 221 ids fit in 8 KiB.
    let many: Vec<String> = (0..250).map(|i| format!("{:036}", i)).collect();
    let path = format!(
        "/v3/marketing/lists/{list}/contacts?contact_ids={},{}",
        ids[0],
        many.join(",")
    );
    let answer = call(&fake, Method::DELETE, &path, None).await;
    assert_eq!(answer.status, 414, "{:?}", answer.body);
    assert!(answer.first_message().contains("8192"), "{:?}", answer.body);
    assert_eq!(on_list(&fake, &list), 3);
}
