//! Contacts, import jobs, search, field definitions and lists, including
//! concurrent writers.

mod common;

use std::time::Duration;

use common::{call, start, start_with};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorOptions;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn upsert_creates_then_updates_with_custom_fields_and_lists() {
    let fake = start().await;
    let plan = fake.add_custom_field("plan", "Text").unwrap();
    let age = fake.add_custom_field("age", "Number").unwrap();
    let list = fake.add_list("VIP").unwrap();
    let body = json!({"list_ids": [list], "contacts": [
        {"email": "Ann@Example.com", "first_name": "Ann", "custom_fields": {(plan.clone()): "pro", (age.clone()): 41}},
        {"external_id": "u-2", "city": "Oslo"},
    ]});
    let put = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(body)).await;
    assert_eq!(put.status, 202);
    let job_id = put.body["job_id"].as_str().unwrap().to_owned();
    let first_job = job_id.clone();
    let job = call(
        &fake,
        Method::GET,
        &format!("/v3/marketing/contacts/imports/{job_id}"),
        None,
    )
    .await;
    assert_eq!(job.status, 200);
    assert_eq!(job.body["status"], "completed");
    assert_eq!(job.body["job_type"], "upsert");
    assert_eq!(job.body["results"]["created_count"], 2);
    assert!(job.body["finished_at"].is_string());
    let contacts = fake.contacts();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0]["email"], "ann@example.com");
    assert_eq!(contacts[0]["custom_fields"][&plan], "pro");
    assert_eq!(contacts[0]["list_ids"], json!([list]));
    assert_eq!(contacts[1]["external_id"], "u-2");
    // Mixed case updates the same contact; untouched fields keep their value.
    let update = json!({"contacts": [{"email": "ANN@example.COM", "last_name": "Lee"}]});
    let put = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(update)).await;
    let job_id = put.body["job_id"].as_str().unwrap();
    let job = call(
        &fake,
        Method::GET,
        &format!("/v3/marketing/contacts/imports/{job_id}"),
        None,
    )
    .await;
    assert_eq!(job.body["results"]["updated_count"], 1);
    let contacts = fake.contacts();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0]["first_name"], "Ann");
    assert_eq!(contacts[0]["last_name"], "Lee");
    let lists = call(&fake, Method::GET, "/v3/marketing/lists", None).await;
    assert_eq!(lists.body["result"][0]["contact_count"], 2);
    let order: Vec<Value> = fake.import_jobs().iter().map(|j| j["id"].clone()).collect();
    assert_eq!(
        order,
        [json!(first_job), json!(job_id)],
        "jobs listed in submission order"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_records_reject_the_whole_request_with_one_error_each() {
    let fake = start().await;
    let body = json!({"contacts": [
        {"email": "good@example.com"},
        {"email": "x"},
        {"first_name": "nobody"},
        {"email": "c@example.com", "custom_fields": {"w1": "by name"}},
    ]});
    let got = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(body)).await;
    assert_eq!(got.status, 400);
    assert_eq!(
        got.fields(),
        [
            "contacts[1].email",
            "contacts[2]",
            "contacts[3].custom_fields.w1"
        ]
    );
    assert_eq!(got.first_message(), "email 'x' is not valid");
    assert!(
        fake.contacts().is_empty(),
        "nothing of a rejected request is stored"
    );
    let missing_list = json!({"list_ids": ["0b0b0b0b-0000-4000-8000-000000000000"], "contacts": [{"email": "a@b.io"}]});
    assert_eq!(
        call(
            &fake,
            Method::PUT,
            "/v3/marketing/contacts",
            Some(missing_list)
        )
        .await
        .fields(),
        ["list_ids[0]"]
    );
    let too_many: Vec<Value> = (0..30_001)
        .map(|i| json!({"external_id": format!("id{i}")}))
        .collect();
    let over = call(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(json!({"contacts": too_many})),
    )
    .await;
    assert_eq!(over.status, 400);
    assert_eq!(over.fields(), ["contacts"]);
    let empty = call(
        &fake,
        Method::PUT,
        "/v3/marketing/contacts",
        Some(json!({"contacts": []})),
    )
    .await;
    assert_eq!(empty.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_job_is_pending_for_the_delay_then_reports_errors() {
    let fake = start_with(EmulatorOptions {
        import_delay_ms: 300,
        ..Default::default()
    })
    .await;
    let seed = json!({"contacts": [{"email": "a@example.com", "external_id": "A"}]});
    let first = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(seed)).await;
    let first_id = first.body["job_id"].as_str().unwrap().to_owned();
    let pending = call(
        &fake,
        Method::GET,
        &format!("/v3/marketing/contacts/imports/{first_id}"),
        None,
    )
    .await;
    assert_eq!(pending.body["status"], "pending");
    assert!(pending.body.get("finished_at").is_none());
    assert!(fake.contacts().is_empty(), "not applied before the delay");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        fake.contacts().len(),
        1,
        "applied by the timer without polling"
    );
    // An update that omits the stored external_id errors inside the job.
    let update = json!({"contacts": [{"email": "a@example.com", "first_name": "X"}, {"email": "new@example.com"}]});
    let second = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(update)).await;
    let second_id = second.body["job_id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(350)).await;
    let done = call(
        &fake,
        Method::GET,
        &format!("/v3/marketing/contacts/imports/{second_id}"),
        None,
    )
    .await;
    assert_eq!(done.body["status"], "errored");
    assert_eq!(done.body["results"]["errored_count"], 1);
    assert_eq!(done.body["results"]["created_count"], 1);
    let jobs = fake.import_jobs();
    let errored = jobs.iter().find(|j| j["id"] == second_id.as_str()).unwrap();
    assert_eq!(errored["errors"][0]["index"], 0);
    assert!(errored["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("external_id"));
    assert!(
        fake.contacts()[0].get("first_name") == Some(&json!("")),
        "the errored record changed nothing"
    );
    // All records failing makes the job "failed".
    let all_bad = json!({"contacts": [{"email": "a@example.com"}]});
    let third = call(&fake, Method::PUT, "/v3/marketing/contacts", Some(all_bad)).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let path = format!(
        "/v3/marketing/contacts/imports/{}",
        third.body["job_id"].as_str().unwrap()
    );
    assert_eq!(
        call(&fake, Method::GET, &path, None).await.body["status"],
        "failed"
    );
    let unknown = call(
        &fake,
        Method::GET,
        "/v3/marketing/contacts/imports/nope",
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn search_by_email_finds_primary_and_alternate_addresses() {
    let fake = start().await;
    let body =
        json!({"contacts": [{"email": "a@example.com", "alternate_emails": ["Alt@Example.com"]}]});
    call(&fake, Method::PUT, "/v3/marketing/contacts", Some(body)).await;
    let path = "/v3/marketing/contacts/search/emails";
    let found = call(
        &fake,
        Method::POST,
        path,
        Some(json!({"emails": ["A@example.com", "alt@example.com", "no@example.com"]})),
    )
    .await;
    assert_eq!(found.status, 200);
    assert_eq!(
        found.body["result"]["A@example.com"]["contact"]["email"],
        "a@example.com"
    );
    assert_eq!(
        found.body["result"]["alt@example.com"]["contact"]["alternate_emails"],
        json!(["alt@example.com"])
    );
    assert_eq!(
        found.body["result"]["no@example.com"],
        json!({"error": "contact not found"})
    );
    assert_eq!(
        call(
            &fake,
            Method::POST,
            path,
            Some(json!({"emails": ["none@example.com"]}))
        )
        .await
        .status,
        404
    );
    let invalid = call(&fake, Method::POST, path, Some(json!({"emails": ["bad"]}))).await;
    assert_eq!(
        (invalid.status, invalid.fields()),
        (400, vec!["emails[0]".to_owned()])
    );
    let many: Vec<String> = (0..101).map(|i| format!("u{i}@example.com")).collect();
    assert_eq!(
        call(&fake, Method::POST, path, Some(json!({"emails": many})))
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn field_definitions_follow_sendgrid_name_rules() {
    let fake = start().await;
    let path = "/v3/marketing/field_definitions";
    let created = call(
        &fake,
        Method::POST,
        path,
        Some(json!({"name": "favorite_color", "field_type": "Text"})),
    )
    .await;
    assert_eq!(created.status, 200, "SendGrid answers 200, not 201");
    assert_eq!(created.body["id"], "e1_T");
    for (name, kind) in [
        ("Favorite_Color", "Text"),
        ("email", "Text"),
        ("9lives", "Text"),
        ("has space", "Text"),
        ("ok", "Bool"),
    ] {
        let refused = call(
            &fake,
            Method::POST,
            path,
            Some(json!({"name": name, "field_type": kind})),
        )
        .await;
        assert_eq!(refused.status, 400, "{name}");
    }
    let listed = call(&fake, Method::GET, path, None).await;
    assert_eq!(
        listed.body["custom_fields"],
        json!([{"id": "e1_T", "name": "favorite_color", "field_type": "Text"}])
    );
    let reserved = listed.body["reserved_fields"].as_array().unwrap();
    assert!(reserved
        .iter()
        .any(|f| f["name"] == "created_at" && f["read_only"] == true));
    assert!(fake.add_custom_field("favorite_color", "Text").is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_are_created_with_201_and_paged() {
    let fake = start().await;
    for i in 0..5 {
        let got = call(
            &fake,
            Method::POST,
            "/v3/marketing/lists",
            Some(json!({"name": format!("list {i}")})),
        )
        .await;
        assert_eq!(got.status, 201);
        assert_eq!(got.body["id"].as_str().unwrap().len(), 36);
    }
    assert_eq!(
        call(
            &fake,
            Method::POST,
            "/v3/marketing/lists",
            Some(json!({"name": "list 0"}))
        )
        .await
        .status,
        400
    );
    let page = call(&fake, Method::GET, "/v3/marketing/lists?page_size=2", None).await;
    assert_eq!(page.body["result"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["_metadata"]["count"], 5);
    let next = page.body["_metadata"]["next"].as_str().unwrap();
    let next_path = next.strip_prefix(&fake.url()).unwrap();
    let second = call(&fake, Method::GET, next_path, None).await;
    assert_eq!(second.body["result"][0]["name"], "list 2");
    assert_eq!(
        call(&fake, Method::GET, "/v3/marketing/lists?page_size=0", None)
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writers_lose_and_duplicate_nothing() {
    let fake = start().await;
    let list = fake.add_list("all").unwrap();
    let url = format!("{}/v3/marketing/contacts", fake.url());
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let (url, key, list) = (url.clone(), fake.api_key(), list.clone());
        tasks.push(tokio::spawn(async move {
            let http = common::http();
            for batch in 0..25 {
                // Every writer also touches the shared contact "shared@example.com".
                let body = json!({"list_ids": [list], "contacts": [
                    {"email": format!("w{writer}-b{batch}@example.com")},
                    {"email": "shared@example.com", "first_name": format!("w{writer}")},
                ]});
                let status = http
                    .put(&url)
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 202);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let contacts = fake.contacts();
    assert_eq!(contacts.len(), 8 * 25 + 1);
    let mut emails: Vec<&str> = contacts
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), 201, "no duplicated contact");
    let lists = call(&fake, Method::GET, "/v3/marketing/lists", None).await;
    assert_eq!(lists.body["result"][0]["contact_count"], 201);
    let jobs = fake.import_jobs();
    assert_eq!(jobs.len(), 200);
    let updated: u64 = jobs
        .iter()
        .map(|j| j["results"]["updated_count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        updated, 199,
        "the shared contact was created once and updated 199 times"
    );
}
