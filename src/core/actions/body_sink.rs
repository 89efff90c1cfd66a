//! Where a dry run's request bodies go: into `report.request_bodies` by
//! default, or, inside [`with_body_sink`], to a callback as each is made (in
//! input order), so a dry run of any size holds no more than a request's
//! body at a time. A task-local, like the rate-limit budget: the runs keep
//! one signature, and a dry run makes its bodies on the run's own task.

use std::future::Future;
use std::sync::Arc;

/// Takes each body of a dry run, in order.
pub type BodySink = Arc<dyn Fn(String) + Send + Sync>;

tokio::task_local! {
    static SINK: BodySink;
}

/// Runs `run` with its dry-run bodies going to `sink` (when given) instead
/// of the report.
pub async fn with_body_sink<F: Future>(sink: Option<BodySink>, run: F) -> F::Output {
    match sink {
        Some(sink) => SINK.scope(sink, run).await,
        None => run.await,
    }
}

/// A dry run's body: to the sink of the current run, else kept in `kept`.
pub(crate) fn dry_run_body(body: String, kept: &mut Vec<String>) {
    match SINK.try_with(Arc::clone) {
        Ok(sink) => sink(body),
        Err(_) => kept.push(body),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn bodies_go_to_the_sink_inside_it_and_are_kept_outside() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink: BodySink = {
            let seen = Arc::clone(&seen);
            Arc::new(move |body| seen.lock().unwrap().push(body))
        };
        let mut kept = Vec::new();
        with_body_sink(Some(sink), async {
            dry_run_body("a".into(), &mut kept);
            dry_run_body("b".into(), &mut kept);
        })
        .await;
        dry_run_body("c".into(), &mut kept);
        assert_eq!(*seen.lock().unwrap(), ["a", "b"]);
        assert_eq!(kept, ["c"]);
    }
}
