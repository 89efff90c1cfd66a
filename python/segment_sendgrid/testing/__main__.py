"""``python -m segment_sendgrid.testing``: serve a FakeSendGrid until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from segment_sendgrid.testing import FakeSendGrid


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m segment_sendgrid.testing",
        description="Serve a SendGrid look-alike on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=int, default=3030, help="port (0 = any free port)")
    parser.add_argument("--api-key", default="SG.fake-key", help="the key it accepts")
    parser.add_argument(
        "--scopes",
        default=None,
        help="comma-separated scopes of the key (default: every scope)",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before each answer")
    parser.add_argument(
        "--import-delay-ms", type=int, default=0, help="how long import jobs stay pending"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scopes = None if args.scopes is None else [s for s in args.scopes.split(",") if s]
    stop = threading.Event()
    # SIGTERM stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        fake = FakeSendGrid(
            api_key=args.api_key,
            scopes=scopes,
            port=args.port,
            latency_ms=args.latency_ms,
            import_delay_ms=args.import_delay_ms,
        )
        fake.start()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        # Inside the try: a Ctrl-C right after the URL is printed still stops cleanly.
        print(f"FakeSendGrid serving at {fake.url}", flush=True)
        print(f"API key: {fake.api_key}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
