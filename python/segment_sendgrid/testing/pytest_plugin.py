"""pytest plugin (entry point ``pytest11``): the ``fake_sendgrid`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from segment_sendgrid.testing import FakeSendGrid


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A started ``FakeSendGrid`` with the default key and every scope,
    fresh for each test and stopped afterwards."""
    with FakeSendGrid() as fake:
        yield fake
