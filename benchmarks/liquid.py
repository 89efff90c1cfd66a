"""`@liquid` benchmark (W1): a mapping with three `@liquid` fields, segment_sendgrid's Rust
core against Segment's mapping-kit in Node, measured side by side in one run.

Both map the same W1 events with the same mapping; the first 200 results must be equal.
Node's packages are installed into a temporary folder (or taken from ``--node-dir``, a
folder where ``@segment/actions-core`` and ``liquidjs`` are installed).

Usage: python benchmarks/liquid.py [--events 100000] [--node-dir DIR]
This is information, not a test: nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from w1 import w1_events

ROOT = Path(__file__).resolve().parent.parent
NODE_PACKAGES = ["@segment/actions-core@3.170.0", "liquidjs@10.31.0"]
TARGET = 10.0
MAPPING = {
    "greeting": {
        "@liquid": "Hi {{ traits.first_name | capitalize }} {{ traits.last_name | upcase }}!"
    },
    "plan": {
        "@liquid": "{% if traits.vip %}VIP {% endif %}{{ traits.plan | capitalize }}"
        " ({{ traits.logins | divided_by: 10 | round }} visits)"
    },
    "value": {
        "@liquid": "{{ traits.lifetime_value | times: 1.2 | round: 2 }} in"
        " {{ traits.address.city | default: 'somewhere' }}"
    },
}


def run_node(node_dir: Path, jsonl: Path, mapping_file: Path) -> dict[str, Any]:
    core = node_dir / "node_modules" / "@segment" / "actions-core"
    script = Path(__file__).resolve().parent / "node_liquid.js"
    cmd = ["node", str(script), str(core), str(jsonl), str(mapping_file), "20000"]
    result: dict[str, Any] = json.loads(
        subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--node-dir", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sg-liquid-bench-") as tmp:
        jsonl, mapping_file = Path(tmp) / "w1.jsonl", Path(tmp) / "mapping.json"
        with jsonl.open("w", encoding="utf-8") as out:
            for event in w1_events(args.events):
                out.write(json.dumps(event, ensure_ascii=False) + "\n")
        mapping_file.write_text(json.dumps(MAPPING))
        cmd = ["cargo", "run", "--quiet", "--release", "-p", "segment-sendgrid-core"]
        cmd += ["--example", "liquid_throughput", "--", str(jsonl), str(mapping_file)]
        rust = json.loads(
            subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        )
        node_dir = args.node_dir
        if node_dir is None:
            node_dir = Path(tmp) / "node"
            node_dir.mkdir()
            install = ["npm", "install", "--silent", "--no-audit", "--no-fund", *NODE_PACKAGES]
            subprocess.run(install, cwd=node_dir, check=True, capture_output=True)
        node = run_node(node_dir, jsonl, mapping_file)

    assert rust["sample"] == node["sample"], "both must compute the same results"
    n = args.events
    node_rate = n / node["single"]
    print(f"W1, {n:,} events, a mapping of three @liquid fields (results checked equal)\n")
    print("| what | events/s | µs/event | vs mapping-kit | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds in (
        ("Rust core, parsed events (JsonDoc)", rust["parsed_s"]),
        ("Rust core, serde_json::Value events", rust["value_s"]),
    ):
        rate = n / seconds
        print(
            f"| {name} | {rate:,.0f} | {1e6 / rate:.2f} | {rate / node_rate:.1f}× | ≥{TARGET:g}× |"
        )
    print(
        f"| Segment mapping-kit `transform` | {node_rate:,.0f} | {1e6 / node_rate:.2f} | 1.0× | |"
    )


if __name__ == "__main__":
    main()
