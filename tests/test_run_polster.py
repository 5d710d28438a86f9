"""run_polster.py in a rendered project, run by this Python (Dagster and Polars come from Polster's
dev extra; run_polster.py puts the project's src/ on the path itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A bronze asset that remembers its output weakly, and a silver asset that fails if that
# output is still alive once bronze's step is over.
WATCHED_ASSETS = {
    "bronze/watched.py": """
        import weakref

        import dagster as dg
        import polars as pl

        OUTPUTS = []


        @dg.asset(group_name="bronze")
        def bronze_watched() -> pl.DataFrame:
            frame = pl.DataFrame({"n": list(range(1000))})
            OUTPUTS.append(weakref.ref(frame))
            return frame
    """,
    "silver/watched.py": """
        import gc

        import dagster as dg
        import polars as pl

        from shop.defs.bronze.watched import OUTPUTS


        @dg.asset(group_name="silver")
        def silver_watched(bronze_watched: pl.DataFrame) -> pl.DataFrame:
            gc.collect()
            if OUTPUTS[-1]() is not None:
                raise RuntimeError("bronze_watched's output is still held in memory")
            return bronze_watched
    """,
}


def run_polster(
    project: Path, *args: str, python_path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "PYTHONPATH"}}
    if python_path is not None:
        env["PYTHONPATH"] = python_path
    return subprocess.run(
        [sys.executable, "run_polster.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_an_output_is_not_kept_in_memory_after_its_step(shop: Path) -> None:
    for relative, source in WATCHED_ASSETS.items():
        (shop / "src" / "shop" / "defs" / relative).write_text(textwrap.dedent(source))
    done = run_polster(shop, "--asset", "+silver_watched", "--format", "json")
    report = json.loads(done.stdout)
    assert report["failures"] == [], report["failures"]
    assert [a["asset"] for a in report["assets"]] == ["bronze_watched", "silver_watched"]


def test_a_folder_named_like_the_package_elsewhere_on_the_path_does_not_hide_it(
    shop: Path, tmp_path: Path
) -> None:
    # The quick start's second command: an editable install of Polster put the checkout,
    # which held the quick start's own `shop/` project folder, on everyone's sys.path.
    checkout = tmp_path / "checkout"
    (checkout / "shop" / "src").mkdir(parents=True)
    done = run_polster(shop, "--asset", "bronze_raw_orders", python_path=str(checkout))
    assert done.returncode == 0, done.stderr


def test_parallel_runs_each_asset_in_its_own_process(shop: Path) -> None:
    done = run_polster(shop, "--parallel", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["success"] and len(report["assets"]) == 3
    count_workers = (
        "import dagster as dg\n"
        "instance = dg.DagsterInstance.get()\n"
        f"records = instance.get_records_for_run({report['run_id']!r}, "
        "of_type=dg.DagsterEventType.STEP_WORKER_STARTED).records\n"
        "print(len({r.event_log_entry.step_key for r in records}))\n"
    )
    env = {**os.environ, "DAGSTER_HOME": str(shop / ".dagster")}
    counted = subprocess.run(
        [sys.executable, "-c", count_workers], env=env, capture_output=True, text=True
    )
    assert counted.stdout.strip() == "3", counted.stderr


def test_a_job_named_like_the_runners_own_is_refused(shop: Path) -> None:
    (shop / "src" / "shop" / "defs" / "gold" / "jobs.py").write_text(
        'import dagster as dg\n\nrun_polster = dg.define_asset_job("run_polster")\n'
    )
    done = run_polster(shop, "--asset", "bronze_raw_orders")
    assert_refused_writing_nothing(
        done,
        shop,
        "The definitions have a job named 'run_polster', the name run_polster.py gives its own "
        "runs: rename that job.",
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            "bronze_no_such_asset",
            "--asset 'bronze_no_such_asset' names an asset this project does not have; "
            "`python run_polster.py --status` lists them.",
        ),
        (
            "group:(",
            "--asset 'group:(' is not a valid Dagster asset selection; examples: "
            "bronze_raw_orders, group:silver, +gold_order_metrics, key:a or key:b.",
        ),
        (
            "group:platinum",
            "--asset 'group:platinum' selects no asset this project materializes.",
        ),
    ],
)
def test_a_bad_selection_is_refused_and_writes_nothing(
    shop: Path, selection: str, message: str
) -> None:
    assert_refused_writing_nothing(run_polster(shop, "--asset", selection), shop, message)


def assert_refused_writing_nothing(
    done: subprocess.CompletedProcess[str], shop: Path, message: str
) -> None:
    """Exit 2, the one-sentence `message` alone on stderr, no data and no Dagster instance."""
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [message]
    assert not (shop / "data").exists()
    assert not (shop / ".dagster").exists()
