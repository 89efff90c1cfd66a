"""FakeSendGrid in its own process, driven over stdin/stdout, for the pipeline benchmarks.

Running the emulator outside the measured process keeps the CPU time and peak RSS of
each pipeline clean (``python -m segment_sendgrid.testing`` cannot add templates or
report what it stored, so the benchmarks use this small host instead).

Protocol: one JSON object per line. On start it prints
``{"url", "api_key", "template_id"}``; then each command line gets one answer line:

- ``{"cmd": "latency", "ms": 200}`` → ``{"ok": true}``
- ``{"cmd": "reset"}`` (forget contacts, messages, requests; re-add the template)
  → ``{"ok": true, "template_id": ..., "cpu_s": ...}``
- ``{"cmd": "fields", "fields": [[name, "Text" | "Number" | "Date"], …]}`` (custom field
  definitions, gone at the next reset) → ``{"ok": true, "ids": {name: id}}``
- ``{"cmd": "counts"}`` → ``{"contacts": created + updated by import jobs, "errored",
  "messages", "recipients", "requests", "cpu_s", "rss_mb"}`` (``rss_mb``: this
  process's peak RSS)

``cpu_s`` is this process's CPU time so far (all threads: the emulator's own work), so the
benchmark can show what the emulator costs the shared machine during a run.
- ``{"cmd": "quit"}`` (or end of input) stops the emulator.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from segment_sendgrid.testing import FakeSendGrid

TEMPLATE_VERSIONS: list[dict[str, Any]] = [
    {
        "name": "v1",
        "subject": "Hi {{first_name}}",
        "html_content": "<p>Your {{plan}} plan at {{company}}</p>",
        "plain_content": "Your {{plan}} plan at {{company}}",
        "active": True,
    }
]


def counts(fake: FakeSendGrid) -> dict[str, int]:
    stored = errored = 0
    for job in fake.import_jobs():
        results = job.get("results") or {}
        stored += int(results.get("created_count", 0)) + int(results.get("updated_count", 0))
        errored += int(results.get("errored_count", 0))
    messages = fake.messages()
    recipients = sum(
        len(p.get("to", [])) for m in messages for p in m["body"].get("personalizations", [])
    )
    return {
        "contacts": stored,
        "errored": errored,
        "messages": len(messages),
        "recipients": recipients,
        "requests": len(fake.requests()),
    }


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    latency = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    fake = FakeSendGrid(latency_ms=latency).start()
    template_id = fake.add_template("Welcome", versions=TEMPLATE_VERSIONS)
    hello = {"url": fake.url, "api_key": fake.api_key, "template_id": template_id}
    print(json.dumps(hello), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            answer: dict[str, Any]
            if command["cmd"] == "latency":
                fake.set_latency(int(command["ms"]))
                answer = {"ok": True}
            elif command["cmd"] == "reset":
                fake.reset()
                template_id = fake.add_template("Welcome", versions=TEMPLATE_VERSIONS)
                answer = {"ok": True, "template_id": template_id, "cpu_s": time.process_time()}
            elif command["cmd"] == "fields":
                ids = {name: fake.add_custom_field(name, kind) for name, kind in command["fields"]}
                answer = {"ok": True, "ids": ids}
            elif command["cmd"] == "counts":
                answer = {**counts(fake), "cpu_s": time.process_time(), "rss_mb": peak_rss_mb()}
            elif command["cmd"] == "quit":
                break
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
