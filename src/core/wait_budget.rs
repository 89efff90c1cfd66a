//! `max_rate_limit_wait`: the most time one call (a single upsert or send,
//! or a whole batch) may spend waiting on rate limits, over all its
//! requests. Past it, a request that would wait fails instead, as a 429
//! (retryable), so a server that keeps saying "later" cannot hold a
//! pipeline forever.
//!
//! A call's budget travels with its tasks as a tokio task-local: the client
//! reads it where it waits, and the batch runs pass it on to the tasks they
//! spawn ([`inherit`]). A request made outside any call gets a budget of
//! its own.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The waiting time left to one call. Concurrent requests waiting on the
/// same window count once: the budget measures the union of the waits.
#[derive(Debug)]
pub struct WaitBudget {
    limit: Duration,
    state: Mutex<Spent>,
}

#[derive(Debug, Default)]
struct Spent {
    total: Duration,
    /// End of the latest wait accounted so far.
    until: Option<Instant>,
}

tokio::task_local! {
    static BUDGET: Arc<WaitBudget>;
}

impl WaitBudget {
    pub fn new(limit: Duration) -> Arc<Self> {
        Arc::new(Self {
            limit,
            state: Mutex::new(Spent::default()),
        })
    }

    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Accounts a wait of `wait` starting now; false (and nothing
    /// accounted) when it would take the call past its limit.
    pub fn take(&self, wait: Duration) -> bool {
        let mut spent = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let end = now + wait;
        let start = spent.until.map_or(now, |until| until.max(now));
        let extra = end.saturating_duration_since(start);
        if spent.total + extra > self.limit {
            return false;
        }
        spent.total += extra;
        spent.until = Some(spent.until.map_or(end, |until| until.max(end)));
        true
    }

    /// The budget of the call running this task, if any.
    pub fn current() -> Option<Arc<WaitBudget>> {
        BUDGET.try_with(Arc::clone).ok()
    }
}

/// Runs `call` with a fresh budget of `limit`.
pub async fn scoped<F: Future>(limit: Duration, call: F) -> F::Output {
    BUDGET.scope(WaitBudget::new(limit), call).await
}

/// `task` with the current call's budget, for a task about to be spawned.
pub fn inherit<F: Future>(task: F) -> impl Future<Output = F::Output> {
    let budget = WaitBudget::current();
    async move {
        match budget {
            Some(budget) => BUDGET.scope(budget, task).await,
            None => task.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn overlapping_waits_count_once_and_the_limit_holds() {
        let budget = WaitBudget::new(Duration::from_secs(10));
        assert!(budget.take(Duration::from_secs(4)));
        // Four concurrent requests waiting on the same window: no extra cost.
        assert!(budget.take(Duration::from_secs(4)));
        assert!(budget.take(Duration::from_secs(6)));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(budget.take(Duration::from_secs(4)));
        // Inside a wait already counted: free.
        assert!(budget.take(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert!(!budget.take(Duration::from_secs(1)), "10 s spent");
        assert!(budget.take(Duration::ZERO));
    }

    #[tokio::test]
    async fn spawned_tasks_inherit_the_calls_budget() {
        let seen = scoped(Duration::from_secs(7), async {
            tokio::spawn(inherit(async { WaitBudget::current().map(|b| b.limit()) }))
                .await
                .unwrap()
        })
        .await;
        assert_eq!(seen, Some(Duration::from_secs(7)));
        assert!(WaitBudget::current().is_none());
    }
}
