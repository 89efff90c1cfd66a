"""``benchmarks/spark.py`` at a tiny size, in a process of its own (it starts Spark and sets
``SENDGRID_API_KEY``): it fails unless both paths store every row exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "spark.py"


def test_spark_benchmark_stores_every_row(tmp_path: Path) -> None:
    if not BENCHMARK.exists():
        pytest.skip("benchmarks/ is not next to tests/")
    out = tmp_path / "spark.json"
    command = [sys.executable, str(BENCHMARK), "--rows", "3000", "--repeat", "1"]
    command += ["--partitions", "4", "--json", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads(out.read_text())
    for name in ("datasource", "recipe"):
        assert len(data[name]["runs"]) == 1
        # The last run of each path lists the emulator's contacts.
        assert data[name]["contacts"] == data[name]["with_city"] == 3_000, data[name]
        assert data[name]["requested"] == data[name]["created"] == 3_000
    assert data["ratio"] > 0
    assert "Spark local[2]" in proc.stdout
