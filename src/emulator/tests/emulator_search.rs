//! Contact searches over HTTP: by identifiers (hits, partial, 404, 400s)
//! and by SGQL (each operator, precedence, parentheses, the 50 cap, 400s
//! naming the unsupported part).

mod common;

use common::{call, start, Answer};
use reqwest::Method;
use segment_sendgrid_emulator::EmulatorHandle;
use serde_json::{json, Value};

async fn put(fake: &EmulatorHandle, body: Value) {
    let got = call(fake, Method::PUT, "/v3/marketing/contacts", Some(body)).await;
    assert_eq!(got.status, 202, "{:?}", got.body);
}

async fn by_identifiers(fake: &EmulatorHandle, kind: &str, values: Value) -> Answer {
    let path = format!("/v3/marketing/contacts/search/identifiers/{kind}");
    call(
        fake,
        Method::POST,
        &path,
        Some(json!({ "identifiers": values })),
    )
    .await
}

async fn sgql(fake: &EmulatorHandle, query: &str) -> Answer {
    let body = json!({ "query": query });
    call(
        fake,
        Method::POST,
        "/v3/marketing/contacts/search",
        Some(body),
    )
    .await
}

/// The first names of an SGQL answer's contacts, sorted.
fn names(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let mut names: Vec<String> = answer.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["first_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn identifiers_search_matches_each_kind_exactly() {
    let fake = start().await;
    put(
        &fake,
        json!({"contacts": [
            {"email": "Ann@Example.com", "phone_number_id": "+14155550100", "external_id": "ext-1",
             "anonymous_id": "anon-1", "alternate_emails": ["alt@example.com"]},
            {"email": "bob@example.com", "external_id": "ext-2"},
        ]}),
    )
    .await;
    let hits = by_identifiers(
        &fake,
        "email",
        json!(["ANN@example.com", "zed@example.com"]),
    )
    .await;
    assert_eq!(hits.status, 200);
    let ann = &hits.body["result"]["ANN@example.com"]["contact"];
    assert_eq!(ann["email"], "ann@example.com");
    assert_eq!(ann["external_id"], "ext-1");
    assert_eq!(
        hits.body["result"]["zed@example.com"],
        json!({"error": "contact not found"})
    );
    for (kind, value, email) in [
        ("phone_number_id", "+14155550100", "ann@example.com"),
        ("external_id", "ext-2", "bob@example.com"),
        ("anonymous_id", "anon-1", "ann@example.com"),
    ] {
        let got = by_identifiers(&fake, kind, json!([value])).await;
        assert_eq!(got.status, 200, "{kind}");
        assert_eq!(
            got.body["result"][value]["contact"]["email"], email,
            "{kind}"
        );
    }
    // Exact values: another case of a non-email id, or an alternate email,
    // is not a match; none matching is a 404.
    for (kind, value) in [("external_id", "EXT-2"), ("email", "alt@example.com")] {
        let got = by_identifiers(&fake, kind, json!([value])).await;
        assert_eq!(got.status, 404, "{kind} {value}");
        assert!(got.body["errors"][0]["message"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn identifiers_search_refuses_bad_types_values_and_sizes() {
    let fake = start().await;
    put(&fake, json!({"contacts": [{"email": "a@example.com"}]})).await;
    let bad_type = by_identifiers(&fake, "phone", json!(["a@example.com"])).await;
    assert_eq!(
        (bad_type.status, bad_type.fields()),
        (400, vec!["identifier_type".to_owned()])
    );
    assert!(
        bad_type.first_message().contains("\"phone\""),
        "{}",
        bad_type.first_message()
    );
    let invalid = by_identifiers(&fake, "email", json!(["a@example.com", "nope", 7])).await;
    assert_eq!(
        (invalid.status, invalid.fields()),
        (
            400,
            vec!["identifiers[1]".to_owned(), "identifiers[2]".to_owned()]
        )
    );
    assert_eq!(invalid.first_message(), "email \"nope\" is not valid");
    let phone = by_identifiers(&fake, "phone_number_id", json!(["555-0100"])).await;
    assert_eq!(phone.fields(), ["identifiers[0]"]);
    let many: Vec<String> = (0..101).map(|i| format!("u{i}@example.com")).collect();
    for values in [json!(many), json!([])] {
        let got = by_identifiers(&fake, "email", values).await;
        assert_eq!(
            (got.status, got.fields()),
            (400, vec!["identifiers".to_owned()])
        );
    }
    let hundred: Vec<String> = (0..100).map(|i| format!("u{i}@example.com")).collect();
    assert_eq!(
        by_identifiers(&fake, "email", json!(hundred)).await.status,
        404
    );
    let path = "/v3/marketing/contacts/search/identifiers/email";
    let missing = call(&fake, Method::POST, path, Some(json!({"emails": []}))).await;
    assert_eq!(
        (missing.status, missing.fields()),
        (400, vec!["identifiers".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sgql_operators_precedence_and_lists() {
    let fake = start().await;
    let vip = fake.add_list("VIP").unwrap();
    put(
        &fake,
        json!({"contacts": [
            {"email": "ann@example.com", "first_name": "Ann", "city": "Oslo", "country": "NO"},
            {"email": "o'neil@test.io", "first_name": "Cy", "postal_code": "0150"},
        ]}),
    )
    .await;
    put(&fake, json!({"list_ids": [vip], "contacts": [
        {"email": "bob@example.com", "first_name": "Bob", "city": "Bergen", "external_id": "b-1"},
        {"phone_number_id": "+14155550100", "first_name": "Dee", "last_name": "Lee"},
    ]}))
    .await;
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("email = 'ann@example.com'".into(), vec!["Ann"]),
        ("email = 'ANN@example.com'".into(), vec![]),
        (
            "email IN ('bob@example.com', 'ann@example.com', 'x@y.io')".into(),
            vec!["Ann", "Bob"],
        ),
        ("email LIKE 'b%'".into(), vec!["Bob"]),
        ("email LIKE '%example%'".into(), vec!["Ann", "Bob"]),
        ("email = 'o''neil@test.io'".into(), vec!["Cy"]),
        ("phone_number_id = '+14155550100'".into(), vec!["Dee"]),
        ("external_id = 'b-1'".into(), vec!["Bob"]),
        (
            "city IN ('Oslo', 'Bergen') AND country = 'NO'".into(),
            vec!["Ann"],
        ),
        (
            "postal_code LIKE '01%' OR last_name = 'Lee'".into(),
            vec!["Cy", "Dee"],
        ),
        (format!("CONTAINS(list_ids, '{vip}')"), vec!["Bob", "Dee"]),
        // AND binds tighter: Ann OR (Bob AND on VIP), not (Ann OR Bob) AND on VIP.
        (
            format!("first_name = 'Ann' OR first_name = 'Bob' AND CONTAINS(list_ids, '{vip}')"),
            vec!["Ann", "Bob"],
        ),
        (
            format!("(first_name = 'Ann' OR first_name = 'Bob') and contains(list_ids, '{vip}')"),
            vec!["Bob"],
        ),
        ("first_name = 'Nobody'".into(), vec![]),
    ];
    for (query, want) in cases {
        let got = sgql(&fake, &query).await;
        assert_eq!(names(&got), want, "{query}");
        assert_eq!(got.body["contact_count"], want.len(), "{query}");
    }
    let got = sgql(&fake, "email = 'ann@example.com'").await;
    let contact = &got.body["result"][0];
    assert_eq!(contact["city"], "Oslo");
    assert!(contact["list_ids"].is_array() && contact["created_at"].is_string());
    assert!(got.body["_metadata"]["self"]
        .as_str()
        .unwrap()
        .ends_with("/v3/marketing/contacts/search"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sgql_answers_the_first_50_and_counts_all() {
    let fake = start().await;
    let contacts: Vec<Value> = (0..60)
        .map(|i| json!({"email": format!("bulk{i:02}@example.com"), "first_name": "B"}))
        .collect();
    put(&fake, json!({"contacts": contacts})).await;
    put(&fake, json!({"contacts": [{"email": "other@example.com"}]})).await;
    let got = sgql(&fake, "email LIKE 'bulk%'").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["result"].as_array().unwrap().len(), 50);
    assert_eq!(got.body["contact_count"], 60);
}

#[tokio::test(flavor = "multi_thread")]
async fn sgql_outside_the_subset_is_a_400_naming_the_part() {
    let fake = start().await;
    put(&fake, json!({"contacts": [{"email": "a@example.com"}]})).await;
    for (query, part) in [
        ("age = '3'", "unsupported field 'age'"),
        (
            "lower(email) = 'a@example.com'",
            "unsupported function 'lower'",
        ),
        ("email = 'a@example.com' AND", "the query ends"),
        ("email = 'a@example.com", "unterminated string"),
        ("email >= 'a'", "unsupported operator '>='"),
        (
            "CONTAINS(segment_ids, 'x')",
            "CONTAINS supports only list_ids",
        ),
        ("", "the query is empty"),
    ] {
        let got = sgql(&fake, query).await;
        assert_eq!(
            (got.status, got.fields()),
            (400, vec!["query".to_owned()]),
            "{query}"
        );
        assert!(
            got.first_message().contains(part),
            "{query}: {}",
            got.first_message()
        );
    }
    let path = "/v3/marketing/contacts/search";
    for body in [json!({}), json!({"query": 3})] {
        let got = call(&fake, Method::POST, path, Some(body)).await;
        assert_eq!((got.status, got.fields()), (400, vec!["query".to_owned()]));
    }
}
