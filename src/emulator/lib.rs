//! FakeSendGrid: a SendGrid look-alike served from Rust on 127.0.0.1, for
//! tests, demos and benchmarks (README, "The emulator for tests").
//!
//! [`FakeSendGrid::start`] binds a port and spawns the server on the
//! *current* tokio runtime (it never creates one). The returned
//! [`EmulatorHandle`] sets the account up, inspects what the server
//! received, injects faults and stops it; its methods are synchronous so
//! bindings can call them without a runtime.

mod contacts;
mod downloads;
mod errors;
mod export_files;
mod exports;
mod faults;
mod fields;
mod handle;
mod imports;
mod list_members;
mod lists;
mod lookups;
mod mail;
mod mail_rules;
mod pipeline;
mod routes;
mod sample;
mod search;
mod server;
mod sgql;
mod state;
mod templates;
mod upsert;
mod upsert_body;
mod validate;

pub use handle::EmulatorHandle;
pub use templates::VersionSpec;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use state::Emulator;

/// The default API key the emulator accepts.
pub const DEFAULT_API_KEY: &str = "SG.fake-key";

/// Start-up settings. `scopes: None` grants every scope; otherwise the key
/// holds exactly these and other endpoints answer 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorOptions {
    pub api_key: String,
    pub scopes: Option<Vec<String>>,
    /// 0 picks a free port.
    pub port: u16,
    pub latency_ms: u64,
    /// How long an import job stays `pending` before it is applied.
    pub import_delay_ms: u64,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_owned(),
            scopes: None,
            port: 0,
            latency_ms: 0,
            import_delay_ms: 0,
        }
    }
}

/// Setup and start-up errors. The bindings map `InvalidArgument` to
/// `ValueError` and `Io` to `OSError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmulatorError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Io(String),
}

pub type EmulatorResult<T> = Result<T, EmulatorError>;

/// Entry point of the emulator.
#[derive(Debug)]
pub struct FakeSendGrid;

impl FakeSendGrid {
    /// Binds `127.0.0.1:options.port` and serves on the current runtime
    /// until [`EmulatorHandle::stop`] (or the handle is dropped).
    pub async fn start(options: EmulatorOptions) -> EmulatorResult<EmulatorHandle> {
        let key = options.api_key.trim();
        if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmulatorError::InvalidArgument(
                "api_key must be a non-empty string without spaces or control characters".into(),
            ));
        }
        let scopes = match options.scopes {
            None => None,
            Some(list) => {
                if list.iter().any(|s| s.trim().is_empty()) {
                    return Err(EmulatorError::InvalidArgument(
                        "scopes must be non-empty strings".into(),
                    ));
                }
                Some(list.into_iter().collect::<HashSet<String>>())
            }
        };
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|e| {
                EmulatorError::Io(format!("cannot listen on 127.0.0.1:{}: {e}", options.port))
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| EmulatorError::Io(format!("cannot read the bound address: {e}")))?;
        let base_url = format!("http://127.0.0.1:{}", address.port());
        let emulator = Arc::new(Emulator::new(
            key.to_owned(),
            scopes,
            base_url,
            Duration::from_millis(options.import_delay_ms),
            options.latency_ms,
        ));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (done_tx, done_rx) = watch::channel(false);
        let app = server::router(emulator.clone());
        tokio::spawn(async move {
            server::serve(listener, app, shutdown_rx).await;
            let _ = done_tx.send(true);
        });
        Ok(EmulatorHandle::new(emulator, address, shutdown_tx, done_rx))
    }
}
