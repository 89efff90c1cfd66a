//! The rules of `POST /v3/mail/send` (docs/sendgrid-api-facts.md §3): every error of a request
//! is collected, with SendGrid's dotted field paths
//! (`personalizations.0.to.1.email`).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::errors::ErrorItem;
use super::state::Store;
use super::validate::{epoch_now, is_valid_email};

pub const MAX_PERSONALIZATIONS: usize = 1000;
pub const MAX_RECIPIENTS: usize = 1000;
/// `send_at` may lie at most 72 hours ahead.
pub const MAX_SCHEDULE_SECONDS: i64 = 72 * 3600;
/// Header names SendGrid refuses in `headers` (compared case-insensitively).
pub const RESERVED_HEADERS: &[&str] = &[
    "x-sg-id",
    "x-sg-eid",
    "received",
    "dkim-signature",
    "content-type",
    "content-transfer-encoding",
    "to",
    "from",
    "subject",
    "reply-to",
    "cc",
    "bcc",
];

/// Collects every error of a request, with SendGrid's dotted field paths.
#[derive(Debug, Default)]
pub struct Check {
    pub errors: Vec<ErrorItem>,
}

impl Check {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ErrorItem::new(field, message));
    }

    pub fn message(&mut self, body: &Map<String, Value>, store: &Store) {
        match body.get("from") {
            Some(from) => self.address("from", from),
            None => self.err("from", "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter."),
        }
        let personalizations = match body.get("personalizations") {
            Some(Value::Array(items)) if !items.is_empty() => items.as_slice(),
            _ => {
                self.err("personalizations", "The personalizations field is required and must have at least one personalization.");
                &[]
            }
        };
        if personalizations.len() > MAX_PERSONALIZATIONS {
            self.err("personalizations", format!("You may not have more than {MAX_PERSONALIZATIONS} personalizations per API request."));
        }
        let mut recipients = 0;
        for (i, p) in personalizations.iter().enumerate() {
            recipients += self.personalization(i, p);
        }
        if recipients > MAX_RECIPIENTS {
            self.err("personalizations", format!("There is a limit of {MAX_RECIPIENTS} total recipients (to + cc + bcc) per request; this one has {recipients}."));
        }
        let template = body.get("template_id");
        let has_subject =
            |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        if template.is_none()
            && !has_subject(body.get("subject"))
            && !personalizations
                .iter()
                .all(|p| has_subject(p.get("subject")))
        {
            self.err("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.");
        }
        self.content(body.get("content"), template.is_some());
        if let Some(reply_to) = body.get("reply_to") {
            self.address("reply_to", reply_to);
            if body.contains_key("reply_to_list") {
                self.err(
                    "reply_to_list",
                    "reply_to and reply_to_list cannot both be used.",
                );
            }
        }
        if let Some(list) = body.get("reply_to_list") {
            self.addresses("reply_to_list", list, 1000);
        }
        self.categories(body.get("categories"));
        self.headers("headers", body.get("headers"));
        self.custom_args("custom_args", body.get("custom_args"));
        self.send_at("send_at", body.get("send_at"));
        self.attachments(body.get("attachments"));
        self.asm(body.get("asm"), store);
        self.ip_pool(body.get("ip_pool_name"), store);
        self.template(template, store);
        if let Some(enable) = body
            .get("mail_settings")
            .and_then(|m| m.pointer("/sandbox_mode/enable"))
        {
            if !enable.is_boolean() {
                self.err(
                    "mail_settings.sandbox_mode.enable",
                    "The sandbox_mode enable parameter must be a boolean.",
                );
            }
        }
    }

    /// Returns the number of recipients of personalization `i`.
    fn personalization(&mut self, i: usize, p: &Value) -> usize {
        let at = |f: &str| format!("personalizations.{i}.{f}");
        let Some(p) = p.as_object() else {
            self.err(
                format!("personalizations.{i}"),
                "Each personalization must be an object.",
            );
            return 0;
        };
        if p.get("to")
            .and_then(Value::as_array)
            .is_none_or(|to| to.is_empty())
        {
            self.err(at("to"), "The to array is required for all personalization objects, and must have at least one email object with a valid email address.");
        }
        let mut seen = HashSet::new();
        let mut count = 0;
        for kind in ["to", "cc", "bcc"] {
            let Some(list) = p.get(kind) else { continue };
            let Some(items) = list.as_array() else {
                self.err(
                    at(kind),
                    format!("The {kind} field must be an array of email objects."),
                );
                continue;
            };
            self.addresses(&at(kind), list, 1000);
            count += items.len();
            for item in items {
                let Some(email) = item.get("email").and_then(Value::as_str) else {
                    continue;
                };
                if !seen.insert(email.to_lowercase()) {
                    self.err(at(kind), format!("Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [{email}] in the personalizations.{i}.{kind} field."));
                }
            }
        }
        if let Some(subject) = p.get("subject") {
            if subject.as_str().is_none_or(str::is_empty) {
                self.err(
                    at("subject"),
                    "The subject of a personalization must be a non-empty string.",
                );
            }
        }
        self.headers(&at("headers"), p.get("headers"));
        self.custom_args(&at("custom_args"), p.get("custom_args"));
        self.send_at(&at("send_at"), p.get("send_at"));
        if let Some(subs) = p.get("substitutions") {
            if !subs.is_object() || subs.to_string().len() > 10_000 {
                self.err(at("substitutions"), "Substitutions must be an object and are limited to 10000 bytes per personalization block.");
            }
        }
        if p.get("dynamic_template_data")
            .is_some_and(|d| !d.is_object())
        {
            self.err(
                at("dynamic_template_data"),
                "dynamic_template_data must be an object.",
            );
        }
        count
    }

    fn address(&mut self, field: &str, value: &Value) {
        let email = value.get("email").and_then(Value::as_str);
        match email {
            Some(e) if e.len() <= 320 && is_valid_email(e) => {}
            Some(_) => self.err(
                format!("{field}.email"),
                "Does not contain a valid address.",
            ),
            None => self.err(
                format!("{field}.email"),
                "The email parameter is required and must be a string.",
            ),
        }
        match value.get("name") {
            None | Some(Value::Null) => {}
            Some(Value::String(name)) if !name.contains([';', ',']) => {}
            Some(_) => self.err(
                format!("{field}.name"),
                "The name must be a string without ';' or ','.",
            ),
        }
    }

    fn addresses(&mut self, field: &str, list: &Value, max: usize) {
        let Some(items) = list.as_array() else {
            self.err(field, "Must be an array of email objects.");
            return;
        };
        if items.len() > max {
            self.err(field, format!("Holds more than {max} addresses."));
        }
        for (j, item) in items.iter().enumerate() {
            self.address(&format!("{field}.{j}"), item);
        }
    }

    fn content(&mut self, content: Option<&Value>, has_template: bool) {
        let items = content
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if items.is_empty() && !has_template {
            self.err("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.");
        }
        for (i, item) in items.iter().enumerate() {
            let ok = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if !ok("type") || !ok("value") {
                self.err(
                    format!("content.{i}"),
                    "Each content block needs a type and a value of at least one character.",
                );
            }
            if i > 0 && item.get("type").and_then(Value::as_str) == Some("text/plain") {
                self.err(format!("content.{i}.type"), "If present, text/plain content must be first, followed by text/html, then other types.");
            }
        }
    }

    fn categories(&mut self, categories: Option<&Value>) {
        let Some(categories) = categories else { return };
        let Some(items) = categories.as_array() else {
            self.err("categories", "Categories must be an array of strings.");
            return;
        };
        if items.len() > 10 {
            self.err("categories", "Too many categories. The maximum is 10.");
        }
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(c) if c.len() <= 255 && c.is_ascii() && seen.insert(c) => {}
                _ => self.err(
                    format!("categories.{i}"),
                    "Each category must be a unique ASCII string of at most 255 characters.",
                ),
            }
        }
    }

    fn headers(&mut self, field: &str, headers: Option<&Value>) {
        let Some(headers) = headers else { return };
        let Some(map) = headers.as_object() else {
            self.err(field, "Headers must be an object of string values.");
            return;
        };
        for (name, value) in map {
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                self.err(
                    format!("{field}.{name}"),
                    format!("The header '{name}' is reserved and cannot be set."),
                );
            } else if !value.is_string() || !name.is_ascii() || name.contains(' ') {
                self.err(
                    format!("{field}.{name}"),
                    "Header names must be ASCII without spaces and values must be strings.",
                );
            }
        }
    }

    fn custom_args(&mut self, field: &str, args: Option<&Value>) {
        let Some(args) = args else { return };
        let valid = args
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !valid || args.to_string().len() > 10_000 {
            self.err(
                field,
                "custom_args must be an object of string values, less than 10,000 bytes.",
            );
        }
    }

    fn send_at(&mut self, field: &str, send_at: Option<&Value>) {
        let Some(send_at) = send_at else { return };
        match send_at.as_i64() {
            Some(at) if at <= epoch_now() + MAX_SCHEDULE_SECONDS => {}
            Some(_) => self.err(
                field,
                "send_at cannot be scheduled more than 72 hours in advance.",
            ),
            None => self.err(field, "send_at must be an integer unix timestamp."),
        }
    }

    fn attachments(&mut self, attachments: Option<&Value>) {
        let Some(attachments) = attachments else {
            return;
        };
        let items = attachments.as_array().map(Vec::as_slice).unwrap_or(&[]);
        if !attachments.is_array() {
            self.err("attachments", "Attachments must be an array.");
        }
        for (i, a) in items.iter().enumerate() {
            for key in ["content", "filename"] {
                if a.get(key).and_then(Value::as_str).is_none_or(str::is_empty) {
                    self.err(
                        format!("attachments.{i}.{key}"),
                        format!("The attachment {key} is required."),
                    );
                }
            }
        }
    }

    fn asm(&mut self, asm: Option<&Value>, store: &Store) {
        let Some(asm) = asm else { return };
        let exists = |id: i64| store.groups.iter().any(|g| g.id == id);
        match asm.get("group_id").and_then(Value::as_i64) {
            Some(id) if exists(id) => {}
            Some(id) => self.err(
                "asm.group_id",
                format!("The asm group_id {id} is not a suppression group of your account."),
            ),
            None => self.err(
                "asm.group_id",
                "The asm object requires an integer group_id.",
            ),
        }
        if let Some(display) = asm.get("groups_to_display") {
            let ids = display.as_array().map(Vec::as_slice).unwrap_or(&[]);
            if !display.is_array()
                || ids.len() > 25
                || !ids.iter().all(|i| i.as_i64().is_some_and(exists))
            {
                self.err(
                    "asm.groups_to_display",
                    "groups_to_display holds at most 25 ids of existing suppression groups.",
                );
            }
        }
    }

    fn ip_pool(&mut self, pool: Option<&Value>, store: &Store) {
        let Some(pool) = pool else { return };
        match pool.as_str() {
            Some(name) if !(2..=64).contains(&name.chars().count()) => self.err(
                "ip_pool_name",
                "The ip_pool_name must be between 2 and 64 characters.",
            ),
            Some(name) if store.ip_pools.iter().any(|p| p == name) => {}
            Some(name) => self.err(
                "ip_pool_name",
                format!("The IP pool '{name}' does not exist."),
            ),
            None => self.err("ip_pool_name", "The ip_pool_name must be a string."),
        }
    }

    /// Real SendGrid may instead accept an unknown or version-less template
    /// with 202 and drop the mail later (docs/sendgrid-api-facts.md §3.5); the emulator answers
    /// 400 so that such a mistake shows up in tests.
    fn template(&mut self, template: Option<&Value>, store: &Store) {
        let Some(template) = template else { return };
        let Some(id) = template.as_str() else {
            self.err("template_id", "The template_id must be a string.");
            return;
        };
        match store.templates.iter().find(|t| t.id == id) {
            Some(t) if t.has_active_version() => {}
            Some(_) => self.err(
                "template_id",
                format!("The template {id} has no active version."),
            ),
            None => self.err(
                "template_id",
                "The template_id must be a valid template id for your account.",
            ),
        }
    }
}
