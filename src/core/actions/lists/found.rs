//! The contacts a round of records names: every identifier looked up once
//! per kind (`search/emails`, `search/identifiers/{type}`, 100 values a
//! request), and each record's contact ids read from the answers. Leaving
//! members ([`super::leave`]) and deletions ([`super::delete`]) share it.

use std::collections::{HashMap, HashSet};

use super::identity::Identifiers;
use super::settled::Settled;
use crate::actions::upsert::lookup::{find_contacts, Lookup, SEARCH_BATCH};
use crate::client::SendGridClient;
use crate::error::Error;

/// The answers of one round, by identifier kind then normalised value.
#[derive(Debug)]
pub struct Found(Vec<HashMap<String, Lookup>>);

impl Found {
    /// Looks up every identifier of `records`. `Err`: a whole-run error.
    pub async fn look_up<'a>(
        client: &SendGridClient,
        records: impl Iterator<Item = &'a Identifiers> + Clone,
        concurrency: usize,
        settled: &mut Settled,
    ) -> Result<Self, Error> {
        let mut found = Vec::with_capacity(4);
        for kind in 0..4 {
            let values: HashSet<String> = records
                .clone()
                .filter_map(|ids| ids.0[kind].clone())
                .collect();
            settled.requests += values.len().div_ceil(SEARCH_BATCH) as u64;
            let values: Vec<String> = values.into_iter().collect();
            found.push(if values.is_empty() {
                HashMap::new()
            } else {
                find_contacts(client, kind, values, concurrency).await?
            });
        }
        Ok(Self(found))
    }

    /// The ids of the contacts `identifiers` name, each once; with
    /// `member_of`, only those in that list (a contact answered without
    /// `list_ids` is taken as one). `Err`: the lookup of one of them failed.
    pub fn contact_ids(
        &self,
        identifiers: &Identifiers,
        member_of: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        let mut ids: Vec<String> = Vec::new();
        for (kind, value) in identifiers.keys() {
            match self.0[kind].get(&value) {
                Some(Lookup::Found(contact)) => {
                    let member = match (member_of, &contact.list_ids) {
                        (Some(list), Some(lists)) => lists.iter().any(|l| l == list),
                        _ => true,
                    };
                    if let (true, Some(id)) = (member, &contact.id) {
                        if !ids.contains(id) {
                            ids.push(id.clone());
                        }
                    }
                }
                Some(Lookup::Failed(error)) => return Err(error.clone()),
                Some(Lookup::Missing) | None => {}
            }
        }
        Ok(ids)
    }
}
