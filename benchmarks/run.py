"""Polster's benchmarks: every measure against its peer, in the same run, alternating A/B.

    python benchmarks/run.py                 # everything, rewrites benchmarks/RESULTS.md
    python benchmarks/run.py --only help,init --runs 3 --output /tmp/r.md

Each measure: one warm-up of each side, then `--runs` rounds of A then B; the table
reports medians, min-max and the ratio polster / peer. Peers that need installing
(create-dagster, a generated project's venv) are set up with uv in a scratch folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class Side:
    label: str
    command: Sequence[str]
    cwd: Path
    before_each: Callable[[], None] = lambda: None
    times: list[float] = field(default_factory=list)

    def run_once(self) -> float:
        self.before_each()
        start = time.perf_counter()
        result = subprocess.run(
            list(self.command),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(self.command)} failed:\n{result.stderr[-2000:]}")
        return elapsed


@dataclass
class Measure:
    name: str
    ours: Side
    peer: Side
    target: str
    meets: Callable[[float, float], bool]


def compare(measure: Measure, runs: int) -> None:
    measure.ours.run_once()
    measure.peer.run_once()
    for _ in range(runs):
        measure.ours.times.append(measure.ours.run_once())
        measure.peer.times.append(measure.peer.run_once())


def uv() -> str:
    import uv as uv_package

    return uv_package.find_uv_bin()


_POLSTER_PYTHON: list[str] = []


def install_polster(scratch: Path) -> None:
    """Build Polster's wheel and install it into a scratch venv: measure what users run."""
    venv = scratch / "polster-venv"
    if not (venv / "bin" / "polster").exists():
        dist = scratch / "dist"
        subprocess.run(
            [uv(), "build", "-q", "--wheel", "--out-dir", str(dist), str(REPO)], check=True
        )
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        wheel = max(dist.glob("polster-*.whl"), key=lambda p: p.stat().st_mtime)
        python = str(venv / "bin" / "python")
        subprocess.run(
            [uv(), "pip", "install", "-q", "--compile-bytecode", "--python", python, str(wheel)],
            check=True,
        )
    _POLSTER_PYTHON[:] = [str(venv / "bin" / "python")]


def polster_command(*args: str) -> list[str]:
    return [*_POLSTER_PYTHON, "-m", "polster", *args]


def fresh_dir(path: Path) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)

    return reset


def cli_measures(scratch: Path) -> list[Measure]:
    floor = [*_POLSTER_PYTHON, "-c", "import click"]
    return [
        Measure(
            "`polster --help`",
            Side("polster --help", polster_command("--help"), scratch),
            Side("python -c 'import click'", floor, scratch),
            "≤ 0.15 s",
            lambda ours, peer: ours <= 0.15,
        ),
        Measure(
            "`polster --version`",
            Side("polster --version", polster_command("--version"), scratch),
            Side("python -c 'import click'", floor, scratch),
            "≤ 0.15 s",
            lambda ours, peer: ours <= 0.15,
        ),
    ]


def init_measure(scratch: Path) -> Measure:
    peers = scratch / "peers"
    if not (peers / "bin" / "create-dagster").exists():
        subprocess.run([uv(), "venv", "-q", str(peers)], check=True)
        subprocess.run(
            [
                uv(),
                "pip",
                "install",
                "-q",
                "--python",
                str(peers / "bin" / "python"),
                "create-dagster",
            ],
            check=True,
        )
    ours_dir, peer_dir = scratch / "init-ours", scratch / "init-peer"
    return Measure(
        "`polster init` (no installs)",
        Side(
            "polster init shop --no-install-uv --no-git",
            polster_command("init", "shop", "--no-install-uv", "--no-git"),
            ours_dir,
            fresh_dir(ours_dir),
        ),
        Side(
            "create-dagster project shop",
            [str(peers / "bin" / "create-dagster"), "project", "shop", "--no-uv-sync"],
            peer_dir,
            fresh_dir(peer_dir),
        ),
        "≤ 1.0 s",
        lambda ours, peer: ours <= 1.0,
    )


def pipeline_measure(scratch: Path) -> Measure:
    project = scratch / "pipeline" / "shop"
    if not (project / ".venv").exists():
        shutil.rmtree(project.parent, ignore_errors=True)
        project.parent.mkdir(parents=True)
        subprocess.run(
            polster_command("init", "shop", "--yes", "--no-git"), cwd=project.parent, check=True
        )
    python = str(project / ".venv" / "bin" / "python")
    in_process = project / "in_process.yaml"
    in_process.write_text("execution:\n  config:\n    in_process: {}\n")
    dagster_home = project / ".dagster"
    env_prefix = ["env", f"DAGSTER_HOME={dagster_home}"]
    peer = [
        *env_prefix,
        python,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "--select",
        "*",
        "-m",
        "shop.definitions",
        "-c",
        str(in_process),
    ]
    return Measure(
        "sample pipeline end to end",
        Side("python run_polster.py", [python, "run_polster.py"], project),
        Side("dagster asset materialize (in-process)", peer, project),
        "≤ 1.0× in-process",
        lambda ours, peer_time: ours <= peer_time,
    )


MEASURES: dict[str, Callable[[Path], list[Measure]]] = {
    "help": cli_measures,
    "init": lambda scratch: [init_measure(scratch)],
    "pipeline": lambda scratch: [pipeline_measure(scratch)],
}


def versions() -> str:
    import importlib.metadata as md

    found = []
    for package in ("copier", "click", "dagster", "polars"):
        try:
            found.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            continue
    return ", ".join(found)


def polster_version() -> str:
    return subprocess.run(
        polster_command("--version"), capture_output=True, text=True, check=True
    ).stdout.split()[-1]


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def report(measures: list[Measure], runs: int) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python benchmarks/run.py --runs {runs}` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}; polster {polster_version()}; {versions()}",
        f"- Each side: one warm-up, then {runs} runs alternating with its peer; median (min–max).",
        "",
        "| measure | polster | peer | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures:
        ours, peer = statistics.median(m.ours.times), statistics.median(m.peer.times)
        met = "yes" if m.meets(ours, peer) else "**no**"
        lines.append(
            f"| {m.name} | {m.ours.label}: {seconds(m.ours.times)} | {m.peer.label}: "
            f"{seconds(m.peer.times)} | {ours / peer:.2f}× | {m.target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per side (≥ 5)")
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated groups")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--scratch", type=Path, help="reuse this folder for peers and projects")
    args = parser.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = sorted(set(groups) - set(MEASURES))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    with tempfile.TemporaryDirectory(prefix="polster-bench-") as tmp:
        scratch = args.scratch or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        install_polster(scratch)
        measures = [m for group in groups for m in MEASURES[group](scratch)]
        for measure in measures:
            print(f"measuring {measure.name} ...", flush=True)
            compare(measure, args.runs)
    text = report(measures, args.runs)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
