"""A one-line progress display on stderr: records read, rate, failures.

Shown only when stderr is a terminal and ``--quiet`` is not given; redrawn at
most every ``interval`` seconds, so it costs nothing per record.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float = 0.2,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self.stream)
        self.label = label
        self.interval = interval
        self.started = time.monotonic()
        self.records = 0
        self.failures = 0
        # The first record draws at once: a fast run still shows it was working.
        self._next_draw = self.started
        self._width = 0

    def record(self) -> None:
        """One more record read (and, reading being paced by sending, sent)."""
        self.records += 1
        if self.enabled and time.monotonic() >= self._next_draw:
            self.draw()

    def failure(self) -> None:
        self.failures += 1
        if self.enabled:
            self.draw()

    def draw(self) -> None:
        now = time.monotonic()
        self._next_draw = now + self.interval
        elapsed = max(now - self.started, 1e-9)
        text = (
            f"{self.label}: {self.records:,} records, {self.records / elapsed:,.0f}/s, "
            f"{self.failures:,} failed"
        )
        self._write("\r" + text.ljust(self._width))
        self._width = len(text)

    def message(self, text: str) -> None:
        """A line of its own (a bad input line), keeping the display below it."""
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
