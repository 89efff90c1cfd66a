//! Members leaving a list, as they stream: [`LEAVERS_PER_ROUND`] records
//! at a time, their contacts are looked up by identifier
//! (`search/emails`, `search/identifiers/{type}`: 100 values a request, no
//! query text to escape, unlike Segment's SGQL `IN ('…')`), and those that
//! are members leave through `DELETE /v3/marketing/lists/{id}/contacts`.
//! Unlike Segment, a leaving member is not upserted first, so a removal
//! never creates a contact (deviation D18).
//!
//! A record is accepted when every contact it names has left (or none is a
//! member: nothing to do); it fails with the lookup's or the DELETE's error
//! otherwise.

use std::collections::{HashMap, HashSet};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::found::Found;
use super::identity::Identifiers;
use super::removal::{delete_all, Deletion};
use super::settled::Settled;
use crate::client::SendGridClient;
use crate::error::Error;

/// Records looked up and removed together.
pub const LEAVERS_PER_ROUND: usize = 500;

/// One record whose contact leaves a list.
#[derive(Debug)]
pub struct Leaver {
    pub index: usize,
    /// `None`: the run's list does not exist yet (a dry run that would create it).
    pub list_id: Option<String>,
    pub identifiers: Identifiers,
}

/// How leavers are handled.
#[derive(Debug, Clone)]
pub struct LeaveSettings {
    pub concurrency: usize,
    pub dry_run: bool,
    pub stop: CancellationToken,
}

/// Takes leavers until the channel closes; settles each one.
pub async fn leave_all(
    client: &SendGridClient,
    mut leavers: mpsc::Receiver<Leaver>,
    settings: LeaveSettings,
) -> Settled {
    let mut settled = Settled::default();
    let mut round = Vec::with_capacity(LEAVERS_PER_ROUND);
    while let Some(leaver) = leavers.recv().await {
        round.push(leaver);
        if round.len() >= LEAVERS_PER_ROUND {
            leave_round(client, std::mem::take(&mut round), &settings, &mut settled).await;
        }
    }
    leave_round(client, round, &settings, &mut settled).await;
    settled
}

async fn leave_round(
    client: &SendGridClient,
    round: Vec<Leaver>,
    settings: &LeaveSettings,
    settled: &mut Settled,
) {
    if round.is_empty() {
        return;
    }
    if settled.fatal.is_some() || settings.stop.is_cancelled() {
        round.iter().for_each(|l| settled.fail_unsent(l.index));
        return;
    }
    let identifiers = round.iter().map(|l| &l.identifiers);
    let found = match Found::look_up(client, identifiers, settings.concurrency, settled).await {
        Ok(found) => found,
        Err(fatal) => {
            settled.fatal = Some(fatal);
            round.iter().for_each(|l| settled.fail_unsent(l.index));
            return;
        }
    };
    if settings.stop.is_cancelled() {
        round.iter().for_each(|l| settled.fail_unsent(l.index));
        return;
    }
    // Each record's contacts that are members of its list, or its lookup error.
    let mut targets: Vec<Result<Vec<String>, Error>> = Vec::with_capacity(round.len());
    let mut per_list: HashMap<String, Vec<String>> = HashMap::new();
    for leaver in &round {
        let ids = match &leaver.list_id {
            Some(list) => found.contact_ids(&leaver.identifiers, Some(list)),
            // The run's list does not exist yet (a dry run would create it).
            None => Ok(Vec::new()),
        };
        if let (Ok(ids), Some(list)) = (&ids, &leaver.list_id) {
            per_list
                .entry(list.clone())
                .or_default()
                .extend(ids.iter().cloned());
        }
        targets.push(ids);
    }
    let mut outcome: HashMap<(String, String), Result<(), Error>> = HashMap::new();
    let mut dry_lines = Vec::new();
    for (list, ids) in per_list {
        let unique: Vec<String> = ids
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let lines = settings.dry_run.then_some(&mut dry_lines);
        for deleted in delete_all(
            client,
            &Deletion::from_list(&list),
            unique,
            settings.concurrency,
            &settings.stop,
            lines,
        )
        .await
        {
            if deleted.sent {
                settled.count_request(deleted.retries);
            }
            match &deleted.result {
                Ok(_) => settled.removed += deleted.ids.len() as u64,
                Err(e) if e.is_whole_run() => settled.fatal = Some(e.clone()),
                Err(_) => {}
            }
            for id in deleted.ids {
                outcome.insert((list.clone(), id), deleted.result.clone().map(|_| ()));
            }
        }
    }
    settled.request_lines.extend(dry_lines);
    for (leaver, ids) in round.iter().zip(targets) {
        let list = leaver.list_id.clone().unwrap_or_default();
        let failure = match ids {
            Err(error) => Some(error),
            Ok(ids) => ids
                .into_iter()
                .find_map(|id| outcome.get(&(list.clone(), id))?.clone().err()),
        };
        match failure {
            Some(error) => settled.fail(leaver.index, error),
            None => settled.accepted.push(leaver.index),
        }
    }
}
