"""What the stubs promise, the running library honours.

stubtest checks names, arguments and defaults of ``_native.pyi`` against the extension;
it cannot see return values. These tests pin the rest: the ``Literal`` types equal the
values the library produces or accepts, each ``to_dict()`` has exactly the keys and value
types of its ``TypedDict``, ``FakeSendGrid.__exit__`` returns what its stub says, the
module-level shortcuts take events as the client does, and every public class and
method of the stub has a docstring.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import functools
import pathlib
import re
import types
import typing
from typing import Any, Literal, get_args, get_origin, get_type_hints

import pytest

import segment_sendgrid as sg
from segment_sendgrid import _native
from segment_sendgrid import types as sg_types
from segment_sendgrid.testing import FakeSendGrid
from segment_sendgrid.types import (
    ActionName,
    ArrowArrayExportable,
    ArrowStreamExportable,
    BatchReportDict,
    Event,
    Events,
    ImportJobDict,
    Outcome,
    RecordFailureDict,
    Table,
)

STUB = pathlib.Path(_native.__file__).with_name("_native.pyi")


@functools.cache
def stub_tree() -> ast.Module:
    """The installed stub, parsed."""
    return ast.parse(STUB.read_text(encoding="utf-8"))


def stub_def(owner: str | None, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The stub's definition of ``owner.name`` (``owner=None``: a module-level function)."""
    body: list[ast.stmt] = stub_tree().body
    if owner is not None:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == owner).body
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    raise AssertionError(f"{owner}.{name} is not in {STUB}")


def stub_return(owner: str | None, name: str) -> str:
    returns = stub_def(owner, name).returns
    assert returns is not None, f"{owner}.{name} has no return annotation"
    return ast.unparse(returns)


def stub_parameter(owner: str | None, name: str, parameter: str) -> str:
    arguments = stub_def(owner, name).args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if arg.arg == parameter:
            assert arg.annotation is not None
            return ast.unparse(arg.annotation)
    raise AssertionError(f"{owner}.{name} has no parameter {parameter}")


def evaluate(annotation: str) -> Any:
    """An annotation of the stub as a run-time typing object."""
    namespace = {**vars(typing), **vars(sg_types), "Mapping_": collections.abc.Mapping}
    return eval(annotation, namespace)


def conforms(value: object, hint: Any) -> bool:
    """Whether ``value`` has type ``hint`` (the types the stubs' ``TypedDict`` use)."""
    origin = get_origin(hint)
    if hint is None or hint is type(None):
        return value is None
    if origin is Literal:
        return any(type(value) is type(a) and value == a for a in get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, option) for option in get_args(hint))
    if origin is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    if typing.is_typeddict(hint):
        fields = get_type_hints(hint)
        return (
            type(value) is dict
            and set(value) == set(fields)
            and all(conforms(value[key], fields[key]) for key in fields)
        )
    if hint in (int, str, bool, float):
        return type(value) is hint  # an int is not a bool, nor a bool an int
    raise AssertionError(f"conforms() does not handle {hint!r}")


# --- RecordFailure.outcome: the Literal is the set the library produces ----------------


def outcome_failures(fake: FakeSendGrid) -> list[sg.RecordFailure]:
    """One failure of each outcome, from real sends to the emulator (no retries)."""
    client = fake.client(max_retries=0)
    mapping = {"from": {"email": "shop@example.com"}, "template_id": fake.add_template("T")}
    event = {"properties": {"email": "ada@example.com"}}
    failures: list[sg.RecordFailure] = []
    # invalid: not an event; rejected: a 400 for the request of the valid one.
    not_an_event: Any = 42
    fake.fail_next("/v3/mail/send", status=400)
    failures += client.send_dynamic_templates([event, not_an_event], mapping=mapping).failed
    fake.fail_next("/v3/mail/send", status=500)  # unknown: a mail may have been sent
    failures += client.send_dynamic_templates([event], mapping=mapping).failed
    fake.fail_next("/v3/mail/send", status=429)  # not_sent: refused before processing
    failures += client.send_dynamic_templates([event], mapping=mapping).failed
    return failures


def test_the_outcome_literal_is_the_set_of_outcomes_produced(
    fake_sendgrid: FakeSendGrid,
) -> None:
    produced = {failure.outcome for failure in outcome_failures(fake_sendgrid)}
    assert produced == set(get_args(Outcome))


def test_record_failure_outcome_is_typed_with_the_literal() -> None:
    assert stub_return("RecordFailure", "outcome") == "Outcome"
    assert stub_parameter("RecordFailure", "__new__", "outcome") == "Outcome"
    assert sg.RecordFailure(0, "r").outcome in get_args(Outcome)


# --- to_dict(): exactly the TypedDict's keys and value types --------------------------


@pytest.mark.parametrize(
    ("owner", "typed_dict"),
    [
        ("RecordFailure", RecordFailureDict),
        ("ImportJob", ImportJobDict),
        ("BatchReport", BatchReportDict),
    ],
)
def test_to_dict_is_annotated_with_its_typed_dict(owner: str, typed_dict: type) -> None:
    assert evaluate(stub_return(owner, "to_dict")) is typed_dict
    assert typed_dict.__total__


def test_a_send_report_to_dict_matches_its_typed_dict(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client(max_retries=0)
    template = fake_sendgrid.add_template("T")
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    fake_sendgrid.fail_next("/v3/mail/send", status=500)
    report = client.send_dynamic_templates(
        [{"properties": {"email": "a@example.com"}}, "[1]"], mapping=mapping
    )
    assert len(report.failed) == 2
    assert report.message_ids == [None, None]
    data = report.to_dict()
    assert set(data) == BatchReportDict.__required_keys__
    assert conforms(data, BatchReportDict), data
    for failure in report.failed:
        assert set(failure.to_dict()) == RecordFailureDict.__required_keys__
        assert conforms(failure.to_dict(), RecordFailureDict), failure


def test_an_upsert_report_to_dict_matches_its_typed_dict(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client()
    events = [{"traits": {"email": "a@example.com"}}, {"traits": {"first_name": "no id"}}]
    report = client.upsert_contacts(events, wait=True)
    assert len(report.imports) == 1
    assert len(report.failed) == 1
    data = report.to_dict()
    assert conforms(data, BatchReportDict), data
    job = report.imports[0].to_dict()
    assert set(job) == ImportJobDict.__required_keys__
    assert conforms(job, ImportJobDict), job


def test_hand_built_values_to_dict_match_their_typed_dicts() -> None:
    failure = sg.RecordFailure(3, "bad", 400, "email", "rejected", False)
    job = sg.ImportJob("j", "errored", 2, 1, 0, 1, "http://127.0.0.1/errors.json")
    report = sg.BatchReport(4, 3, [failure], ["j"], [], 1, 0, [job], [])
    assert conforms(failure.to_dict(), RecordFailureDict)
    assert conforms(job.to_dict(), ImportJobDict)
    assert conforms(report.to_dict(), BatchReportDict)


def test_results_without_to_dict_are_not_promised_one() -> None:
    for owner, result in [
        ("UpsertResult", sg.UpsertResult("j", 202)),
        ("SendResult", sg.SendResult(None, 200)),
    ]:
        assert not hasattr(result, "to_dict")
        with pytest.raises(AssertionError):
            stub_def(owner, "to_dict")


# --- default_mapping's action: the Literal is the set the library accepts -------------


def test_every_action_name_has_a_default_mapping() -> None:
    for action in get_args(ActionName):
        assert isinstance(sg.default_mapping(action), dict), action
    assert sg.default_mapping("updateUserProfile") == sg.default_mapping("upsert_contact")
    assert sg.default_mapping("sendEmail") == sg.default_mapping("send_dynamic_template")


def test_the_action_literal_is_the_set_the_library_names() -> None:
    with pytest.raises(sg.ConfigError) as caught:
        sg.default_mapping("nope")
    listed = str(caught.value).split(" are ", 1)[1]
    assert set(re.findall(r"[A-Za-z_]+", listed)) == set(get_args(ActionName))
    assert stub_parameter(None, "default_mapping", "action") == "ActionName | str"


# --- FakeSendGrid.__exit__ -------------------------------------------------------------


def test_fake_sendgrid_exit_returns_what_its_stub_says() -> None:
    promised = evaluate(stub_return("FakeSendGrid", "__exit__"))
    assert promised == Literal[False]
    never_started = FakeSendGrid()
    assert conforms(never_started.__exit__(None, None, None), promised)
    fake = FakeSendGrid().start()
    error = KeyError("x")
    assert conforms(fake.__exit__(KeyError, error, None), promised)
    assert not fake.running


def test_fake_sendgrid_never_swallows_an_exception() -> None:
    with pytest.raises(KeyError), FakeSendGrid():
        raise KeyError("x")


# --- events: a mapping or its JSON text, for the client and the shortcuts ------------


def test_every_action_method_takes_the_event_type() -> None:
    for owner in ("Client", "AsyncClient"):
        for method in ("upsert_contact", "send_dynamic_template"):
            assert stub_parameter(owner, method, "event") == "Event"
        for method in ("upsert_contacts", "send_dynamic_templates"):
            assert stub_parameter(owner, method, "events") == "Events"
    for shortcut in (sg.upsert_contact, sg.send_dynamic_template):
        assert get_type_hints(shortcut)["event"] == Event
    assert set(get_args(Event)) >= {str, bytes}
    # The batch methods take an iterable of events or a table (the PyCapsule protocols).
    assert set(get_args(Events)) == {collections.abc.Iterable[Event], *get_args(Table)}
    assert set(get_args(Table)) == {ArrowStreamExportable, ArrowArrayExportable}


@pytest.mark.parametrize("as_text", [str, lambda text: text.encode()])
def test_the_shortcuts_take_json_text_as_the_client_does(
    fake_sendgrid: FakeSendGrid, as_text: Any
) -> None:
    key, url = fake_sendgrid.api_key, fake_sendgrid.url
    contact = as_text('{"traits": {"email": "ada@example.com"}}')
    assert sg.upsert_contact(contact, api_key=key, endpoint=url).status_code == 202
    assert fake_sendgrid.client().upsert_contact(contact).status_code == 202
    mapping = {
        "from": {"email": "shop@example.com"},
        "template_id": fake_sendgrid.add_template("T"),
    }
    mail = as_text('{"properties": {"email": "ada@example.com"}}')
    assert sg.send_dynamic_template(mail, mapping=mapping, api_key=key, endpoint=url).message_id
    assert [c["email"] for c in fake_sendgrid.contacts()] == ["ada@example.com"]
    assert len(fake_sendgrid.messages()) == 1


def test_a_shortcut_refuses_text_that_is_not_an_object(fake_sendgrid: FakeSendGrid) -> None:
    key, url = fake_sendgrid.api_key, fake_sendgrid.url
    with pytest.raises(sg.PayloadValidationError, match="expected a JSON object"):
        sg.upsert_contact("[1]", api_key=key, endpoint=url)


# --- docstrings ------------------------------------------------------------------------


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def public_definitions() -> list[tuple[str, Definition]]:
    """Every class, method and function of the stub that users can call."""
    found: list[tuple[str, Definition]] = []
    for node in stub_tree().body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found.append((node.name, node))
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    private = member.name.startswith("_") and not member.name.endswith("__")
                    if not private:
                        found.append((f"{node.name}.{member.name}", member))
    return found


def test_every_public_class_and_method_of_the_stub_has_a_docstring() -> None:
    definitions = public_definitions()
    assert len(definitions) > 100
    undocumented = [name for name, node in definitions if not ast.get_docstring(node)]
    assert undocumented == []


def test_documented_raises_name_real_exceptions() -> None:
    names = set()
    for _, node in public_definitions():
        doc = ast.get_docstring(node) or ""
        section = doc.split("Raises:", 1)[1] if "Raises:" in doc else ""
        names |= set(re.findall(r"^\s{4}([A-Z]\w+(?:, [A-Z]\w+)*):", section, re.MULTILINE))
    classes = {name for group in names for name in group.split(", ")}
    assert {"ConfigError", "TypeError", "ValueError"} <= classes
    for name in classes:
        exception = getattr(sg, name, None) or getattr(builtins, name, None)
        assert isinstance(exception, type), name
        assert issubclass(exception, BaseException), name
