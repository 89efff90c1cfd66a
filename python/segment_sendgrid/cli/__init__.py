"""The ``segment-sendgrid`` command (also ``python -m segment_sendgrid``).

``main(argv)`` returns the exit code: 0 every record accepted, 1 some records
failed, 2 usage or configuration error, 3 authentication or permission error,
130 interrupted (Ctrl-C).
User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from segment_sendgrid.cli.args import AUTH, INTERRUPTED, CliError, parse

__all__ = ["main"]


def _log_to_stderr(verbose: int) -> None:
    """``-v``: the ``segment_sendgrid`` loggers at INFO on stderr; ``-vv``: DEBUG."""
    if not verbose:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("segment_sendgrid")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    _log_to_stderr(getattr(args, "verbose", 0))
    try:
        if args.command == "demo":
            from segment_sendgrid.cli.demo import run_demo

            return run_demo(args)
        if args.command == "emulator":
            from segment_sendgrid.cli.commands import run_emulator

            return run_emulator(args)
        from segment_sendgrid.cli.commands import run_action

        return run_action(args)
    except CliError as error:
        print(f"segment-sendgrid: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        # Outside a batch (a batch interrupted reports itself, see run_action).
        print("segment-sendgrid: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours.
        return 0
    except Exception as error:  # an authentication error outside a batch, etc.
        from segment_sendgrid import AuthenticationError, ForbiddenError

        if isinstance(error, (AuthenticationError, ForbiddenError)):
            print(f"segment-sendgrid: error: {error}", file=sys.stderr)
            return AUTH
        raise
