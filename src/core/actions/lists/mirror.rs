//! `mode="mirror"`: after the run the list holds exactly the input's
//! contacts. The whole input is read first (kept in a [`Spool`], its
//! identities hashed), then the list's members are read through an export
//! ([`for_each_member`]), and the members no input record names are
//! counted. More than `max_removals` of them → the run is refused with
//! [`Error::Limit`] before any request that changes anything. Otherwise
//! the input joins (one upsert run) and those members leave (DELETE of list
//! membership: their contacts stay).
//!
//! Memory: one hash per input identifier, at most `max_removals` member
//! ids, one export file at a time; the input's payloads beyond 64 MB wait
//! on disk.

use futures::{Stream, StreamExt};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::export::for_each_member;
use super::identity::InputIdentities;
use super::member::{member_of, Membership, Taken};
use super::removal::{delete_all, Deletion};
use super::settled::Settled;
use super::spool::Spool;
use super::sync::{finish, joining_payload};
use super::{ListsApi, SyncOptions};
use crate::actions::input::{next_record, BatchAbort, InputRecord};
use crate::actions::upsert::UpsertPayload;
use crate::error::Error;
use crate::report::{BatchReport, ReportBuilder};

/// The input of a mirror, read whole.
#[derive(Default)]
struct Input {
    spool: Spool,
    identities: InputIdentities,
    settled: Settled,
    read: usize,
}

impl ListsApi {
    pub(super) async fn mirror<S>(
        &self,
        records: S,
        list_id: Option<String>,
        max_removals: u64,
        options: &SyncOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<Value>> + Send,
    {
        let client = self.contacts.client().clone();
        let mut input = read_input(records, list_id.clone(), &stop).await;
        if let Some(error) = input.settled.fatal.take() {
            return Err(BatchAbort {
                error,
                report: unsent(input),
            });
        }
        if stop.is_cancelled() {
            // Stopped while reading (Ctrl-C, the input failed): nothing was changed.
            return Ok(unsent(input));
        }
        let mut leaving: Vec<String> = Vec::new();
        let mut count: u64 = 0;
        if let Some(list) = &list_id {
            let identities = &input.identities;
            let read = for_each_member(
                &client,
                list,
                options.upsert.wait_timeout,
                options.upsert.poll,
                |member| {
                    if !identities.contains_any(&member.identifiers) {
                        count += 1;
                        if count <= max_removals {
                            leaving.push(member.id);
                        }
                    }
                },
            )
            .await;
            if let Err(error) = read {
                return Err(BatchAbort {
                    error,
                    report: unsent(input),
                });
            }
        }
        if count > max_removals {
            let list = list_id.unwrap_or_default();
            let message = format!(
                "mirror refused: it would remove {count} members of list {list}, more than \
                 max_removals={max_removals}; nothing was changed"
            );
            let error = Error::Limit {
                message,
                count,
                limit: max_removals,
            };
            return Err(BatchAbort {
                error,
                report: unsent(input),
            });
        }
        log::info!(
            target: "segment_sendgrid::lists",
            "mirror: {} records join, {count} members leave", input.spool.len()
        );
        let read = input.read;
        let joined = match input.spool.into_entries() {
            Ok(entries) => {
                let joining =
                    futures::stream::iter(entries.map_while(Result::ok)).map(|(index, bytes)| {
                        let payload =
                            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
                        InputRecord::new(index, UpsertPayload::Mapped(payload))
                    });
                self.contacts
                    .upsert_many_until(joining, options.upsert.clone(), stop.clone())
                    .await
            }
            Err(error) => Err(BatchAbort {
                error,
                report: BatchReport::default(),
            }),
        };
        let mut settled = input.settled;
        if joined.is_ok() && !leaving.is_empty() {
            let list = list_id.as_deref().unwrap_or_default();
            leave(&client, list, leaving, options, &stop, &mut settled).await;
        }
        let outcome = finish(joined, settled);
        outcome
            .map(|report| crate::actions::accounting::account_for_all(report, read))
            .map_err(|abort| BatchAbort {
                report: crate::actions::accounting::account_for_all(abort.report, read),
                ..abort
            })
    }
}

/// Reads every record: invalid ones are settled, the others kept.
async fn read_input<S>(records: S, list_id: Option<String>, stop: &CancellationToken) -> Input
where
    S: Stream<Item = InputRecord<Value>> + Send,
{
    let mut input = Input::default();
    let mut records = std::pin::pin!(records);
    let taken = Taken::As(Membership::Add);
    while let Some(record) = next_record(&mut records, stop).await {
        input.read = record.index + 1;
        let member = match record.payload {
            Err(failure) => {
                input.settled.failed.push(failure);
                continue;
            }
            Ok(payload) => member_of(&payload, taken, true),
        };
        match member {
            Err(error) => input.settled.fail(record.index, error),
            Ok(member) => {
                input.identities.insert(&member.identifiers);
                let UpsertPayload::Mapped(payload) = joining_payload(member, list_id.clone())
                else {
                    unreachable!("joining payloads are mapped")
                };
                let bytes = serde_json::to_vec(&payload).expect("a JSON value serialises");
                if let Err(error) = input.spool.push(record.index, &bytes) {
                    input.settled.fatal = Some(error);
                    break;
                }
            }
        }
    }
    input
}

/// Members no input record names leave the list.
async fn leave(
    client: &crate::client::SendGridClient,
    list: &str,
    leaving: Vec<String>,
    options: &SyncOptions,
    stop: &CancellationToken,
    settled: &mut Settled,
) {
    if stop.is_cancelled() {
        settled.not_removed += leaving.len() as u64;
        return;
    }
    let mut lines = Vec::new();
    let dry = options.upsert.dry_run.then_some(&mut lines);
    let deleted = delete_all(
        client,
        &Deletion::from_list(list),
        leaving,
        options.upsert.max_concurrency,
        stop,
        dry,
    )
    .await;
    for chunk in deleted {
        if chunk.sent {
            settled.count_request(chunk.retries);
        }
        match &chunk.result {
            Ok(_) => settled.removed += chunk.ids.len() as u64,
            Err(error) => {
                settled.not_removed += chunk.ids.len() as u64;
                log::warn!(
                    target: "segment_sendgrid::lists",
                    "mirror: {} members of list {list} were not removed: {error}", chunk.ids.len()
                );
            }
        }
    }
    settled.request_lines.extend(lines);
}

/// The report of a mirror refused or stopped before any change: invalid
/// records failed, every other record read `not_sent`.
fn unsent(input: Input) -> BatchReport {
    let mut builder = ReportBuilder::new();
    for index in 0..input.read {
        builder.saw(index);
    }
    for failure in input.settled.failed {
        builder.fail(failure);
    }
    builder.finish("the run was refused or stopped before any change")
}
