"""All benchmarks side by side with the alternatives, in one run (project issue 8).

Prints Markdown tables and (``--json``) writes the figures of:

1. Mapping, W1: the Rust core and ``Mapping.apply_many`` next to Segment's own
   mapping-kit (live Node when available) and a hand-written Python mapping
   (``benchmarks/mapping.py``).
2. Upsert pipeline: W1 events (Python dicts, from a generator) into the emulator at
   200 ms and at 0 ms per request: this library with default settings, against the
   hand-written mapping + ``json`` + the official ``sendgrid`` library sending chunks one
   after another, and the lower bound ⌈requests / concurrency⌉ × latency.
3. Send pipeline: template mails at 20 ms: this library (``merge=True``; ``merge=False``
   at concurrency 16) against the official library one mail per request (a loop; 16
   threads), and the lower bound.
4. Memory: peak RSS of upserting generated contacts streamed from a generator, against
   building the same list in Python first.
5. Tables (``tables.py``, W1-T): Arrow batches → upsert bodies on one core; CPU per record
   at 0 ms of a pyarrow Table against ``to_pylist()`` and against ``df.to_dict("records")``
   + a hand-written mapping + the official library, for upserts and template mails; peak
   RSS streaming a multi-row-group Parquet file.

Each pipeline runs in a fresh worker process (its CPU time and peak RSS are its own);
the emulator runs in another process (``emulator_host.py``). The upsert pipelines (ours
and the official library's) and the merged send run ``--runs`` times (3) and the least
disturbed run counts: fastest wall time, or least CPU at 0 ms. Verdicts compare with the
targets of ``docs/BENCHMARKS.md``; this is information, never a test: nothing
fails on a timing (it fails only when a pipeline does not deliver every record).

Usage: python benchmarks/run.py [--quick] [--json out.json] [--no-node] [--no-rust]
       [--only mapping,upsert,send,memory,tables] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Emulator, Table, ensure_sendgrid, machine
from pipelines import worker
from sections import mapping_section, memory_section, send_section, upsert_section
from tables import tables_section


@dataclass(frozen=True)
class Sizes:
    mapping: int
    upsert: int
    send: int
    memory: int
    tables_upsert: int
    tables_send: int
    tables_parquet: int


FULL = Sizes(
    mapping=200_000,
    upsert=300_000,
    send=2_000,
    memory=1_000_000,
    tables_upsert=1_000_000,
    tables_send=100_000,
    tables_parquet=5_000_000,
)
QUICK = Sizes(
    mapping=20_000,
    upsert=20_000,
    send=100,
    memory=50_000,
    tables_upsert=5_000,
    tables_send=500,
    tables_parquet=20_000,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument("--no-node", action="store_true", help="use Node reference figures")
    parser.add_argument("--no-rust", action="store_true", help="skip the cargo example")
    parser.add_argument(
        "--only",
        default="mapping,upsert,send,memory,tables",
        help="comma-separated sections to run",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of each upsert pipeline, of the merged send and of the table pipelines "
        "(not the Parquet and official-send ones), the least disturbed kept",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    sizes = QUICK if args.quick else FULL
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    info = machine()
    info["load_before"] = os.getloadavg()
    official = bool(sections & {"upsert", "send", "tables"}) and ensure_sendgrid()
    tables: list[Table] = []
    data: dict[str, Any] = {"machine": info, "sizes": sizes.__dict__, "official": official}
    if "mapping" in sections:
        table, data["mapping"] = mapping_section(sizes.mapping, not args.no_node, not args.no_rust)
        tables.append(table)
        print(table.markdown() + "\n", flush=True)
    if sections & {"upsert", "send", "memory", "tables"}:
        emulator = Emulator()
        try:
            for name in ("upsert", "send", "memory", "tables"):
                if name not in sections:
                    continue
                if name == "upsert":
                    table, data[name] = upsert_section(emulator, sizes.upsert, official, args.runs)
                elif name == "send":
                    table, data[name] = send_section(emulator, sizes.send, official, args.runs)
                elif name == "tables":
                    table, data[name] = tables_section(
                        emulator,
                        sizes.tables_upsert,
                        sizes.tables_send,
                        sizes.tables_parquet,
                        official,
                        args.runs,
                    )
                else:
                    table, data[name] = memory_section(emulator, sizes.memory)
                tables.append(table)
                print(table.markdown() + "\n", flush=True)
        finally:
            emulator.close()
    info["load_after"] = os.getloadavg()
    print(
        f"Machine: {info['nproc']} × {info['cpu']}, {info['ram_gb']} GB RAM, Python "
        f"{info['python']}, commit {info['commit']}, {info['date']}; load average "
        f"{info['load_before'][0]:.2f} before, {info['load_after'][0]:.2f} after."
    )
    if not official:
        print("The official sendgrid library was unavailable: its rows are missing.")
    if args.json:
        data["markdown"] = "\n\n".join(t.markdown() for t in tables)
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    delivered = all(
        r.get("verified", True)
        for section in ("upsert", "send", "memory", "tables")
        for r in data.get(section, {}).values()
        if isinstance(r, dict)
    )
    return 0 if delivered else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
