//! The read endpoints over HTTP: one list and its count, the account's
//! contact count and sample, import-job errors files (fetched without the
//! key, from another origin too) and the 404 of a path that is not emulated.

mod common;

use common::{answer, call, http, start, Answer};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorHandle;
use serde_json::{json, Value};

/// PUTs `body`; returns the import job as the status endpoint shows it.
async fn import(fake: &EmulatorHandle, body: Value) -> Value {
    let put = call(fake, Method::PUT, "/v3/marketing/contacts", Some(body)).await;
    assert_eq!(put.status, 202, "{:?}", put.body);
    let path = format!(
        "/v3/marketing/contacts/imports/{}",
        put.body["job_id"].as_str().unwrap()
    );
    call(fake, Method::GET, &path, None).await.body
}

async fn get(fake: &EmulatorHandle, path: &str) -> Answer {
    call(fake, Method::GET, path, None).await
}

/// A GET with no Authorization header, as a download of a pre-signed link.
async fn download(url: &str) -> Answer {
    answer(http().get(url).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_shows_its_count_and_optionally_its_latest_contact() {
    let fake = start().await;
    let vip = fake.add_list("VIP").unwrap();
    let empty = fake.add_list("Empty").unwrap();
    import(
        &fake,
        json!({"list_ids": [vip], "contacts": [
        {"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@example.com"}]}),
    )
    .await;
    import(&fake, json!({"contacts": [{"email": "z@example.com"}]})).await;
    // Updating "a" makes it the list's most recent contact.
    import(
        &fake,
        json!({"list_ids": [vip], "contacts": [{"email": "a@example.com", "city": "Oslo"}]}),
    )
    .await;
    let list = get(&fake, &format!("/v3/marketing/lists/{vip}")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["id"], vip.as_str());
    assert_eq!(list.body["name"], "VIP");
    assert_eq!(list.body["contact_count"], 3);
    let link = format!("{}/v3/marketing/lists/{vip}", fake.url());
    assert_eq!(list.body["_metadata"]["self"], link.as_str());
    assert!(list.body.get("contact_sample").is_none());
    let sampled = get(
        &fake,
        &format!("/v3/marketing/lists/{vip}?contact_sample=True"),
    )
    .await;
    assert_eq!(sampled.body["contact_sample"]["email"], "a@example.com");
    assert_eq!(sampled.body["contact_sample"]["city"], "Oslo");
    let no_sample = get(
        &fake,
        &format!("/v3/marketing/lists/{vip}?contact_sample=false"),
    )
    .await;
    assert!(no_sample.body.get("contact_sample").is_none());
    let nobody = get(
        &fake,
        &format!("/v3/marketing/lists/{empty}?contact_sample=true"),
    )
    .await;
    assert_eq!(
        (
            nobody.body["contact_count"].clone(),
            nobody.body.get("contact_sample")
        ),
        (json!(0), None)
    );
    let bad = get(
        &fake,
        &format!("/v3/marketing/lists/{vip}?contact_sample=yes"),
    )
    .await;
    assert_eq!(
        (bad.status, bad.fields()),
        (400, vec!["contact_sample".to_owned()])
    );
    let count = get(&fake, &format!("/v3/marketing/lists/{vip}/contacts/count")).await;
    assert_eq!(
        (count.status, count.body),
        (200, json!({"contact_count": 3, "billable_count": 3}))
    );
    for path in [
        "/v3/marketing/lists/missing-id",
        "/v3/marketing/lists/missing-id/contacts/count",
    ] {
        let unknown = get(&fake, path).await;
        assert_eq!(
            (unknown.status, unknown.fields()),
            (404, vec!["id".to_owned()]),
            "{path}"
        );
        assert!(unknown.first_message().contains("missing-id"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_count_and_sample_of_the_50_most_recent() {
    let fake = start().await;
    assert_eq!(
        get(&fake, "/v3/marketing/contacts/count").await.body,
        json!({"contact_count": 0, "billable_count": 0})
    );
    let empty = get(&fake, "/v3/marketing/contacts").await;
    assert_eq!(
        (
            empty.status,
            empty.body["result"].clone(),
            empty.body["contact_count"].clone()
        ),
        (200, json!([]), json!(0))
    );
    // 60 contacts written z59 first, z00 last; then one without an email.
    let contacts: Vec<Value> = (0..60)
        .rev()
        .map(|i| json!({"email": format!("z{i:02}@example.com")}))
        .collect();
    import(&fake, json!({"contacts": contacts})).await;
    import(&fake, json!({"contacts": [{"external_id": "no-email"}]})).await;
    let count = get(&fake, "/v3/marketing/contacts/count").await;
    assert_eq!(
        count.body,
        json!({"contact_count": 61, "billable_count": 61})
    );
    let sample = get(&fake, "/v3/marketing/contacts").await;
    assert_eq!(sample.status, 200);
    assert_eq!(sample.body["contact_count"], 61);
    let emails: Vec<Value> = sample.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].clone())
        .collect();
    // The 50 most recent: the no-email contact and z48 … z00, sorted by
    // email, the one without an email last.
    let mut want: Vec<Value> = (0..49)
        .map(|i| json!(format!("z{i:02}@example.com")))
        .collect();
    want.push(Value::Null);
    assert_eq!(emails, want);
    let link = format!("{}/v3/marketing/contacts", fake.url());
    assert_eq!(sample.body["_metadata"]["self"], link.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn errored_jobs_link_an_errors_file_served_without_the_key() {
    let fake = start().await;
    let first = import(
        &fake,
        json!({"contacts": [
        {"email": "first@example.com", "phone_number_id": "+14155550100"}]}),
    )
    .await;
    assert_eq!(first["status"], "completed");
    assert!(first["results"].get("errors_url").is_none(), "{first}");
    let job = import(
        &fake,
        json!({"contacts": [
            {"email": "ok@example.com"},
            {"email": "second@example.com", "phone_number_id": "+14155550100"},
            {"external_id": "e-3"},
            {"email": "first@example.com", "external_id": "e-x"},
        ]}),
    )
    .await;
    assert_eq!(job["status"], "errored");
    let id = job["id"].as_str().unwrap();
    let url = job["results"]["errors_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/downloads/contact-imports/{id}/errors.json", fake.url())
    );
    let file = download(url).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers["content-type"], "application/json");
    let errors = file.body["errors"].as_array().unwrap();
    assert_eq!(file.body["job_id"], id);
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["index"], 1);
    assert_eq!(
        errors[0]["contact"],
        json!({"email": "second@example.com", "phone_number_id": "+14155550100"})
    );
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("has email 'first@example.com'"));
    assert_eq!(errors[1]["index"], 3);
    assert_eq!(
        errors[1]["contact"],
        json!({"email": "first@example.com", "external_id": "e-x"})
    );
    let inspected = fake.import_jobs();
    assert_eq!(inspected[1]["errors"][0]["index"], 1);
    assert_eq!(inspected[1]["results"]["errors_url"], url);
    // Logged, and faults apply like anywhere else.
    let path = format!("/downloads/contact-imports/{id}/errors.json");
    assert!(fake
        .requests()
        .iter()
        .any(|r| r["path"] == path.as_str() && r["status"] == 200));
    fake.fail_next(&path, 503, 1, None, false).unwrap();
    assert_eq!(download(url).await.status, 503);
    // A failed job (every record errored) has a file too.
    let failed = import(&fake, json!({"contacts": [{"email": "first@example.com"}]})).await;
    assert_eq!(failed["status"], "failed");
    let failed_file = download(failed["results"]["errors_url"].as_str().unwrap()).await;
    assert_eq!(
        failed_file.body["errors"][0]["contact"],
        json!({"email": "first@example.com"})
    );
    // No file for a completed or unknown job; other methods are 405.
    for job_id in [
        first["id"].as_str().unwrap(),
        "0b0b0b0b-0000-4000-8000-000000000000",
    ] {
        let none = download(&format!(
            "{}/downloads/contact-imports/{job_id}/errors.json",
            fake.url()
        ))
        .await;
        assert_eq!((none.status, none.fields()), (404, vec!["id".to_owned()]));
    }
    assert_eq!(call(&fake, Method::DELETE, &path, None).await.status, 405);
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_links_can_point_at_another_origin() {
    let fake = start().await;
    let bad = json!({"contacts": [{"email": "a@example.com", "external_id": "1"}]});
    import(&fake, bad.clone()).await;
    let job = import(&fake, json!({"contacts": [{"email": "a@example.com"}]})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    let other = format!("http://localhost:{}", fake.port());
    fake.set_download_base(Some(format!("{other}/"))).unwrap();
    let moved = get(&fake, &format!("/v3/marketing/contacts/imports/{id}")).await;
    let url = moved.body["results"]["errors_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{other}/downloads/contact-imports/{id}/errors.json")
    );
    assert_eq!(download(url).await.body["job_id"], id.as_str());
    assert!(fake.set_download_base(Some("localhost:1".into())).is_err());
    fake.set_download_base(None).unwrap();
    let back = get(&fake, &format!("/v3/marketing/contacts/imports/{id}")).await;
    assert!(back.body["results"]["errors_url"]
        .as_str()
        .unwrap()
        .starts_with(&fake.url()));
    fake.set_download_base(Some(other)).unwrap();
    fake.reset();
    import(&fake, bad).await;
    let job = import(&fake, json!({"contacts": [{"email": "a@example.com"}]})).await;
    assert!(
        job["results"]["errors_url"]
            .as_str()
            .unwrap()
            .starts_with(&fake.url()),
        "reset restores the base"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_are_not_emulated_say_so() {
    let fake = start().await;
    let got = get(&fake, "/v3/foo").await;
    assert_eq!(got.status, 404);
    assert_eq!(
        got.body,
        json!({"errors": [{"field": null, "message": "not emulated: GET /v3/foo is not an endpoint of this SendGrid emulator (segment_sendgrid.testing.FakeSendGrid)"}]})
    );
    let post = call(
        &fake,
        Method::POST,
        "/v3/marketing/segments",
        Some(json!({})),
    )
    .await;
    assert!(post
        .first_message()
        .starts_with("not emulated: POST /v3/marketing/segments "));
    // A missing resource on an emulated endpoint keeps the ordinary 404.
    let template = get(&fake, "/v3/templates/d-0").await;
    assert_eq!(template.status, 404);
    assert!(!template.first_message().contains("not emulated"));
}
