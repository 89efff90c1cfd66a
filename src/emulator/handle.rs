//! The handle of a running emulator: setup, inspection, fault injection and
//! stop. Every method is synchronous (state sits behind std locks), so the
//! Python bindings call them without touching the runtime.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::watch;

use super::faults::{FailRule, RateRule};
use super::lookups::{check_domain, check_group_name, check_pool_name, Domain, SuppressionGroup};
use super::routes::{route_of, ENDPOINTS};
use super::state::Emulator;
use super::templates::{Template, VersionSpec, MAX_TEMPLATES};
use super::{EmulatorError, EmulatorResult};

/// How long `stop()` waits for the server task before giving up.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

fn invalid(message: impl Into<String>) -> EmulatorError {
    EmulatorError::InvalidArgument(message.into())
}

#[derive(Debug)]
pub struct EmulatorHandle {
    emulator: Arc<Emulator>,
    address: SocketAddr,
    shutdown: watch::Sender<bool>,
    done: watch::Receiver<bool>,
}

impl EmulatorHandle {
    pub(super) fn new(
        emulator: Arc<Emulator>,
        address: SocketAddr,
        shutdown: watch::Sender<bool>,
        done: watch::Receiver<bool>,
    ) -> Self {
        Self {
            emulator,
            address,
            shutdown,
            done,
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        self.emulator.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn api_key(&self) -> String {
        self.emulator.api_key.clone()
    }

    pub fn is_running(&self) -> bool {
        !*self.done.borrow()
    }

    /// Creates a custom field; returns its id (`e1_T`, `e2_N`, …).
    pub fn add_custom_field(&self, name: &str, field_type: &str) -> EmulatorResult<String> {
        let mut store = self.emulator.write();
        store
            .fields
            .add_field(name, field_type)
            .map(|f| f.id)
            .map_err(invalid)
    }

    /// Creates a contact list; returns its UUID.
    pub fn add_list(&self, name: &str) -> EmulatorResult<String> {
        let mut store = self.emulator.write();
        store.fields.add_list(name).map(|l| l.id).map_err(invalid)
    }

    /// Creates a template; returns its id (`d-` + 32 hex when dynamic).
    pub fn add_template(
        &self,
        name: &str,
        versions: Vec<VersionSpec>,
        generation: &str,
    ) -> EmulatorResult<String> {
        let template = Template::new(name, versions, generation).map_err(invalid)?;
        let mut store = self.emulator.write();
        if store.templates.len() >= MAX_TEMPLATES {
            return Err(invalid(format!(
                "the account already has the maximum of {MAX_TEMPLATES} templates"
            )));
        }
        let id = template.id.clone();
        store.templates.push(template);
        Ok(id)
    }

    pub fn add_ip_pool(&self, name: &str) -> EmulatorResult<()> {
        let mut store = self.emulator.write();
        check_pool_name(name, &store.ip_pools).map_err(invalid)?;
        store.ip_pools.push(name.to_owned());
        Ok(())
    }

    /// Creates a suppression (ASM) group; returns its integer id.
    pub fn add_suppression_group(&self, name: &str) -> EmulatorResult<i64> {
        check_group_name(name).map_err(invalid)?;
        let mut store = self.emulator.write();
        let id = store.groups.iter().map(|g| g.id).max().unwrap_or(1000) + 1;
        store.groups.push(SuppressionGroup {
            id,
            name: name.to_owned(),
        });
        Ok(id)
    }

    /// Adds an authenticated domain; returns its id.
    pub fn add_domain(&self, domain: &str, valid: bool) -> EmulatorResult<i64> {
        check_domain(domain).map_err(invalid)?;
        let mut store = self.emulator.write();
        if store.domains.iter().any(|d| d.domain == domain) {
            return Err(invalid(format!("domain '{domain}' was already added")));
        }
        let id = store.domains.iter().map(|d| d.id).max().unwrap_or(0) + 1;
        store.domains.push(Domain {
            id,
            domain: domain.to_owned(),
            valid,
        });
        Ok(id)
    }

    /// The stored contacts as SendGrid returns them (custom fields by id).
    pub fn contacts(&self) -> Vec<Value> {
        let mut store = self.emulator.write();
        super::imports::settle(&mut store);
        let base = &self.emulator.base_url;
        store
            .contacts
            .all()
            .iter()
            .map(|c| c.to_json(base))
            .collect()
    }

    /// Accepted mail/send requests: `{"x_message_id": …, "body": {…}}`.
    pub fn messages(&self) -> Vec<Value> {
        self.emulator.read().messages.clone()
    }

    /// Received requests (latest 100,000): method, path, query, status
    /// (0 = dropped), body_size, headers (the key masked).
    pub fn requests(&self) -> Vec<Value> {
        self.emulator.requests()
    }

    /// Import jobs with their per-record errors, oldest first.
    pub fn import_jobs(&self) -> Vec<Value> {
        let mut store = self.emulator.write();
        super::imports::settle(&mut store);
        let mut jobs: Vec<_> = store.jobs.values().collect();
        jobs.sort_by_key(|j| j.sequence);
        let base = self.emulator.download_base();
        jobs.iter().map(|j| j.to_inspection_json(&base)).collect()
    }

    /// Origin of the download links: import jobs' `errors_url`, exports'
    /// `urls` (`None`: back to
    /// [`EmulatorHandle::url`]). Lets a test point them at another origin
    /// of the same server, e.g. `http://localhost:PORT`. `reset()` restores
    /// the default.
    pub fn set_download_base(&self, base: Option<String>) -> EmulatorResult<()> {
        let base = match base {
            None => None,
            Some(base) => Some(check_download_base(&base)?),
        };
        self.emulator.set_download_base(base);
        Ok(())
    }

    /// Splits contact export files at `bytes` of uncompressed content
    /// instead of the request's `max_file_size` MB (`None`: back to it), so
    /// a test gets several files from a few contacts. `reset()` restores
    /// the default.
    pub fn set_export_file_bytes(&self, bytes: Option<usize>) -> EmulatorResult<()> {
        if bytes == Some(0) {
            return Err(invalid("export_file_bytes must be at least 1"));
        }
        let bytes = bytes.map(|b| u64::try_from(b).unwrap_or(u64::MAX));
        self.emulator.set_export_file_bytes(bytes);
        Ok(())
    }

    pub fn reset(&self) {
        self.emulator.reset();
    }

    /// The next `count` requests to `path` answer `status` with `body` (a
    /// JSON value; a string is sent as-is as text/plain) or SendGrid's
    /// stock error body. `after_processing`: apply the request first.
    /// `path` is exact, or a prefix ending in `*`.
    pub fn fail_next(
        &self,
        path: &str,
        status: u16,
        count: u32,
        body: Option<Value>,
        after_processing: bool,
    ) -> EmulatorResult<()> {
        check_fault_path(path)?;
        if !(400..=599).contains(&status) {
            return Err(invalid(format!("status must be 400 to 599, got {status}")));
        }
        if count == 0 {
            return Err(invalid("count must be at least 1"));
        }
        let body = match body {
            None => None,
            Some(Value::String(text)) => Some(Bytes::from(text)),
            Some(value) => Some(Bytes::from(value.to_string())),
        };
        self.emulator.faults().fail_next(FailRule {
            path: path.to_owned(),
            status,
            remaining: count,
            body,
            after_processing,
        });
        Ok(())
    }

    /// The next `count` requests to `path` get their connection closed
    /// without an answer.
    pub fn drop_next(&self, path: &str, count: u32) -> EmulatorResult<()> {
        check_fault_path(path)?;
        if count == 0 {
            return Err(invalid("count must be at least 1"));
        }
        self.emulator.faults().drop_next(path.to_owned(), count);
        Ok(())
    }

    /// Delay added before every answer (does not block other requests).
    pub fn set_latency(&self, ms: u64) {
        self.emulator.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// `limit` requests per `window_s` seconds, for the endpoint of `path`
    /// or (None) for every endpoint, each counted on its own.
    pub fn set_rate_limit(
        &self,
        limit: u64,
        window_s: f64,
        path: Option<&str>,
    ) -> EmulatorResult<()> {
        if !(window_s.is_finite() && window_s > 0.0 && window_s <= 86_400.0) {
            return Err(invalid(format!(
                "window_s must be > 0 and at most 86400, got {window_s}"
            )));
        }
        let route = match path {
            None => None,
            Some(path) => {
                let pattern = ENDPOINTS
                    .iter()
                    .map(|e| e.pattern)
                    .find(|p| *p == path)
                    .or_else(|| route_of(path.split('?').next().unwrap_or(path)))
                    .ok_or_else(|| invalid(format!("'{path}' is not an emulated endpoint")))?;
                Some(pattern.to_owned())
            }
        };
        let rule = RateRule {
            limit,
            window: Duration::from_secs_f64(window_s),
        };
        self.emulator.limiter().set(rule, route);
        Ok(())
    }

    /// Stops accepting, lets open requests finish (bounded) and returns
    /// once the port is released. Blocks the calling thread: from async
    /// code use [`EmulatorHandle::stop_async`].
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !*self.done.borrow() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub async fn stop_async(&self) {
        let _ = self.shutdown.send(true);
        let mut done = self.done.clone();
        let _ = tokio::time::timeout(STOP_TIMEOUT, done.wait_for(|d| *d)).await;
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // A forgotten handle must not leave a server running.
        let _ = self.shutdown.send(true);
    }
}

/// An `http(s)://` origin (a path prefix is allowed) without spaces or
/// control characters; the trailing `/` is dropped.
fn check_download_base(base: &str) -> EmulatorResult<String> {
    let rest = base
        .strip_prefix("http://")
        .or_else(|| base.strip_prefix("https://"));
    let clean = !base.chars().any(|c| c.is_whitespace() || c.is_control());
    match rest {
        Some(rest) if clean && !rest.is_empty() && !rest.starts_with('/') => {
            Ok(base.trim_end_matches('/').to_owned())
        }
        _ => Err(invalid(format!(
            "download base must be an http:// or https:// URL without spaces, got {base:?}"
        ))),
    }
}

fn check_fault_path(path: &str) -> EmulatorResult<()> {
    if path == "*" || path.starts_with('/') {
        Ok(())
    } else {
        Err(invalid(format!(
            "path must start with '/' (or be '*'), got {path:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_bases_must_be_http_urls() {
        assert_eq!(
            check_download_base("http://localhost:3030/").unwrap(),
            "http://localhost:3030"
        );
        assert!(check_download_base("https://files.example.com/x").is_ok());
        for bad in [
            "localhost:3030",
            "http://",
            "http:///x",
            "ftp://h",
            "http://a b",
            "",
        ] {
            assert!(check_download_base(bad).is_err(), "{bad}");
        }
    }
}
