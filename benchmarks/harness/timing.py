"""A measure: two sides, each a command timed from start to exit, run alternately."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Side:
    """One command of a measure, its working directory and extra environment variables;
    `before_each` resets what the command changes."""

    label: str
    command: Sequence[str]
    cwd: Path
    before_each: Callable[[], None] = lambda: None
    env: Mapping[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)

    def run_once(self) -> float:
        self.before_each()
        start = time.perf_counter()
        result = subprocess.run(
            list(self.command),
            cwd=self.cwd,
            env={**os.environ, **self.env} if self.env else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(self.command)} failed:\n{result.stderr[-2000:]}")
        return elapsed

    def describe(self) -> str:
        """The label, with what the side recorded besides its time."""
        return self.label


class PeakSide(Side):
    """A side run under /usr/bin/time: it also records each run's peak RSS."""

    def __init__(
        self,
        label: str,
        command: Sequence[str],
        cwd: Path,
        report: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        timed = ["/usr/bin/time", "-f", "%M", "-o", str(report), *command]
        super().__init__(label, timed, cwd, env=env or {})
        self.report = report
        self.peaks: list[int] = []  # KiB
        self.versus: PeakSide | None = None  # the peer whose peak `describe` compares

    def peak_mib(self) -> float:
        return statistics.median(self.peaks) / 1024

    def run_once(self) -> float:
        elapsed = super().run_once()
        self.peaks.append(int(self.report.read_text().split()[-1]))
        return elapsed

    def describe(self) -> str:
        if not self.peaks:
            return self.label
        ratio = f", {self.peak_mib() / self.versus.peak_mib():.2f}× peer" if self.versus else ""
        return f"{self.label} (peak RSS {self.peak_mib():,.0f} MiB{ratio})"


class MeteredSide(Side):
    """A side whose command writes {rows, seconds, peak_mib} as JSON to `report`; it must have
    read `expected_rows`."""

    def __init__(
        self,
        label: str,
        command: Sequence[str],
        cwd: Path,
        report: Path,
        expected_rows: int,
        env: Mapping[str, str],
    ) -> None:
        super().__init__(label, command, cwd, env={**env, "BENCH_REPORT": str(report)})
        self.report, self.expected_rows = report, expected_rows
        self.reports: list[dict[str, Any]] = []

    def run_once(self) -> float:
        elapsed = super().run_once()
        reported = json.loads(self.report.read_text())
        if reported["rows"] != self.expected_rows:
            raise RuntimeError(
                f"{self.label} read {reported['rows']} rows, not {self.expected_rows}"
            )
        self.reports.append(reported)
        return elapsed

    def describe(self) -> str:
        if not self.reports:
            return self.label
        rate = statistics.median(r["rows"] / r["seconds"] for r in self.reports)
        peak = statistics.median(r["peak_mib"] for r in self.reports)
        return f"{self.label} ({rate:,.0f} rows/s, peak {peak:,.0f} MiB)"


def always(ours: float, peer: float) -> bool:
    """The target of a context row: there to compare, nothing to meet."""
    return True


@dataclass
class Measure:
    name: str
    ours: Side
    peer: Side
    target: str
    meets: Callable[[float, float], bool]
    # Shown next to yes/no, e.g. how far an absolute bound is from the medians.
    detail: Callable[[float, float], str] = lambda ours, peer: ""

    def compare(self, runs: int) -> None:
        """One warm-up of each side, then `runs` rounds of ours then the peer."""
        self.ours.run_once()
        self.peer.run_once()
        for _ in range(runs):
            self.ours.times.append(self.ours.run_once())
            self.peer.times.append(self.peer.run_once())
