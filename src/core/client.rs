//! The SendGrid HTTP client: one connection pool, auth headers, rate-limit
//! waits and the retry policy that decides what may be sent twice.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use crate::config::{redact_userinfo, ClientConfig};
use crate::error::{parse_error_details, ApiErrorDetail, Error, Result};
use crate::rate_limit::{backoff, RateLimitInfo, RateLimiter};
use crate::wait_budget::WaitBudget;

/// Whether a request may be repeated after an ambiguous failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Contact upserts, lookups: retry 429, 5xx, timeouts, connection errors.
    Idempotent,
    /// Mail send: retry only 429 and failures that provably never reached
    /// the server; a 5xx or timeout after sending is returned, not resent.
    NotIdempotent,
}

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How many attempts were repeated before this answer.
    pub retries: u32,
}

impl ApiResponse {
    pub fn json(&self) -> Result<serde_json::Value> {
        if self.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::Transport {
            message: format!(
                "SendGrid answered {} with a body that is not JSON: {e}",
                self.status
            ),
            maybe_sent: true,
        })
    }
}

/// Backoff tuning; tests shorten it.
#[derive(Debug, Clone, Copy)]
pub struct RetryTiming {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryTiming {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

/// One configured client. Cheap to share behind an `Arc`; every call reuses
/// the same connection pool.
#[derive(Debug)]
pub struct SendGridClient {
    config: ClientConfig,
    http: reqwest::Client,
    /// Built on first use: for links to other origins (no key).
    anonymous_http: OnceLock<reqwest::Client>,
    /// The system has no CA certificate: no https:// server can be verified
    /// (see [`build_http`]).
    no_system_roots: bool,
    limiter: RateLimiter,
    timing: RetryTiming,
}

/// Added to the error of an https:// connection when the system has no CA
/// certificate (a minimal container image without `ca-certificates`).
const NO_ROOTS_HINT: &str = "this system has no CA certificates, so no https:// server can be \
     verified: install them (Debian/Ubuntu: apt-get install ca-certificates; Alpine: apk add \
     ca-certificates; RHEL/Fedora: dnf install ca-certificates) or set SSL_CERT_FILE to a PEM \
     file of trusted root certificates";

/// Builds an HTTP client that verifies servers against the system's roots
/// (rustls-platform-verifier: the OS store, `SSL_CERT_FILE`, `SSL_CERT_DIR`).
/// Where the system has no CA certificate at all that verifier cannot be made
/// and reqwest refuses to build; the client is then built with no root, so
/// plain http:// endpoints (the emulator on this machine) still work and
/// every https:// connection fails, its error saying how to fix it
/// ([`NO_ROOTS_HINT`]). Returns the client and whether it has no root.
fn build_http(make: impl Fn() -> reqwest::ClientBuilder) -> Result<(reqwest::Client, bool)> {
    let cannot = |e: &reqwest::Error| {
        Error::config(format!("cannot build the HTTP client: {}", error_chain(e)))
    };
    match make().build() {
        Ok(http) => Ok((http, false)),
        Err(e) if error_chain(&e).contains("No CA certificates were loaded") => {
            let http = make()
                .tls_certs_only(Vec::<reqwest::Certificate>::new())
                .build()
                .map_err(|e| cannot(&e))?;
            Ok((http, true))
        }
        Err(e) => Err(cannot(&e)),
    }
}

/// An error and its causes, outermost first: `a: b: c`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Most bytes of an API answer that are read: well above SendGrid's largest
/// real answer (a template with many 1 MB versions), so a misbehaving server
/// cannot make one call hold gigabytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Where one request goes and how it is named in errors.
struct Target<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    /// The path, which keys the rate limiter and names the route in errors.
    route: &'a str,
    /// Origin and path, for transport errors (never a query string).
    shown: &'a str,
    max_bytes: usize,
}

/// Sleeps `wait`, if any; false when `stop` is (or becomes) cancelled first.
async fn pause(wait: Option<Duration>, stop: Option<&CancellationToken>) -> bool {
    let stopped = || stop.is_some_and(CancellationToken::is_cancelled);
    if stopped() {
        return false;
    }
    let Some(wait) = wait else { return true };
    match stop {
        None => tokio::time::sleep(wait).await,
        Some(stop) => {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = stop.cancelled() => {}
            }
        }
    }
    !stopped()
}

/// Reads a body of at most `cap` bytes (after decompression). `Err(None)`:
/// the body is longer.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> std::result::Result<Bytes, Option<reqwest::Error>> {
    let declared = response.content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(cap).min(cap));
    while let Some(chunk) = response.chunk().await.map_err(Some)? {
        if body.len() + chunk.len() > cap {
            return Err(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

impl SendGridClient {
    pub fn new(config: ClientConfig) -> Result<Self> {
        Self::with_timing(config, RetryTiming::default())
    }

    pub fn with_timing(config: ClientConfig, timing: RetryTiming) -> Result<Self> {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| {
                Error::config("api_key contains characters that cannot be sent in an HTTP header")
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            Error::config("user_agent contains characters that cannot be sent in an HTTP header")
        })?;
        headers.insert(USER_AGENT, user_agent);
        let (http, no_system_roots) = build_http(|| {
            reqwest::Client::builder()
                .default_headers(headers.clone())
                // SendGrid's API never redirects; following one would resend
                // contacts and mail (and turn a POST into a GET) elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(config.timeout)
                .connect_timeout(config.timeout.min(Duration::from_secs(10)))
                .pool_idle_timeout(Duration::from_secs(60))
        })?;
        Ok(Self {
            config,
            http,
            anonymous_http: OnceLock::new(),
            no_system_roots,
            limiter: RateLimiter::default(),
            timing,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `GET /v3/scopes`: the scopes of the key. Proves key, endpoint and network.
    pub async fn scopes(&self) -> Result<Vec<String>> {
        let response = self
            .request(Method::GET, "/v3/scopes", None, Idempotency::Idempotent)
            .await?;
        let value = response.json()?;
        let scopes = value
            .get("scopes")
            .and_then(|s| s.as_array())
            .ok_or_else(|| Error::Transport {
                message: "SendGrid answered GET /v3/scopes without a \"scopes\" list".into(),
                maybe_sent: true,
            })?;
        Ok(scopes
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect())
    }

    /// Sends one request with the retry policy of `idempotency`. `path` starts
    /// with `/v3/` and may carry a query string.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        idempotency: Idempotency,
    ) -> Result<ApiResponse> {
        self.request_counted(method, path, body, idempotency, None)
            .await
            .0
    }

    /// [`Self::request`], also telling how many attempts were repeated, so
    /// batch reports can count retries of requests that finally failed.
    /// Once `stop` is cancelled no attempt starts: a request not yet
    /// started fails as not sent, one being retried ends with its last
    /// answer; an attempt already under way runs to its end (at most the
    /// client's timeout).
    pub async fn request_counted(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        idempotency: Idempotency,
        stop: Option<&CancellationToken>,
    ) -> (Result<ApiResponse>, u32) {
        let url = format!("{}{}", self.config.base_url(), path);
        let route = path.split('?').next().unwrap_or(path);
        let target = Target {
            http: &self.http,
            url: &url,
            route,
            shown: &format!("{}{route}", self.config.endpoint.shown()),
            max_bytes: MAX_ANSWER_BYTES,
        };
        self.send(target, method, body, idempotency, stop).await
    }

    /// `GET` of a file SendGrid links to (an import job's `errors_url`),
    /// with the retry policy of a lookup and at most `max_bytes` of body.
    /// The key goes only to the configured endpoint: a URL of another
    /// origin (a pre-signed download link) is fetched without it.
    pub async fn download(&self, url: &str, max_bytes: usize) -> Result<ApiResponse> {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| Error::Transport {
                message: "SendGrid linked to a file whose address is not an http(s) URL".into(),
                maybe_sent: false,
            })?;
        let own_origin = reqwest::Url::parse(self.config.base_url())
            .is_ok_and(|base| base.origin() == parsed.origin());
        let http = if own_origin {
            &self.http
        } else {
            self.anonymous_http()?
        };
        // The query of a pre-signed link is its credential: never shown.
        let shown = format!("{}{}", parsed.origin().ascii_serialization(), parsed.path());
        let target = Target {
            http,
            url,
            route: parsed.path(),
            shown: &shown,
            max_bytes,
        };
        self.send(target, Method::GET, None, Idempotency::Idempotent, None)
            .await
            .0
    }

    /// A client without the `Authorization` header, for other origins.
    fn anonymous_http(&self) -> Result<&reqwest::Client> {
        if let Some(http) = self.anonymous_http.get() {
            return Ok(http);
        }
        let (http, _) = build_http(|| {
            reqwest::Client::builder()
                .user_agent(self.config.user_agent.as_str())
                .timeout(self.config.timeout)
                .connect_timeout(self.config.timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
        })?;
        Ok(self.anonymous_http.get_or_init(|| http))
    }

    async fn send(
        &self,
        target: Target<'_>,
        method: Method,
        body: Option<Bytes>,
        idempotency: Idempotency,
        stop: Option<&CancellationToken>,
    ) -> (Result<ApiResponse>, u32) {
        let route = target.route;
        let budget = WaitBudget::current()
            .unwrap_or_else(|| WaitBudget::new(self.config.max_rate_limit_wait));
        let mut retries = 0;
        // The answer of the attempt being repeated, returned if stopped.
        let mut last: Option<Error> = None;
        loop {
            let proceed = match self.limiter.pending_wait(route) {
                Some(wait) => match self
                    .rate_limit_wait(&budget, wait, &method, route, stop)
                    .await
                {
                    Ok(proceed) => proceed,
                    Err(error) => return (Err(error), retries),
                },
                None => pause(None, stop).await,
            };
            if !proceed {
                let error = last.unwrap_or_else(|| Error::Transport {
                    message: format!(
                        "not sent: the run was stopped before {method} {} started",
                        target.shown
                    ),
                    maybe_sent: false,
                });
                return (Err(error), retries);
            }
            let error = match self.attempt(&target, &method, body.as_ref()).await {
                Ok(mut answer) => {
                    answer.retries = retries;
                    return (Ok(answer), retries);
                }
                Err(error) => error,
            };
            match self.retry_wait(&error, idempotency, retries) {
                Some(wait) => {
                    let proceed = if error.status() == Some(429) {
                        match self
                            .rate_limit_wait(&budget, wait, &method, route, stop)
                            .await
                        {
                            Ok(proceed) => proceed,
                            Err(_) => return (Err(error), retries),
                        }
                    } else {
                        log::info!(target: "segment_sendgrid::client", "{method} {route}: retrying in {:.1} s after: {error}", wait.as_secs_f64());
                        pause(Some(wait), stop).await
                    };
                    if !proceed {
                        return (Err(error), retries);
                    }
                    retries += 1;
                    last = Some(error);
                }
                _ => return (Err(error), retries),
            }
        }
    }

    /// One request and its answer, read within the bounds, and logged.
    async fn attempt(
        &self,
        target: &Target<'_>,
        method: &Method,
        body: Option<&Bytes>,
    ) -> Result<ApiResponse> {
        let mut builder = target.http.request(method.clone(), target.url);
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = std::time::Instant::now();
        let outcome = match builder.send().await {
            Ok(response) => self.read_answer(response, method, target).await,
            Err(err) => Err(self.transport_error(&err, method, target.shown)),
        };
        let sent = body.map_or(0, Bytes::len);
        log_attempt(method, target.route, &outcome, started, sent);
        outcome
    }

    /// Waits `wait` for `route`'s rate limit if the call's budget allows;
    /// else a 429 error saying the budget is spent (nothing was sent).
    /// `Ok(false)`: the run was stopped during the wait.
    async fn rate_limit_wait(
        &self,
        budget: &WaitBudget,
        wait: Duration,
        method: &Method,
        route: &str,
        stop: Option<&CancellationToken>,
    ) -> Result<bool> {
        if !budget.take(wait) {
            let limit = budget.limit().as_secs_f64();
            log::warn!(target: "segment_sendgrid::client", "{method} {route}: rate limited; waiting {:.1} s more would exceed max_rate_limit_wait ({limit} s): not sent", wait.as_secs_f64());
            return Err(Error::Api {
                status: 429,
                errors: vec![ApiErrorDetail {
                    message: format!("rate limited: this call already waited its max_rate_limit_wait ({limit} s) on rate limits; not sent"),
                    field: None,
                }],
                body: String::new(),
                method: method.to_string(),
                path: route.to_owned(),
                reset_at: Some(crate::rate_limit::now_epoch() + wait.as_secs_f64()),
            });
        }
        log::info!(target: "segment_sendgrid::client", "{method} {route}: rate limited, waiting {:.1} s", wait.as_secs_f64());
        Ok(pause(Some(wait), stop).await)
    }

    async fn read_answer(
        &self,
        response: reqwest::Response,
        method: &Method,
        target: &Target<'_>,
    ) -> Result<ApiResponse> {
        let route = target.route;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let info = RateLimitInfo::from_headers(&headers);
        self.limiter.observe(route, &info);
        let body = match read_capped(response, target.max_bytes).await {
            Ok(body) => body,
            Err(Some(e)) => return Err(self.transport_error(&e, method, target.shown)),
            Err(None) => {
                return Err(Error::Transport {
                    message: format!(
                        "{method} {} answered with a body of more than {} bytes; it was not read",
                        target.shown, target.max_bytes
                    ),
                    maybe_sent: true,
                })
            }
        };
        if (200..300).contains(&status) {
            return Ok(ApiResponse {
                status,
                headers,
                body,
                retries: 0,
            });
        }
        let text = self.config.api_key.redact(&String::from_utf8_lossy(&body));
        let mut errors = parse_error_details(&text);
        if (300..400).contains(&status) {
            let location = headers
                .get(reqwest::header::LOCATION)
                .map(|l| redact_userinfo(&String::from_utf8_lossy(l.as_bytes())));
            errors = vec![ApiErrorDetail {
                message: format!(
                    "the server redirected to {}; SendGrid's API never redirects, so the redirect was not followed and nothing was processed: check the endpoint (or the proxy in front of it)",
                    location.as_deref().unwrap_or("(no Location)")
                ),
                field: None,
            }];
        }
        Err(Error::Api {
            status,
            errors,
            body: text,
            method: method.to_string(),
            path: route.to_owned(),
            reset_at: info.reset_at,
        })
    }

    fn transport_error(&self, err: &reqwest::Error, method: &Method, shown: &str) -> Error {
        // A connect failure means no byte of the request left this process.
        let maybe_sent = !err.is_connect();
        let what = if err.is_timeout() {
            format!("timed out after {:?}", self.config.timeout)
        } else if err.is_connect() {
            "could not connect".to_owned()
        } else {
            "connection failed".to_owned()
        };
        let mut cause = String::new();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            cause = inner.to_string();
            source = inner.source();
        }
        let detail = if cause.is_empty() {
            String::new()
        } else {
            format!(": {cause}")
        };
        let hint = if self.no_system_roots && err.is_connect() && shown.starts_with("https:") {
            format!(" ({NO_ROOTS_HINT})")
        } else {
            String::new()
        };
        let message = format!("{method} {shown} {what}{detail}{hint}");
        Error::Transport {
            message: self.config.api_key.redact(&message),
            maybe_sent,
        }
    }

    /// `Some(wait)` when `error` may be retried under `idempotency`.
    fn retry_wait(
        &self,
        error: &Error,
        idempotency: Idempotency,
        retries: u32,
    ) -> Option<Duration> {
        if retries >= self.config.max_retries {
            return None;
        }
        let backoff = || backoff(retries, self.timing.base, self.timing.cap);
        match (error, idempotency) {
            (
                Error::Api {
                    status: 429,
                    reset_at,
                    ..
                },
                _,
            ) => Some(
                reset_at
                    .and_then(|r| {
                        RateLimitInfo {
                            remaining: Some(0),
                            reset_at: Some(r),
                        }
                        .wait_until_reset()
                    })
                    .unwrap_or_else(backoff),
            ),
            (Error::Api { status, .. }, Idempotency::Idempotent) if *status >= 500 => {
                Some(backoff())
            }
            (
                Error::Transport {
                    maybe_sent: false, ..
                },
                _,
            ) => Some(backoff()),
            (Error::Transport { .. }, Idempotency::Idempotent) => Some(backoff()),
            _ => None,
        }
    }
}

/// Debug log of one attempt: the answer's status and size, the time taken.
fn log_attempt(
    method: &Method,
    route: &str,
    outcome: &Result<ApiResponse>,
    started: std::time::Instant,
    sent_bytes: usize,
) {
    if !log::log_enabled!(target: "segment_sendgrid::client", log::Level::Debug) {
        return;
    }
    let answer = match outcome {
        Ok(answer) => format!("{} ({} bytes)", answer.status, answer.body.len()),
        Err(Error::Api { status, body, .. }) => format!("{status} ({} bytes)", body.len()),
        Err(_) => "no answer".to_owned(),
    };
    log::debug!(
        target: "segment_sendgrid::client",
        "{method} {route}: {answer} in {} ms, {sent_bytes} bytes sent",
        started.elapsed().as_millis(),
    );
}
