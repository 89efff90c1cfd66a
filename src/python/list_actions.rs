//! Sync List and Delete Contacts on both clients: the blocking methods
//! stream any iterable; the async ones collect it first, as the other async
//! batch methods do. One gathering of the arguments serves both.

use futures::stream;
use pyo3::prelude::*;
use segment_sendgrid_core::{delete_options, ClientConfig, DeleteOptions, SyncArgs, SyncOptions};

use crate::actions::Action;
use crate::arguments::{
    CreateListArg, DryRunArg, ListIdArg, ListNameArg, MaxDeletesArg, MaxRemovalsArg, ModeArg,
    UseDefaultMappingArg, WaitArg, WaitTimeoutArg,
};
use crate::async_batch::awaitable_batch;
use crate::batch_input::{collect_records, run_streaming, MappedJson};
use crate::batch_report::BatchReport;
use crate::body_sink::PyBodySink;
use crate::client::{AsyncClient, Client};
use crate::errors::to_py_err;

/// `sync_list`'s keyword arguments → the run's options (checked here,
/// before any record is read).
#[allow(clippy::too_many_arguments)]
fn sync_options(
    config: &ClientConfig,
    list_id: Option<ListIdArg>,
    list_name: Option<ListNameArg>,
    create_list: CreateListArg,
    mode: ModeArg,
    max_removals: Option<MaxRemovalsArg>,
    wait: WaitArg,
    wait_timeout: WaitTimeoutArg,
    dry_run: DryRunArg,
) -> PyResult<SyncOptions> {
    let args = SyncArgs {
        list_id: list_id.map(|a| a.0),
        list_name: list_name.map(|a| a.0),
        create_list: create_list.0,
        mode: mode.0,
        max_removals: max_removals.map(|a| a.0),
        wait: wait.0,
        wait_timeout: wait_timeout.0,
        dry_run: dry_run.0,
    };
    args.options(config).map_err(to_py_err)
}

fn deletion_options(
    config: &ClientConfig,
    max_deletes: MaxDeletesArg,
    wait: WaitArg,
    wait_timeout: WaitTimeoutArg,
    dry_run: DryRunArg,
) -> PyResult<DeleteOptions> {
    delete_options(config, max_deletes.0, wait.0, wait_timeout.0, dry_run.0).map_err(to_py_err)
}

#[pymethods]
impl Client {
    /// Adds, removes or mirrors the members of a SendGrid list from
    /// ``events`` (any iterable, streamed); see the ``BatchReport``.
    #[pyo3(signature = (events, *, list_id=None, list_name=None, create_list=CreateListArg(true), mode=ModeArg("add".into()), mapping=None, use_default_mapping=UseDefaultMappingArg(true), max_removals=None, wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, list_id=None, list_name=None, create_list=True, mode='add', mapping=None, use_default_mapping=True, max_removals=None, wait=False, wait_timeout=600.0, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn sync_list(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        list_id: Option<ListIdArg>,
        list_name: Option<ListNameArg>,
        create_list: CreateListArg,
        mode: ModeArg,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        max_removals: Option<MaxRemovalsArg>,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
    ) -> PyResult<BatchReport> {
        let config = self.handle.config();
        let options = sync_options(
            config,
            list_id,
            list_name,
            create_list,
            mode,
            max_removals,
            wait,
            wait_timeout,
            dry_run,
        )?;
        let mapping = Action::SyncList.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let lists = self.handle.parts(py)?.lists.clone();
        let report = run_streaming(
            py,
            events,
            &mapping,
            MappedJson,
            &PyBodySink::new(None)?,
            move |records, stop| async move { lists.sync_many_until(records, options, stop).await },
        )?;
        Ok(report.into())
    }

    /// Deletes the contacts ``events`` name (by email, phone_number_id,
    /// external_id or anonymous_id), never more than ``max_deletes``.
    #[pyo3(signature = (events, *, max_deletes, mapping=None, use_default_mapping=UseDefaultMappingArg(true), wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, max_deletes, mapping=None, use_default_mapping=True, wait=False, wait_timeout=600.0, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn delete_contacts(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        max_deletes: MaxDeletesArg,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
    ) -> PyResult<BatchReport> {
        let options = deletion_options(
            self.handle.config(),
            max_deletes,
            wait,
            wait_timeout,
            dry_run,
        )?;
        let mapping = Action::SyncList.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let lists = self.handle.parts(py)?.lists.clone();
        let report = run_streaming(
            py,
            events,
            &mapping,
            MappedJson,
            &PyBodySink::new(None)?,
            move |records, stop| async move { lists.delete_many_until(records, options, stop).await },
        )?;
        Ok(report.into())
    }
}

#[pymethods]
impl AsyncClient {
    /// Awaitable: ``Client.sync_list``; ``events`` are read when called.
    #[pyo3(signature = (events, *, list_id=None, list_name=None, create_list=CreateListArg(true), mode=ModeArg("add".into()), mapping=None, use_default_mapping=UseDefaultMappingArg(true), max_removals=None, wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, list_id=None, list_name=None, create_list=True, mode='add', mapping=None, use_default_mapping=True, max_removals=None, wait=False, wait_timeout=600.0, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn sync_list<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        list_id: Option<ListIdArg>,
        list_name: Option<ListNameArg>,
        create_list: CreateListArg,
        mode: ModeArg,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        max_removals: Option<MaxRemovalsArg>,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let config = self.handle.config();
        let options = sync_options(
            config,
            list_id,
            list_name,
            create_list,
            mode,
            max_removals,
            wait,
            wait_timeout,
            dry_run,
        )?;
        let mapping = Action::SyncList.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let records = collect_records(py, events, &mapping, MappedJson)?;
        let lists = self.handle.parts(py)?.lists.clone();
        awaitable_batch(
            py,
            records.len(),
            PyBodySink::new(None)?,
            move |stop| async move {
                lists
                    .sync_many_until(stream::iter(records), options, stop)
                    .await
            },
        )
    }

    /// Awaitable: ``Client.delete_contacts``; ``events`` are read when called.
    #[pyo3(signature = (events, *, max_deletes, mapping=None, use_default_mapping=UseDefaultMappingArg(true), wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, max_deletes, mapping=None, use_default_mapping=True, wait=False, wait_timeout=600.0, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn delete_contacts<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        max_deletes: MaxDeletesArg,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = deletion_options(
            self.handle.config(),
            max_deletes,
            wait,
            wait_timeout,
            dry_run,
        )?;
        let mapping = Action::SyncList.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let records = collect_records(py, events, &mapping, MappedJson)?;
        let lists = self.handle.parts(py)?.lists.clone();
        awaitable_batch(
            py,
            records.len(),
            PyBodySink::new(None)?,
            move |stop| async move {
                lists
                    .delete_many_until(stream::iter(records), options, stop)
                    .await
            },
        )
    }
}
