//! Injected faults (`fail_next`, `drop_next`) and the per-endpoint
//! fixed-window rate limiter behind the `X-RateLimit-*` headers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;

use super::validate::epoch_now;

/// Applies to a request path: exact, `*` for every path, or a prefix ending
/// in `*` (`/v3/marketing/*`).
fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

/// One armed `fail_next`.
#[derive(Debug, Clone)]
pub struct FailRule {
    pub path: String,
    pub status: u16,
    pub remaining: u32,
    /// Sent as given; `None` means SendGrid's stock body for `status`.
    pub body: Option<Bytes>,
    /// Run the request first, then answer with the error.
    pub after_processing: bool,
}

/// What a request drew from the fault queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub status: u16,
    pub body: Option<Bytes>,
    pub after_processing: bool,
}

#[derive(Debug, Default)]
pub struct Faults {
    fails: Vec<FailRule>,
    drops: Vec<(String, u32)>,
}

impl Faults {
    /// Queues a rule; rules for the same path are used in the order given.
    pub fn fail_next(&mut self, rule: FailRule) {
        if rule.remaining > 0 {
            self.fails.push(rule);
        }
    }

    pub fn drop_next(&mut self, path: String, count: u32) {
        if count > 0 {
            self.drops.push((path, count));
        }
    }

    /// Consumes one use of the first rule matching `path`.
    pub fn take_fail(&mut self, path: &str) -> Option<Fault> {
        let index = self
            .fails
            .iter()
            .position(|r| path_matches(&r.path, path))?;
        let rule = &mut self.fails[index];
        rule.remaining -= 1;
        let fault = Fault {
            status: rule.status,
            body: rule.body.clone(),
            after_processing: rule.after_processing,
        };
        if rule.remaining == 0 {
            self.fails.remove(index);
        }
        Some(fault)
    }

    pub fn take_drop(&mut self, path: &str) -> bool {
        let Some(index) = self.drops.iter().position(|(p, _)| path_matches(p, path)) else {
            return false;
        };
        self.drops[index].1 -= 1;
        if self.drops[index].1 == 0 {
            self.drops.remove(index);
        }
        true
    }
}

/// Requests allowed per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub limit: u64,
    pub window: Duration,
}

/// By default the emulator advertises a budget large enough that client
/// benchmarks never meet it; `set_rate_limit` makes it SendGrid-tight.
pub const DEFAULT_RATE_RULE: RateRule = RateRule {
    limit: 1_000_000,
    window: Duration::from_secs(60),
};

#[derive(Debug)]
struct Window {
    started: Instant,
    reset_epoch: i64,
    count: u64,
}

/// The outcome for one request, and the values of its three headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Epoch seconds.
    pub reset: i64,
}

/// Each endpoint (route pattern) has its own allowance, as on SendGrid.
#[derive(Debug)]
pub struct RateLimiter {
    default_rule: RateRule,
    per_route: HashMap<String, RateRule>,
    windows: HashMap<String, Window>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            default_rule: DEFAULT_RATE_RULE,
            per_route: HashMap::new(),
            windows: HashMap::new(),
        }
    }
}

impl RateLimiter {
    /// `route`: `None` sets the allowance of every endpoint (and drops the
    /// per-route ones). Counting restarts for the endpoints concerned.
    pub fn set(&mut self, rule: RateRule, route: Option<String>) {
        match route {
            None => {
                self.default_rule = rule;
                self.per_route.clear();
                self.windows.clear();
            }
            Some(route) => {
                self.windows.remove(&route);
                self.per_route.insert(route, rule);
            }
        }
    }

    /// Counts one request against `route`'s window.
    pub fn check(&mut self, route: &str) -> RateDecision {
        let rule = self
            .per_route
            .get(route)
            .copied()
            .unwrap_or(self.default_rule);
        let now = Instant::now();
        let expired = self
            .windows
            .get(route)
            .is_none_or(|w| now.duration_since(w.started) >= rule.window);
        if expired {
            let fresh = Window {
                started: now,
                // Round the real end up (from sub-second time) so the reset never
                // lies before it: a client waiting for it must find a fresh window.
                reset_epoch: window_end_epoch(rule.window),
                count: 0,
            };
            self.windows.insert(route.to_owned(), fresh);
        }
        let Some(window) = self.windows.get_mut(route) else {
            return RateDecision {
                allowed: true,
                limit: rule.limit,
                remaining: rule.limit,
                reset: epoch_now(),
            };
        };
        let allowed = window.count < rule.limit;
        if allowed {
            window.count += 1;
        }
        RateDecision {
            allowed,
            limit: rule.limit,
            remaining: rule.limit - window.count,
            reset: window.reset_epoch,
        }
    }
}

/// The epoch second at or after `now + window`.
fn window_end_epoch(window: Duration) -> i64 {
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    (now + window.as_secs_f64()).ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, remaining: u32, after: bool) -> FailRule {
        FailRule {
            path: path.into(),
            status: 503,
            remaining,
            body: None,
            after_processing: after,
        }
    }

    #[test]
    fn fail_rules_are_consumed_in_order_and_by_pattern() {
        let mut faults = Faults::default();
        faults.fail_next(rule("/v3/mail/send", 2, false));
        faults.fail_next(rule("/v3/marketing/*", 1, true));
        assert!(faults.take_fail("/v3/scopes").is_none());
        assert_eq!(faults.take_fail("/v3/mail/send").unwrap().status, 503);
        assert!(faults.take_fail("/v3/mail/send").is_some());
        assert!(faults.take_fail("/v3/mail/send").is_none());
        assert!(
            faults
                .take_fail("/v3/marketing/lists")
                .unwrap()
                .after_processing
        );
        assert!(faults.take_fail("/v3/marketing/lists").is_none());
    }

    #[test]
    fn drops_count_down() {
        let mut faults = Faults::default();
        faults.drop_next("*".into(), 2);
        assert!(faults.take_drop("/a") && faults.take_drop("/b"));
        assert!(!faults.take_drop("/c"));
    }

    #[test]
    fn limiter_counts_per_route_and_refuses_over_limit() {
        let mut limiter = RateLimiter::default();
        let tight = RateRule {
            limit: 2,
            window: Duration::from_secs(60),
        };
        limiter.set(tight, Some("/v3/scopes".into()));
        let first = limiter.check("/v3/scopes");
        assert!(first.allowed && first.remaining == 1 && first.limit == 2);
        assert!(first.reset >= epoch_now() + 59);
        assert!(limiter.check("/v3/scopes").allowed);
        let third = limiter.check("/v3/scopes");
        assert!(!third.allowed && third.remaining == 0);
        assert!(limiter.check("/v3/user/account").allowed);
    }

    #[test]
    fn window_expiry_restores_the_budget() {
        let mut limiter = RateLimiter::default();
        let rule = RateRule {
            limit: 1,
            window: Duration::from_millis(30),
        };
        limiter.set(rule, None);
        assert!(limiter.check("r").allowed);
        assert!(!limiter.check("r").allowed);
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.check("r").allowed);
    }
}
