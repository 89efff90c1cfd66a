//! The two actions on `AsyncClient`. Python input is converted and mapped
//! before the awaitable is created (futures never touch Python objects), so
//! a batch's iterable is read in full first; the requests then stream.

use std::future::Future;

use futures::stream;
use pyo3::prelude::*;
use sendgrid_core::actions::BatchAbort;

use crate::actions::{map_single_event, send_options, upsert_options, Action};
use crate::arguments::{
    CheckTemplateArg, DryRunArg, ListIdsArg, MergeArg, RetryAmbiguousArg, SandboxArg,
    TemplateIdArg, UseDefaultMappingArg, WaitArg, WaitTimeoutArg,
};
use crate::batch_input::{collect_records, finish, MappedJson};
use crate::batch_report::{BatchReport, SendResult, UpsertResult};
use crate::client::AsyncClient;
use crate::flat_contacts::FlatContacts;
use crate::runtime::{awaitable, awaitable_py};

/// An awaitable of a batch run: the report, or the whole-run error with the
/// partial report attached as `.report`.
fn awaitable_report<'py, F>(py: Python<'py>, read: usize, run: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<sendgrid_core::BatchReport, BatchAbort>> + Send + 'static,
{
    awaitable_py(py, async move {
        let outcome = run.await;
        Python::attach(|py| finish(py, outcome, None, read)).map(BatchReport::from)
    })
}

#[pymethods]
impl AsyncClient {
    /// Awaitable: upserts one contact mapped from ``event``.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, list_ids=None)"
    )]
    fn upsert_contact<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let contacts = self.handle.contacts.clone();
        let list_ids = list_ids.map(|l| l.0);
        awaitable(py, async move {
            contacts
                .upsert_one(payload, list_ids)
                .await
                .map(UpsertResult::from)
        })
    }

    /// Awaitable: upserts every contact mapped from ``events``; a ``BatchReport``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None, wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, list_ids=None, wait=False, wait_timeout=600.0, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn upsert_contacts<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let options = upsert_options(
            self.handle.config(),
            list_ids,
            wait.0,
            wait_timeout.0,
            dry_run.0,
        )?;
        let records = collect_records(py, events, &mapping, FlatContacts::new(&mapping))?;
        let contacts = self.handle.contacts.clone();
        awaitable_report(py, records.len(), async move {
            contacts.upsert_many(stream::iter(records), options).await
        })
    }

    /// Awaitable: sends one Dynamic Template mail mapped from ``event``.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true)))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True)"
    )]
    fn send_dynamic_template<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let options = send_options(
            self.handle.config(),
            sandbox.0,
            check_template.0,
            false,
            false,
            false,
        );
        let mail = self.handle.mail.clone();
        awaitable(py, async move {
            mail.send_one(payload, options).await.map(SendResult::from)
        })
    }

    /// Awaitable: sends a mail per record of ``events``; a ``BatchReport``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true), merge=MergeArg(true), retry_ambiguous=RetryAmbiguousArg(false), dry_run=DryRunArg(false)))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True, merge=True, retry_ambiguous=False, dry_run=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn send_dynamic_templates<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
        merge: MergeArg,
        retry_ambiguous: RetryAmbiguousArg,
        dry_run: DryRunArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let config = self.handle.config();
        let options = send_options(
            config,
            sandbox.0,
            check_template.0,
            merge.0,
            retry_ambiguous.0,
            dry_run.0,
        );
        let records = collect_records(py, events, &mapping, MappedJson)?;
        let mail = self.handle.mail.clone();
        awaitable_report(py, records.len(), async move {
            mail.send_many(stream::iter(records), options).await
        })
    }

    /// Awaitable: the variables the active version of a dynamic template uses.
    fn template_variables<'py>(
        &self,
        py: Python<'py>,
        template_id: TemplateIdArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mail = self.handle.mail.clone();
        awaitable(
            py,
            async move { mail.template_variables(&template_id.0).await },
        )
    }
}
