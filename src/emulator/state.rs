//! The emulator's shared state: the account's stores (contacts, jobs,
//! settings objects, messages), the request log and the fault controls.
//! Locks are std locks held only for short, non-awaiting sections; a
//! poisoned lock is recovered rather than turned into a panic.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::contacts::ContactStore;
use super::exports::ExportJob;
use super::faults::{Faults, RateLimiter};
use super::fields::FieldStore;
use super::imports::ImportJob;
use super::lookups::{Domain, SuppressionGroup};
use super::templates::Template;

/// Most recent requests kept for `requests()`; older ones are dropped so a
/// long benchmark does not grow memory without bound.
pub const REQUEST_LOG_CAPACITY: usize = 100_000;

/// Everything a SendGrid account holds, as far as the emulated endpoints go.
#[derive(Debug, Default)]
pub struct Store {
    pub fields: FieldStore,
    pub contacts: ContactStore,
    pub jobs: HashMap<String, ImportJob>,
    /// Ids of jobs not yet applied, in submission order.
    pub pending_jobs: VecDeque<String>,
    /// Contact exports, oldest first.
    pub exports: Vec<ExportJob>,
    pub templates: Vec<Template>,
    pub ip_pools: Vec<String>,
    pub groups: Vec<SuppressionGroup>,
    pub domains: Vec<Domain>,
    /// Accepted mail/send bodies: `{"x_message_id", "body"}`.
    pub messages: Vec<Value>,
}

/// One line of the request log. The API key is never stored.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 when the connection was dropped without an answer.
    pub status: u16,
    /// Bytes of the body as received on the wire (before gunzip).
    pub body_size: usize,
    pub headers: Vec<(String, String)>,
}

impl RequestRecord {
    pub fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query.clone().unwrap_or_default(),
            "status": self.status,
            "body_size": self.body_size,
            "headers": headers,
        })
    }
}

/// The state of one running emulator, shared by its handlers and its handle.
#[derive(Debug)]
pub struct Emulator {
    pub api_key: String,
    /// `None`: the key has every scope.
    pub scopes: Option<HashSet<String>>,
    pub base_url: String,
    pub import_delay: Duration,
    pub default_latency_ms: u64,
    pub latency_ms: AtomicU64,
    /// Split size of export files in bytes, set by a test; 0 = the
    /// request's `max_file_size`.
    export_file_bytes: AtomicU64,
    /// Origin of download links (import errors, export files); `None` = `base_url`.
    download_base: RwLock<Option<String>>,
    store: RwLock<Store>,
    requests: Mutex<VecDeque<RequestRecord>>,
    faults: Mutex<Faults>,
    limiter: Mutex<RateLimiter>,
}

fn relock<T>(result: std::sync::LockResult<T>) -> T {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Emulator {
    pub fn new(
        api_key: String,
        scopes: Option<HashSet<String>>,
        base_url: String,
        import_delay: Duration,
        latency_ms: u64,
    ) -> Self {
        Self {
            api_key,
            scopes,
            base_url,
            import_delay,
            default_latency_ms: latency_ms,
            latency_ms: AtomicU64::new(latency_ms),
            export_file_bytes: AtomicU64::new(0),
            download_base: RwLock::new(None),
            store: RwLock::new(Store::default()),
            requests: Mutex::new(VecDeque::new()),
            faults: Mutex::new(Faults::default()),
            limiter: Mutex::new(RateLimiter::default()),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        relock(self.store.read())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Store> {
        relock(self.store.write())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        relock(self.faults.lock())
    }

    pub fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        relock(self.limiter.lock())
    }

    /// Where `errors_url` links point: `base_url` unless a test moved them.
    pub fn download_base(&self) -> String {
        relock(self.download_base.read())
            .clone()
            .unwrap_or_else(|| self.base_url.clone())
    }

    pub fn set_download_base(&self, base: Option<String>) {
        *relock(self.download_base.write()) = base;
    }

    /// The split size a test set for export files, if any.
    pub fn export_file_bytes(&self) -> Option<u64> {
        Some(self.export_file_bytes.load(Ordering::Relaxed)).filter(|b| *b > 0)
    }

    pub fn set_export_file_bytes(&self, bytes: Option<u64>) {
        let bytes = bytes.unwrap_or(0);
        self.export_file_bytes.store(bytes, Ordering::Relaxed);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    pub fn log_request(&self, record: RequestRecord) {
        let mut log = relock(self.requests.lock());
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    pub fn requests(&self) -> Vec<Value> {
        relock(self.requests.lock())
            .iter()
            .map(RequestRecord::to_json)
            .collect()
    }

    /// Back to the state right after start: empty stores, no faults, the
    /// default rate limit, the latency given at start, download links on
    /// `base_url` and export files split at the request's `max_file_size`.
    pub fn reset(&self) {
        *self.write() = Store::default();
        self.set_download_base(None);
        self.set_export_file_bytes(None);
        relock(self.requests.lock()).clear();
        *self.faults() = Faults::default();
        *self.limiter() = RateLimiter::default();
        self.latency_ms
            .store(self.default_latency_ms, Ordering::Relaxed);
    }

    /// Whether the key holds `scope` (or holds every scope).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.contains(scope))
    }
}
