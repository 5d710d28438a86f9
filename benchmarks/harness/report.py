"""The Markdown report: the machine, the versions, one table row per measure, what failed."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import statistics
from collections.abc import Sequence

from harness.measuring import Failure, Outcome
from harness.paths import HISTORY

HEADER = "| measure | polster | peer | ratio | target | met |\n|---|---|---|---|---|---|"


def versions() -> str:
    """The versions of the main libraries in the harness's own environment."""
    found = []
    for package in ("copier", "click", "dagster", "polars"):
        try:
            found.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def table_rows(outcome: Outcome) -> list[str]:
    rows = []
    for m in outcome.measured:
        ours, peer = statistics.median(m.ours.times), statistics.median(m.peer.times)
        met = ("yes" if m.meets(ours, peer) else "**no**") + m.detail(ours, peer)
        rows.append(
            f"| {m.name} | {m.ours.describe()}: {seconds(m.ours.times)} | {m.peer.describe()}: "
            f"{seconds(m.peer.times)} | {ours / peer:.2f}× | {m.target} | {met} |"
        )
    return rows


def failure_line(failure: Failure) -> str:
    where = f"`{failure.group}`" + (f", {failure.measure}" if failure.measure else " (setup)")
    return f"- {where}: {failure.error}"


def render(outcome: Outcome, runs: int, arguments: Sequence[str], polster_version: str) -> str:
    """The report, followed by benchmarks/history.md."""
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python benchmarks/run.py {' '.join(arguments)}` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}; polster {polster_version}; {versions()}",
        f"- Each side: one warm-up, then {runs} runs alternating with its peer; median (min–max).",
        "",
        HEADER,
        *table_rows(outcome),
    ]
    if outcome.failures:
        lines += ["", "## Not measured", "", *map(failure_line, outcome.failures)]
    text = "\n".join(lines) + "\n"
    if HISTORY.is_file():
        text += "\n" + HISTORY.read_text(encoding="utf-8")
    return text
