//! What the parts of a Sync List or Delete Contacts run settled besides
//! the upsert run (records found invalid, leaving members, deletions), and
//! the one rule that merges it into the upsert run's report.

use std::collections::HashSet;

use crate::actions::input::not_started;
use crate::actions::send::dispatch::failure_for;
use crate::error::Error;
use crate::report::{BatchReport, ImportJob, RecordFailure};

#[derive(Debug, Default)]
pub struct Settled {
    pub accepted: Vec<usize>,
    pub failed: Vec<RecordFailure>,
    pub requests: u64,
    pub retries: u64,
    pub removed: u64,
    pub not_removed: u64,
    pub deleted: u64,
    /// Dry runs: the request lines that would have been sent.
    pub request_lines: Vec<String>,
    pub job_ids: Vec<String>,
    /// `wait=True`: the deletion jobs' final states.
    pub imports: Vec<ImportJob>,
    /// A problem of the whole run (a refused key): what the call raises.
    pub fatal: Option<Error>,
}

impl Settled {
    pub fn fail(&mut self, index: usize, error: Error) {
        self.failed.push(failure_for(index, &error));
    }

    /// Fails `index` with the run's fatal error, or as not sent.
    pub fn fail_unsent(&mut self, index: usize) {
        let error = self.fatal.clone().unwrap_or_else(not_started);
        self.fail(index, error);
    }

    pub fn count_request(&mut self, retries: u32) {
        self.requests += 1 + u64::from(retries);
        self.retries += u64::from(retries);
    }
}

/// `report` (of the upsert run, which saw only the joining records) with
/// what `other` settled. The upsert run counts the records it never saw
/// below its last index as `not_sent`; those are `other`'s, so its word
/// wins for them. Invariant kept: `accepted + failed == total`.
pub fn merge(mut report: BatchReport, other: Settled) -> BatchReport {
    let owned: HashSet<usize> = other
        .accepted
        .iter()
        .copied()
        .chain(other.failed.iter().map(|f| f.index))
        .collect();
    report.failed.retain(|f| !owned.contains(&f.index));
    report.accepted += other.accepted.len();
    report.failed.extend(other.failed);
    report.failed.sort_by_key(|f| f.index);
    let last = owned.iter().max().map_or(0, |i| i + 1);
    report.total = report.total.max(last);
    report.requests += other.requests;
    report.retries += other.retries;
    report.removed += other.removed;
    report.not_removed += other.not_removed;
    report.deleted += other.deleted;
    report.request_bodies.extend(other.request_lines);
    report.job_ids.extend(other.job_ids);
    report.imports.extend(other.imports);
    debug_assert_eq!(report.accepted + report.failed.len(), report.total);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Outcome, ReportBuilder};

    #[test]
    fn the_other_parts_settle_the_records_the_upsert_run_never_saw() {
        // The upsert run saw records 1 and 4 (accepted), so 0, 2, 3 are its gaps.
        let mut builder = ReportBuilder::new();
        builder.accept(1);
        builder.accept(4);
        let upsert = builder.finish("gap");
        assert_eq!(upsert.failed.len(), 3);
        let mut other = Settled {
            accepted: vec![0, 3],
            removed: 2,
            requests: 3,
            ..Settled::default()
        };
        other.fail(2, Error::validation("bad", None));
        other.fail(5, Error::validation("bad too", None));
        let merged = merge(upsert, other);
        assert_eq!((merged.total, merged.accepted), (6, 4));
        let failed: Vec<(usize, &str)> = merged
            .failed
            .iter()
            .map(|f| (f.index, f.reason.as_str()))
            .collect();
        assert_eq!(failed, [(2, "bad"), (5, "bad too")]);
        assert!(merged.failed.iter().all(|f| f.outcome == Outcome::Invalid));
        assert_eq!((merged.removed, merged.requests), (2, 3));
    }
}
