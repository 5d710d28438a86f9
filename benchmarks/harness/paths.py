"""Where the harness finds the repository and the files the measures run."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]
REPO = BENCHMARKS.parent
RESULTS = BENCHMARKS / "RESULTS.md"
HISTORY = BENCHMARKS / "history.md"  # hand-kept before/after of each fix, in every report
SIDES = BENCHMARKS / "sides"  # the programs a measure's sides run
SETUP = BENCHMARKS / "setup"  # the programs that make a measure's inputs
ASSETS = BENCHMARKS / "assets"  # the bench pipeline, copied over a generated project's src/
