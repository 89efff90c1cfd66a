//! Accounting for a batch run that may have stopped early: every record
//! the caller handed over (read from its input) appears in the final
//! report, those the run never took as `not_sent`; and which error, if
//! any, the call raises with it.

use crate::actions::BatchAbort;
use crate::error::Error;
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

/// The error a batch call raises: the caller's own (its input failed, or
/// it was interrupted), or the run's (bad key, missing scope).
#[derive(Debug, PartialEq)]
pub enum Raised<E> {
    Input(E),
    Run(Error),
}

/// How a batch call ends: its report, or an error raised with the report
/// of every record read attached.
#[derive(Debug, PartialEq)]
pub enum Ending<E> {
    Done(BatchReport),
    Raise {
        error: Raised<E>,
        report: BatchReport,
    },
}

/// Settles a run that took `read` records from the caller's input: the
/// records it never took are `not_sent`. A whole-run error wins over an
/// input error, unless `interrupted` (the caller stopped the run for its
/// error: Ctrl-C, `SystemExit`), whose error then is the one raised.
pub fn settle<E>(
    outcome: Result<BatchReport, BatchAbort>,
    input_error: Option<E>,
    read: usize,
    interrupted: bool,
) -> Ending<E> {
    let (error, report) = match (outcome, input_error) {
        (Ok(report), None) => return Ending::Done(account_for_all(report, read)),
        (Ok(report), Some(error)) => (Raised::Input(error), report),
        (Err(abort), Some(error)) if interrupted => (Raised::Input(error), abort.report),
        (Err(abort), _) => (Raised::Run(abort.error), abort.report),
    };
    Ending::Raise {
        error,
        report: account_for_all(report, read),
    }
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
        assert_eq!(report_of(Err(abort(1))), settled(1, false));
        assert_eq!(report_of(Ok(settled(2, false))), settled(2, false));
    }

    fn abort(total: usize) -> BatchAbort {
        BatchAbort {
            error: Error::config("bad key"),
            report: settled(total, false),
        }
    }

    #[test]
    fn a_clean_run_is_done_with_every_record() {
        let ending = settle::<&str>(Ok(settled(2, false)), None, 3, false);
        let Ending::Done(report) = ending else {
            panic!("expected Done")
        };
        assert_eq!((report.total, report.failed.len()), (3, 1));
    }

    #[test]
    fn an_input_error_is_raised_with_the_report() {
        let ending = settle(Ok(settled(1, false)), Some("input"), 2, false);
        let Ending::Raise { error, report } = ending else {
            panic!("expected Raise")
        };
        assert_eq!(error, Raised::Input("input"));
        assert_eq!(report.total, 2);
    }

    #[test]
    fn the_run_error_wins_unless_interrupted() {
        let ending = settle(Err(abort(1)), Some("input"), 4, false);
        assert!(matches!(
            ending,
            Ending::Raise { error: Raised::Run(Error::Config(_)), ref report } if report.total == 4
        ));
        let ending = settle(Err(abort(1)), Some("ctrl-c"), 4, true);
        assert!(matches!(
            ending,
            Ending::Raise {
                error: Raised::Input("ctrl-c"),
                ..
            }
        ));
        let ending = settle::<&str>(Err(abort(0)), None, 0, false);
        assert!(matches!(
            ending,
            Ending::Raise {
                error: Raised::Run(_),
                ..
            }
        ));
    }
}
