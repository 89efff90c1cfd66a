"""A SendGrid look-alike for tests, demos and benchmarks.

``FakeSendGrid`` serves SendGrid's contacts, mail-send and lookup endpoints
from Rust on 127.0.0.1, inside this process (no subprocess, no Python in the
request path), with SendGrid's status codes, error bodies, limits and
rate-limit headers::

    from segment_sendgrid.testing import FakeSendGrid

    with FakeSendGrid(import_delay_ms=50) as fake:
        field_id = fake.add_custom_field("plan", "Text")
        template = fake.add_template("Welcome")
        client = fake.client(max_retries=2)
        ...
        assert fake.contacts()[0]["custom_fields"][field_id] == "pro"

Faults: ``fail_next(path, status, count, body, after_processing)``,
``drop_next(path, count)``, ``set_latency(ms)`` and
``set_rate_limit(limit, window_s, path)``. ``set_download_base(base)`` points
download links (import-job ``errors_url``, contact-export ``urls``) at another
origin; ``set_export_file_bytes(size)`` splits contact export files at ``size``
bytes. With pytest, the ``fake_sendgrid`` fixture gives a started emulator (the
plugin is registered on install).
From a shell: ``python -m segment_sendgrid.testing --port 3030``.

It serves only in the process that started it: in a process forked from that
one it is not running, and its methods raise ``RuntimeError`` saying so (to test
forked workers, serve it from another process, e.g. the command above).
"""

from __future__ import annotations

from segment_sendgrid._native import FakeSendGrid

__all__ = ["FakeSendGrid"]
