//! Mail send rules, templates and the lookup endpoints.

mod common;

use common::{call, start};
use reqwest::Method;
use segment_sendgrid_emulator::{EmulatorHandle, VersionSpec};
use serde_json::{json, Value};

/// A change to a valid request that must make it invalid.
type Mutation = Box<dyn Fn(&mut Value)>;

fn version(name: &str, active: bool) -> VersionSpec {
    VersionSpec {
        name: name.into(),
        subject: "Hi {{name}}".into(),
        html_content: "<p>Hi {{name}}</p>".into(),
        plain_content: "Hi {{name}}".into(),
        active,
    }
}

fn mail(template: &str) -> Value {
    json!({
        "from": {"email": "sender@example.com", "name": "Sender"},
        "personalizations": [{"to": [{"email": "to@example.com"}], "dynamic_template_data": {"name": "Ann"}}],
        "template_id": template,
    })
}

async fn send(fake: &EmulatorHandle, body: Value) -> common::Answer {
    call(fake, Method::POST, "/v3/mail/send", Some(body)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_mail_is_202_with_message_id_and_stored() {
    let fake = start().await;
    let template = fake
        .add_template("Welcome", vec![version("v1", true)], "dynamic")
        .unwrap();
    let got = send(&fake, mail(&template)).await;
    assert_eq!(got.status, 202);
    assert_eq!(got.body, Value::Null, "202 has an empty body");
    let id = got.headers["x-message-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 22);
    let messages = fake.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["x_message_id"], id.as_str());
    assert_eq!(messages[0]["body"], mail(&template));
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_mode_is_200_and_stores_nothing() {
    let fake = start().await;
    let template = fake
        .add_template("T", vec![version("v1", true)], "dynamic")
        .unwrap();
    let mut body = mail(&template);
    body["mail_settings"] = json!({"sandbox_mode": {"enable": true}});
    let got = send(&fake, body.clone()).await;
    assert_eq!(got.status, 200);
    assert!(fake.messages().is_empty());
    body["mail_settings"]["sandbox_mode"]["enable"] = json!("yes");
    assert_eq!(send(&fake, body).await.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_rule_answers_400_naming_its_field() {
    let fake = start().await;
    let template = fake
        .add_template("T", vec![version("v1", true)], "dynamic")
        .unwrap();
    let inactive = fake
        .add_template("I", vec![version("v1", false)], "dynamic")
        .unwrap();
    let pool = "transactional";
    fake.add_ip_pool(pool).unwrap();
    let group = fake.add_suppression_group("Weekly").unwrap();
    let far = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 73 * 3600;
    let to = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"email": format!("r{i}@example.com")}))
            .collect()
    };
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "from",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("from");
            }),
        ),
        (
            "from.email",
            Box::new(|b| b["from"]["email"] = json!("nope")),
        ),
        (
            "personalizations",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("personalizations");
            }),
        ),
        (
            "personalizations.0.to",
            Box::new(|b| b["personalizations"][0]["to"] = json!([])),
        ),
        (
            "personalizations.0.to.0.email",
            Box::new(|b| b["personalizations"][0]["to"][0]["email"] = json!("a@b")),
        ),
        (
            "personalizations.0.cc",
            Box::new(|b| b["personalizations"][0]["cc"] = json!([{"email": "TO@example.com"}])),
        ),
        (
            "personalizations",
            Box::new(move |b| b["personalizations"][0]["to"] = json!(to(1001))),
        ),
        (
            "personalizations",
            Box::new(|b| {
                b["personalizations"] =
                    json!(vec![json!({"to": [{"email": "x@example.com"}]}); 1001])
            }),
        ),
        (
            "categories",
            Box::new(|b| {
                b["categories"] = json!(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"])
            }),
        ),
        (
            "categories.0",
            Box::new(|b| b["categories"] = json!(["x".repeat(256)])),
        ),
        (
            "categories.0",
            Box::new(|b| b["categories"] = json!(["café"])),
        ),
        (
            "headers.Reply-To",
            Box::new(|b| b["headers"] = json!({"Reply-To": "x@example.com"})),
        ),
        (
            "personalizations.0.headers.x-sg-id",
            Box::new(|b| b["personalizations"][0]["headers"] = json!({"x-sg-id": "1"})),
        ),
        (
            "personalizations.0.send_at",
            Box::new(move |b| b["personalizations"][0]["send_at"] = json!(far)),
        ),
        ("send_at", Box::new(move |b| b["send_at"] = json!(far))),
        ("ip_pool_name", Box::new(|b| b["ip_pool_name"] = json!("x"))),
        (
            "ip_pool_name",
            Box::new(|b| b["ip_pool_name"] = json!("marketing")),
        ),
        (
            "asm.group_id",
            Box::new(|b| b["asm"] = json!({"group_id": 99})),
        ),
        (
            "template_id",
            Box::new(|b| b["template_id"] = json!("d-00000000000000000000000000000000")),
        ),
        (
            "template_id",
            Box::new(move |b| b["template_id"] = json!(inactive.clone())),
        ),
        (
            "content",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("template_id");
                b["subject"] = json!("s");
            }),
        ),
        (
            "subject",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("template_id");
                b["content"] = json!([{"type": "text/plain", "value": "x"}]);
            }),
        ),
        (
            "content.1.type",
            Box::new(
                |b| b["content"] = json!([{"type": "text/html", "value": "<p/>"}, {"type": "text/plain", "value": "x"}]),
            ),
        ),
        (
            "reply_to_list",
            Box::new(|b| {
                b["reply_to"] = json!({"email": "r@example.com"});
                b["reply_to_list"] = json!([{"email": "s@example.com"}]);
            }),
        ),
        (
            "personalizations.0.custom_args",
            Box::new(|b| b["personalizations"][0]["custom_args"] = json!({"n": 1})),
        ),
        (
            "attachments.0.filename",
            Box::new(|b| b["attachments"] = json!([{"content": "aGk="}])),
        ),
    ];
    for (field, mutate) in &cases {
        let mut body = mail(&template);
        mutate(&mut body);
        let got = send(&fake, body).await;
        assert_eq!(got.status, 400, "{field}: {:?}", got.body);
        assert!(
            got.fields().iter().any(|f| f == field),
            "{field}: {:?}",
            got.body
        );
    }
    assert!(fake.messages().is_empty());
    // The same features used correctly pass.
    let mut ok = mail(&template);
    ok["ip_pool_name"] = json!(pool);
    ok["asm"] = json!({"group_id": group, "groups_to_display": [group]});
    ok["categories"] = json!(["welcome"]);
    ok["headers"] = json!({"X-Campaign": "c1"});
    ok["personalizations"][0]["cc"] = json!([{"email": "cc@example.com"}]);
    ok["personalizations"][0]["send_at"] = json!(far - 2 * 3600);
    let got = send(&fake, ok).await;
    assert_eq!(got.status, 202, "{:?}", got.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_are_listed_by_generation_and_paged() {
    let fake = start().await;
    let mut dynamic = Vec::new();
    for i in 0..3 {
        dynamic.push(
            fake.add_template(&format!("D{i}"), vec![version("v1", true)], "dynamic")
                .unwrap(),
        );
    }
    let legacy = fake.add_template("L", vec![], "legacy").unwrap();
    assert_eq!(
        call(&fake, Method::GET, "/v3/templates", None).await.status,
        400,
        "page_size is required"
    );
    for bad in ["0", "201", "abc"] {
        assert_eq!(
            call(
                &fake,
                Method::GET,
                &format!("/v3/templates?page_size={bad}"),
                None
            )
            .await
            .status,
            400
        );
    }
    assert_eq!(
        call(
            &fake,
            Method::GET,
            "/v3/templates?page_size=5&generations=modern",
            None
        )
        .await
        .status,
        400
    );
    let default = call(&fake, Method::GET, "/v3/templates?page_size=10", None).await;
    assert_eq!(
        default.body["result"].as_array().unwrap().len(),
        1,
        "legacy by default"
    );
    assert_eq!(default.body["result"][0]["id"], legacy.as_str());
    let page = call(
        &fake,
        Method::GET,
        "/v3/templates?page_size=2&generations=dynamic",
        None,
    )
    .await;
    assert_eq!(page.body["result"][0]["id"], dynamic[0].as_str());
    assert_eq!(page.body["result"][0]["versions"][0]["active"], 1);
    let updated = page.body["result"][0]["updated_at"].as_str().unwrap();
    assert_eq!(updated.len(), 19);
    assert_eq!(&updated[10..11], " ");
    let next = page.body["_metadata"]["next"]
        .as_str()
        .unwrap()
        .strip_prefix(&fake.url())
        .unwrap()
        .to_owned();
    let second = call(&fake, Method::GET, &next, None).await;
    assert_eq!(second.body["result"].as_array().unwrap().len(), 1);
    assert!(second.body["_metadata"].get("next").is_none());
    let both = call(
        &fake,
        Method::GET,
        "/v3/templates?page_size=200&generations=legacy,dynamic",
        None,
    )
    .await;
    assert_eq!(both.body["_metadata"]["count"], 4);
    let one = call(
        &fake,
        Method::GET,
        &format!("/v3/templates/{}", dynamic[1]),
        None,
    )
    .await;
    assert_eq!((one.status, one.body["name"].clone()), (200, json!("D1")));
    assert_eq!(
        call(&fake, Method::GET, "/v3/templates/d-missing", None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_return_what_was_set_up() {
    let fake = start().await;
    fake.add_ip_pool("marketing").unwrap();
    assert!(fake.add_ip_pool("marketing").is_err());
    let g1 = fake.add_suppression_group("Weekly").unwrap();
    let g2 = fake.add_suppression_group("Monthly").unwrap();
    fake.add_domain("example.com", true).unwrap();
    fake.add_domain("bad.example.org", false).unwrap();
    assert_eq!(
        call(&fake, Method::GET, "/v3/ips/pools", None).await.body,
        json!([{"name": "marketing"}])
    );
    let groups = call(&fake, Method::GET, "/v3/asm/groups", None).await;
    assert_eq!(groups.body.as_array().unwrap().len(), 2);
    let filtered = call(&fake, Method::GET, &format!("/v3/asm/groups?id={g2}"), None).await;
    assert_eq!(filtered.body[0]["id"], g2);
    assert_ne!(g1, g2);
    let domains = call(&fake, Method::GET, "/v3/whitelabel/domains?limit=200", None).await;
    assert_eq!(domains.body[0]["domain"], "example.com");
    assert_eq!(domains.body[1]["valid"], false);
    let only = call(
        &fake,
        Method::GET,
        "/v3/whitelabel/domains?domain=bad.example.org",
        None,
    )
    .await;
    assert_eq!(only.body.as_array().unwrap().len(), 1);
    let account = call(&fake, Method::GET, "/v3/user/account", None).await;
    assert_eq!(account.body, json!({"type": "paid", "reputation": 100}));
    fake.reset();
    assert_eq!(
        call(&fake, Method::GET, "/v3/ips/pools", None).await.body,
        json!([])
    );
}
