"""Run the chosen groups of measures one after the other; a group whose setup fails, or a
measure whose command fails, is recorded as a failure and the others go on."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.installs import Polster
from harness.timing import Measure


@dataclass(frozen=True)
class Bench:
    """What every group is given: the scratch folder its setup lives in, the installed
    Polster, and the data sizes of the data groups (`--rows`)."""

    scratch: Path
    polster: Polster
    rows: tuple[int, ...]


Group = Callable[[Bench], list[Measure]]


@dataclass(frozen=True)
class Failure:
    group: str
    measure: str | None  # None: the group's setup failed, none of its measures ran
    error: str  # the last line of the error: the exception, or the failed command's stderr


@dataclass
class Outcome:
    measured: list[Measure] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def summary(error: BaseException) -> str:
    """One line for the report: the error's type and its message's last non-empty line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1]}" if lines else type(error).__name__


def measure_groups(groups: Mapping[str, Group], bench: Bench, runs: int) -> Outcome:
    """Set up and measure each group in turn. Ctrl-C stops the run but keeps what it measured."""
    outcome = Outcome()
    for name, group in groups.items():
        print(f"setting up {name} ...", flush=True)
        try:
            measures = group(bench)
        except KeyboardInterrupt:
            outcome.failures.append(Failure(name, None, "interrupted"))
            return outcome
        except Exception as error:
            traceback.print_exc()
            outcome.failures.append(Failure(name, None, summary(error)))
            continue
        for measure in measures:
            print(f"measuring {measure.name} ...", flush=True)
            try:
                measure.compare(runs)
            except KeyboardInterrupt:
                outcome.failures.append(Failure(name, measure.name, "interrupted"))
                return outcome
            except Exception as error:
                traceback.print_exc()
                outcome.failures.append(Failure(name, measure.name, summary(error)))
                continue
            outcome.measured.append(measure)
    return outcome
