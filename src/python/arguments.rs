//! Strict extraction of constructor arguments. PyO3 0.29 only attaches the
//! parameter name as an exception note, so each argument type carries its
//! parameter name and puts it in the message itself.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};

fn type_name(obj: &Borrowed<'_, '_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A number of seconds: `int` or `float`, never `bool`.
fn seconds(obj: &Borrowed<'_, '_, PyAny>) -> Result<f64, String> {
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
    {
        return Err(format!(
            "must be a number of seconds (int or float), got {}",
            type_name(obj)
        ));
    }
    obj.extract::<f64>().map_err(|e| e.to_string())
}

/// An `int`, never `bool`; out-of-range values saturate so the value check
/// (not an overflow error) reports them.
fn strict_int(obj: &Borrowed<'_, '_, PyAny>) -> Result<i64, String> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(format!("must be an int, got {}", type_name(obj)));
    }
    match obj.extract::<i64>() {
        Ok(value) => Ok(value),
        Err(_) => match obj.lt(0i64) {
            Ok(true) => Ok(i64::MIN),
            Ok(false) => Ok(i64::MAX),
            Err(e) => Err(e.to_string()),
        },
    }
}

/// A `str` (subclasses allowed).
fn text(obj: &Borrowed<'_, '_, PyAny>) -> Result<String, String> {
    let value = obj
        .cast::<PyString>()
        .map_err(|_| format!("must be a str, got {}", type_name(obj)))?;
    value
        .to_cow()
        .map(|s| s.into_owned())
        .map_err(|e| e.to_string())
}

/// Declares an argument type that extracts with `$extract` and names
/// `$param` in its `TypeError`.
macro_rules! named_argument {
    ($(#[$doc:meta])* $name:ident, $param:literal, $inner:ty, $extract:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl<'a, 'py> FromPyObject<'a, 'py> for $name {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                $extract(&obj)
                    .map(Self)
                    .map_err(|message| PyTypeError::new_err(format!("{} {message}", $param)))
            }
        }
    };
}

named_argument!(
    /// `api_key`: a str (None is handled by `Option`).
    ApiKeyArg, "api_key", String, text
);
named_argument!(
    /// `endpoint`: "global", "eu" or a URL.
    EndpointArg, "endpoint", String, text
);
named_argument!(
    /// `timeout`: seconds per request.
    TimeoutArg, "timeout", f64, seconds
);
named_argument!(
    /// `max_retries`: retries per request.
    MaxRetriesArg, "max_retries", i64, strict_int
);
named_argument!(
    /// `max_concurrency`: requests in flight.
    MaxConcurrencyArg, "max_concurrency", i64, strict_int
);
named_argument!(
    /// `user_agent`: a str (None for the default).
    UserAgentArg, "user_agent", String, text
);

/// A `bool`, nothing else (no truthy ints or strings).
fn strict_bool(obj: &Borrowed<'_, '_, PyAny>) -> Result<bool, String> {
    if !obj.is_instance_of::<PyBool>() {
        return Err(format!("must be a bool, got {}", type_name(obj)));
    }
    Ok(obj.is_truthy().unwrap_or(false))
}

/// A list or tuple of `str`.
fn string_list(obj: &Borrowed<'_, '_, PyAny>) -> Result<Vec<String>, String> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(format!("must be a list of str, got {}", type_name(obj)));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            text(&item.as_borrowed()).map_err(|_| {
                format!(
                    "[{i}] must be a str, got {}",
                    type_name(&item.as_borrowed())
                )
            })
        })
        .collect()
}

named_argument!(
    /// `max_rate_limit_wait`: seconds one call may wait on rate limits in all.
    MaxRateLimitWaitArg, "max_rate_limit_wait", f64, seconds
);
named_argument!(
    /// `allow_insecure_http`: plain `http://` to a host other than this machine.
    AllowInsecureHttpArg, "allow_insecure_http", bool, strict_bool
);
named_argument!(
    /// `list_ids`: Marketing Campaigns list ids for every contact.
    ListIdsArg, "list_ids", Vec<String>, string_list
);
named_argument!(
    /// `wait_timeout`: seconds to follow import jobs.
    WaitTimeoutArg, "wait_timeout", f64, seconds
);
named_argument!(
    /// `template_id`: a dynamic template id or Segment's "Name - Version [d-…]".
    TemplateIdArg, "template_id", String, text
);
named_argument!(
    /// `use_default_mapping`.
    UseDefaultMappingArg, "use_default_mapping", bool, strict_bool
);
named_argument!(
    /// `wait`.
    WaitArg, "wait", bool, strict_bool
);
named_argument!(
    /// `sandbox`.
    SandboxArg, "sandbox", bool, strict_bool
);
named_argument!(
    /// `check_template`.
    CheckTemplateArg, "check_template", bool, strict_bool
);
named_argument!(
    /// `merge`.
    MergeArg, "merge", bool, strict_bool
);
named_argument!(
    /// `retry_ambiguous`.
    RetryAmbiguousArg, "retry_ambiguous", bool, strict_bool
);
named_argument!(
    /// `dry_run`: record the request bodies instead of sending them.
    DryRunArg, "dry_run", bool, strict_bool
);

/// A count: an `int` ≥ 0, never `bool`.
fn count(obj: &Borrowed<'_, '_, PyAny>) -> Result<u64, String> {
    let value = strict_int(obj)?;
    u64::try_from(value).map_err(|_| format!("must be 0 or more, got {value}"))
}

named_argument!(
    /// `list_id`: a Marketing Campaigns list id.
    ListIdArg, "list_id", String, text
);
named_argument!(
    /// `list_name`: a list found (or created) by exact name.
    ListNameArg, "list_name", String, text
);
named_argument!(
    /// `create_list`: create the `list_name` list when missing.
    CreateListArg, "create_list", bool, strict_bool
);
named_argument!(
    /// `mode`: "add", "remove", "mirror" or "segment".
    ModeArg, "mode", String, text
);
named_argument!(
    /// `max_removals`: the most members a mirror may remove.
    MaxRemovalsArg, "max_removals", u64, count
);
named_argument!(
    /// `max_deletes`: the most contacts a run may delete.
    MaxDeletesArg, "max_deletes", u64, count
);
