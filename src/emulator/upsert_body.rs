//! Parses a PUT contacts body straight into records. A 6 MB body holds up
//! to 30,000 contacts; building a generic JSON tree first (one hash map and
//! one key string per field) made acceptance several times slower, so keys
//! are recognised while parsing and values land in a flat list per record.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::contacts::IDENTIFIERS;
use axum::http::StatusCode;

use super::errors::{parse_object, ApiError, ErrorItem};

/// Settable reserved fields and their `maxLength` (spec `ContactRequest`;
/// `None` where the spec gives no bound). Segment also sends `phone_number`,
/// `whatsapp`, `line`, `facebook`, `unique_name`, which the spec omits.
pub const TEXT_FIELDS: &[(&str, Option<usize>)] = &[
    ("first_name", Some(50)),
    ("last_name", Some(50)),
    ("address_line_1", Some(100)),
    ("address_line_2", Some(100)),
    ("city", Some(60)),
    ("state_province_region", Some(50)),
    ("postal_code", None),
    ("country", Some(50)),
    ("phone_number", None),
    ("whatsapp", None),
    ("line", None),
    ("facebook", None),
    ("unique_name", None),
];

/// A key of a contact object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKey {
    /// Index into [`IDENTIFIERS`].
    Identifier(usize),
    /// Index into [`TEXT_FIELDS`].
    Text(usize),
    Alternates,
    Custom,
    Unknown(String),
}

impl FieldKey {
    fn classify(key: &str) -> Self {
        if let Some(i) = IDENTIFIERS.iter().position(|k| *k == key) {
            return Self::Identifier(i);
        }
        if let Some(i) = TEXT_FIELDS.iter().position(|(k, _)| *k == key) {
            return Self::Text(i);
        }
        match key {
            "alternate_emails" => Self::Alternates,
            "custom_fields" => Self::Custom,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = FieldKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKey, E> {
                Ok(FieldKey::classify(key))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// One element of `contacts`: an object's fields, or the JSON type found.
#[derive(Debug)]
pub enum RawRecord {
    Object(Vec<(FieldKey, Value)>),
    Other(&'static str),
}

/// The `contacts` member: absent, an array of records, or another type.
#[derive(Debug, Default)]
pub enum RawContacts {
    #[default]
    Missing,
    Array(Vec<RawRecord>),
    Other(&'static str),
}

#[derive(Debug, Default)]
pub struct UpsertBody {
    pub contacts: RawContacts,
    pub list_ids: Option<Value>,
}

/// Visits any JSON value; `on_map`/`on_seq` decide what is kept, scalars
/// become their type name.
macro_rules! scalar_visits {
    ($out:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out("null"))
        }
    };
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = RawRecord;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a contact object")
            }
            scalar_visits!(RawRecord::Other);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawRecord, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawRecord::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRecord, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<FieldKey>()? {
                    fields.push((key, map.next_value::<Value>()?));
                }
                Ok(RawRecord::Object(fields))
            }
        }
        deserializer.deserialize_any(RecordVisitor)
    }
}

impl<'de> Deserialize<'de> for RawContacts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContactsVisitor;
        impl<'de> Visitor<'de> for ContactsVisitor {
            type Value = RawContacts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of contacts")
            }
            scalar_visits!(RawContacts::Other);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawContacts, A::Error> {
                let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(30_001));
                while let Some(record) = seq.next_element::<RawRecord>()? {
                    records.push(record);
                }
                Ok(RawContacts::Array(records))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawContacts, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(RawContacts::Other("an object"))
            }
        }
        deserializer.deserialize_any(ContactsVisitor)
    }
}

/// The top level must be an object; members other than `contacts` and
/// `list_ids` are ignored.
#[derive(Debug)]
enum TopLevel {
    Body(UpsertBody),
    Other,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            scalar_visits!(|_| TopLevel::Other);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TopLevel::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut body = UpsertBody::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "contacts" => body.contacts = map.next_value()?,
                        "list_ids" => body.list_ids = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(TopLevel::Body(body))
            }
        }
        deserializer.deserialize_any(BodyVisitor)
    }
}

/// The body, or the same 400s as every other endpoint gives for malformed
/// JSON or a non-object body.
pub fn parse_upsert(bytes: &[u8]) -> Result<UpsertBody, ApiError> {
    match serde_json::from_slice::<TopLevel>(bytes) {
        Ok(TopLevel::Body(body)) => Ok(body),
        // Let the generic parser word the error exactly as elsewhere.
        Ok(TopLevel::Other) | Err(_) => match parse_object(bytes) {
            Err(error) => Err(error),
            Ok(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                vec![ErrorItem::general("request body is not a contacts request")],
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_fields_in_order_and_flag_non_objects() {
        let body = parse_upsert(
            br#"{"x": [1, {"a": 2}], "contacts": [{"email": "a@b.io", "city": "Oslo", "shoe": 42, "custom_fields": {}}, 7, []], "list_ids": ["l"]}"#,
        )
        .unwrap();
        let RawContacts::Array(records) = body.contacts else {
            panic!("array expected")
        };
        let RawRecord::Object(fields) = &records[0] else {
            panic!("object expected")
        };
        let keys: Vec<&FieldKey> = fields.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                &FieldKey::Identifier(0),
                &FieldKey::Text(4),
                &FieldKey::Unknown("shoe".into()),
                &FieldKey::Custom
            ]
        );
        assert!(matches!(records[1], RawRecord::Other("a number")));
        assert!(matches!(records[2], RawRecord::Other("an array")));
        assert_eq!(body.list_ids, Some(serde_json::json!(["l"])));
    }

    #[test]
    fn bad_bodies_give_the_generic_400s() {
        for bad in [&b"{"[..], b"[]", b"3", b""] {
            assert_eq!(parse_upsert(bad).unwrap_err().status.as_u16(), 400);
        }
        assert!(matches!(
            parse_upsert(br#"{"contacts": "x"}"#).unwrap().contacts,
            RawContacts::Other("a string")
        ));
        assert!(matches!(
            parse_upsert(b"{}").unwrap().contacts,
            RawContacts::Missing
        ));
    }
}
