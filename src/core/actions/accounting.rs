//! Accounting for a batch run that may have stopped early: every record
//! the caller handed over (read from its input) appears in the final
//! report, those the run never took as `not_sent`.

use crate::actions::BatchAbort;
use crate::report::{BatchReport, Outcome, RecordFailure};

/// The reason given to records read but never handed to the run.
pub const NOT_SENT: &str = "the run stopped before this record was sent";

/// The report of a run that ended one way or the other.
pub fn report_of(outcome: Result<BatchReport, BatchAbort>) -> BatchReport {
    outcome.unwrap_or_else(|abort| abort.report)
}

/// Adds a `not_sent` failure for every record of the `read` first absent
/// from `report` (the run stopped before taking them), so that the report
/// has one entry per record read; `message_ids` stays aligned with them.
pub fn account_for_all(mut report: BatchReport, read: usize) -> BatchReport {
    if report.total >= read {
        return report;
    }
    report
        .failed
        .extend((report.total..read).map(not_sent_failure));
    if !report.message_ids.is_empty() {
        report.message_ids.resize(read, None);
    }
    report.total = read;
    report
}

fn not_sent_failure(index: usize) -> RecordFailure {
    RecordFailure {
        index,
        reason: NOT_SENT.to_owned(),
        status_code: None,
        field: None,
        outcome: Outcome::NotSent,
        // Nothing was sent: sending it later is safe.
        retryable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn settled(total: usize, with_ids: bool) -> BatchReport {
        BatchReport {
            total,
            accepted: total,
            message_ids: if with_ids {
                (0..total).map(|i| Some(format!("m{i}"))).collect()
            } else {
                Vec::new()
            },
            ..BatchReport::default()
        }
    }

    #[test]
    fn records_never_taken_are_not_sent() {
        let report = account_for_all(settled(2, false), 5);
        assert_eq!(report.total, 5);
        assert_eq!(report.accepted, 2);
        let indexes: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
        assert_eq!(indexes, [2, 3, 4]);
        assert!(report
            .failed
            .iter()
            .all(|f| f.outcome == Outcome::NotSent && f.retryable && f.reason == NOT_SENT));
        assert!(report.message_ids.is_empty());
    }

    #[test]
    fn message_ids_stay_aligned() {
        let report = account_for_all(settled(1, true), 3);
        assert_eq!(report.message_ids, [Some("m0".to_owned()), None, None]);
    }

    #[test]
    fn a_complete_report_is_unchanged() {
        let report = settled(3, true);
        assert_eq!(account_for_all(report.clone(), 3), report);
        assert_eq!(account_for_all(report.clone(), 1), report);
    }

    #[test]
    fn an_aborted_run_gives_its_partial_report() {
        let abort = BatchAbort {
            error: Error::validation("bad key", None),
            report: settled(1, false),
        };
        assert_eq!(report_of(Err(abort)), settled(1, false));
        assert_eq!(report_of(Ok(settled(2, false))), settled(2, false));
    }
}
