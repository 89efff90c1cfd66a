//! `delete_contacts`: contacts found by identifier are deleted
//! (`DELETE /v3/marketing/contacts?ids=…`, a job SendGrid runs later),
//! never more than `max_deletes`. The input is read whole and its contacts
//! looked up before the first DELETE, so a run over its limit is refused
//! with [`Error::Limit`] having changed nothing. With `wait`, the deletion
//! jobs are followed at `GET /v3/marketing/contacts/imports/{id}` and the
//! records of a job that did not complete fail.

use std::collections::{HashMap, HashSet};

use futures::Stream;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::found::Found;
use super::identity::Identifiers;
use super::leave::LEAVERS_PER_ROUND;
use super::member::{member_of, Membership, Taken};
use super::removal::{delete_all, Deletion};
use super::settled::{merge, Settled};
use super::spool::Spool;
use super::{DeleteOptions, ListsApi};
use crate::actions::input::{next_record, BatchAbort, InputRecord};
use crate::actions::upsert::imports::wait_for_imports;
use crate::client::SendGridClient;
use crate::error::Error;
use crate::report::BatchReport;
use crate::wait_budget;

impl ListsApi {
    /// Deletes the contacts the records name (see the module docs).
    pub async fn delete_many_until<S>(
        &self,
        records: S,
        options: DeleteOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<Value>> + Send,
    {
        let client = self.contacts.client().clone();
        let limit = client.config().max_rate_limit_wait;
        wait_budget::scoped(limit, delete_within_budget(&client, records, options, stop)).await
    }
}

async fn delete_within_budget<S>(
    client: &SendGridClient,
    records: S,
    options: DeleteOptions,
    stop: CancellationToken,
) -> Result<BatchReport, BatchAbort>
where
    S: Stream<Item = InputRecord<Value>> + Send,
{
    let mut settled = Settled::default();
    let mut spool = Spool::default();
    let mut records = std::pin::pin!(records);
    let mut read = 0;
    while let Some(record) = next_record(&mut records, &stop).await {
        read = record.index + 1;
        let payload = match record.payload {
            Err(failure) => {
                settled.failed.push(failure);
                continue;
            }
            Ok(payload) => payload,
        };
        match member_of(&payload, Taken::As(Membership::Remove), true) {
            Err(error) => settled.fail(record.index, error),
            Ok(member) => {
                let bytes = serde_json::to_vec(&member.identifiers.0).expect("strings serialise");
                if let Err(error) = spool.push(record.index, &bytes) {
                    return Err(abort(error, settled, read));
                }
            }
        }
    }
    // Each record with contacts to delete, and every id once.
    let mut targets: Vec<(usize, Vec<String>)> = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    let entries = spool
        .into_entries()
        .map_err(|e| abort(e, Settled::default(), read))?;
    let mut round: Vec<(usize, Identifiers)> = Vec::new();
    let mut entries = entries.peekable();
    while let Some(entry) = entries.next() {
        let (index, bytes) = entry.map_err(|e| abort(e, Settled::default(), read))?;
        let parsed: [Option<String>; 4] = serde_json::from_slice(&bytes).unwrap_or_default();
        round.push((index, Identifiers(parsed)));
        if round.len() >= LEAVERS_PER_ROUND || entries.peek().is_none() {
            let round = std::mem::take(&mut round);
            match look_up_round(client, round, options.max_concurrency, &mut settled).await {
                Ok(found) => {
                    for (index, found) in found {
                        ids.extend(found.iter().cloned());
                        targets.push((index, found));
                    }
                }
                Err(error) => return Err(abort(error, settled, read)),
            }
        }
    }
    let count = ids.len() as u64;
    if count > options.max_deletes {
        let message = format!(
            "delete_contacts refused: it would delete {count} contacts, more than \
             max_deletes={}; nothing was changed",
            options.max_deletes
        );
        let error = Error::Limit {
            message,
            count,
            limit: options.max_deletes,
        };
        return Err(abort(error, settled, read));
    }
    if stop.is_cancelled() {
        targets
            .iter()
            .for_each(|(index, _)| settled.fail_unsent(*index));
        return Ok(finish_report(settled, read));
    }
    let mut lines = Vec::new();
    let dry = options.dry_run.then_some(&mut lines);
    let deleted = delete_all(
        client,
        &Deletion::contacts(),
        ids.into_iter().collect(),
        options.max_concurrency,
        &stop,
        dry,
    )
    .await;
    settled.request_lines.extend(lines);
    let mut by_id: HashMap<String, Result<(), Error>> = HashMap::new();
    let mut jobs: Vec<(String, Vec<String>)> = Vec::new();
    for chunk in deleted {
        if chunk.sent {
            settled.count_request(chunk.retries);
        }
        match &chunk.result {
            Ok(job) => {
                if let Some(job) = job {
                    jobs.push((job.clone(), chunk.ids.clone()));
                }
            }
            Err(error) if error.is_whole_run() => settled.fatal = Some(error.clone()),
            Err(_) => {}
        }
        for id in chunk.ids {
            by_id.insert(id, chunk.result.clone().map(|_| ()));
        }
    }
    if options.wait && !jobs.is_empty() && settled.fatal.is_none() {
        let job_ids: Vec<String> = jobs.iter().map(|(job, _)| job.clone()).collect();
        let followed = wait_for_imports(client, &job_ids, options.wait_timeout, options.poll).await;
        match followed {
            Ok(states) => {
                for (state, (_, chunk_ids)) in states.iter().zip(&jobs) {
                    if state.status != "completed" {
                        let error = Error::Transport {
                            message: format!("delete job {} ended {}", state.id, state.status),
                            maybe_sent: true,
                        };
                        for id in chunk_ids {
                            by_id.insert(id.clone(), Err(error.clone()));
                        }
                    }
                }
                settled.imports = states;
            }
            Err(error) => settled.fatal = Some(error),
        }
    }
    settled.job_ids = jobs.into_iter().map(|(job, _)| job).collect();
    settled.deleted = by_id.values().filter(|r| r.is_ok()).count() as u64;
    for (index, ids) in targets {
        let failure = ids.iter().find_map(|id| by_id.get(id)?.clone().err());
        match failure {
            Some(error) => settled.fail(index, error),
            None => settled.accepted.push(index),
        }
    }
    let fatal = settled.fatal.take();
    let report = finish_report(settled, read);
    match fatal {
        Some(error) => Err(BatchAbort { error, report }),
        None => Ok(report),
    }
}

/// The contacts of one round of records: records naming none are accepted
/// (nothing to delete), those whose lookup failed fail; the others come
/// back with their contact ids. `Err`: a whole-run error.
async fn look_up_round(
    client: &SendGridClient,
    round: Vec<(usize, Identifiers)>,
    concurrency: usize,
    settled: &mut Settled,
) -> Result<Vec<(usize, Vec<String>)>, Error> {
    let identifiers = round.iter().map(|(_, ids)| ids);
    let found = Found::look_up(client, identifiers, concurrency, settled).await?;
    let mut targets = Vec::new();
    for (index, identifiers) in round {
        match found.contact_ids(&identifiers, None) {
            Err(error) => settled.fail(index, error),
            Ok(ids) if ids.is_empty() => settled.accepted.push(index),
            Ok(ids) => targets.push((index, ids)),
        }
    }
    Ok(targets)
}

/// A run raised before any change: every record read and not yet settled
/// is `not_sent`.
fn abort(error: Error, settled: Settled, read: usize) -> BatchAbort {
    BatchAbort {
        error,
        report: finish_report(settled, read),
    }
}

/// The report of `read` records: those `settled` did not settle are `not_sent`.
fn finish_report(settled: Settled, read: usize) -> BatchReport {
    let mut builder = crate::report::ReportBuilder::new();
    for index in 0..read {
        builder.saw(index);
    }
    // Every entry is `not_sent`; the records `settled` owns replace theirs.
    merge(
        builder.finish("the run was refused or stopped before this record was deleted"),
        settled,
    )
}
