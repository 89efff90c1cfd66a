"""The parent side of ``run.py``: the emulator process, fresh worker processes for each
pipeline run (every record must arrive), the official library's installation, the
Markdown tables and the description of the machine."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from pipelines import HERE, ROOT

import segment_sendgrid as sg
from segment_sendgrid._native import DEBUG_BUILD


class Emulator:
    """``emulator_host.py`` in a child process (or ``sink_host.py``, which speaks the same
    protocol and forgets what it receives)."""

    def __init__(self, latency_ms: int = 0, script: str = "emulator_host.py") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / script), str(latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.url: str = hello["url"]
        self.api_key: str = hello["api_key"]
        self.template_id: str = hello["template_id"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def command(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def reset(self, latency_ms: int) -> float:
        """Resets and sets the latency; returns the emulator's CPU time so far."""
        answer = self.command("reset")
        self.template_id = answer["template_id"]
        self.command("latency", ms=latency_ms)
        return float(answer["cpu_s"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.command_quit()
        self.proc.wait(timeout=30)

    def command_quit(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write('{"cmd": "quit"}\n')
        self.proc.stdin.close()


def run_worker(emulator: Emulator, latency_ms: int, spec: dict[str, Any]) -> dict[str, Any]:
    """Runs ``spec`` in a fresh process against a reset emulator and checks that every
    record arrived (contacts stored, or mail recipients; none on a ``dry_run``). The
    emulator gets ``spec["custom_fields"]`` (name, type) defined first."""
    emulator_cpu = emulator.reset(latency_ms)
    if spec.get("custom_fields"):
        emulator.command("fields", fields=spec["custom_fields"])
    spec = {**spec, "url": emulator.url, "api_key": emulator.api_key}
    spec["template_id"] = emulator.template_id
    cmd = [sys.executable, str(HERE / "run.py"), "--worker", json.dumps(spec)]
    # numpy's OpenBLAS threads spin after the vectorised table building and their CPU
    # would count as the pipeline's: one thread, as in a pipeline that does no algebra.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {spec['kind']} failed:\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    counts = emulator.command("counts")
    result["emulator_cpu_s"] = float(counts["cpu_s"]) - emulator_cpu
    stored = counts["recipients"] if spec["kind"].startswith("send") else counts["contacts"]
    result["stored"] = stored
    result["emulator_rss_mb"] = counts.get("rss_mb")
    expected = 0 if spec.get("dry_run") else result["count"]
    result["verified"] = stored == expected and result["count"] == result["accepted"]
    if not result["verified"]:
        print(f"warning: {spec['kind']} delivered {stored} of {result['count']}", file=sys.stderr)
    return result


def best_worker(
    emulator: Emulator, latency_ms: int, spec: dict[str, Any], runs: int, key: str = "wall_s"
) -> dict[str, Any]:
    """The least disturbed of ``runs`` runs of ``spec`` (smallest ``key``): a run of a second or
    less on a shared 2-core machine can lose a third of its speed to a neighbour. Every run must
    deliver every record; ``runs_<key>`` keeps all the figures."""
    results = [run_worker(emulator, latency_ms, spec) for _ in range(max(1, runs))]
    best = min(results, key=lambda r: float(r[key]))
    return {
        **best,
        f"runs_{key}": [r[key] for r in results],
        "verified": all(r["verified"] for r in results),
    }


def ensure_sendgrid() -> bool:
    """The official library, installed into this interpreter's environment if missing."""
    if importlib.util.find_spec("sendgrid") is not None:
        return True
    cmd = [sys.executable, "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")]
    print("installing the official sendgrid library:", " ".join(cmd), file=sys.stderr)
    if subprocess.run(cmd, check=False).returncode != 0:
        return False
    importlib.invalidate_caches()
    return importlib.util.find_spec("sendgrid") is not None


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        align = ["---" if i == 0 else "---:" for i in range(len(self.header))]
        align[-1] = align[-2] = "---"
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |"]
        lines.append("| " + " | ".join(align) + " |")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FALLS SHORT"


def checked(result: dict[str, Any], text: str) -> str:
    return text if result["verified"] else f"{text} (NOT ALL DELIVERED)"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        mem_kb = int(info.readline().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "segment_sendgrid": sg.__version__,
        "debug_build": DEBUG_BUILD,
        "commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
