"""Polster's benchmarks: every measure against its peer, in the same run, alternating A/B.

    python benchmarks/run.py                 # everything, rewrites benchmarks/RESULTS.md
    python benchmarks/run.py --only help,init --runs 3 --output /tmp/r.md
    python benchmarks/run.py --only data --rows 1000000     # pipeline data sizes

Each measure: one warm-up of each side, then `--runs` rounds of A then B; the table
reports medians, min-max and the ratio polster / peer. Peers that need installing
(create-dagster, a generated project's venv) are set up with uv in a scratch folder.
The report is written before the scratch folder is removed; a group that fails is listed
under "Not measured" (exit 1) and the other groups are still measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness import report
from harness.groups import GROUPS
from harness.installs import install_polster
from harness.measuring import Bench, measure_groups
from harness.paths import RESULTS


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per side (default 5)")
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the report (RESULTS.md)")
    parser.add_argument("--scratch", type=Path, help="reuse this folder for peers and projects")
    parser.add_argument(
        "--rows",
        default="10000000,50000000",
        help="data and dagster-polars groups: comma-separated sizes (default 10000000,50000000)",
    )
    args = parser.parse_args(argv)
    args.groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    args.sizes = tuple(int(n) for n in args.rows.replace("_", "").split(",") if n.strip())
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    arguments = sys.argv[1:] if argv is None else list(argv)
    with tempfile.TemporaryDirectory(prefix="polster-bench-") as tmp:
        scratch = args.scratch or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        bench = Bench(scratch, install_polster(scratch), args.sizes)
        outcome = measure_groups({g: GROUPS[g] for g in args.groups}, bench, args.runs)
        text = report.render(outcome, args.runs, arguments, bench.polster.version)
        args.output.write_text(text, encoding="utf-8")
    print(text)
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
