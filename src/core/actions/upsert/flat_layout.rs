//! Segment's schema stage and `convertPayload` worked out once for the
//! member names of a flat mapping: which field each member is, where it
//! goes in the contact and whether it identifies the contact. A record's
//! contact is then one loop over its values, with no name looked up.

use smallvec::SmallVec;

use serde_json::Value;

use super::api::UpsertPayload;
use super::contact::{
    is_truthy_identifier, Contact, ContactError, PendingContact, IDENTIFIERS, NOT_COPIED, RENAMED,
};
use super::flat::Scalar;
use super::payload::{coerce, spec, Field, Kind};
use crate::error::Error;
use crate::js;

/// Most flat mappings have fewer members than this (Segment's default has 17):
/// their layouts and per-record lists need no heap.
const INLINE_MEMBERS: usize = 24;

/// What one member of the mapping is to the contact.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Not a field of the action: `removeAdditional` drops it.
    Dropped,
    /// A field: its declaration position (AJV reports the first failing one),
    /// and whether `convertPayload` copies it under its own name.
    Field {
        position: usize,
        field: &'static Field,
        copied: bool,
    },
}

/// The contact layout of one list of member names; see the module docs.
#[derive(Debug, Clone)]
pub struct ContactLayout {
    slots: SmallVec<[Slot; INLINE_MEMBERS]>,
    /// Member positions of the identifiers, in Segment's order.
    identifiers: SmallVec<[usize; 4]>,
    /// Member positions moved to the end, with their new names, in order.
    renamed: SmallVec<[(usize, &'static str); 2]>,
    /// The member position of `customFields`, when the mapping has it.
    custom: Option<usize>,
}

/// A kept member: borrowed as it came, or coerced by the schema stage (rare:
/// boxed, so a record's list of kept members stays small).
enum Kept<'a> {
    As(&'a Scalar<'a>),
    Coerced(Box<serde_json::Value>),
}

impl ContactLayout {
    /// The layout of a payload with these members (in the mapping's order);
    /// `None` when one of them needs the general path (`customFields`,
    /// `list_ids`).
    pub fn new<'n>(names: impl IntoIterator<Item = &'n str>) -> Option<Self> {
        let mut layout = Self {
            slots: SmallVec::new(),
            identifiers: SmallVec::new(),
            renamed: SmallVec::new(),
            custom: None,
        };
        let mut names_seen: SmallVec<[&str; INLINE_MEMBERS]> = SmallVec::new();
        for name in names {
            if name == "list_ids" {
                return None;
            }
            layout.slots.push(match spec(name) {
                None => Slot::Dropped,
                Some((position, field)) => Slot::Field {
                    position,
                    field,
                    copied: !NOT_COPIED.contains(&name),
                },
            });
            names_seen.push(name);
        }
        let at = |wanted: &str| names_seen.iter().position(|name| *name == wanted);
        layout.custom = at("customFields");
        layout.identifiers = IDENTIFIERS.iter().filter_map(|name| at(name)).collect();
        layout.renamed = RENAMED
            .iter()
            .filter_map(|(from, to)| Some((at(from)?, *to)))
            .collect();
        Some(layout)
    }

    /// Validates one record's values (one per member, `None` for a member
    /// the mapping left undefined) and encodes its contact. A `customFields`
    /// member must be given by [`encode_with_custom`](Self::encode_with_custom)
    /// (as a scalar it is Segment's type error).
    pub fn encode(&self, values: &[Option<Scalar<'_>>]) -> Result<Contact, Error> {
        let mut json = self.encode_head(values)?;
        json.extend_from_slice(b"\"custom_fields\":{}}");
        Ok(Contact {
            json,
            list_ids: None,
        })
    }

    /// [`encode`](Self::encode) of a record whose `customFields` member is an
    /// object of scalars (`custom`, its members in order, `None` where
    /// undefined; taken). Custom fields are named by the mapping and resolved to
    /// field ids by the run, which fetches the definitions: the contact is
    /// then [`PendingContact`] until [`PendingContact::finish`].
    pub fn encode_with_custom(
        &self,
        values: &[Option<Scalar<'_>>],
        custom: &mut [(&str, Option<Value>)],
    ) -> Result<UpsertPayload, Error> {
        let defined: Vec<(String, Value)> = custom
            .iter_mut()
            .filter_map(|(name, value)| Some(((*name).to_owned(), value.take()?)))
            .collect();
        let head = self.encode_head(values)?;
        if defined.is_empty() || self.custom.is_none() {
            let mut json = head;
            json.extend_from_slice(b"\"custom_fields\":{}}");
            return Ok(UpsertPayload::Encoded(Contact {
                json,
                list_ids: None,
            }));
        }
        Ok(UpsertPayload::Pending(PendingContact {
            head,
            custom: defined,
        }))
    }

    /// The contact's JSON up to its `custom_fields` member: `{`, then each
    /// member written followed by `,`. (A `customFields` object, given
    /// apart, passes the schema stage and is not copied: nothing to do.)
    fn encode_head(&self, values: &[Option<Scalar<'_>>]) -> Result<Vec<u8>, Error> {
        let mut kept: SmallVec<[Option<Kept<'_>>; INLINE_MEMBERS]> =
            values.iter().map(|_| None).collect();
        let mut first_error: Option<(usize, Error)> = None;
        for ((slot, value), keep) in self.slots.iter().zip(values).zip(kept.iter_mut()) {
            let (
                Slot::Field {
                    position, field, ..
                },
                Some(value),
            ) = (slot, value)
            else {
                continue;
            };
            let wanted = match (value, field.kind) {
                (Scalar::Str(""), _) => false,
                (Scalar::Null, kind) => kind == Kind::NullableString,
                _ => true,
            };
            if !wanted {
                continue;
            }
            if field.kind == Kind::NullableString && matches!(value, Scalar::Str(_) | Scalar::Null)
            {
                *keep = Some(Kept::As(value));
                continue;
            }
            let mut coerced = value.to_value();
            match coerce(field, &mut coerced) {
                Ok(()) => *keep = Some(Kept::Coerced(Box::new(coerced))),
                Err(error) => {
                    if first_error.as_ref().is_none_or(|(at, _)| position < at) {
                        first_error = Some((*position, error));
                    }
                }
            }
        }
        if let Some((_, error)) = first_error {
            return Err(error);
        }
        let identified = self.identifiers.iter().any(|&at| {
            kept.get(at)
                .and_then(Option::as_ref)
                .is_some_and(Kept::is_identifier)
        });
        if !identified {
            return Err(ContactError::NoIdentifier.into_error());
        }

        let mut json = Vec::with_capacity(64 + values.len() * 24);
        json.push(b'{');
        let copied = self
            .slots
            .iter()
            .zip(&kept)
            .filter_map(|(slot, kept)| match (slot, kept) {
                (
                    Slot::Field {
                        field,
                        copied: true,
                        ..
                    },
                    Some(kept),
                ) => Some((field.name, kept)),
                _ => None,
            });
        let moved = self
            .renamed
            .iter()
            .filter_map(|&(at, to)| Some((to, kept.get(at)?.as_ref()?)));
        for (key, value) in copied.chain(moved) {
            // Keys are Segment's field names: plain ASCII, nothing to escape.
            json.push(b'"');
            json.extend_from_slice(key.as_bytes());
            json.extend_from_slice(b"\":");
            value.write(&mut json);
            json.push(b',');
        }
        Ok(json)
    }
}

impl Kept<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::As(Scalar::Str(s)) => js::write_json_string(out, s),
            Self::As(Scalar::Null) => out.extend_from_slice(b"null"),
            Self::As(other) => js::write_json(out, &other.to_value()),
            Self::Coerced(value) => js::write_json(out, value),
        }
    }

    fn is_identifier(&self) -> bool {
        match self {
            Self::As(Scalar::Str(s)) => !s.is_empty(),
            Self::As(Scalar::Null) => false,
            Self::As(other) => is_truthy_identifier(Some(&other.to_value())),
            Self::Coerced(value) => is_truthy_identifier(Some(value)),
        }
    }
}
