//! The SendGrid HTTP client: one connection pool, auth headers, rate-limit
//! waits and the retry policy that decides what may be sent twice.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;

use crate::config::ClientConfig;
use crate::error::{parse_error_details, Error, Result};
use crate::rate_limit::{backoff, RateLimitInfo, RateLimiter};

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
    limiter: RateLimiter,
    timing: RetryTiming,
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
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
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
        self.request_counted(method, path, body, idempotency)
            .await
            .0
    }

    /// [`Self::request`], also telling how many attempts were repeated, so
    /// batch reports can count retries of requests that finally failed.
    pub async fn request_counted(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        idempotency: Idempotency,
    ) -> (Result<ApiResponse>, u32) {
        let url = format!("{}{}", self.config.base_url(), path);
        let route = path.split('?').next().unwrap_or(path);
        let mut retries = 0;
        loop {
            if let Some(wait) = self.limiter.pending_wait(route) {
                tokio::time::sleep(wait).await;
            }
            let mut builder = self.http.request(method.clone(), &url);
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let outcome = match builder.send().await {
                Ok(response) => self.read_answer(response, &method, route).await,
                Err(err) => Err(self.transport_error(&err, &method, route)),
            };
            let error = match outcome {
                Ok(mut answer) => {
                    answer.retries = retries;
                    return (Ok(answer), retries);
                }
                Err(error) => error,
            };
            match self.retry_wait(&error, idempotency, retries) {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                None => return (Err(error), retries),
            }
        }
    }

    async fn read_answer(
        &self,
        response: reqwest::Response,
        method: &Method,
        route: &str,
    ) -> Result<ApiResponse> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let info = RateLimitInfo::from_headers(&headers);
        self.limiter.observe(route, &info);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e, method, route))?;
        if (200..300).contains(&status) {
            return Ok(ApiResponse {
                status,
                headers,
                body,
                retries: 0,
            });
        }
        let text = self.config.api_key.redact(&String::from_utf8_lossy(&body));
        Err(Error::Api {
            status,
            errors: parse_error_details(&text),
            body: text,
            method: method.to_string(),
            path: route.to_owned(),
            reset_at: info.reset_at,
        })
    }

    fn transport_error(&self, err: &reqwest::Error, method: &Method, route: &str) -> Error {
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
        let message = format!("{method} {}{route} {what}{detail}", self.config.base_url());
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
