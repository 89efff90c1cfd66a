//! One Sync List run. `add`, `remove` and `segment` stream: each record
//! read is routed as it comes — a joining member to the Upsert Contact run
//! (its list in the payload's `list_ids`), a leaving one to [`leave_all`]
//! through a bounded channel, an invalid one to the report — and both parts
//! run at once, so the input is read only as fast as it is handled.
//! `mirror` reads the whole input first ([`super::mirror`]).

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::leave::{leave_all, LeaveSettings, Leaver};
use super::list_ref::{resolve, ListTarget};
use super::member::{member_of, Member, Membership, Taken};
use super::settled::{merge, Settled};
use super::{ListsApi, SyncMode, SyncOptions};
use crate::actions::input::{BatchAbort, InputRecord};
use crate::actions::send::dispatch::failure_for;
use crate::actions::upsert::UpsertPayload;
use crate::report::{BatchReport, RecordFailure};
use crate::wait_budget;

/// Leavers waiting for the removal part (bounds what routing runs ahead).
const LEAVERS_QUEUED: usize = 1_000;

impl ListsApi {
    /// Syncs list membership from a stream of mapped records (see
    /// [`SyncMode`]); until `stop` is cancelled, as the upsert run does.
    pub async fn sync_many_until<S>(
        &self,
        records: S,
        options: SyncOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<Value>> + Send,
    {
        let limit = self.contacts.client().config().max_rate_limit_wait;
        wait_budget::scoped(limit, self.sync_within_budget(records, options, stop)).await
    }

    async fn sync_within_budget<S>(
        &self,
        records: S,
        options: SyncOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<Value>> + Send,
    {
        let client = self.contacts.client().clone();
        let list_id = resolve(&client, &options.list, options.upsert.dry_run)
            .await
            .map_err(|error| BatchAbort {
                error,
                report: BatchReport::default(),
            })?;
        let list_given = options.list != ListTarget::PerRecord;
        let taken = match options.mode {
            SyncMode::Add | SyncMode::Mirror => Taken::As(Membership::Add),
            SyncMode::Remove => Taken::As(Membership::Remove),
            SyncMode::Segment => Taken::BySegmentAudience,
        };
        if options.mode == SyncMode::Mirror {
            let max_removals = options.max_removals.unwrap_or(0);
            return self
                .mirror(records, list_id, max_removals, &options, stop)
                .await;
        }
        let (leavers, leaving) = mpsc::channel(LEAVERS_QUEUED);
        let invalid = Arc::new(Mutex::new(Vec::new()));
        let router = Router {
            input: Box::pin(records),
            leavers,
            invalid: invalid.clone(),
            taken,
            list_given,
            list_id: list_id.clone(),
        };
        let settings = LeaveSettings {
            concurrency: options.upsert.max_concurrency,
            dry_run: options.upsert.dry_run,
            stop: stop.clone(),
        };
        let joining =
            self.contacts
                .upsert_many_until(router.joining(), options.upsert.clone(), stop);
        let (joined, mut settled) = tokio::join!(joining, leave_all(&client, leaving, settings));
        settled
            .failed
            .extend(invalid.lock().expect("no panic holds it").drain(..));
        finish(joined, settled)
    }
}

/// The upsert run's outcome with what the other parts settled; a whole-run
/// error of either part is raised with the merged report.
#[allow(clippy::result_large_err)] // the batch entry points' own result type
pub fn finish(
    joined: Result<BatchReport, BatchAbort>,
    mut settled: Settled,
) -> Result<BatchReport, BatchAbort> {
    let fatal = settled.fatal.take();
    match joined {
        Ok(report) => {
            let report = merge(report, settled);
            match fatal {
                Some(error) => Err(BatchAbort { error, report }),
                None => Ok(report),
            }
        }
        Err(abort) => Err(BatchAbort {
            error: abort.error,
            report: merge(abort.report, settled),
        }),
    }
}

/// Reads the input for the upsert run, handing it the joining members and
/// routing the rest.
struct Router<S> {
    input: Pin<Box<S>>,
    leavers: mpsc::Sender<Leaver>,
    invalid: Arc<Mutex<Vec<RecordFailure>>>,
    taken: Taken,
    list_given: bool,
    list_id: Option<String>,
}

impl<S> Router<S>
where
    S: Stream<Item = InputRecord<Value>> + Send,
{
    fn joining(self) -> impl Stream<Item = InputRecord<UpsertPayload>> + Send {
        futures::stream::unfold(self, |mut router| async move {
            loop {
                let record = router.input.next().await?;
                if let Some(joining) = router.route(record).await {
                    return Some((joining, router));
                }
            }
        })
    }

    /// The record for the upsert run, if it joins; otherwise routed here.
    async fn route(&mut self, record: InputRecord<Value>) -> Option<InputRecord<UpsertPayload>> {
        let index = record.index;
        let member = match record.payload {
            Err(failure) => Err(failure),
            Ok(payload) => {
                member_of(&payload, self.taken, self.list_given).map_err(|e| failure_for(index, &e))
            }
        };
        let member = match member {
            Ok(member) => member,
            Err(failure) => {
                self.invalid
                    .lock()
                    .expect("no panic holds it")
                    .push(failure);
                return None;
            }
        };
        // The run's list wins over the record's own.
        let list_id = if self.list_given {
            self.list_id.clone()
        } else {
            member.list_id.clone()
        };
        match member.membership {
            Membership::Add => Some(InputRecord::new(index, joining_payload(member, list_id))),
            Membership::Remove => {
                let leaver = Leaver {
                    index,
                    list_id,
                    identifiers: member.identifiers,
                };
                if let Err(unsent) = self.leavers.send(leaver).await {
                    // The removal part has ended (it never does before the input).
                    let failure =
                        failure_for(unsent.0.index, &crate::actions::input::not_started());
                    self.invalid
                        .lock()
                        .expect("no panic holds it")
                        .push(failure);
                }
                None
            }
        }
    }
}

/// A joining member's Upsert Contact payload, with its list.
pub fn joining_payload(member: Member, list_id: Option<String>) -> UpsertPayload {
    let mut payload = member.upsert;
    let lists: Vec<Value> = list_id.into_iter().map(Value::String).collect();
    payload.insert("list_ids".to_owned(), Value::Array(lists));
    UpsertPayload::Mapped(Value::Object(payload))
}
