"""Access to the conformance vectors kept in the repository (``tests/data/conformance``,
see its ``SOURCE.md``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CONFORMANCE = Path(__file__).resolve().parent / "data" / "conformance"


def _read(path: Path) -> Any:
    """Parses one vectors file; a missing file fails loudly (never skips)."""
    if not path.exists():
        raise FileNotFoundError(f"conformance vectors not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def load(name: str) -> Any:
    """One vectors file of ``tests/data/conformance``."""
    return _read(CONFORMANCE / name)


def same_json(got: Any, expected: Any) -> bool:
    """Equal as JSON values, with object keys in the same order."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and list(got) == list(expected)
            and all(same_json(got[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(same_json(g, e) for g, e in zip(got, expected, strict=False))
        )
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    return bool(got == expected)
