//! `Client` and `AsyncClient`: the same configuration and connection pool,
//! blocking (GIL released) or awaitable methods.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use segment_sendgrid_core::MailApi;
use segment_sendgrid_core::{ClientConfig, SendGridClient};
use segment_sendgrid_core::{ClientSettings, Endpoint, API_KEY_ENV};
use segment_sendgrid_core::{ContactsApi, ListsApi};

use crate::arguments::{
    AllowInsecureHttpArg, ApiKeyArg, EndpointArg, MaxConcurrencyArg, MaxRateLimitWaitArg,
    MaxRetriesArg, TimeoutArg, UserAgentArg,
};
use crate::awaitables::awaitable;
use crate::errors::to_py_err;
use crate::process::ProcessBound;
use crate::runtime::block_on;

/// What both client classes hold: the validated configuration (for repr,
/// pickling, and a forked child's own pool) and this process's core client.
pub(crate) struct ClientHandle {
    /// The user agent the user passed, `None` for the default (so a pickled
    /// client built by a newer version sends that version's default).
    custom_user_agent: Option<String>,
    /// As given, for pickling.
    allow_insecure_http: bool,
    config: ClientConfig,
    /// Locked only while attached, never across an await or a detach: so
    /// no other thread holds it when Python forks.
    parts: Mutex<ProcessBound<Arc<Parts>>>,
}

/// One process's connection pool and caches.
pub(crate) struct Parts {
    pub(crate) core: Arc<SendGridClient>,
    /// Upsert Contact, with this client's cached field definitions.
    pub(crate) contacts: ContactsApi,
    /// Send Email, with this client's cached template checks.
    pub(crate) mail: MailApi,
    /// Sync List and Delete Contacts (sharing `contacts`' field definitions).
    pub(crate) lists: ListsApi,
}

impl Parts {
    fn new(config: ClientConfig) -> PyResult<Self> {
        let core = Arc::new(SendGridClient::new(config).map_err(to_py_err)?);
        let contacts = ContactsApi::new(Arc::clone(&core));
        Ok(Self {
            lists: ListsApi::new(contacts.clone()),
            contacts,
            mail: MailApi::new(Arc::clone(&core)),
            core,
        })
    }
}

/// The constructor's arguments, as both client classes take them.
pub(crate) struct ClientArgs {
    api_key: Option<ApiKeyArg>,
    endpoint: EndpointArg,
    timeout: TimeoutArg,
    max_retries: MaxRetriesArg,
    max_concurrency: MaxConcurrencyArg,
    user_agent: Option<UserAgentArg>,
    max_rate_limit_wait: MaxRateLimitWaitArg,
    allow_insecure_http: AllowInsecureHttpArg,
}

impl ClientHandle {
    fn new(args: ClientArgs) -> PyResult<Self> {
        let custom_user_agent = args.user_agent.map(|t| t.0);
        let settings = ClientSettings {
            api_key: args.api_key.map(|t| t.0),
            endpoint: args.endpoint.0,
            timeout_s: args.timeout.0,
            max_retries: args.max_retries.0,
            max_concurrency: args.max_concurrency.0,
            user_agent: custom_user_agent.clone(),
            max_rate_limit_wait_s: args.max_rate_limit_wait.0,
            allow_insecure_http: args.allow_insecure_http.0,
        };
        let env_key = std::env::var(API_KEY_ENV).ok();
        let default_agent = format!("segment-sendgrid/{} (python)", crate::VERSION);
        let config =
            ClientConfig::from_settings(settings, env_key, &default_agent).map_err(to_py_err)?;
        let parts = Parts::new(config.clone())?;
        Ok(Self {
            custom_user_agent,
            allow_insecure_http: args.allow_insecure_http.0,
            config,
            parts: Mutex::new(ProcessBound::new(Arc::new(parts))),
        })
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// This process's pool and caches. In a forked child the parent's are
    /// unusable (their connections live on the parent's runtime, and share
    /// its sockets): the child builds its own on first use.
    pub(crate) fn parts(&self, _py: Python<'_>) -> PyResult<Arc<Parts>> {
        let mut parts = self.parts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(own) = parts.get() {
            return Ok(Arc::clone(own));
        }
        let own = Arc::new(Parts::new(self.config.clone())?);
        // The parent's are leaked here, never dropped (see `process`).
        *parts = ProcessBound::new(Arc::clone(&own));
        Ok(own)
    }

    /// Never shows the key, not even a prefix, nor a password in the endpoint.
    fn repr(&self, class: &str) -> String {
        let c = self.config();
        let endpoint = match &c.endpoint {
            Endpoint::Custom(_) => c.endpoint.shown(),
            other => other.as_setting().to_owned(),
        };
        format!(
            "{class}(endpoint={endpoint:?}, timeout={}, max_retries={}, max_concurrency={}, user_agent={:?}, max_rate_limit_wait={})",
            c.timeout.as_secs_f64(),
            c.max_retries,
            c.max_concurrency,
            c.user_agent,
            c.max_rate_limit_wait.as_secs_f64(),
        )
    }

    /// `(args, kwargs)` that rebuild an equal client: pickling carries the key.
    fn newargs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let c = self.config();
        let kwargs = PyDict::new(py);
        kwargs.set_item("endpoint", c.endpoint.as_setting())?;
        kwargs.set_item("timeout", c.timeout.as_secs_f64())?;
        kwargs.set_item("max_retries", c.max_retries)?;
        kwargs.set_item("max_concurrency", c.max_concurrency)?;
        kwargs.set_item("user_agent", &self.custom_user_agent)?;
        kwargs.set_item("max_rate_limit_wait", c.max_rate_limit_wait.as_secs_f64())?;
        kwargs.set_item("allow_insecure_http", self.allow_insecure_http)?;
        let args = PyTuple::new(py, [c.api_key.expose()])?;
        PyTuple::new(py, [args.into_any(), kwargs.into_any()])
    }
}

/// The constructor, `base_url`, `repr` and pickling, identical for both
/// client classes.
macro_rules! client_configuration_methods {
    ($class:ident) => {
        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = (api_key=None, *, endpoint=EndpointArg("global".into()), timeout=TimeoutArg(30.0), max_retries=MaxRetriesArg(5), max_concurrency=MaxConcurrencyArg(4), user_agent=None, max_rate_limit_wait=MaxRateLimitWaitArg(600.0), allow_insecure_http=AllowInsecureHttpArg(false)))]
            #[pyo3(
                text_signature = "(api_key=None, *, endpoint='global', timeout=30.0, max_retries=5, max_concurrency=4, user_agent=None, max_rate_limit_wait=600.0, allow_insecure_http=False)"
            )]
            #[allow(clippy::too_many_arguments)]
            fn new(
                api_key: Option<ApiKeyArg>,
                endpoint: EndpointArg,
                timeout: TimeoutArg,
                max_retries: MaxRetriesArg,
                max_concurrency: MaxConcurrencyArg,
                user_agent: Option<UserAgentArg>,
                max_rate_limit_wait: MaxRateLimitWaitArg,
                allow_insecure_http: AllowInsecureHttpArg,
            ) -> PyResult<Self> {
                let handle = ClientHandle::new(ClientArgs {
                    api_key,
                    endpoint,
                    timeout,
                    max_retries,
                    max_concurrency,
                    user_agent,
                    max_rate_limit_wait,
                    allow_insecure_http,
                })?;
                Ok(Self { handle })
            }

            /// The base URL every request goes to, e.g. ``https://api.sendgrid.com``
            /// (a ``user:password@`` in it shown as ``***@``).
            #[getter]
            fn base_url(&self) -> String {
                self.handle.config().endpoint.shown()
            }

            fn __repr__(&self) -> String {
                self.handle.repr(stringify!($class))
            }

            fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                self.handle.newargs(py)
            }
        }
    };
}

/// A SendGrid client whose methods block (with the GIL released).
///
/// The API key comes from ``api_key`` or the ``SENDGRID_API_KEY`` environment
/// variable. It never appears in ``repr``, logs or exceptions. Pickling a
/// client stores its configuration **including the API key** (so it can be
/// shipped to Spark/Dask workers); protect pickles like the key itself.
///
/// Fork-safe: a forked child opens its own connection pool on first use.
/// Ctrl-C during a batch stops it (no request starts after it, those in
/// flight end) and raises ``KeyboardInterrupt`` with ``.report``.
#[pyclass(frozen, module = "segment_sendgrid._native")]
pub struct Client {
    pub(crate) handle: ClientHandle,
}

client_configuration_methods!(Client);

#[pymethods]
impl Client {
    /// The scopes of the API key (``GET /v3/scopes``): proves key, endpoint and network.
    fn check(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let core = Arc::clone(&self.handle.parts(py)?.core);
        block_on(py, async move { core.scopes().await })
    }
}

/// A SendGrid client whose methods return awaitables (asyncio).
///
/// Same configuration as :class:`Client`. Pickling stores the configuration
/// **including the API key**; the unpickled client opens a fresh pool.
///
/// Cancelling the task awaiting a batch stops it (no request starts after
/// that); the ``CancelledError`` carries ``.report`` once the requests in
/// flight have ended.
#[pyclass(frozen, module = "segment_sendgrid._native")]
pub struct AsyncClient {
    pub(crate) handle: ClientHandle,
}

client_configuration_methods!(AsyncClient);

#[pymethods]
impl AsyncClient {
    /// Awaitable: the scopes of the API key (``GET /v3/scopes``).
    fn check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let core = Arc::clone(&self.handle.parts(py)?.core);
        awaitable(py, async move { core.scopes().await })
    }
}
