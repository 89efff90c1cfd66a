//! SendGrid's rate-limit headers and the waits they imply, read
//! defensively: a header that is not a number, is negative, non-finite or
//! names a reset further away than [`MAX_HINTED_WAIT`] is ignored (the
//! client then backs off exponentially), so a broken or hostile server can
//! neither crash the client nor park it for hours.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Longest single wait we accept from a server hint; beyond it something is
/// off and backing off exponentially is the safer reading.
pub const MAX_HINTED_WAIT: Duration = Duration::from_secs(300);

/// What the `X-RateLimit-*` headers of one response said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitInfo {
    pub remaining: Option<u64>,
    /// Epoch seconds at which the window resets.
    pub reset_at: Option<f64>,
}

impl RateLimitInfo {
    /// Header names are matched case-insensitively (HeaderMap does that).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let now = now_epoch();
        let reset_at = number("x-ratelimit-reset")
            .map(|reset| {
                // A small value is a delta in seconds, not an epoch timestamp.
                if reset < 1_000_000_000.0 {
                    now + reset
                } else {
                    reset
                }
            })
            .filter(|reset| *reset - now <= MAX_HINTED_WAIT.as_secs_f64());
        Self {
            remaining: number("x-ratelimit-remaining").map(|r| r as u64),
            reset_at,
        }
    }

    /// How long to wait until the reset, if it lies in the (near) future.
    pub fn wait_until_reset(&self) -> Option<Duration> {
        let reset = self.reset_at?;
        // Clamped before the conversion, which panics on huge values.
        let wait = (reset - now_epoch()).min(MAX_HINTED_WAIT.as_secs_f64());
        (wait > 0.0).then(|| Duration::from_secs_f64(wait))
    }
}

pub fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Remembers, per route, whether the last answer said the window is spent,
/// so the next request waits instead of earning a 429.
#[derive(Debug, Default)]
pub struct RateLimiter {
    exhausted_until: Mutex<HashMap<String, f64>>,
}

impl RateLimiter {
    pub fn observe(&self, route: &str, info: &RateLimitInfo) {
        let mut map = self
            .exhausted_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match (info.remaining, info.reset_at) {
            (Some(0), Some(reset)) => {
                map.insert(route.to_owned(), reset);
            }
            (Some(_), _) => {
                map.remove(route);
            }
            _ => {}
        }
    }

    /// The wait owed before the next request on `route`.
    pub fn pending_wait(&self, route: &str) -> Option<Duration> {
        let map = self
            .exhausted_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let reset = *map.get(route)?;
        RateLimitInfo {
            remaining: Some(0),
            reset_at: Some(reset),
        }
        .wait_until_reset()
    }
}

/// Exponential backoff with full jitter, capped.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let ceiling = exp.min(cap);
    ceiling.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reads_headers_case_insensitively_and_converts_deltas() {
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("2"));
        let info = RateLimitInfo::from_headers(&headers);
        assert_eq!(info.remaining, Some(0));
        let wait = info.wait_until_reset().unwrap();
        assert!(wait <= Duration::from_secs(2) && wait > Duration::from_millis(1500));
    }

    #[test]
    fn absurd_or_broken_headers_are_ignored() {
        for reset in ["1e30", "inf", "NaN", "-5", "99999999999", "soon", "1e308"] {
            let mut headers = HeaderMap::new();
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            headers.insert("x-ratelimit-reset", HeaderValue::from_str(reset).unwrap());
            let info = RateLimitInfo::from_headers(&headers);
            assert_eq!(info.reset_at, None, "{reset}");
            assert_eq!(info.wait_until_reset(), None, "{reset}");
            let limiter = RateLimiter::default();
            limiter.observe("/v3/x", &info);
            assert_eq!(limiter.pending_wait("/v3/x"), None, "{reset}");
        }
        // A reset the server set in the far future by other means is clamped.
        let far = RateLimitInfo {
            remaining: Some(0),
            reset_at: Some(1e30),
        };
        assert_eq!(far.wait_until_reset(), Some(MAX_HINTED_WAIT));
    }

    #[test]
    fn limiter_waits_only_while_exhausted() {
        let limiter = RateLimiter::default();
        let soon = now_epoch() + 1.0;
        limiter.observe(
            "/v3/x",
            &RateLimitInfo {
                remaining: Some(0),
                reset_at: Some(soon),
            },
        );
        assert!(limiter.pending_wait("/v3/x").is_some());
        assert!(limiter.pending_wait("/v3/y").is_none());
        limiter.observe(
            "/v3/x",
            &RateLimitInfo {
                remaining: Some(5),
                reset_at: Some(soon),
            },
        );
        assert!(limiter.pending_wait("/v3/x").is_none());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let cap = Duration::from_secs(2);
        for attempt in 0..40 {
            let wait = backoff(attempt, Duration::from_millis(100), cap);
            assert!(wait <= cap);
        }
        assert!(backoff(0, Duration::from_millis(100), cap) <= Duration::from_millis(100));
    }
}
