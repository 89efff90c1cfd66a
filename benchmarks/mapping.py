"""Mapping benchmark (W1): segment_sendgrid against the alternatives, in one run.

Prints a Markdown table of events/s and ratios:
- Rust core on parsed values, and JSONL bytes → upsert body bytes (Rust example binary);
- ``Mapping.apply_many`` on Python dicts, next to the same mapping hand-written in Python;
- Segment's own mapping-kit (``transform``, ``transformBatch``, batched end-to-end), live
  when ``node`` and ``npm`` are present (installed into a temporary folder), else the
  reference figures of BENCHMARKS.md, marked as such.

Usage: python benchmarks/mapping.py [--events 200000] [--json out.json]
This is information, not a test: nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from handwritten import map_upsert_contact
from w1 import w1_events

import segment_sendgrid as sg

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = {"single": 20_300.0, "batch": 42_600.0, "end_to_end": 31_000.0}
NODE_PACKAGES = ["@segment/actions-core@3.170.0", "liquidjs@10.27.2"]


def best_of(runs: int, fn: Any) -> float:
    """Fastest wall time of ``runs`` calls (least disturbed by a noisy machine)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def python_figures(events: list[dict[str, Any]]) -> dict[str, float]:
    mapping = sg.Mapping(sg.default_mapping("upsert_contact"))
    mapping.apply_many(events[:20_000])
    ours = best_of(3, lambda: mapping.apply_many(events))
    hand = best_of(3, lambda: [map_upsert_contact(e) for e in events])
    sample = events[:1000]
    assert mapping.apply_many(sample) == [map_upsert_contact(e) for e in sample], (
        "the hand-written baseline must compute the same payloads"
    )
    return {"apply_many": len(events) / ours, "handwritten": len(events) / hand}


def rust_figures(jsonl: Path, count: int) -> dict[str, float] | None:
    cargo = shutil.which("cargo")
    if cargo is None:
        return None
    cmd = [cargo, "run", "--quiet", "--release", "-p", "segment-sendgrid-core"]
    cmd += ["--example", "w1_throughput", "--", str(jsonl)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return {
        "parsed": count / data["parsed_s"],
        "parsed_value": count / data["parsed_value_s"],
        "jsonl_to_body": count / data["jsonl_to_body_s"],
    }


def node_figures(jsonl: Path, count: int) -> dict[str, float] | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="sg-node-bench-") as tmp:
        install = ["npm", "install", "--silent", "--no-audit", "--no-fund", *NODE_PACKAGES]
        subprocess.run(install, cwd=tmp, check=True, capture_output=True)
        mapping_file = Path(tmp) / "mapping.json"
        mapping = sg.default_mapping("upsert_contact")
        mapping_file.write_text(json.dumps(mapping))
        core = Path(tmp) / "node_modules" / "@segment" / "actions-core"
        script = Path(__file__).resolve().parent / "node_mapping.js"
        cmd = ["node", str(script), str(core), str(jsonl), str(mapping_file), "20000"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return {
        "single": count / data["single"],
        "batch": count / data["batch"],
        "end_to_end": count / data["endToEnd"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-node", action="store_true", help="use the reference figures")
    args = parser.parse_args()

    events = list(w1_events(args.events))
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as tmp:
        jsonl = Path(tmp) / "w1.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for event in events:
                out.write(json.dumps(event, ensure_ascii=False) + "\n")
        py = python_figures(events)
        rust = rust_figures(jsonl, len(events))
        node = None if args.no_node else node_figures(jsonl, len(events))

    node_note = "measured live in this run" if node else "reference figures (BENCHMARKS.md)"
    node = node or REFERENCE
    rows = [
        ("Python dicts → payloads, Mapping.apply_many", py["apply_many"], "handwritten", 3.0),
        ("same, hand-written plain Python", py["handwritten"], None, None),
    ]
    if rust:
        rows.insert(0, ("Rust core, parsed values (JsonDoc)", rust["parsed"], "batch", 25.0))
        rows.insert(1, ("same, serde_json::Value input", rust["parsed_value"], None, None))
        rows.insert(
            2, ("Rust core, JSONL bytes → upsert body", rust["jsonl_to_body"], "end_to_end", 10.0)
        )
    baselines = {**node, "handwritten": py["handwritten"]}
    print(f"W1, {len(events):,} events; Node: {node_note}\n")
    print("| what | events/s | vs | ratio | target | verdict |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for name, rate, against, target in rows:
        if against is None:
            print(f"| {name} | {rate:,.0f} | | | | |")
            continue
        ratio = rate / baselines[against]
        verdict = "PASS" if target is None or ratio >= target else "FALLS SHORT"
        print(f"| {name} | {rate:,.0f} | {against} | {ratio:.1f}× | ≥{target:g}× | {verdict} |")
    for key in ("single", "batch", "end_to_end"):
        print(f"| Segment mapping-kit {key} | {node[key]:,.0f} | | | | |")
    if args.json:
        figures = {"events": len(events), "python": py, "rust": rust, "node": node}
        args.json.write_text(json.dumps({**figures, "node_source": node_note}, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
