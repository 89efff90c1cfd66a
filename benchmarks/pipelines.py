"""The timed pipelines of ``run.py`` and the worker process that runs one: W1 workloads,
this library, and what a user writes with the official ``sendgrid`` library instead."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from handwritten import contact_from_payload, map_upsert_contact
from w1 import w1_events

import segment_sendgrid as sg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

UPSERT_LATENCY_MS = 200
SEND_LATENCY_MS = 20
#: The official library's baseline chunk. 30,000 W1 contacts are ~11.5 MB of JSON and
#: SendGrid (and the emulator) refuse bodies over 6 MB with 413, so a user of the
#: official library has to send smaller chunks; 14,000 W1 contacts stay under 6 MB.
OFFICIAL_CHUNK = 14_000
SEND_THREADS = 16
FROM = {"email": "shop@example.com", "name": "Shop"}


# --------------------------------------------------------------------------- workloads


def upsert_events(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """W1 identify events, generated lazily (ASCII e-mails, unique phones: storable)."""
    yield from w1_events(count, seed)


def mail_events(count: int, seed: int = 2) -> Iterator[dict[str, Any]]:
    """Track events for a template mail, one recipient each, derived from W1."""
    for event in upsert_events(count, seed):
        traits = event["traits"]
        yield {
            "type": "track",
            "event": "Welcome",
            "userId": event["userId"],
            "messageId": event["messageId"],
            "timestamp": event["timestamp"],
            "properties": {
                "email": traits["email"],
                "name": f"{traits['first_name']} {traits['last_name']}",
                "data": {
                    "first_name": traits["first_name"],
                    "plan": traits["plan"],
                    "company": traits["company"],
                    "lifetime_value": traits["lifetime_value"],
                },
            },
        }


def send_mapping(template_id: str) -> dict[str, Any]:
    return {
        "from": FROM,
        "template_id": template_id,
        "dynamic_template_data": {"@path": "$.properties.data"},
        "categories": ["welcome"],
    }


# --------------------------------------------------------------------------- pipelines


def upsert_ours(url: str, api_key: str, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """This library, default settings (``max_concurrency=4``)."""
    report = sg.Client(api_key, endpoint=url).upsert_contacts(events)
    return {"accepted": report.accepted, "failed": len(report.failed), "requests": report.requests}


def upsert_official(
    url: str, api_key: str, events: Iterable[dict[str, Any]], chunk: int = OFFICIAL_CHUNK
) -> dict[str, Any]:
    """What a user writes without this library: the default mapping by hand, the official
    client (which serialises with ``json``), one chunk after another."""
    from sendgrid import SendGridAPIClient

    client = SendGridAPIClient(api_key, host=url)
    accepted = requests = 0

    def put(contacts: list[dict[str, Any]]) -> None:
        nonlocal accepted, requests
        response = client.client.marketing.contacts.put(request_body={"contacts": contacts})
        if response.status_code != 202:
            raise RuntimeError(f"contacts PUT answered {response.status_code}")
        accepted += len(contacts)
        requests += 1

    batch: list[dict[str, Any]] = []
    for event in events:
        batch.append(contact_from_payload(map_upsert_contact(event)))
        if len(batch) == chunk:
            put(batch)
            batch = []
    if batch:
        put(batch)
    return {"accepted": accepted, "failed": 0, "requests": requests}


def send_ours(
    url: str,
    api_key: str,
    template_id: str,
    events: Iterable[dict[str, Any]],
    *,
    merge: bool,
    concurrency: int,
) -> dict[str, Any]:
    client = sg.Client(api_key, endpoint=url, max_concurrency=concurrency)
    report = client.send_dynamic_templates(events, mapping=send_mapping(template_id), merge=merge)
    return {"accepted": report.accepted, "failed": len(report.failed), "requests": report.requests}


def send_official(
    url: str, api_key: str, template_id: str, events: Iterable[dict[str, Any]], *, threads: int
) -> dict[str, Any]:
    """The official library: one ``Mail`` per request, in a loop or from a thread pool."""
    from sendgrid import SendGridAPIClient
    from sendgrid.helpers.mail import Category, From, Mail, To

    client = SendGridAPIClient(api_key, host=url)

    def send(event: dict[str, Any]) -> int:
        props = event["properties"]
        mail = Mail(
            from_email=From(FROM["email"], FROM["name"]),
            to_emails=To(props["email"], props["name"]),
        )
        mail.template_id = template_id
        mail.dynamic_template_data = props["data"]
        mail.category = Category("welcome")
        status: int = client.send(mail).status_code
        return status

    if threads <= 1:
        statuses = [send(event) for event in events]
    else:
        with ThreadPoolExecutor(threads) as pool:
            statuses = list(pool.map(send, events))
    accepted = sum(1 for status in statuses if status == 202)
    return {"accepted": accepted, "failed": len(statuses) - accepted, "requests": len(statuses)}


# --------------------------------------------------------------------------- worker side


def maxrss_mb() -> float:
    """Peak RSS of this process in MB: ``VmHWM`` (``ru_maxrss`` is not usable here: Linux
    carries the parent's peak across fork + exec into the child's ``ru_maxrss``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs one pipeline in this (fresh) process; the events are built before timing
    unless the spec says ``lazy`` (then generating W1 is part of the measurement)."""
    kind, count = spec["kind"], int(spec["count"])
    if kind.endswith("-table"):
        from tables import table_worker  # benchmarks/tables.py: W1-T rows from Arrow

        return table_worker(spec)
    url, key = spec["url"], spec["api_key"]
    source = mail_events if kind.startswith("send") else upsert_events
    built: list[dict[str, Any]] = []
    if not spec.get("lazy"):
        built = list(source(count))
    events: Iterable[dict[str, Any]] = (event for event in built) if built else source(count)
    rss_start = maxrss_mb()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if kind == "upsert-ours":
        out = upsert_ours(url, key, events)
    elif kind == "upsert-official":
        out = upsert_official(url, key, events)
    elif kind == "memory-list":
        out = upsert_ours(url, key, list(events))
    elif kind == "send-ours":
        out = send_ours(
            url,
            key,
            spec["template_id"],
            events,
            merge=spec["merge"],
            concurrency=spec["concurrency"],
        )
    elif kind == "send-official":
        out = send_official(url, key, spec["template_id"], events, threads=spec["threads"])
    else:
        raise ValueError(f"unknown worker kind {kind!r}")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        **out,
        "count": count,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_start_mb": rss_start,
        "peak_rss_mb": maxrss_mb(),
    }
