"""The ``tables`` section of ``run.py`` (project issue 18): rows of an Arrow table as events.

Workload W1-T (``docs/BENCHMARKS.md``): the W1 contact shape as flat columns — ``email,
first_name, last_name, address_line_1, city, state, postal_code, country, phone, plan``
(a Text custom field), ``lifetime_value`` (Number) and ``signup_date`` (Date, ``date32``) —
and template mails as flat columns (``email, name, first_name, plan, company,
lifetime_value``). Figures, each in a fresh worker process against the emulator process:

1. core: ``client.upsert_contacts(table, dry_run=True)``, rows per CPU second;
2. upsert at 0 ms latency, CPU per record: this library fed the table, fed
   ``table.to_pylist()``, and what a user writes today — ``df.to_dict("records")`` + a
   hand-written mapping + ``json`` + the official ``sendgrid`` library (the dicts are
   produced inside the timing: the user pays for them; the table is built before);
3. the same for ``send_dynamic_templates`` (the official library: one ``Mail`` per request);
4. peak RSS streaming a multi-row-group Parquet file (``_native.read_parquet``) into
   ``sink_host.py`` (the emulator would keep millions of contacts), and the CLI
   ``upsert-contacts FILE.parquet --dry-run`` when the installed CLI reads Parquet.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import Emulator, Table, best_worker, checked, run_worker, verdict
from pipelines import FROM, OFFICIAL_CHUNK, maxrss_mb
from w1 import CITIES, FIRST_NAMES, LAST_NAMES, PLANS, ascii_name

import segment_sendgrid as sg

CUSTOM_FIELDS: list[tuple[str, str]] = [
    ("plan", "Text"),
    ("lifetime_value", "Number"),
    ("signup_date", "Date"),
]
#: Contact payload field → W1-T column.
UPSERT_COLUMNS: list[tuple[str, str]] = [
    ("primary_email", "email"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("address_line_1", "address_line_1"),
    ("city", "city"),
    ("state", "state"),
    ("postal_code", "postal_code"),
    ("country", "country"),
    ("phone_number", "phone"),
    ("phone_number_id", "phone"),
]
UPSERT_MAPPING: dict[str, Any] = {
    **{field: {"@path": f"$.{column}"} for field, column in UPSERT_COLUMNS},
    "customFields": {name: {"@path": f"$.{name}"} for name, _ in CUSTOM_FIELDS},
}
#: The contact fields alone: a mapping of field lookups on scalar columns, the
#: upsert's fast path for tables (contacts written straight from the Arrow buffers).
CONTACT_MAPPING: dict[str, Any] = {
    field: {"@path": f"$.{column}"} for field, column in UPSERT_COLUMNS
}
MAIL_DATA = ("first_name", "plan", "company", "lifetime_value")
PARQUET_ROW_GROUP = 500_000
#: The official library sends one ``Mail`` per request: ~1 ms of a request each at 0 ms
#: latency, so its CPU per record is measured on at most this many rows.
OFFICIAL_SEND_ROWS = 10_000

TARGET_CORE = 3_000_000
TARGET_VS_OFFICIAL = 15
TARGET_VS_PYLIST = 3
TARGET_RSS_MB = 400


def send_table_mapping(template_id: str) -> dict[str, Any]:
    return {
        "from": FROM,
        "to": {"email": {"@path": "$.email"}, "name": {"@path": "$.name"}},
        "template_id": template_id,
        "dynamic_template_data": {name: {"@path": f"$.{name}"} for name in MAIL_DATA},
        "categories": ["welcome"],
    }


# --------------------------------------------------------------------------- workloads


def w1t_table(count: int, seed: int = 1, start: int = 0) -> Any:
    """``count`` W1-T contact rows (rows ``start …``) as a pyarrow Table, built with
    vectorised pyarrow/numpy (a million rows in about a second)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed + start)
    index = np.arange(start, start + count, dtype=np.int64)
    first_i = rng.integers(len(FIRST_NAMES), size=count)
    last_i = rng.integers(len(LAST_NAMES), size=count)
    city_i = pa.array(rng.integers(len(CITIES), size=count))
    first = pa.array(FIRST_NAMES).take(pa.array(first_i))
    last = pa.array(LAST_NAMES).take(pa.array(last_i))
    first_ascii = pa.array([ascii_name(n) for n in FIRST_NAMES]).take(pa.array(first_i))
    last_ascii = pa.array([ascii_name(n) for n in LAST_NAMES]).take(pa.array(last_i))
    digits = pc.cast(pa.array(index), pa.string())
    email = pc.binary_join_element_wise(first_ascii, last_ascii, digits, ".")
    email = pc.binary_join_element_wise(email, "@example.com", "")
    phone = pc.binary_join_element_wise("+1415", pc.utf8_lpad(digits, 7, "0"), "")
    street = pc.cast(pa.array(1 + index % 999), pa.string())
    line1 = pc.binary_join_element_wise(street, "Market Street", " ")

    def place(k: int) -> Any:
        return pa.array([c[k] for c in CITIES]).take(city_i)

    epoch = (datetime.date(2024, 1, 1) - datetime.date(1970, 1, 1)).days
    days = (epoch + index % 365).astype(np.int32)
    return pa.table(
        {
            "email": email,
            "first_name": first,
            "last_name": last,
            "address_line_1": line1,
            "city": place(0),
            "state": place(1),
            "postal_code": place(3),
            "country": place(2),
            "phone": phone,
            "plan": pa.array(PLANS).take(pa.array(rng.integers(len(PLANS), size=count))),
            "lifetime_value": pa.array(np.round(rng.random(count) * 5000, 2)),
            "signup_date": pa.array(days, pa.date32()),
        }
    )


def mail_table(count: int, seed: int = 2) -> Any:
    """``count`` template-mail rows as flat columns (the shape of ``mail_events``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    contacts = w1t_table(count, seed)
    name = pc.binary_join_element_wise(contacts["first_name"], contacts["last_name"], " ")
    company = pc.binary_join_element_wise(contacts["last_name"], "& Söhne GmbH", " ")
    return pa.table(
        {
            "email": contacts["email"],
            "name": name,
            "first_name": contacts["first_name"],
            "plan": contacts["plan"],
            "company": company,
            "lifetime_value": contacts["lifetime_value"],
        }
    )


def write_parquet(path: Path, count: int) -> None:
    """``count`` W1-T rows into ``path``, one row group per ``PARQUET_ROW_GROUP`` rows."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for start in range(0, count, PARQUET_ROW_GROUP):
            part = w1t_table(min(PARQUET_ROW_GROUP, count - start), start=start)
            if writer is None:
                writer = pq.ParquetWriter(path, part.schema)
            writer.write_table(part, row_group_size=PARQUET_ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()


# --------------------------------------------------------------------------- what a user writes


def contact_from_row(row: dict[str, Any], field_ids: dict[str, str]) -> dict[str, Any]:
    """A flat W1-T record (``df.to_dict("records")``) as a SendGrid contact, by hand: the
    renames, the custom fields by id, dates as ISO text (``json`` cannot write them)."""
    contact: dict[str, Any] = {
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "address_line_1": row["address_line_1"],
        "city": row["city"],
        "state_province_region": row["state"],
        "postal_code": row["postal_code"],
        "country": row["country"],
        "phone_number": row["phone"],
        "phone_number_id": row["phone"],
    }
    custom: dict[str, Any] = {}
    for name, _ in CUSTOM_FIELDS:
        value = row[name]
        if isinstance(value, datetime.date):
            value = value.isoformat()
        custom[field_ids[name]] = value
    contact["custom_fields"] = custom
    return contact


def upsert_official_rows(
    url: str, api_key: str, df: Any, chunk: int = OFFICIAL_CHUNK
) -> dict[str, Any]:
    """``df.to_dict("records")``, the custom field ids looked up, the mapping by hand and the
    official client (``json``), one chunk after another."""
    from sendgrid import SendGridAPIClient

    client = SendGridAPIClient(api_key, host=url)
    definitions = json.loads(client.client.marketing.field_definitions.get().body)
    field_ids = {f["name"]: f["id"] for f in definitions["custom_fields"]}
    accepted = requests = 0
    records = df.to_dict("records")
    for start in range(0, len(records), chunk):
        contacts = [contact_from_row(r, field_ids) for r in records[start : start + chunk]]
        response = client.client.marketing.contacts.put(request_body={"contacts": contacts})
        if response.status_code != 202:
            raise RuntimeError(f"contacts PUT answered {response.status_code}")
        accepted += len(contacts)
        requests += 1
    return {"accepted": accepted, "failed": 0, "requests": requests}


def send_official_rows(url: str, api_key: str, template_id: str, df: Any) -> dict[str, Any]:
    """``df.to_dict("records")`` and the official library, one ``Mail`` per request."""
    from sendgrid import SendGridAPIClient
    from sendgrid.helpers.mail import Category, From, Mail, To

    client = SendGridAPIClient(api_key, host=url)
    accepted = requests = 0
    for row in df.to_dict("records"):
        mail = Mail(
            from_email=From(FROM["email"], FROM["name"]),
            to_emails=To(row["email"], row["name"]),
        )
        mail.template_id = template_id
        mail.dynamic_template_data = {name: row[name] for name in MAIL_DATA}
        mail.category = Category("welcome")
        accepted += client.send(mail).status_code == 202
        requests += 1
    return {"accepted": accepted, "failed": requests - accepted, "requests": requests}


# --------------------------------------------------------------------------- worker side


def _drop(body: str) -> None:
    """A dry run's body, not kept (the core figure measures making them)."""


def cli_reads_parquet(path: Path, url: str, api_key: str) -> bool:
    """Whether the installed CLI takes ``FILE.parquet`` (tried on a tiny file)."""
    proc = subprocess.run(
        cli_command(path, url),
        env={**os.environ, "SENDGRID_API_KEY": api_key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    return proc.returncode == 0


def cli_command(path: Path, url: str) -> list[str]:
    mapping = path.with_suffix(".mapping.json")
    mapping.write_text(json.dumps(UPSERT_MAPPING))
    return [
        sys.executable,
        "-m",
        "segment_sendgrid",
        "upsert-contacts",
        str(path),
        "--mapping",
        str(mapping),
        "--no-default-mapping",
        "--endpoint",
        url,
        "--dry-run",
        "--quiet",
    ]


def run_cli(path: Path, url: str, api_key: str, count: int) -> dict[str, Any]:
    """The CLI in a child process, stdout to /dev/null; its peak RSS from ``wait4``."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    proc = subprocess.Popen(
        cli_command(path, url),
        env={**os.environ, "SENDGRID_API_KEY": api_key},
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"the CLI exited with {proc.returncode}")
    return {
        "accepted": count,
        "failed": 0,
        "requests": 0,
        "count": count,
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0 + usage.ru_utime + usage.ru_stime,
        "rss_start_mb": 0.0,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def table_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One W1-T pipeline in this fresh process: ``spec["kind"]`` is ``upsert-table`` or
    ``send-table``, ``spec["source"]`` one of ``table``, ``pylist``, ``official``,
    ``parquet`` (``spec["path"]``) or ``cli``."""
    kind, source, count = spec["kind"], spec["source"], int(spec["count"])
    url, key = spec["url"], spec["api_key"]
    if source == "cli":
        return run_cli(Path(spec["path"]), url, key, count)
    send = kind == "send-table"
    table: Any = None
    df: Any = None
    if source == "official":
        df = (mail_table(count) if send else w1t_table(count)).to_pandas()
    elif source != "parquet":
        table = mail_table(count) if send else w1t_table(count)
    client = sg.Client(key, endpoint=url)
    rss_start = maxrss_mb()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if source == "official":
        if send:
            out = send_official_rows(url, key, spec["template_id"], df)
        else:
            out = upsert_official_rows(url, key, df)
    else:
        events: Any
        if source == "parquet":
            events = sg._native.read_parquet(spec["path"])
        elif source == "pylist":
            events = table.to_pylist()
        else:
            events = table
        if send:
            mapping = send_table_mapping(spec["template_id"])
            report = client.send_dynamic_templates(events, mapping=mapping)
        else:
            report = client.upsert_contacts(
                events,
                mapping=CONTACT_MAPPING if spec.get("no_custom_fields") else UPSERT_MAPPING,
                use_default_mapping=False,
                dry_run=bool(spec.get("dry_run")),
                # The bodies are dropped as they are made, not kept in the report.
                on_request_body=_drop if spec.get("dry_run") else None,
            )
        out = {"accepted": report.accepted, "failed": len(report.failed)}
        out["requests"] = report.requests
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        **out,
        "count": count,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_start_mb": rss_start,
        "peak_rss_mb": maxrss_mb(),
    }


# --------------------------------------------------------------------------- the section


def tables_section(
    emulator: Emulator, upsert: int, send: int, parquet: int, official: bool, runs: int
) -> tuple[Table, dict[str, Any]]:
    fields = {"custom_fields": CUSTOM_FIELDS}
    up: dict[str, Any] = {"kind": "upsert-table", "count": upsert, **fields}
    mail: dict[str, Any] = {"kind": "send-table", "count": send}
    results: dict[str, Any] = {}
    cpu = "cpu_s"
    results["core"] = best_worker(
        emulator, 0, {**up, "source": "table", "dry_run": True}, runs, cpu
    )
    results["core_contact_fields"] = best_worker(
        emulator, 0, {**up, "source": "table", "dry_run": True, "no_custom_fields": True}, runs, cpu
    )
    results["upsert_table"] = best_worker(emulator, 0, {**up, "source": "table"}, runs, cpu)
    results["upsert_pylist"] = best_worker(emulator, 0, {**up, "source": "pylist"}, runs, cpu)
    if official:
        results["upsert_official"] = best_worker(
            emulator, 0, {**up, "source": "official"}, runs, cpu
        )
    results["send_table"] = best_worker(emulator, 0, {**mail, "source": "table"}, runs, cpu)
    results["send_pylist"] = best_worker(emulator, 0, {**mail, "source": "pylist"}, runs, cpu)
    official_send = min(send, OFFICIAL_SEND_ROWS)
    if official:
        results["send_official"] = run_worker(
            emulator, 0, {**mail, "count": official_send, "source": "official"}
        )
    # The emulator keeps every contact (~3 KB each): millions go into sink_host.py instead.
    sink = Emulator(script="sink_host.py")
    try:
        with tempfile.TemporaryDirectory(prefix="sg-bench-tables-") as tmp:
            path = Path(tmp) / "w1t.parquet"
            write_parquet(path, parquet)
            results["parquet_mb"] = path.stat().st_size / 1e6
            results["parquet"] = run_worker(
                sink, 0, {**up, "count": parquet, "source": "parquet", "path": str(path)}
            )
            tiny = Path(tmp) / "tiny.parquet"
            write_parquet(tiny, 10)
            sink.reset(0)
            sink.command("fields", fields=CUSTOM_FIELDS)
            results["cli_parquet"] = cli_reads_parquet(tiny, sink.url, sink.api_key)
            if results["cli_parquet"]:
                spec = {**up, "count": parquet, "source": "cli", "path": str(path)}
                results["cli"] = run_worker(sink, 0, {**spec, "dry_run": True})
    finally:
        sink.close()
    return tables_table(results, upsert, send, parquet, official_send), results


def tables_table(
    results: dict[str, Any], upsert: int, send: int, parquet: int, official_send: int
) -> Table:
    rows: list[list[str]] = []

    def us(r: dict[str, Any]) -> float:
        return float(r["cpu_s"]) / int(r["count"]) * 1e6

    def figures(r: dict[str, Any]) -> list[str]:
        return [
            f"{r['count']:,}",
            str(r["requests"]),
            f"{r['wall_s']:.2f}",
            f"{us(r):.2f}",
            f"{r['count'] / r['cpu_s']:,.0f}",
            f"{r['peak_rss_mb']:,.0f}",
        ]

    def add(r: dict[str, Any], what: str, ratio: str = "", target: str = "", ok: str = "") -> None:
        rows.append([checked(r, what), *figures(r), ratio, target, ok])

    core = results["core"]
    rate = core["count"] / core["cpu_s"]
    add(
        core,
        "core: pyarrow Table → upsert bodies (dry_run=True)",
        f"{rate / TARGET_CORE:.2f}× the target",
        f"≥ {TARGET_CORE:,} rows/s",
        verdict(rate >= TARGET_CORE),
    )
    fast = results["core_contact_fields"]
    rate = fast["count"] / fast["cpu_s"]
    add(
        fast,
        "core, the contact fields alone (no customFields: the fast path)",
        f"{rate / TARGET_CORE:.2f}× the target",
        f"≥ {TARGET_CORE:,} rows/s",
        verdict(rate >= TARGET_CORE),
    )
    for name, noun, n in (("upsert", "contacts", upsert), ("send", "mails", send)):
        table, pylist = results[f"{name}_table"], results[f"{name}_pylist"]
        off = results.get(f"{name}_official")
        ratios: list[str] = []
        oks: list[bool] = []
        if off:
            r = us(off) / us(table)
            ratios.append(f"{r:.1f}× less CPU than official")
            oks.append(r >= TARGET_VS_OFFICIAL)
        r = us(pylist) / us(table)
        ratios.append(f"{r:.1f}× less than to_pylist")
        oks.append(r >= TARGET_VS_PYLIST)
        target = f"≥ {TARGET_VS_OFFICIAL}× official, ≥ {TARGET_VS_PYLIST}× to_pylist"
        if not off:
            target += " (official unavailable)"
        add(table, f"{name} {noun}, 0 ms: this library fed the pyarrow Table")
        rows[-1][-3:] = ["; ".join(ratios), target, verdict(all(oks))]
        add(pylist, f"{name} {noun}, 0 ms: this library fed table.to_pylist() (timed)")
        if off:
            how = (
                "hand-written mapping + json + official sendgrid, "
                f"{OFFICIAL_CHUNK:,}-contact chunks"
                if name == "upsert"
                else "official sendgrid, one Mail per request, loop"
            )
            if name == "send" and official_send < n:
                how += f" (on {official_send:,} of the rows)"
            add(off, f"{name} {noun}, 0 ms: df.to_dict('records') (timed) + {how}")
    pq = results["parquet"]
    groups = -(-parquet // PARQUET_ROW_GROUP)
    what = (
        f"Parquet ({results['parquet_mb']:.0f} MB, {groups} row groups): read_parquet → "
        "upsert_contacts into a sink (sink_host.py), in a worker process"
    )
    if not results["cli_parquet"]:
        what += " (the CLI of this wheel reads no .parquet)"
    add(
        pq,
        what,
        f"{pq['peak_rss_mb'] / TARGET_RSS_MB:.2f}× the limit",
        f"< {TARGET_RSS_MB} MB peak RSS",
        verdict(pq["peak_rss_mb"] < TARGET_RSS_MB),
    )
    cli = results.get("cli")
    if cli:
        add(
            cli,
            "Parquet: segment-sendgrid upsert-contacts FILE.parquet --dry-run > /dev/null",
            f"{cli['peak_rss_mb'] / TARGET_RSS_MB:.2f}× the limit",
            f"< {TARGET_RSS_MB} MB peak RSS",
            verdict(cli["peak_rss_mb"] < TARGET_RSS_MB),
        )
    return Table(
        f"Tables, W1-T: {upsert:,} contact rows, {send:,} mail rows, {parquet:,}-row Parquet",
        [
            "what",
            "rows",
            "requests",
            "wall s",
            "CPU µs/row",
            "rows/CPU s",
            "peak RSS MB",
            "ratio",
            "target",
            "verdict",
        ],
        rows,
    )
