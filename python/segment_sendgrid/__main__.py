"""``python -m segment_sendgrid``: the ``segment-sendgrid`` command."""

from __future__ import annotations

import sys

from segment_sendgrid.cli import main

if __name__ == "__main__":
    sys.exit(main())
