//! Value rules shared by the endpoints: address syntax, E.164 numbers, custom
//! field values, timestamps and generated ids.

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Address syntax as SendGrid applies it in practice: a dot-atom local part,
/// a domain of at least two labels and an alphabetic TLD. Quoted local parts
/// and IP-literal domains are refused (SendGrid refuses them too).
pub fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if !local_ok || domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut tld = "";
    for label in domain.split('.') {
        let label_ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-');
        if !label_ok {
            return false;
        }
        labels += 1;
        tld = label;
    }
    labels >= 2 && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())
}

/// `+` then 2–15 digits, the first not 0.
pub fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Whether `value` is acceptable for a custom field of `field_type`
/// (`Text`, `Number`, `Date`). Text ≤ 1,000 characters (current docs);
/// Number a JSON number or a numeric string; Date `M/D/YYYY` (the format of
/// SendGrid's docs) or ISO-8601 `YYYY-MM-DD[Thh:mm:ss[Z|±hh:mm]]`.
pub fn custom_value_error(field_type: &str, value: &Value) -> Option<String> {
    match (field_type, value) {
        ("Text", Value::String(s)) if s.chars().count() <= 1000 => None,
        ("Text", Value::String(_)) => Some("text values are limited to 1000 characters".into()),
        ("Number", Value::Number(_)) => None,
        ("Number", Value::String(s)) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => None,
        ("Date", Value::String(s)) if is_date(s) => None,
        ("Date", Value::String(s)) => Some(format!(
            "'{s}' is not a valid date; use MM/DD/YYYY or an ISO-8601 date"
        )),
        (kind, other) => Some(format!(
            "value {} is not valid for a {kind} field",
            short_json(other)
        )),
    }
}

fn is_date(text: &str) -> bool {
    if NaiveDate::parse_from_str(text, "%m/%d/%Y").is_ok()
        || NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
    {
        return true;
    }
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").is_ok()
}

/// A JSON value shortened for an error message.
pub fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        text
    } else {
        format!("{}…", text.chars().take(57).collect::<String>())
    }
}

/// Contact timestamps: ISO-8601 with `Z` (`2021-03-02T15:25:47Z`).
pub fn iso_now() -> String {
    iso(Utc::now())
}

/// A moment in the contact timestamp format (see [`iso_now`]).
pub fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Template timestamps: `YYYY-MM-DD HH:MM:SS` (spec pattern, no `T`).
pub fn template_now() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn epoch_now() -> i64 {
    Utc::now().timestamp()
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Dynamic template ids: `d-` + 32 lowercase hex.
pub fn dynamic_template_id() -> String {
    format!("d-{}", uuid::Uuid::new_v4().simple())
}

/// X-Message-Id values look like `W8sD8yN9QeCyVnHk6Sq2rA`: 16 random bytes,
/// URL-safe base64 without padding (22 characters).
pub fn message_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_syntax() {
        for ok in ["a@b.co", "first.last+tag@sub.example.com", "x_y@a-b.org"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "x",
            "@b.co",
            "a@",
            "a@b",
            "a@b.c",
            "a..b@c.com",
            ".a@c.com",
            "a@-b.com",
            "a b@c.com",
            "a@b.c0m",
            "a@@b.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn e164_and_custom_values() {
        assert!(is_e164("+15555550100"));
        assert!(!is_e164("15555550100") && !is_e164("+0123") && !is_e164("+1"));
        assert!(custom_value_error("Number", &json!("42.5")).is_none());
        assert!(custom_value_error("Number", &json!(7)).is_none());
        assert!(custom_value_error("Number", &json!("seven")).is_some());
        assert!(custom_value_error("Date", &json!("1/31/2024")).is_none());
        assert!(custom_value_error("Date", &json!("2024-01-31T10:00:00Z")).is_none());
        assert!(custom_value_error("Date", &json!("31/31/2024")).is_some());
        assert!(custom_value_error("Text", &json!(true)).is_some());
        assert!(custom_value_error("Text", &json!("x".repeat(1001))).is_some());
    }

    #[test]
    fn generated_ids_have_sendgrid_shapes() {
        let id = dynamic_template_id();
        assert!(id.starts_with("d-") && id.len() == 34);
        assert!(id[2..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(message_id().len(), 22);
        assert_eq!(template_now().len(), 19);
        assert!(iso_now().ends_with('Z'));
    }
}
