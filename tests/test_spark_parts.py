"""The parts of the Spark data source that need no Spark: dead letters kept and written
across the memory bound, options, the merged report. (tests/spark_e2e runs it in Spark.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import segment_sendgrid as sg
from segment_sendgrid.partitions import merge_reports, report_from_dict
from segment_sendgrid.spark._dead_letters import RowKeeper, list_files, write_dead_letters
from segment_sendgrid.spark._options import parse_options
from segment_sendgrid.spark._summary import summarize
from segment_sendgrid.spark._task import TaskOutcome
from segment_sendgrid.types import BatchReportDict


def batches(count: int, rows: int) -> list[pa.RecordBatch]:
    return [
        pa.RecordBatch.from_pydict(
            {
                "id": list(range(b * rows, (b + 1) * rows)),
                "traits": [{"email": f"r{b * rows + i}@example.com"} for i in range(rows)],
            }
        )
        for b in range(count)
    ]


@pytest.mark.parametrize("limit", [1 << 30, 10_000, 0])
def test_kept_rows_are_taken_back_by_index_in_memory_or_spilled(limit: int) -> None:
    keeper = RowKeeper(memory_limit=limit)
    passed = list(keeper.keep(iter(batches(20, 500))))
    assert len(passed) == 20  # passed through untouched
    wanted = [0, 499, 500, 7_777, 9_999]
    table = keeper.take(wanted)
    assert table.column("id").to_pylist() == wanted
    assert table.column("traits").to_pylist()[3] == {"email": "r7777@example.com"}
    keeper.close()


def test_dead_letters_are_parquet_with_the_failure_column(tmp_path: Path) -> None:
    keeper = RowKeeper(memory_limit=0)
    list(keeper.keep(iter(batches(3, 10))))
    failures = [
        sg.RecordFailure(4, "email 'x' is not valid", 400, "primary_email", "rejected").to_dict(),
        sg.RecordFailure(25, "no answer", None, None, "unknown", True).to_dict(),
    ]
    path = write_dead_letters(
        str(tmp_path / "failed"), "job-part-00003-attempt-0.parquet", 3, keeper, failures
    )
    keeper.close()
    assert list_files(str(tmp_path / "failed"), "job-") == [path]
    table = pq.read_table(path)
    assert table.column("id").to_pylist() == [4, 25]
    first, second = table.column("_sendgrid_failure").to_pylist()
    assert first == {
        "partition": 3,
        "index": 4,
        "reason": "email 'x' is not valid",
        "outcome": "rejected",
        "status_code": 400,
        "field": "primary_email",
        "retryable": False,
    }
    assert (second["outcome"], second["status_code"], second["retryable"]) == (
        "unknown",
        None,
        True,
    )
    assert not list((tmp_path / "failed").glob("*.partial"))


def test_options_refuse_a_key_and_name_what_is_wrong() -> None:
    with pytest.raises(sg.ConfigError, match="api_key_env") as caught:
        parse_options({"action": "upsert_contacts", "API_KEY": "SG.secret-value"})
    assert "SG.secret-value" not in str(caught.value)
    with pytest.raises(sg.ConfigError, match="unknown option list_id"):
        parse_options({"action": "upsert_contacts", "list_id": "a"})
    with pytest.raises(sg.MappingError):
        parse_options({"action": "upsert_contacts", "mapping": '{"a": {"@path": 3}}'})
    options = parse_options(
        {"Action": "upsert_contacts", "list_ids": '["a", "b"]', "wait": "TRUE", "timeout": "5"}
    )
    assert (options.run, options.client) == (
        {"list_ids": ["a", "b"], "wait": True},
        {"timeout": 5.0},
    )
    assert options.api_key_env == "SENDGRID_API_KEY"


def test_the_merged_report_numbers_rows_across_partitions() -> None:
    def part(total: int, failed: list[int]) -> BatchReportDict:
        return sg.BatchReport(
            total=total,
            accepted=total - len(failed),
            failed=[sg.RecordFailure(i, "bad") for i in failed],
            requests=1,
        ).to_dict()

    outcomes = [
        TaskOutcome(1, 0, part(5, [0, 4]), None),
        TaskOutcome(0, 1, part(3, [2]), "f0"),
    ]
    summary = summarize("upsert_contacts", "job", outcomes, committed=True)
    report = report_from_dict(summary["report"])
    assert (report.total, report.accepted, report.requests) == (8, 5, 2)
    assert [f.index for f in report.failed] == [2, 3, 7]  # partition 0 first
    assert [(t["partition"], t["offset"]) for t in summary["tasks"]] == [(0, 0), (1, 3)]
    assert merge_reports([dict(part(2, [1]))])["failed"][0]["partition"] == 0


def test_importing_the_spark_module_needs_no_pyspark() -> None:
    code = (
        "import sys; import segment_sendgrid.spark as s; "
        "assert 'pyspark' not in sys.modules; print(s.read_report.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "read_report"
