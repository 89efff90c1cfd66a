//! What both clients' action methods share: resolving the mapping that runs
//! (the user's over Segment's defaults), converting single events, gathering
//! the keyword arguments of the batch methods.

use std::sync::{Arc, OnceLock};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use segment_sendgrid_core::effective_mapping;
use segment_sendgrid_core::UpsertOptions;
use segment_sendgrid_core::{map_json_text, map_json_value};
use segment_sendgrid_core::{ClientConfig, Error};
use segment_sendgrid_core::{SendArgs, UpsertArgs};
use serde_json::Value;

use crate::arguments::{
    CheckTemplateArg, DryRunArg, ListIdsArg, MergeArg, RetryAmbiguousArg, SandboxArg, WaitArg,
    WaitTimeoutArg,
};
use crate::convert::Converter;
use crate::errors::to_py_err;
use crate::iterable_input::{is_mapping, json_text};
use crate::mapping::{CompiledMapping, Mapping};
use crate::mapping_cache::{self, Purpose};

/// The two actions and their default mappings.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    UpsertContact,
    SendDynamicTemplate,
    /// Sync List and Delete Contacts (Segment's `syncAudience` fields).
    SyncList,
}

static DEFAULT_UPSERT: OnceLock<Arc<CompiledMapping>> = OnceLock::new();
static DEFAULT_SEND: OnceLock<Arc<CompiledMapping>> = OnceLock::new();
static DEFAULT_SYNC: OnceLock<Arc<CompiledMapping>> = OnceLock::new();

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::UpsertContact => "upsert_contact",
            Self::SendDynamicTemplate => "send_dynamic_template",
            Self::SyncList => "sync_list",
        }
    }

    fn default_cell(self) -> &'static OnceLock<Arc<CompiledMapping>> {
        match self {
            Self::UpsertContact => &DEFAULT_UPSERT,
            Self::SendDynamicTemplate => &DEFAULT_SEND,
            Self::SyncList => &DEFAULT_SYNC,
        }
    }

    /// The mapping that runs: `mapping` (a dict or a `Mapping`) over the
    /// action's defaults, or alone when `use_default` is false. The
    /// defaults alone are compiled once per process.
    pub fn resolve_mapping(
        self,
        py: Python<'_>,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default: bool,
    ) -> PyResult<Arc<CompiledMapping>> {
        let Some(mapping) = mapping.filter(|m| !m.is_none()) else {
            if use_default {
                if let Some(compiled) = self.default_cell().get() {
                    return Ok(Arc::clone(compiled));
                }
                let compiled =
                    Arc::new(self.compile(py, &Value::Object(Default::default()), true)?);
                return Ok(Arc::clone(self.default_cell().get_or_init(|| compiled)));
            }
            return Ok(Arc::new(self.compile(
                py,
                &Value::Object(Default::default()),
                false,
            )?));
        };
        let purpose = self.purpose(use_default);
        if let Ok(compiled) = mapping.cast::<Mapping>() {
            return compiled
                .get()
                .effective(purpose, |source| self.compile(py, source, use_default));
        }
        let source = Converter::new(py)
            .convert(mapping)
            .map_err(|e| PyTypeError::new_err(format!("mapping: {}", e.value(py))))?;
        mapping_cache::compiled(purpose, source, |source| {
            self.compile(py, &source, use_default)
        })
    }

    /// What the mapping is compiled for, in the cache of compiled mappings.
    fn purpose(self, use_default: bool) -> Purpose {
        let action = match self {
            Self::UpsertContact => 1,
            Self::SendDynamicTemplate => 3,
            Self::SyncList => 5,
        };
        action + Purpose::from(!use_default)
    }

    fn compile(
        self,
        py: Python<'_>,
        mapping: &Value,
        use_default: bool,
    ) -> PyResult<CompiledMapping> {
        let effective = effective_mapping(self.name(), mapping, use_default).map_err(to_py_err)?;
        CompiledMapping::compile(py, effective)
    }
}

/// Maps one event (a mapping or its JSON text) for a single-record call; a
/// bad event raises (`TypeError` naming the path, `PayloadValidationError`
/// for text that is not a JSON object, or `MappingError`).
pub fn map_single_event(event: &Bound<'_, PyAny>, mapping: &CompiledMapping) -> PyResult<Value> {
    let output = if let Some(text) = json_text(event) {
        let text = text.map_err(|reason| to_py_err(Error::validation(reason, None)))?;
        map_json_text(&mapping.compiled, &text)
    } else if is_mapping(event)? {
        let record = mapping.convert_record(&mut Converter::new(event.py()), event)?;
        map_json_value(&mapping.compiled, &record)
    } else {
        let kind = event.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "event must be a mapping (dict) or its JSON text, got {kind}"
        )));
    };
    output.map_err(to_py_err)
}

/// The batch upsert's keyword arguments, gathered once for both clients
/// (each is its own type, so they cannot be passed in the wrong order).
pub fn upsert_args(
    list_ids: Option<ListIdsArg>,
    wait: WaitArg,
    wait_timeout: WaitTimeoutArg,
    dry_run: DryRunArg,
) -> UpsertArgs {
    UpsertArgs {
        list_ids: list_ids.map(|l| l.0),
        wait: wait.0,
        wait_timeout: wait_timeout.0,
        dry_run: dry_run.0,
    }
}

/// The batch send's keyword arguments, gathered once for both clients.
pub fn send_args(
    sandbox: SandboxArg,
    check_template: CheckTemplateArg,
    merge: MergeArg,
    retry_ambiguous: RetryAmbiguousArg,
    dry_run: DryRunArg,
) -> SendArgs {
    SendArgs {
        sandbox: sandbox.0,
        check_template: check_template.0,
        merge: merge.0,
        retry_ambiguous: retry_ambiguous.0,
        dry_run: dry_run.0,
    }
}

/// The options of an upsert run; a bad `wait_timeout` raises `ConfigError`.
pub fn upsert_options(config: &ClientConfig, args: UpsertArgs) -> PyResult<UpsertOptions> {
    args.options(config).map_err(to_py_err)
}
