"""Exit codes, bad input (file and line named, good records still processed,
bad lines in the dead-letter file), and the key never in any output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import KEY, WRONG_KEY, Run, cli, write_jsonl

from segment_sendgrid.testing import FakeSendGrid


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        yield emulator


def people(tmp_path: Path, count: int = 3) -> Path:
    lines = [{"traits": {"email": f"p{i}@example.com"}} for i in range(count)]
    return write_jsonl(tmp_path / "people.jsonl", list(lines))


def assert_clean(run: Run) -> None:
    """No traceback and no key, ever."""
    for stream in (run.stdout, run.stderr):
        assert b"Traceback" not in stream
        assert KEY.encode() not in stream
        assert WRONG_KEY.encode() not in stream
        assert b"SECRET" not in stream
        assert b"WRONG-98" not in stream


def test_exit_0_when_every_record_is_accepted(fake: FakeSendGrid, tmp_path: Path) -> None:
    run = cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url)
    assert run.code == 0, run.err
    assert_clean(run)


def test_exit_1_when_some_records_fail(fake: FakeSendGrid, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"traits": {"email": "a@example.com"}}, {}])
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url)
    assert run.code == 1
    assert "line 2" in run.out
    assert_clean(run)


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (["--endpoint", "ftp://nowhere"], {}, "endpoint"),
        (["--mapping", "/nonexistent/mapping.json"], {}, "/nonexistent/mapping.json"),
        (["--concurrency", "0"], {}, "--concurrency"),
        (["--api-key-env", "MY_EMPTY_KEY"], {"MY_EMPTY_KEY": ""}, "MY_EMPTY_KEY"),
        (["--no-default-mapping"], {}, "--mapping"),
        (["--bogus"], {}, "unrecognized"),
    ],
)
def test_exit_2_for_usage_and_configuration_errors(
    fake: FakeSendGrid, tmp_path: Path, extra: list[str], env: dict[str, str], message: str
) -> None:
    run = cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, *extra, env=env)
    assert run.code == 2, run.err
    assert message in run.err
    assert fake.contacts() == []
    assert_clean(run)


def test_exit_2_without_a_key_or_with_a_bad_mapping(fake: FakeSendGrid, tmp_path: Path) -> None:
    run = cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, key=None)
    assert run.code == 2
    assert "SENDGRID_API_KEY" in run.err
    bad = tmp_path / "bad.json"
    bad.write_text('{"first_name": {"@path": 1}}')
    run = cli(
        "upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, "--mapping", str(bad)
    )
    assert run.code == 2
    assert str(bad) in run.err
    bad.write_text("[1, 2")
    run = cli(
        "upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, "--mapping", str(bad)
    )
    assert run.code == 2
    assert "not valid JSON" in run.err
    assert_clean(run)
    assert cli().code == 2  # no command


def test_exit_3_for_a_wrong_key_or_a_missing_scope(tmp_path: Path) -> None:
    with FakeSendGrid(api_key=KEY) as fake:
        dead = tmp_path / "dead.jsonl"
        args = ["upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url]
        run = cli(*args, "--failed-out", str(dead), key=WRONG_KEY)
        assert run.code == 3
        assert "401" in run.err
        assert_clean(run)
        assert KEY not in dead.read_text()
        assert WRONG_KEY not in dead.read_text()
        assert all(json.loads(x)["outcome"] == "not_sent" for x in dead.read_text().splitlines())
    with FakeSendGrid(api_key=KEY, scopes=["mail.send"]) as fake:
        run = cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url)
        assert run.code == 3
        assert "403" in run.err
        assert_clean(run)


def test_the_key_never_appears_in_any_output(fake: FakeSendGrid, tmp_path: Path) -> None:
    template = fake.add_template("T")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"from": {"email": "a@example.com"}, "template_id": template}))
    mails = write_jsonl(tmp_path / "m.jsonl", [{"properties": {"email": "x@example.com"}}, {}])
    dead = tmp_path / "dead.jsonl"
    runs = [
        cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, "--json"),
        cli("upsert-contacts", str(people(tmp_path)), "--endpoint", fake.url, "--dry-run"),
        cli("send-emails", str(mails), "--endpoint", fake.url, "--mapping", str(mapping),
            "--failed-out", str(dead)),
        cli("send-emails", str(mails), "--endpoint", fake.url, "--mapping", str(mapping),
            "--json", key=WRONG_KEY),
        cli("upsert-contacts", str(people(tmp_path)), "--endpoint", "http://127.0.0.1:1",
            "--concurrency", "1", "--json"),
        cli("demo", "--contacts", "5", "--mails", "2"),
    ]  # fmt: skip
    assert [r.code for r in runs] == [0, 0, 1, 3, 1, 0]
    for run in runs:
        assert_clean(run)
    assert KEY not in dead.read_text()


def test_missing_file_names_the_file(fake: FakeSendGrid, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    run = cli("upsert-contacts", str(missing), "--endpoint", fake.url)
    assert run.code == 2
    assert f"cannot read {missing}" in run.err
    run = cli("upsert-contacts", str(tmp_path), "--endpoint", fake.url)  # a directory
    assert run.code == 2
    assert str(tmp_path) in run.err
    assert_clean(run)


def test_invalid_json_on_line_n(fake: FakeSendGrid, tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_bytes(
        b'{"traits": {"email": "a@example.com"}}\n'
        b"\n"
        b'{"traits": {"email": "b@example.com"}\n'
        b"[1, 2]\n"
        b'{"traits": {"email": "c\xff@example.com"}}\n'
        b'{"traits": {"email": "d@example.com", "n": NaN}}\n'
        b'{"traits": {"email": "e@example.com"}}'
    )
    dead = tmp_path / "dead.jsonl"
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url, "--failed-out", str(dead))
    assert run.code == 1
    assert f"{path}: line 3: invalid JSON" in run.err
    assert f"{path}: line 4: expected a JSON object" in run.err
    assert f"{path}: line 5: not valid UTF-8" in run.err
    assert f"{path}: line 6: invalid JSON" in run.err
    assert sorted(c["email"] for c in fake.contacts()) == ["a@example.com", "e@example.com"]
    entries = [json.loads(x) for x in dead.read_text().splitlines()]
    assert [e["line"] for e in entries] == [3, 4, 5, 6]
    assert entries[0]["raw"] == '{"traits": {"email": "b@example.com"}'
    assert entries[2]["raw"] == '{"traits": {"email": "c\\xff@example.com"}}'
    assert_clean(run)


def test_ragged_csv_row(fake: FakeSendGrid, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "traits.email,traits.first_name\n"
        "a@example.com,Ada\n"
        "b@example.com,Bob,surplus\n"
        "c@example.com\n"
        "d@example.com,Dee\n"
    )
    dead = tmp_path / "dead.jsonl"
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url, "--failed-out", str(dead))
    assert run.code == 1
    assert f"{path}: line 3: the row has 3 values; the header has 2 columns" in run.err
    assert f"{path}: line 4: the row has 1 value;" in run.err
    assert sorted(c["email"] for c in fake.contacts()) == ["a@example.com", "d@example.com"]
    entries = [json.loads(x) for x in dead.read_text().splitlines()]
    assert [(e["line"], e["raw"]) for e in entries] == [
        (3, "b@example.com,Bob,surplus"),
        (4, "c@example.com"),
    ]
    assert_clean(run)


def test_an_unterminated_csv_quote_fails_its_line_alone(fake: FakeSendGrid, tmp_path: Path) -> None:
    rows = [f"p{i}@example.com,Name{i}" for i in range(10)]
    rows[4] = 'p4@example.com,"Unterminated'
    # A quoted value may span lines; this one does, and is closed.
    rows[2] = 'p2@example.com,"Two\nlines"'
    path = tmp_path / "people.csv"
    path.write_text("traits.email,traits.first_name\n" + "\n".join(rows) + "\n")
    dead = tmp_path / "dead.jsonl"
    run = cli(
        "upsert-contacts", str(path), "--endpoint", fake.url, "--failed-out", str(dead), "--json"
    )
    assert run.code == 1, run.err
    summary = run.json()
    assert (summary["records"], summary["accepted"], summary["failed"]) == (10, 9, 1)
    assert f"{path}: line 7: invalid CSV: a quoted value is never closed" in run.err
    [entry] = [json.loads(x) for x in dead.read_text().splitlines()]
    assert (entry["line"], entry["raw"]) == (7, 'p4@example.com,"Unterminated')
    stored = {c["email"]: c["first_name"] for c in fake.contacts()}
    assert len(stored) == 9
    assert "p4@example.com" not in stored
    assert stored["p2@example.com"] == "Two\nlines"
    assert stored["p9@example.com"] == "Name9"


def test_a_bad_row_spanning_lines_fails_only_its_first_line(
    fake: FakeSendGrid, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "traits.email,traits.first_name\n"
        'a@example.com,"Open\n'
        "b@example.com,Bob\n"
        'c@example.com,"Cee"x\n'
        "d@example.com,Dee\n"
    )
    dead = tmp_path / "dead.jsonl"
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url, "--failed-out", str(dead))
    assert run.code == 1
    # Lines 2 to 4 read as one row that does not parse: line 2 fails, and
    # lines 3 and 4 are read again as rows of their own (4 is bad itself).
    entries = [json.loads(x) for x in dead.read_text().splitlines()]
    assert [(e["line"], e["raw"]) for e in entries] == [
        (2, 'a@example.com,"Open'),
        (4, 'c@example.com,"Cee"x'),
    ]
    names = {c["email"]: c["first_name"] for c in fake.contacts()}
    assert names == {"b@example.com": "Bob", "d@example.com": "Dee"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("traits.email,,traits.first_name", "column 2 has an empty name"),
        ("traits.email, traits.email ", 'column "traits.email" appears twice'),
        (
            "traits.email,traits.address,traits.address.city",
            'column "traits.address" is both a value and the parent of "traits.address.city"',
        ),
    ],
)
def test_a_csv_header_that_does_not_nest(
    fake: FakeSendGrid, tmp_path: Path, header: str, message: str
) -> None:
    # The library's rule, the one of table (Parquet) columns.
    path = tmp_path / "people.csv"
    path.write_text(f"{header}\na@example.com,b,c\n")
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url)
    assert run.code == 2
    assert run.err == f"segment-sendgrid: error: {path}: line 1: {message}\n"
    assert fake.contacts() == []
    assert_clean(run)
