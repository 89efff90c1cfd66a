"""The ``sendgrid`` data source's options: parsed and checked once, on the driver.

Spark hands a data source its options as strings (``.option("wait", True)`` arrives as
``"true"``). Every option is parsed here into the arguments of ``Client`` and of the action,
so a typo or a bad value fails the write before any task starts, with the option's name.
Unknown options are refused rather than ignored: a misspelt ``list_id`` would otherwise
upsert contacts without their list.

The API key is never an option: Spark shows options in query plans, the SQL tab of its UI
and event logs. Executors read it from an environment variable or a file (see ``_task``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from segment_sendgrid._native import Client
from segment_sendgrid._native import Mapping as CompiledMapping
from segment_sendgrid.errors import ConfigError

__all__ = ["ACTIONS", "WriteOptions", "parse_options"]

Action = Literal["upsert_contacts", "send_dynamic_templates"]
ACTIONS: tuple[Action, ...] = ("upsert_contacts", "send_dynamic_templates")

# Names under which a user might try to pass the key; each is refused with the way to do it.
_KEY_NAMES = frozenset({"api_key", "apikey", "api-key", "key", "sendgrid_api_key", "password"})


def _text(name: str, value: str) -> str:
    return value


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ConfigError(f"option {name}: expected true or false, got {value!r}")


def _integer(name: str, value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ConfigError(f"option {name}: expected a whole number, got {value!r}") from None


def _number(name: str, value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise ConfigError(f"option {name}: expected a number of seconds, got {value!r}") from None


def _json_object(name: str, value: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigError(f"option {name}: not JSON ({error})") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"option {name}: expected a JSON object (a Segment mapping)")
    return parsed


def _ids(name: str, value: str) -> list[str]:
    """A JSON array of strings, or comma-separated ids."""
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"option {name}: not a JSON array ({error})") from None
        if not all(isinstance(item, str) for item in parsed):
            raise ConfigError(f"option {name}: expected a JSON array of strings")
        return list(parsed)
    return [item.strip() for item in text.split(",") if item.strip()]


def _path(name: str, value: str) -> str:
    """A URI (``s3://…``, ``file://…``) as given; a plain path made absolute here, on the
    driver, so every executor writes to the same place."""
    text = value.strip()
    if not text:
        raise ConfigError(f"option {name}: empty path")
    return text if "://" in text else os.path.abspath(text)


Parser = Callable[[str, str], Any]

# option -> (parser, where it goes, the actions it applies to)
_CLIENT: dict[str, Parser] = {
    "endpoint": _text,
    "timeout": _number,
    "max_retries": _integer,
    "max_concurrency": _integer,
    "max_rate_limit_wait": _number,
    "user_agent": _text,
    "allow_insecure_http": _flag,
}
_RUN: dict[str, tuple[Parser, tuple[Action, ...]]] = {
    "mapping": (_json_object, ACTIONS),
    "use_default_mapping": (_flag, ACTIONS),
    "dry_run": (_flag, ACTIONS),
    "list_ids": (_ids, ("upsert_contacts",)),
    "wait": (_flag, ("upsert_contacts",)),
    "wait_timeout": (_number, ("upsert_contacts",)),
    "sandbox": (_flag, ("send_dynamic_templates",)),
    "check_template": (_flag, ("send_dynamic_templates",)),
    "merge": (_flag, ("send_dynamic_templates",)),
    "retry_ambiguous": (_flag, ("send_dynamic_templates",)),
}
_OWN = ("action", "api_key_env", "api_key_file", "failed_path", "summary_path")
_OWN_FLAGS = ("resend_on_task_retry",)


@dataclass(frozen=True)
class WriteOptions:
    """What a write does, as the driver parsed it (pickled to every task; no key inside)."""

    action: Action
    client: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    api_key_env: str = "SENDGRID_API_KEY"
    api_key_file: str | None = None
    failed_path: str | None = None
    summary_path: str | None = None
    resend_on_task_retry: bool = False


def _known() -> list[str]:
    return sorted([*_CLIENT, *_RUN, *_OWN, *_OWN_FLAGS])


def parse_options(options: Mapping[str, str]) -> WriteOptions:
    """Parses and checks the options (keys in any case, as Spark allows).

    Raises:
        ConfigError: A missing or unknown action, an unknown option, an option of the other
            action, a value of the wrong form, or a client setting out of range; the message
            names the option (never a value of a key-like option).
        MappingError: ``mapping`` does not compile.
    """
    given = {str(key).lower(): str(value) for key, value in options.items()}
    for name in given:
        if name in _KEY_NAMES:
            raise ConfigError(
                f"option {name} is refused: Spark shows options in query plans, its UI and "
                "event logs. The executors read the key from the environment variable named "
                "by the option api_key_env (default SENDGRID_API_KEY) or from the file named "
                "by the option api_key_file."
            )
        if name not in _CLIENT and name not in _RUN and name not in _OWN + _OWN_FLAGS:
            raise ConfigError(
                f"unknown option {name} for format sendgrid; known: {', '.join(_known())}"
            )
    action = given.get("action", "").strip()
    if action not in ACTIONS:
        raise ConfigError(f"option action: expected one of {', '.join(ACTIONS)}, got {action!r}")
    client = {name: parse(name, given[name]) for name, parse in _CLIENT.items() if name in given}
    run: dict[str, Any] = {}
    for name, (parse, actions) in _RUN.items():
        if name in given:
            if action not in actions:
                raise ConfigError(f"option {name} does not apply to action {action}")
            run[name] = parse(name, given[name])
    if "mapping" in run:
        CompiledMapping(run["mapping"])  # a mapping that cannot compile fails here, once
    # The client checks the endpoint and the numbers the same way everywhere; the key
    # here only lets it build (nothing is sent).
    Client("SG.options-check", **client)
    key_file = given.get("api_key_file")
    return WriteOptions(
        action=action,
        client=client,
        run=run,
        api_key_env=given.get("api_key_env", "SENDGRID_API_KEY").strip() or "SENDGRID_API_KEY",
        api_key_file=None if key_file is None else _path("api_key_file", key_file),
        failed_path=_optional_path(given, "failed_path"),
        summary_path=_optional_path(given, "summary_path"),
        resend_on_task_retry=_flag(
            "resend_on_task_retry", given.get("resend_on_task_retry", "false")
        ),
    )


def _optional_path(given: Mapping[str, str], name: str) -> str | None:
    return _path(name, given[name]) if name in given else None
