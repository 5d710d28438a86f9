"""Run this project's pipeline locally.

    python run_polster.py                       materialize every asset, in one process
    python run_polster.py --asset group:silver  materialize a Dagster asset selection
    python run_polster.py --status              last materialization, rows and state per asset
    python run_polster.py --ui                  materialize, then start the Dagster UI

Runs are recorded in the Dagster instance in DAGSTER_HOME (default: .dagster/ in this
folder), so `--status` and the UI show their history. Settings come from the environment
and from `.env`; variables already set in the environment win.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import time
import tomllib
import traceback
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import dagster as dg

ROOT = Path(__file__).resolve().parent
DEFAULT_HOME = ROOT / ".dagster"
LOCAL_JOB = "run_polster"
SELECTION_EXAMPLES = "bronze_raw_orders, group:silver, +gold_order_metrics, key:a or key:b"
INSTANCE_SETTINGS = """\
# Dagster instance settings for this project (created by run_polster.py).
# No settings: runs, event logs and schedules are kept in SQLite files in this folder.
# Options: https://docs.dagster.io/guides/deploy/dagster-yaml
# To opt out of Dagster's anonymous usage statistics:
# telemetry:
#   enabled: false
"""


class UsageError(Exception):
    """A mistake in the command line or the project setup: one sentence, exit code 2."""


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Materialize this project's assets, show their state, open the Dagster UI.",
        epilog=f"SELECTION uses Dagster's asset selection syntax, e.g. {SELECTION_EXAMPLES}.",
    )
    parser.add_argument(
        "--asset", metavar="SELECTION", help="only these assets (default: every asset)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--status", action="store_true", help="show each asset's state; run nothing")
    mode.add_argument(
        "--ui", action="store_true", help="materialize, then start the Dagster UI (dagster dev)"
    )
    parser.add_argument(
        "--no-materialize", action="store_true", help="with --ui: start the UI without a run"
    )
    parser.add_argument("--port", type=int, default=3000, help="with --ui: port (default 3000)")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="run each asset in its own process (multiprocess executor; slower to start)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument(
        "--verbose", action="store_true", help="show Dagster's event log and full tracebacks"
    )
    args = parser.parse_args(argv)
    if args.no_materialize and not args.ui:
        parser.error("--no-materialize only applies with --ui")
    return args


# ---------------------------------------------------------------- project and environment


def read_pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def prepare_environment() -> None:
    """Work from the project root, with its .env file and its own Dagster instance."""
    os.chdir(ROOT)
    if (ROOT / ".env").is_file():
        from dotenv import load_dotenv  # python-dotenv ships with Dagster

        load_dotenv(ROOT / ".env", override=False)
    home = (ROOT / Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME).expanduser()).resolve()
    os.environ["DAGSTER_HOME"] = str(home)  # Dagster needs an absolute path


def open_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME, created on first use (after the command was accepted)."""
    import dagster as dg

    home = Path(os.environ["DAGSTER_HOME"])
    ours = home == DEFAULT_HOME or not home.exists()  # never write into someone else's
    home.mkdir(parents=True, exist_ok=True)
    if ours and not (home / "dagster.yaml").exists():
        # Without this file Dagster prints a notice on every start.
        (home / "dagster.yaml").write_text(INSTANCE_SETTINGS, encoding="utf-8")
    return dg.DagsterInstance.get()


def definitions_module() -> str:
    tool = read_pyproject().get("tool", {})
    module = tool.get("dagster", {}).get("module_name")
    root_module = tool.get("dg", {}).get("project", {}).get("root_module")
    if module:
        return module
    if root_module:
        return f"{root_module}.definitions"
    raise UsageError("pyproject.toml names no definitions module: set [tool.dagster] module_name.")


def make_importable() -> None:
    """Import the package from this project's src/, ahead of anything else on the path (a
    folder of the same name elsewhere must not hide it); child processes inherit it."""
    source = str(ROOT / "src")
    sys.path.insert(0, source)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))


@functools.cache
def load_definitions() -> dg.Definitions:
    import dagster as dg

    module = importlib.import_module(definitions_module())
    defs = getattr(module, "defs", None)
    defs = defs() if callable(defs) else defs  # @dg.definitions functions build on call
    if not isinstance(defs, dg.Definitions):
        raise UsageError(f"{module.__name__} has no `defs` that builds dagster.Definitions.")
    return defs


def select_keys(defs: dg.Definitions, selection: str | None) -> list[dg.AssetKey]:
    import dagster as dg

    graph = defs.resolve_asset_graph()
    if selection is None:
        return sorted(graph.materializable_asset_keys)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dg.BetaWarning)
            keys = dg.AssetSelection.from_string(selection).resolve(graph)
    except dg.DagsterInvalidSubsetError:
        raise UsageError(
            f"--asset {selection!r} names an asset this project does not have; "
            "`python run_polster.py --status` lists them."
        ) from None
    except dg.DagsterError:
        raise UsageError(
            f"--asset {selection!r} is not a valid Dagster asset selection; "
            f"examples: {SELECTION_EXAMPLES}."
        ) from None
    keys &= graph.materializable_asset_keys
    if not keys:
        raise UsageError(f"--asset {selection!r} selects no asset this project materializes.")
    return sorted(keys)


# ---------------------------------------------------------------- running


def run_assets(
    instance: dg.DagsterInstance,
    keys: list[dg.AssetKey],
    parallel: bool,
    verbose: bool,
) -> str:
    """Materialize `keys` in one run and return its run id."""
    import dagster as dg

    # Quiet unless --verbose: the outcome is summarized from the event log afterwards.
    level = "DEBUG" if verbose else "CRITICAL"
    # In process by default: no per-step subprocesses, seconds faster for a local run.
    executor = "multiprocess" if parallel else "in_process"
    run_config = {
        "loggers": {"console": {"config": {"log_level": level}}},
        "execution": {"config": {executor: {}}},
    }
    # execute_job rather than execute_in_process: the latter keeps every asset's output in
    # memory until the run ends, which for DataFrame assets multiplies peak memory.
    job = dg.build_reconstructable_job(
        __name__, local_job.__name__, reconstructor_working_directory=str(ROOT)
    )
    # Step processes log their start to stderr whatever the level; the report says the rest.
    with stderr_discarded(parallel and not verbose):
        result = dg.execute_job(job, instance, run_config=run_config, asset_selection=keys)
    return result.run_id


@contextlib.contextmanager
def stderr_discarded(discard: bool) -> Iterator[None]:
    """Send this process's stderr, and that of its children, to /dev/null meanwhile."""
    if not discard:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def local_job() -> dg.JobDefinition:
    """Every asset as one job; Dagster rebuilds it from here in each step process."""
    import dagster as dg

    every_asset = dg.define_asset_job(LOCAL_JOB, selection=dg.AssetSelection.all())
    defs = dg.Definitions.merge(load_definitions(), dg.Definitions(jobs=[every_asset]))
    return defs.resolve_job_def(LOCAL_JOB)


def dagster_cli(command_function: str) -> list[str]:
    """`python -m dagster`, without the notice that `dg` (a dev extra here) supersedes it."""
    notice = f"ignore:Function `{command_function}` is superseded"
    return [sys.executable, "-W", notice, "-m", "dagster"]


def run_report(instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """What the run materialized (rows, seconds, file) and why it failed, if it did."""
    import dagster as dg

    seconds = {
        stat.step_key: (stat.end_time or 0.0) - (stat.start_time or 0.0)
        for stat in instance.get_run_step_stats(run_id)
    }
    materialized = dg.DagsterEventType.ASSET_MATERIALIZATION
    assets = []
    for record in instance.get_records_for_run(run_id, of_type=materialized).records:
        entry = record.event_log_entry
        metadata = entry.asset_materialization.metadata
        assets.append(
            {
                "asset": entry.asset_materialization.asset_key.to_user_string(),
                "rows": metadata_value(metadata, "dagster/row_count"),
                "seconds": round(seconds.get(entry.step_key, 0.0), 3),
                "file": relative(metadata_value(metadata, "path")),
            }
        )
    failures = run_failures(instance, run_id, dg.DagsterEventType.STEP_FAILURE)
    if not failures:  # e.g. a resource that could not start
        failures = run_failures(instance, run_id, dg.DagsterEventType.RUN_FAILURE)
    run = instance.get_run_by_id(run_id)
    return {
        "run_id": run_id,
        "success": run is not None and run.status == dg.DagsterRunStatus.SUCCESS,
        "assets": assets,
        "failures": failures,
    }


def run_failures(instance: dg.DagsterInstance, run_id: str, kind: Any) -> list[dict[str, Any]]:
    failures = []
    for record in instance.get_records_for_run(run_id, of_type=kind).records:
        entry = record.event_log_entry
        error = entry.dagster_event.event_specific_data.error
        if error is None:
            continue
        cause = error
        while cause.cause is not None:  # Dagster wraps the asset's own exception
            cause = cause.cause
        failures.append(
            {"step": entry.step_key, "error": cause.message.strip(), "traceback": error.to_string()}
        )
    return failures


def metadata_value(metadata: dict[str, Any], name: str) -> Any:
    entry = metadata.get(name)
    return None if entry is None else entry.value


def relative(path: Any) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(str(path)).relative_to(Path.cwd()))
    except ValueError:  # elsewhere on disk, or an object-store URL
        return str(path)


def print_run_report(report: dict[str, Any], verbose: bool) -> None:
    rows = [[a["asset"], a["rows"], f"{a['seconds']:.2f}", a["file"]] for a in report["assets"]]
    if rows:
        print_table(["asset", "rows", "seconds", "file"], rows)
        print()
    outcome = "succeeded" if report["success"] else "failed"
    print(
        f"Run {report['run_id'][:8]} {outcome}: {len(rows)} asset(s) materialized "
        f"in {report['seconds']:.1f} s."
    )
    for failure in report["failures"]:
        where = failure["step"] or "The run"
        print(f"{where} failed: {failure['error']}", file=sys.stderr)
        if "traceback" in failure:
            print(failure["traceback"], file=sys.stderr)
    if report["failures"] and not verbose:
        print("Run again with --verbose for the full traceback.", file=sys.stderr)


# ---------------------------------------------------------------- status


def asset_status(
    defs: dg.Definitions, instance: dg.DagsterInstance, keys: list[dg.AssetKey]
) -> list[dict[str, Any]]:
    """One row per asset; state is never, fresh, stale (an upstream asset was materialized
    after it) or failed (its latest planned run failed its step after its last success)."""
    graph = defs.resolve_asset_graph()
    last = {
        record.asset_entry.asset_key: record.asset_entry.last_materialization_record
        for record in instance.get_asset_records(defs.resolve_all_asset_keys())
    }
    layers = read_pyproject().get("tool", {}).get("polster", {}).get("layers", [])

    def layer_order(key: dg.AssetKey) -> tuple[int, str]:
        group = graph.get(key).group_name
        return (layers.index(group) if group in layers else len(layers), key.to_user_string())

    statuses = []
    for key in sorted(keys, key=layer_order):
        record = last.get(key)
        entry = record.event_log_entry if record else None
        if failed_since_success(instance, defs, key, record):
            state = "failed"
        elif entry is None:
            state = "never"
        elif any(
            last.get(parent) and last[parent].event_log_entry.timestamp > entry.timestamp
            for parent in graph.get(key).parent_keys
        ):
            state = "stale"
        else:
            state = "fresh"
        statuses.append(
            {
                "asset": key.to_user_string(),
                "layer": graph.get(key).group_name,
                "last_materialization": (
                    datetime.fromtimestamp(entry.timestamp).astimezone().isoformat("T", "seconds")
                    if entry
                    else None
                ),
                "rows": (
                    metadata_value(entry.asset_materialization.metadata, "dagster/row_count")
                    if entry
                    else None
                ),
                "state": state,
            }
        )
    return statuses


def failed_since_success(
    instance: dg.DagsterInstance, defs: dg.Definitions, key: dg.AssetKey, last_success: Any
) -> bool:
    """The latest run that planned `key` came after its last success and failed on its step
    (a step skipped because an upstream step failed does not count)."""
    import dagster as dg

    planned = instance.get_latest_planned_materialization_info(key)
    if planned is None or (last_success and last_success.storage_id > planned.storage_id):
        return False
    run = instance.get_run_by_id(planned.run_id)
    if run is None or run.status != dg.DagsterRunStatus.FAILURE:
        return False
    step = defs.resolve_assets_def(key).node_def.name
    return any(
        stat.status is not None
        and stat.status.value == "FAILURE"
        and (stat.step_key == step or stat.step_key.startswith(f"{step}."))
        for stat in instance.get_run_step_stats(planned.run_id)
    )


def print_status(statuses: list[dict[str, Any]]) -> None:
    rows = [
        [
            s["asset"],
            s["layer"],
            s["last_materialization"] and s["last_materialization"][:19].replace("T", " "),
            s["rows"],
            s["state"],
        ]
        for s in statuses
    ]
    print_table(["asset", "layer", "last materialization", "rows", "state"], rows)


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [["-" if value is None else str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in [headers, *cells]) for i in range(len(headers))]
    for line in [headers, ["-" * width for width in widths], *cells]:
        padded = (value.ljust(width) for value, width in zip(line, widths, strict=True))
        print("  ".join(padded).rstrip())


# ---------------------------------------------------------------- UI


def start_ui(port: int) -> int:
    """`dagster dev` for this project with the same DAGSTER_HOME; Ctrl+C stops it."""
    command = [*dagster_cli("dev_command"), "dev", "--port", str(port)]
    print(f"Starting the Dagster UI at http://127.0.0.1:{port} (Ctrl+C stops it)", flush=True)
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            process.wait(timeout=30)  # dagster dev received the same Ctrl+C and shuts down
        except subprocess.TimeoutExpired:
            process.kill()
        return 0


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Importing Dagster, loading the definitions and opening the instance create hundreds of
    # thousands of long-lived objects: no collections meanwhile, then freeze them so that the
    # garbage collector never rescans them (half a second on every run).
    gc.disable()
    try:
        prepare_environment()
        make_importable()
        if importlib.util.find_spec("dagster") is None:
            raise UsageError(
                f"Dagster is not installed for {sys.executable}: "
                'run `pip install -e ".[dev]"` in this folder first.'
            )
        try:
            defs = load_definitions()
        except UsageError:
            raise
        except Exception as error:
            if args.verbose:
                traceback.print_exc()
            message = f"{type(error).__name__}: {error}"
            print(f"Could not load the definitions: {message}", file=sys.stderr)
            return 1
        if any(job.name == LOCAL_JOB for job in defs.jobs or []):
            raise UsageError(
                f"The definitions have a job named {LOCAL_JOB!r}, the name run_polster.py gives "
                "its own runs: rename that job."
            )
        keys = select_keys(defs, args.asset)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2

    instance = open_instance()
    gc.freeze()
    gc.enable()
    if not keys and args.format == "table":
        package = definitions_module().split(".")[0]
        print(f"No assets yet: add one with `polster add-asset` or in src/{package}/defs/<layer>/.")
    if args.status:
        statuses = asset_status(defs, instance, keys)
        if args.format == "json":
            print(json.dumps(statuses, indent=2))
        elif statuses:
            print_status(statuses)
        return 0
    exit_code = 0
    if keys and not args.no_materialize:
        exit_code = materialize(instance, keys, args)
    return start_ui(args.port) if args.ui else exit_code


def materialize(
    instance: dg.DagsterInstance,
    keys: list[dg.AssetKey],
    args: argparse.Namespace,
) -> int:
    started = time.perf_counter()
    run_id = run_assets(instance, keys, args.parallel, args.verbose)
    report = run_report(instance, run_id)
    report["seconds"] = round(time.perf_counter() - started, 3)
    if not args.verbose:
        for failure in report["failures"]:
            failure.pop("traceback")
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print_run_report(report, args.verbose)
    return 0 if report["success"] else 1


if __name__ == "__main__":
    # Run as the importable module `run_polster`, the name Dagster rebuilds the job from.
    from run_polster import main as module_main

    exit_code = module_main()
    gc.freeze()  # the interpreter then exits without a last, slow collection of all of them
    raise SystemExit(exit_code)
