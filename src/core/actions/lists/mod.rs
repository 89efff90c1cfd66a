//! Segment's "SendGrid Lists (Actions)" destination (`syncAudience`), done
//! the way a pipeline needs it: list members join through the Upsert
//! Contact run (same batches, validation, retries and import checks) and
//! leave through `DELETE /v3/marketing/lists/{id}/contacts`; a mirror makes
//! a list hold exactly its input, guarded by `max_removals`; and contacts
//! can be deleted, guarded by `max_deletes`.
//!
//! [`member`] reads a mapped record, [`identity`] says who it is,
//! [`list_ref`] finds or creates the list, [`found`] looks contacts up,
//! [`leave`] removes leaving
//! members as they stream, [`export`] reads a list's members for
//! [`mirror`], [`removal`] cuts DELETE requests, [`spool`] holds the input
//! of guarded runs, [`delete`] deletes contacts and [`settled`] merges what
//! each part settled into one report.

mod delete;
mod export;
mod found;
mod identity;
mod leave;
mod list_ref;
mod member;
mod mirror;
mod removal;
mod settled;
mod spool;
mod sync;

use std::time::Duration;

pub use list_ref::ListTarget;

use crate::actions::upsert::{ContactsApi, UpsertOptions};
use crate::config::{seconds, ClientConfig};
use crate::error::{Error, Result};

/// What a Sync List run does with its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Every record joins the list.
    Add,
    /// Every record leaves the list (its contact stays).
    Remove,
    /// The list ends up holding exactly the records; other members leave.
    Mirror,
    /// Each record says (Segment's audience events: `traits_or_props[key]`).
    Segment,
}

impl SyncMode {
    pub fn parse(mode: &str) -> Result<Self> {
        match mode {
            "add" => Ok(Self::Add),
            "remove" => Ok(Self::Remove),
            "mirror" => Ok(Self::Mirror),
            "segment" => Ok(Self::Segment),
            other => Err(Error::config(format!(
                "mode must be \"add\", \"remove\", \"mirror\" or \"segment\", not {other:?}"
            ))),
        }
    }
}

/// Settings of one Sync List run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    pub mode: SyncMode,
    pub list: ListTarget,
    /// Required for [`SyncMode::Mirror`]: the most members it may remove.
    pub max_removals: Option<u64>,
    /// The joining members' upsert run (and `wait`, `dry_run`, concurrency).
    pub upsert: UpsertOptions,
}

/// Settings of one Delete Contacts run.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteOptions {
    /// The most contacts it may delete.
    pub max_deletes: u64,
    /// Follow the deletion jobs and report records whose job did not complete.
    pub wait: bool,
    pub wait_timeout: Duration,
    pub max_concurrency: usize,
    pub poll: crate::actions::upsert::PollTiming,
    pub dry_run: bool,
}

/// `sync_list(..., list_id, list_name, create_list, mode, max_removals, wait, wait_timeout, dry_run)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncArgs {
    pub list_id: Option<String>,
    pub list_name: Option<String>,
    pub create_list: bool,
    pub mode: String,
    pub max_removals: Option<u64>,
    pub wait: bool,
    pub wait_timeout: f64,
    pub dry_run: bool,
}

impl SyncArgs {
    /// The run's options; every argument is checked here, before a record
    /// is read or a request sent.
    pub fn options(self, config: &ClientConfig) -> Result<SyncOptions> {
        let mode = SyncMode::parse(&self.mode)?;
        let list = match (self.list_id, self.list_name) {
            (Some(_), Some(_)) => return Err(Error::config("give list_id or list_name, not both")),
            (Some(id), None) if id.is_empty() => {
                return Err(Error::config("list_id must not be empty"))
            }
            (Some(id), None) => ListTarget::Id(id),
            (None, Some(name)) => {
                list_ref::check_name(&name)?;
                // Nobody joins a list in remove mode: a missing one is not created.
                let create = self.create_list && mode != SyncMode::Remove;
                ListTarget::Name { name, create }
            }
            (None, None) => ListTarget::PerRecord,
        };
        match (mode, &list, self.max_removals) {
            (SyncMode::Mirror, ListTarget::PerRecord, _) => {
                return Err(Error::config("mode=\"mirror\" needs list_id or list_name"));
            }
            (SyncMode::Mirror, _, None) => {
                return Err(Error::config(
                    "mode=\"mirror\" needs max_removals: the most members it may remove",
                ));
            }
            (SyncMode::Add | SyncMode::Remove | SyncMode::Segment, _, Some(_)) => {
                return Err(Error::config(
                    "max_removals applies to mode=\"mirror\" only",
                ));
            }
            _ => {}
        }
        let upsert = crate::actions::call_args::UpsertArgs {
            list_ids: None,
            wait: self.wait,
            wait_timeout: self.wait_timeout,
            dry_run: self.dry_run,
        }
        .options(config)?;
        Ok(SyncOptions {
            mode,
            list,
            max_removals: self.max_removals,
            upsert,
        })
    }
}

/// `delete_contacts(..., max_deletes, wait, wait_timeout, dry_run)`.
pub fn delete_options(
    config: &ClientConfig,
    max_deletes: u64,
    wait: bool,
    wait_timeout: f64,
    dry_run: bool,
) -> Result<DeleteOptions> {
    Ok(DeleteOptions {
        max_deletes,
        wait,
        wait_timeout: seconds("wait_timeout", wait_timeout, false)?,
        max_concurrency: config.max_concurrency,
        poll: crate::actions::upsert::PollTiming::default(),
        dry_run,
    })
}

/// Sync List and Delete Contacts bound to one client; cheap to clone.
#[derive(Debug, Clone)]
pub struct ListsApi {
    contacts: ContactsApi,
}

impl ListsApi {
    /// Shares `contacts`' client and cached field definitions.
    pub fn new(contacts: ContactsApi) -> Self {
        Self { contacts }
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod options_tests;
