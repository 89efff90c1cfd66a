//! A mapped Sync List payload (the fields of Segment's `syncAudience`) →
//! a list member: whether it joins or leaves, which list, its identifiers
//! and, for one that joins, the Upsert Contact payload that adds it.
//!
//! Checks and messages are Segment's (its schema stage, then `perform`'s
//! own checks), in its order, so a record fails here for the reason it
//! would fail there. Two deviations (D20, see `tests/data/conformance/VECTORS.md`):
//! a bad date says `custom_date_fields` (Segment says `custom_number_fields`),
//! and dates are read in the forms listed at [`date_text`] only.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::identity::{Identifiers, KINDS};
use crate::actions::send::formats::is_email;
use crate::error::Error;
use crate::js;

/// Whether a record joins or leaves its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Add,
    Remove,
}

/// What every record of a run is taken as (the run's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Every record joins (`add`, `mirror`) or leaves (`remove`).
    As(Membership),
    /// Each record says, as Segment's audiences do: it joins when
    /// `traits_or_props[segment_audience_key]` is `true`.
    BySegmentAudience,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub membership: Membership,
    /// The record's own list (`external_audience_id`), when it has one.
    pub list_id: Option<String>,
    pub identifiers: Identifiers,
    /// Upsert Contact fields (its names) adding the member; empty for leavers.
    pub upsert: Map<String, Value>,
}

const NO_IDENTIFIER: &str = "At least one identifier from Email Address, Phone Number ID, \
                             Anonymous ID or External ID is required.";
const COMPUTATION_CLASS: &str =
    "Segment Computation Class must be one of: \"audience\" or \"journey_step\".";

/// Sync List attribute → Upsert Contact field.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("phone_number", "phone_number"),
    ("address_line_1", "address_line_1"),
    ("address_line_2", "address_line_2"),
    ("city", "city"),
    ("state_province_region", "state"),
    ("country", "country"),
    ("postal_code", "postal_code"),
];
/// Identifier (by [`KINDS`] position) → Upsert Contact field.
const UPSERT_IDENTIFIERS: [&str; 4] = [
    "primary_email",
    "phone_number_id",
    "external_id",
    "anonymous_id",
];

/// The member a mapped payload describes. `list_given`: the run names its
/// list, so the record need not.
pub fn member_of(payload: &Value, taken: Taken, list_given: bool) -> Result<Member, Error> {
    let Value::Object(payload) = payload else {
        return Err(Error::validation("record must be a mapping", None));
    };
    let list_id = text(payload.get("external_audience_id")).filter(|s| !s.is_empty());
    if list_id.is_none() && !list_given {
        return Err(missing("external_audience_id"));
    }
    let membership = membership(payload, taken)?;
    let identifiers = identifiers(payload.get("identifiers"))?;
    if identifiers.is_empty() {
        return Err(Error::validation(NO_IDENTIFIER, Some("identifiers")));
    }
    if let Some(phone) = &identifiers.0[1] {
        check_e164(phone, "phone_number_id")?;
    }
    let attributes = object(payload.get("user_attributes"));
    if let Some(phone) = attributes
        .and_then(|a| a.get("phone_number"))
        .and_then(Value::as_str)
    {
        check_e164(phone, "user_attributes.phone_number")?;
    }
    let custom = custom_fields(payload)?;
    let upsert = match membership {
        Membership::Add => upsert_payload(&identifiers, attributes, custom),
        Membership::Remove => Map::new(),
    };
    Ok(Member {
        membership,
        list_id,
        identifiers,
        upsert,
    })
}

fn membership(payload: &Map<String, Value>, taken: Taken) -> Result<Membership, Error> {
    if let Taken::As(membership) = taken {
        return Ok(membership);
    }
    let Some(key) = text(payload.get("segment_audience_key")) else {
        return Err(missing("segment_audience_key"));
    };
    if let Some(class) = payload.get("segment_computation_action") {
        if !matches!(class.as_str(), Some("audience" | "journey_step")) {
            return Err(Error::validation(
                COMPUTATION_CLASS,
                Some("segment_computation_action"),
            ));
        }
    }
    let flag = object(payload.get("traits_or_props")).and_then(|t| t.get(&key));
    Ok(if flag == Some(&Value::Bool(true)) {
        Membership::Add
    } else {
        Membership::Remove
    })
}

fn identifiers(value: Option<&Value>) -> Result<Identifiers, Error> {
    let mut ids = Identifiers::default();
    let Some(given) = object(value) else {
        return Ok(ids);
    };
    for (slot, kind) in ids.0.iter_mut().zip(KINDS) {
        let Some(value) = given.get(kind).filter(|v| !v.is_null()) else {
            continue;
        };
        let field = format!("identifiers.{kind}");
        if kind == "email" {
            match value.as_str() {
                Some(email) if is_email(email) => *slot = Some(email.to_owned()),
                Some(_) => {
                    let message =
                        "Email Address must be a valid email address string but it was not.";
                    return Err(Error::validation(message, Some(&field)));
                }
                None => return Err(type_error("Email Address", value, &field)),
            }
            continue;
        }
        match value {
            Value::String(s) if s.is_empty() => {}
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                *slot = Some(js::string_of(value))
            }
            _ => return Err(type_error(kind, value, &field)),
        }
    }
    Ok(ids)
}

/// Segment's phone check: E.164, `+` and 2 to 15 digits, no leading 0.
fn check_e164(phone: &str, field: &str) -> Result<(), Error> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            format!("{field} '{phone}' is not valid"),
            Some(field),
        ))
    }
}

/// `custom_text_fields`, `custom_number_fields`, `custom_date_fields`
/// checked and merged in that order (a later one wins a shared name);
/// dates become `MM/DD/YYYY`, as SendGrid's date fields take them.
fn custom_fields(payload: &Map<String, Value>) -> Result<Map<String, Value>, Error> {
    let mut merged = Map::new();
    for (group, expected) in [
        ("custom_text_fields", "a string"),
        ("custom_number_fields", "a number"),
        ("custom_date_fields", "a valid date"),
    ] {
        for (name, value) in object(payload.get(group)).into_iter().flatten() {
            let converted = match (group, value) {
                ("custom_text_fields", Value::String(_)) => Some(value.clone()),
                ("custom_number_fields", Value::Number(_)) => Some(value.clone()),
                ("custom_date_fields", Value::String(s)) => date_text(s).map(Value::String),
                _ => None,
            };
            let Some(converted) = converted else {
                let shown = js::string_of(value);
                let message = format!("{group} {name} value {shown} is not {expected}");
                return Err(Error::validation(message, Some(group)));
            };
            merged.insert(name.clone(), converted);
        }
    }
    Ok(merged)
}

/// A date as `MM/DD/YYYY` (the UTC day of an instant). Read forms: ISO 8601
/// date or date-time (with offset or `Z`; without, UTC), `YYYY`,
/// `MM/DD/YYYY`, and `Month D, YYYY`.
pub fn date_text(text: &str) -> Option<String> {
    let text = text.trim();
    let date = DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc).date_naive())
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
                .map(|d| d.date())
        })
        .or_else(|| {
            ["%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        })
        .or_else(|| {
            let year: i32 = text.parse().ok().filter(|_| text.len() == 4)?;
            NaiveDate::from_ymd_opt(year, 1, 1)
        })?;
    Some(format!(
        "{:02}/{:02}/{:04}",
        date.month(),
        date.day(),
        date.year()
    ))
}

fn upsert_payload(
    identifiers: &Identifiers,
    attributes: Option<&Map<String, Value>>,
    custom: Map<String, Value>,
) -> Map<String, Value> {
    let mut upsert = Map::new();
    for (field, value) in UPSERT_IDENTIFIERS.iter().zip(&identifiers.0) {
        if let Some(value) = value {
            upsert.insert((*field).to_owned(), Value::String(value.clone()));
        }
    }
    for (from, to) in ATTRIBUTES {
        if let Some(value) = attributes
            .and_then(|a| a.get(*from))
            .filter(|v| !v.is_null())
        {
            upsert.insert((*to).to_owned(), value.clone());
        }
    }
    if !custom.is_empty() {
        upsert.insert("customFields".to_owned(), Value::Object(custom));
    }
    upsert
}

fn object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(js::number_to_string(n)),
        _ => None,
    }
}

fn missing(field: &str) -> Error {
    let message = format!("The root value is missing the required field '{field}'.");
    Error::validation(message, Some(field))
}

fn type_error(label: &str, value: &Value, field: &str) -> Error {
    let message = format!(
        "{label} must be a string but it was {}.",
        crate::json_kind::a_json_type(value)
    );
    Error::validation(message, Some(field))
}

#[cfg(test)]
#[path = "member_tests.rs"]
mod tests;
