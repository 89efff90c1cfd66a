"""The sub-commands ``upsert-contacts``, ``send-emails``, ``sync-list``,
``delete-contacts`` and ``emulator``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from segment_sendgrid.cli.args import (
    AUTH,
    DEFAULT_KEY_ENV,
    INTERRUPTED,
    OK,
    RECORDS_FAILED,
    USAGE,
    CliError,
)
from segment_sendgrid.cli.inputs import BadLine, ParquetSource, RecordSource, is_parquet
from segment_sendgrid.cli.output import (
    JSON_FAILURES,
    BodyWriter,
    DeadLetter,
    Failure,
    Summary,
    emit,
    failures,
)
from segment_sendgrid.cli.progress import Progress

# Bad input lines are reported one by one up to this many, then counted.
REPORTED_BAD_LINES = 20


def api_key(env_name: str) -> str:
    key = os.environ.get(env_name, "")
    if not key.strip():
        hint = " (or name another one with --api-key-env)" if env_name == DEFAULT_KEY_ENV else ""
        raise CliError(f"no API key: set the environment variable {env_name}{hint}")
    return key


def load_mapping(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            mapping = json.load(file)
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(mapping, dict):
        raise CliError(f"{path}: a mapping must be a JSON object, got {type(mapping).__name__}")
    return mapping


def make_client(args: argparse.Namespace, key: str) -> Any:
    from segment_sendgrid import Client, ConfigError

    try:
        return Client(api_key=key, endpoint=args.endpoint, max_concurrency=args.concurrency)
    except ConfigError as error:
        raise CliError(str(error)) from None


def run_action(args: argparse.Namespace) -> int:
    """upsert-contacts / send-emails: read INPUT, run the batch, report."""
    from segment_sendgrid import ConfigError, MappingError

    key = api_key(args.api_key_env)
    mapping = load_mapping(args.mapping)
    if args.no_default_mapping and mapping is None:
        raise CliError("--no-default-mapping needs --mapping FILE.json")
    client = make_client(args, key)
    dead = DeadLetter(args.failed_out)
    progress = Progress(args.command, quiet=args.quiet)
    source_name = "<stdin>" if args.input == "-" else args.input
    on_bad = _bad_line_reporter(progress, source_name)
    source: RecordSource | ParquetSource
    try:
        if is_parquet(args.input):
            source = ParquetSource(args.input)
        else:
            source = RecordSource(args.input, on_bad=on_bad, on_record=progress.record)
    except CliError:
        dead.close()
        raise
    started = time.monotonic()
    bodies = BodyWriter()
    try:
        report, error, code = _run_batch(client, args, source, mapping, bodies)
    except (MappingError, ConfigError) as exc:
        progress.clear()
        source.close()
        dead.close()
        if isinstance(source, ParquetSource) and _of_the_table(exc):
            raise CliError(_table_message(source, exc)) from None
        where = f"{args.mapping}: " if args.mapping and isinstance(exc, MappingError) else ""
        raise CliError(f"{where}{exc}") from None
    progress.clear()
    if isinstance(source, ParquetSource):
        # The library read the rows: the report says how many.
        source.read = report.total if report is not None else 0
    if error is not None and code == RECORDS_FAILED:
        # Read the rest so that every line is accounted for below.
        for _ in source:
            pass
    summary = _summary(args, source, report, error, time.monotonic() - started)
    summary.request_bodies = bodies.written
    failed = list(report.failed) if report is not None else []
    with_lines = _collect(source, failed + _stopped(report, source, error), dead, summary, on_bad)
    summary.records = source.read + len(source.bad)
    summary.failed = with_lines
    source.close()
    dead.close()
    return _conclude(args, summary, report, error, code)


def _bad_line_reporter(progress: Progress, source_name: str) -> Callable[[BadLine], None]:
    """Counts bad input lines; says the first few, then that there are more."""
    reported = [0]

    def on_bad(bad: BadLine) -> None:
        progress.failures += 1
        reported[0] += 1
        if reported[0] <= REPORTED_BAD_LINES:
            progress.message(f"{source_name}: line {bad.line}: {bad.reason}")
        elif reported[0] == REPORTED_BAD_LINES + 1:
            progress.message(f"{source_name}: more bad lines (all go to the failed records)")

    return on_bad


def _of_the_table(error: BaseException) -> bool:
    """Whether a MappingError is about a Parquet file's columns (not the mapping)."""
    from segment_sendgrid import MappingError

    return isinstance(error, MappingError) and str(error).startswith("table")


def _table_message(source: ParquetSource, error: BaseException) -> str:
    """``FILE: column "x" is Binary, …`` for the library's ``table column "x" is …``."""
    text = str(error)
    for prefix in ("table: ", "table "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return f"{source.name}: {text}"


def _run_batch(
    client: Any,
    args: argparse.Namespace,
    source: RecordSource | ParquetSource,
    mapping: dict[str, Any] | None,
    bodies: BodyWriter,
) -> tuple[Any, BaseException | None, int]:
    """Runs the command's batch: (report, the error that stopped it, exit code).
    A mapping or configuration error propagates: nothing was sent."""
    from segment_sendgrid import (
        AuthenticationError,
        ConfigError,
        ForbiddenError,
        LimitExceededError,
        MappingError,
        SendGridError,
    )

    common: dict[str, Any] = {
        "mapping": mapping,
        "use_default_mapping": not args.no_default_mapping,
        "dry_run": args.dry_run,
    }
    guarded = args.command in ("sync-list", "delete-contacts")
    if args.dry_run and not guarded:
        # Printed as they are made: a dry run of any size holds one body at a time.
        common["on_request_body"] = bodies
    events = source.events() if isinstance(source, ParquetSource) else source
    try:
        if guarded:
            report = _run_lists(client, args, events, common)
            for body in report.request_bodies:
                bodies(body)
        elif args.command == "upsert-contacts":
            report = client.upsert_contacts(
                events, list_ids=args.list_id or None, wait=args.wait, **common
            )
        else:
            report = client.send_dynamic_templates(
                events,
                sandbox=args.sandbox,
                check_template=not args.no_check_template,
                **common,
            )
        return report, None, OK
    except (MappingError, ConfigError) as exc:
        # SendGridErrors too, but the caller's to turn into a usage error;
        # unless a Parquet file's column went wrong after rows were sent.
        stopped = getattr(exc, "report", None)
        if stopped is None or not isinstance(source, ParquetSource) or not _of_the_table(exc):
            raise
        return stopped, CliError(_table_message(source, exc)), USAGE
    except (CliError, LimitExceededError) as exc:
        # The input could not be read further (raised by RecordSource), or the
        # guard refused the run before any change (nothing was sent).
        error: BaseException = exc
        code = USAGE
    except (AuthenticationError, ForbiddenError) as exc:
        error, code = exc, AUTH
    except SendGridError as exc:
        # A problem of the whole run (e.g. the field definitions could not be
        # fetched): what was read is in exc.report; the rest is read after.
        error, code = exc, RECORDS_FAILED
    except RuntimeError as exc:
        # A Parquet file that could not be read further (a corrupt row group):
        # what was read is in exc.report.
        if not isinstance(source, ParquetSource):
            raise
        return getattr(exc, "report", None), CliError(f"{source.name}: {exc}"), USAGE
    except KeyboardInterrupt as exc:
        # Ctrl-C: the run started no request after it and waited for those in
        # flight; exc.report says what became of every record read (the rest
        # of the input is not read).
        error, code = exc, INTERRUPTED
    return getattr(error, "report", None), error, code


def _run_lists(client: Any, args: argparse.Namespace, events: Any, common: dict[str, Any]) -> Any:
    """sync-list / delete-contacts: their bodies (DELETE lines) come with the report."""
    if args.command == "delete-contacts":
        return client.delete_contacts(
            events, max_deletes=args.max_deletes, wait=args.wait, **common
        )
    return client.sync_list(
        events,
        list_id=args.list_id,
        list_name=args.list_name,
        create_list=not args.no_create_list,
        mode=args.mode,
        max_removals=args.max_removals,
        wait=args.wait,
        **common,
    )


def _summary(
    args: argparse.Namespace,
    source: RecordSource | ParquetSource,
    report: Any,
    error: BaseException | None,
    seconds: float,
) -> Summary:
    """The run's summary, with the report's figures when there is one."""
    summary = Summary(
        command=args.command,
        input=source.name,
        dry_run=args.dry_run,
        failed_out=args.failed_out,
        seconds=seconds,
        bad_lines=len(source.bad),
        error=_describe(error),
    )
    if report is not None:
        summary.accepted = report.accepted
        summary.requests = report.requests
        summary.retries = report.retries
        summary.job_ids = list(report.job_ids)
        summary.imports = [job.to_dict() for job in report.imports]
        summary.message_ids = sum(1 for m in report.message_ids if m is not None)
        summary.removed = report.removed
        summary.not_removed = report.not_removed
        summary.deleted = report.deleted
    return summary


def _stopped(
    report: Any, source: RecordSource | ParquetSource, error: BaseException | None
) -> list[Any]:
    """Records read after the run stopped: they were never sent."""
    settled = report.total if report is not None else 0
    return [
        _Unsent(index, f"not sent: the run stopped ({type(error).__name__})")
        for index in range(settled, source.read)
    ]


def _conclude(
    args: argparse.Namespace,
    summary: Summary,
    report: Any,
    error: BaseException | None,
    code: int,
) -> int:
    """Writes the summary; the exit code."""
    emit(summary, as_json=args.json, to_stderr=args.dry_run)
    if code == INTERRUPTED:
        print("segment-sendgrid: interrupted", file=sys.stderr)
        return code
    if error is not None:
        print(f"segment-sendgrid: error: {error}", file=sys.stderr)
        return code
    return RECORDS_FAILED if summary.failed or summary.not_removed else OK


def _describe(error: BaseException | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return f"{type(error).__name__}: {error}"


class _Unsent:
    """A record read after the run stopped, shaped like a RecordFailure."""

    def __init__(self, index: int, reason: str) -> None:
        self.index = index
        self.reason = reason
        self.status_code = None
        self.outcome = "not_sent"
        self.field = None
        self.retryable = True


def _collect(
    source: RecordSource | ParquetSource,
    failed: list[Any],
    dead: DeadLetter,
    summary: Summary,
    on_bad: Callable[[BadLine], None],
) -> int:
    """Writes every failure to the dead-letter file; keeps a few for the summary;
    reports the lines the library could not read as events (known only now)."""
    count = 0
    shown: list[Failure] = []
    reported = {bad.line for bad in source.bad}
    summary.bad_lines = 0
    for failure in failures(source, failed):
        dead.write(failure)
        if failure.unreadable:
            summary.bad_lines += 1
            if failure.line not in reported:
                on_bad(BadLine(failure.line, failure.reason, failure.raw))
        if len(shown) < JSON_FAILURES:
            shown.append(failure)
        count += 1
    summary.shown = shown
    return count


def run_emulator(args: argparse.Namespace) -> int:
    from segment_sendgrid.testing.__main__ import main as serve

    return serve(["--port", str(args.port)])
