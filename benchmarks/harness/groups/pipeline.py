"""The sample pipeline of a fresh project, run by its runner and by Dagster's own CLI."""

from __future__ import annotations

from harness.measuring import Bench
from harness.projects import installed_project, project_python
from harness.timing import Measure, Side


def sample_pipeline_measures(bench: Bench) -> list[Measure]:
    project = installed_project(bench.polster, bench.scratch / "pipeline")
    in_process = project / "in_process.yaml"
    in_process.write_text("execution:\n  config:\n    in_process: {}\n")
    python = project_python(project)
    materialize = [python, "-m", "dagster", "asset", "materialize", "--select", "*"]
    materialize += ["-m", "shop.definitions", "-c", str(in_process)]
    home = {"DAGSTER_HOME": str(project / ".dagster")}
    return [
        Measure(
            "sample pipeline end to end",
            Side("python run_polster.py", [python, "run_polster.py"], project),
            Side("dagster asset materialize (in-process)", materialize, project, env=home),
            "≤ 1.0× in-process",
            lambda ours, peer: ours <= peer,
        )
    ]
