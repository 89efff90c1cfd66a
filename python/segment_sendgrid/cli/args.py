"""The command line contract: sub-commands, options and exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

# Exit codes.
OK = 0
RECORDS_FAILED = 1
USAGE = 2
AUTH = 3
INTERRUPTED = 130  # Ctrl-C, as shells report 128 + SIGINT

DEFAULT_KEY_ENV = "SENDGRID_API_KEY"

DESCRIPTION = """\
Segment's SendGrid (Actions) destination from a shell: upsert Marketing
Campaigns contacts and send Dynamic Template mail from JSONL, CSV or Parquet
files, with Segment's mappings. The API key is read from SENDGRID_API_KEY (or
the variable named by --api-key-env); it is never an argument and never printed.
"""

EPILOG = """\
exit codes: 0 every record accepted; 1 some records failed (--failed-out holds
them all); 2 usage or configuration error; 3 authentication or permission error;
130 interrupted (Ctrl-C: the summary and --failed-out still cover every record read).
"""


class CliError(Exception):
    """A user error: printed as one line on stderr, never with a traceback."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number (0-65535), got {value}")
    return value


def _add_connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        default="global",
        metavar="global|eu|URL",
        help="SendGrid region or base URL (default: global)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=4,
        metavar="N",
        help="requests in flight at once (default: 4)",
    )
    parser.add_argument(
        "--api-key-env",
        default=DEFAULT_KEY_ENV,
        metavar="NAME",
        help=f"environment variable holding the API key (default: {DEFAULT_KEY_ENV})",
    )


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable summary (on stdout; on stderr with --dry-run)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress display and no hints on stderr"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what the library does on stderr: waits, retries, isolations, import jobs "
        "(-vv: every request too)",
    )


def _add_action(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        metavar="INPUT",
        help="a JSONL file, a CSV file with a header row, a .parquet file, or - for stdin",
    )
    parser.add_argument(
        "--mapping",
        metavar="FILE.json",
        help="a Segment mapping (JSON object), applied over the action's default mapping",
    )
    parser.add_argument(
        "--no-default-mapping",
        action="store_true",
        help="apply --mapping alone, without Segment's default mapping",
    )
    _add_connection(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the exact request bodies that would be sent, one per line; send nothing",
    )
    parser.add_argument(
        "--failed-out",
        metavar="FILE",
        help="write every failed record (line, reason, status, record) to FILE as JSONL",
    )
    _add_output(parser)


def _add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``demo`` command: the main job on a local emulator."""
    demo = commands.add_parser(
        "demo",
        help="the main job on a local emulator: upsert contacts, send template mail",
        description="Starts the SendGrid emulator in this process, upserts generated "
        "contacts with custom fields and a list, sends mail through a dynamic template, "
        "waits for the import job and prints a summary. Nothing leaves this machine "
        "unless --live is given.",
    )
    demo.add_argument("--contacts", type=_count, default=10_000, metavar="N", help="default: 10000")
    demo.add_argument("--mails", type=_count, default=1_000, metavar="N", help="default: 1000")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the generated events")
    demo.add_argument(
        "--live",
        action="store_true",
        help="use the real SendGrid API with the key from the environment "
        "(contacts at example.com; mail only in sandbox mode, with --template-id)",
    )
    demo.add_argument(
        "--template-id", metavar="ID", help="--live: the dynamic template of the mails"
    )
    demo.add_argument(
        "--list-id", action="append", metavar="ID", help="--live: list(s) for the contacts"
    )
    _add_connection(demo)
    _add_output(demo)


def _add_upsert_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``upsert-contacts`` command."""
    upsert = commands.add_parser(
        "upsert-contacts",
        help="upsert Marketing Campaigns contacts from INPUT",
        description="Maps each record with Segment's Upsert Contact mapping and upserts "
        "the contacts in batches of up to 30,000 contacts / 6 MB.",
        epilog=EPILOG,
    )
    _add_action(upsert)
    upsert.add_argument(
        "--list-id",
        action="append",
        metavar="ID",
        help="add the contacts to this list (repeatable)",
    )
    upsert.add_argument(
        "--wait", action="store_true", help="wait until SendGrid has processed the import jobs"
    )


def _add_send_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``send-emails`` command."""
    send = commands.add_parser(
        "send-emails",
        help="send Dynamic Template mail, one per record of INPUT",
        description="Maps each record with Segment's Send Email mapping and sends it "
        "through its dynamic template; records with the same message fields share a request.",
        epilog=EPILOG,
    )
    _add_action(send)
    send.add_argument(
        "--sandbox", action="store_true", help="SendGrid validates the mail but delivers nothing"
    )
    send.add_argument(
        "--no-check-template",
        action="store_true",
        help="do not look the template up before sending",
    )


def _add_sync_list_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``sync-list`` command."""
    sync = commands.add_parser(
        "sync-list",
        help="add, remove or mirror the members of a list from INPUT",
        description="Maps each record with Segment's SendGrid Lists (syncAudience) mapping. "
        "add: every record joins the list; remove: every record leaves it (the contact "
        "stays); mirror: the list ends up holding exactly INPUT's contacts (the others "
        "leave, never more than --max-removals); segment: each record says, as Segment's "
        "audience events do.",
        epilog=EPILOG,
    )
    _add_action(sync)
    target = sync.add_mutually_exclusive_group()
    target.add_argument("--list-id", metavar="ID", help="the list")
    target.add_argument(
        "--list-name", metavar="NAME", help="the list of this exact name (created if missing)"
    )
    sync.add_argument(
        "--no-create-list",
        action="store_true",
        help="with --list-name: fail instead of creating a missing list (remove never creates one)",
    )
    sync.add_argument(
        "--mode", choices=("add", "remove", "mirror", "segment"), default="add",
        help="default: add",
    )  # fmt: skip
    sync.add_argument(
        "--max-removals",
        type=_count,
        metavar="N",
        help="mirror (required): the most members it may remove; more refuses the run "
        "before any change",
    )
    sync.add_argument(
        "--wait", action="store_true", help="wait until SendGrid has processed the import jobs"
    )


def _add_delete_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``delete-contacts`` command."""
    delete = commands.add_parser(
        "delete-contacts",
        help="delete the contacts the records of INPUT name",
        description="Looks every record's contacts up by identifier (email, "
        "phone_number_id, external_id, anonymous_id) and deletes them, never more than "
        "--max-deletes: a run over it is refused before any deletion.",
        epilog=EPILOG,
    )
    _add_action(delete)
    delete.add_argument(
        "--max-deletes", type=_count, required=True, metavar="N",
        help="the most contacts the run may delete",
    )  # fmt: skip
    delete.add_argument("--wait", action="store_true", help="follow the deletion jobs to their end")


def _add_emulator_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``emulator`` command."""
    emulator = commands.add_parser(
        "emulator",
        help="serve the SendGrid emulator until interrupted",
        description="Serves the SendGrid look-alike on 127.0.0.1 and prints its URL and key.",
    )
    emulator.add_argument(
        "--port", type=_port, default=3030, metavar="N", help="default: 3030 (0 = any free)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segment-sendgrid",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from segment_sendgrid import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    _add_demo_command(commands)
    _add_upsert_command(commands)
    _add_send_command(commands)
    _add_sync_list_command(commands)
    _add_delete_command(commands)
    _add_emulator_command(commands)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
