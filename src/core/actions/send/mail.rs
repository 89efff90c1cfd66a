//! Segment's `perform` for "Send Email with Dynamic Template": the action's
//! own checks (with deviations D1, D2, D6, D7, D8, D9, D10, D13, D14, D16,
//! D17) and the `POST /v3/mail/send` body, split into the message-level part
//! (shared by merged records) and the record's personalization.

use serde_json::{json, Map, Value};

use super::formats::{header_value_string, parse_date_time};
use super::payload::{validate_schema, Address, SendPayload};
use crate::error::{Error, Result};
use crate::js::js_trim;

pub const RESERVED_HEADERS: [&str; 12] = [
    "x-sg-id",
    "x-sg-eid",
    "received",
    "dkim-signature",
    "Content-Type",
    "Content-Transfer-Encoding",
    "To",
    "From",
    "Subject",
    "Reply-To",
    "CC",
    "BCC",
];
pub const MAX_CATEGORY_LENGTH: usize = 255;
pub const MAX_CATEGORIES: usize = 10;
const SEND_AT_WINDOW_MS: i64 = 72 * 60 * 60 * 1000;

pub const TEMPLATE_MESSAGE: &str =
    "Template must refer to a Dynamic Template. Dynamic Template IDs start with \"d-\"";
pub const GROUP_ID_MESSAGE: &str = "Group ID value must be a numeric (integer) string";
pub const DOMAIN_MESSAGE: &str = "From email must be from the selected domain";
pub const SEND_AT_MESSAGE: &str = "send_at should be less than 72 hours from now";
pub const IP_POOL_MESSAGE: &str =
    "IP Pool Name should at least 2 characters and at most 64 characters in length";

/// One record, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedMail {
    /// The message-level fields as compact JSON (`{"from":…}`); records
    /// whose text is equal may share one request.
    pub message: String,
    /// The record's personalization as compact JSON.
    pub personalization: String,
    /// to + cc + bcc.
    pub recipients: usize,
    /// The resolved `d-…` id.
    pub template_id: String,
}

/// Schema stage, checks and body parts for one mapped payload. `now_ms` is
/// the current time (epoch milliseconds) for the `send_at` window.
pub fn prepare(payload: Value, now_ms: i64, sandbox: bool) -> Result<PreparedMail> {
    let payload = validate_schema(payload)?;
    build(payload, now_ms, sandbox)
}

fn invalid(message: impl Into<String>, field: &str) -> Error {
    Error::validation(message, Some(field))
}

/// `parseTemplateId`: `d-x extra` → `d-x`; else the first `[…]` on one line.
pub fn parse_template_id(value: &str) -> Option<&str> {
    if value.starts_with("d-") {
        return value.split(' ').next();
    }
    let is_line_end = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    for (open, _) in value.match_indices('[') {
        let rest = &value[open + 1..];
        for (at, c) in rest.char_indices() {
            if c == ']' {
                return Some(&rest[..at]);
            }
            if is_line_end(c) {
                break;
            }
        }
    }
    None
}

/// `parseIntFromString`: the leading digits, else the first `[digits]`;
/// digits that do not fit an i64 are refused (D10).
pub fn parse_group_id(value: &str) -> Option<std::result::Result<i64, ()>> {
    let leading: &str = &value[..value.bytes().take_while(u8::is_ascii_digit).count()];
    let digits = if !leading.is_empty() {
        leading
    } else {
        value.match_indices('[').find_map(|(open, _)| {
            let rest = &value[open + 1..];
            let len = rest.bytes().take_while(u8::is_ascii_digit).count();
            (len > 0 && rest[len..].starts_with(']')).then(|| &rest[..len])
        })?
    };
    Some(digits.parse::<i64>().map_err(|_| ()))
}

fn address_json(email: &str, name: Option<&String>) -> Value {
    let mut map = Map::new();
    map.insert("email".into(), Value::String(email.to_owned()));
    if let Some(name) = name {
        map.insert("name".into(), Value::String(name.clone()));
    }
    Value::Object(map)
}

/// Segment's cc/bcc filter: items without a (non-blank) email go (D6; D16
/// for a `null` email, which the schema stage turned into `""`).
fn recipients_json(list: Option<Vec<Address>>) -> Option<Vec<Value>> {
    let kept: Vec<Value> = list?
        .iter()
        .filter_map(|a| {
            let email = a.email.as_deref().filter(|e| !js_trim(e).is_empty())?;
            Some(address_json(email, a.name.as_ref()))
        })
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// Header and custom_args values as strings; `null` values are left out
/// (D17: Segment's `String(null)` would send the word "null").
fn stringified(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), Value::String(header_value_string(v))))
        .collect()
}

fn check_categories(categories: Vec<String>) -> Result<Vec<String>> {
    let mut kept: Vec<String> = Vec::with_capacity(categories.len());
    for category in categories {
        if category.chars().count() > MAX_CATEGORY_LENGTH {
            return Err(invalid(
                format!("Category with name {category} exceeds the max length of {MAX_CATEGORY_LENGTH} characters"),
                "categories",
            ));
        }
        if !category.is_ascii() {
            return Err(invalid(
                format!("Category with name {category} contains characters that are not ASCII, which SendGrid does not accept"),
                "categories",
            ));
        }
        if !kept.contains(&category) {
            kept.push(category);
        }
    }
    if kept.len() > MAX_CATEGORIES {
        return Err(invalid(
            format!(
                "At most {MAX_CATEGORIES} categories can be sent with one email, got {}",
                kept.len()
            ),
            "categories",
        ));
    }
    Ok(kept)
}

fn send_at_seconds(text: &str, now_ms: i64) -> Result<i64> {
    let millis = parse_date_time(text)
        .and_then(|parts| parts.epoch_millis())
        .ok_or_else(|| {
            invalid(
                format!("send_at {text:?} cannot be converted to a unix timestamp"),
                "send_at",
            )
        })?;
    if millis <= now_ms || millis > now_ms + SEND_AT_WINDOW_MS {
        return Err(invalid(SEND_AT_MESSAGE, "send_at"));
    }
    Ok(millis.div_euclid(1000))
}

/// Segment's `validate` (same order) and `send` body construction.
fn build(mut p: SendPayload, now_ms: i64, sandbox: bool) -> Result<PreparedMail> {
    let checked = check(&mut p, now_ms)?;
    let (person, recipients) = personalization(&mut p, checked.send_at);
    let template_id = checked.template_id.clone();
    let message = message(p, checked, sandbox);
    Ok(PreparedMail {
        message: Value::Object(message).to_string(),
        personalization: Value::Object(person).to_string(),
        recipients,
        template_id,
    })
}

/// The fields Segment (or SendGrid) refuses when malformed, parsed.
struct Checked {
    group_id: Option<i64>,
    template_id: String,
    categories: Option<Vec<String>>,
    send_at: Option<i64>,
}

/// Segment's checks of a payload, in Segment's order (the first failure is
/// the record's error). Takes the categories out of `p`.
fn check(p: &mut SendPayload, now_ms: i64) -> Result<Checked> {
    let group_id = match p.group_id.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(text) => match parse_group_id(text) {
            Some(Ok(id)) => Some(id),
            _ => return Err(invalid(GROUP_ID_MESSAGE, "group_id")),
        },
    };
    if let Some(domain) = p.domain.as_deref().filter(|d| !d.is_empty()) {
        check_from_domain(p.from.email.as_deref().unwrap_or_default(), domain)?;
    }
    let template_id = parse_template_id(&p.template_id)
        .filter(|id| id.starts_with("d-"))
        .ok_or_else(|| invalid(TEMPLATE_MESSAGE, "template_id"))?
        .to_owned();
    if let Some(headers) = &p.headers {
        check_headers(headers)?;
    }
    let categories = p.categories.take().map(check_categories).transpose()?;
    let send_at = match p.send_at.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(send_at_seconds(text, now_ms)?),
    };
    if let Some(pool) = p.ip_pool_name.as_deref().filter(|s| !s.is_empty()) {
        if !(2..=64).contains(&pool.chars().count()) {
            return Err(invalid(IP_POOL_MESSAGE, "ip_pool_name"));
        }
    }
    Ok(Checked {
        group_id,
        template_id,
        categories,
        send_at,
    })
}

/// The sender's address must be at `domain` or one of its subdomains.
fn check_from_domain(from_email: &str, domain: &str) -> Result<()> {
    let from_domain = from_email.rsplit_once('@').map_or("", |(_, d)| d);
    let matches = from_domain == domain
        || from_domain
            .strip_suffix(domain)
            .is_some_and(|head| head.ends_with('.'));
    if matches {
        Ok(())
    } else {
        Err(invalid(DOMAIN_MESSAGE, "domain"))
    }
}

/// No header may be one SendGrid reserves (compared case-insensitively).
fn check_headers(headers: &Map<String, Value>) -> Result<()> {
    let reserved = |key: &String| {
        let key = key.to_lowercase();
        RESERVED_HEADERS.iter().any(|r| r.to_lowercase() == key)
    };
    if headers.keys().any(reserved) {
        return Err(invalid(
            format!(
                "Headers cannot contain any of the following reserved headers: {}",
                RESERVED_HEADERS.join(", ")
            ),
            "headers",
        ));
    }
    Ok(())
}

/// The one personalization (`to`, `cc`, `bcc`, headers, template data,
/// custom_args, `send_at`) and how many recipients it has. Takes those
/// fields out of `p`.
fn personalization(p: &mut SendPayload, send_at: Option<i64>) -> (Map<String, Value>, usize) {
    let cc = recipients_json(p.cc.take());
    let bcc = recipients_json(p.bcc.take());
    let mut person = Map::new();
    let to_email = p.to.email.take().unwrap_or_default();
    person.insert(
        "to".into(),
        json!([address_json(&to_email, p.to.name.as_ref())]),
    );
    let recipients = 1 + cc.as_ref().map_or(0, Vec::len) + bcc.as_ref().map_or(0, Vec::len);
    if let Some(cc) = cc {
        person.insert("cc".into(), Value::Array(cc));
    }
    if let Some(bcc) = bcc {
        person.insert("bcc".into(), Value::Array(bcc));
    }
    let headers = p.headers.take().unwrap_or_default();
    person.insert("headers".into(), Value::Object(stringified(&headers)));
    if let Some(data) = p.dynamic_template_data.take() {
        person.insert("dynamic_template_data".into(), Value::Object(data));
    }
    // Segment drops an empty custom_args; emptiness is judged after D17.
    let custom_args = p.custom_args.take().map(|args| stringified(&args));
    if let Some(args) = custom_args.filter(|a| !a.is_empty()) {
        person.insert("custom_args".into(), Value::Object(args));
    }
    if let Some(seconds) = send_at {
        person.insert("send_at".into(), json!(seconds));
    }
    (person, recipients)
}

/// The message fields shared by every personalization.
fn message(p: SendPayload, checked: Checked, sandbox: bool) -> Map<String, Value> {
    let from_email = p.from.email.unwrap_or_default();
    let mut message = Map::new();
    message.insert(
        "from".into(),
        address_json(&from_email, p.from.name.as_ref()),
    );
    let reply_to = p.reply_to.unwrap_or_default();
    let reply_email = reply_to.email.unwrap_or_else(|| from_email.clone());
    let reply_name = reply_to.name.or(p.from.name);
    message.insert(
        "reply_to".into(),
        address_json(&reply_email, reply_name.as_ref()),
    );
    message.insert("template_id".into(), Value::String(checked.template_id));
    if let Some(categories) = checked.categories {
        message.insert("categories".into(), json!(categories));
    }
    if let Some(group_id) = checked.group_id {
        message.insert("asm".into(), json!({ "group_id": group_id }));
    }
    if let Some(pool) = p.ip_pool_name.filter(|s| !s.is_empty()) {
        message.insert("ip_pool_name".into(), Value::String(pool));
    }
    if sandbox || p.sandbox_mode == Some(true) {
        message.insert(
            "mail_settings".into(),
            json!({ "sandbox_mode": { "enable": true } }),
        );
    }
    message
}

/// The request body for `personalizations` sharing `message`.
pub fn request_body<'a>(
    message: &str,
    personalizations: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut body = String::with_capacity(message.len() + 64);
    body.push_str("{\"personalizations\":[");
    for (i, p) in personalizations.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(p);
    }
    body.push_str("],");
    // `message` is a non-empty object: splice its members in after ours.
    body.push_str(message.strip_prefix('{').unwrap_or("}"));
    body
}

/// Bytes a request adds beyond its personalizations.
pub fn body_overhead(message: &str) -> usize {
    message.len() + 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_and_group_ids() {
        assert_eq!(parse_template_id("d-x extra"), Some("d-x"));
        assert_eq!(parse_template_id("N - V [d-x]"), Some("d-x"));
        assert_eq!(parse_template_id("a [b\n] [c]"), Some("c"));
        assert_eq!(parse_template_id("[é"), None);
        assert_eq!(parse_group_id("12abc [34]"), Some(Ok(12)));
        assert_eq!(parse_group_id("Group [0]"), Some(Ok(0)));
        assert_eq!(parse_group_id("99999999999999999999999"), Some(Err(())));
        assert_eq!(parse_group_id(" 1"), None);
    }

    /// Odd values in every field give an error or a body, never a panic.
    #[test]
    fn odd_values_never_panic() {
        let odd = [
            json!(null),
            json!(""),
            json!(" "),
            json!(0),
            json!(-1.5e308),
            json!(true),
            json!([]),
            json!([null]),
            json!([[1]]),
            json!({}),
            json!({"email": null, "name": [1]}),
            json!("€[d-é]"),
            json!("2030-01-01T00:00:00+€1"),
            json!([{"email": "\u{feff}"}, "x"]),
        ];
        let fields = [
            "from",
            "to",
            "cc",
            "bcc",
            "reply_to",
            "headers",
            "dynamic_template_data",
            "template_id",
            "custom_args",
            "send_at",
            "categories",
            "ip_pool_name",
            "group_id",
            "domain",
            "sandbox_mode",
        ];
        let base =
            json!({"from": {"email": "a@b.co"}, "to": {"email": "c@d.co"}, "template_id": "d-1"});
        for field in fields {
            for value in &odd {
                let mut payload = base.clone();
                payload[field] = value.clone();
                if let Ok(mail) = prepare(payload, 0, false) {
                    let body = request_body(&mail.message, [mail.personalization.as_str()]);
                    assert!(serde_json::from_str::<Value>(&body).is_ok());
                }
            }
        }
        for not_object in [json!(null), json!("x"), json!([1]), json!(3)] {
            assert!(matches!(
                prepare(not_object, 0, false),
                Err(Error::PayloadValidation { .. })
            ));
        }
    }
}
