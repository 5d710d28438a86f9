"""The CLI's latency against its Dagster peers: --help, init, add-asset, and list-assets and
validate on a project of 900 assets."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from harness.installs import Polster, create_dagster
from harness.measuring import Bench
from harness.projects import activated, installed_project, large_project, project_tool
from harness.timing import Measure, Side

LARGE_PER_LAYER = 300  # 900 assets


def fresh_dir(path: Path) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)

    return reset


def remove_files(*paths: Path) -> Callable[[], None]:
    def reset() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return reset


def dg_side(project: Path, *args: str) -> Side:
    """`dg ARGS` from the project's venv, as with that venv activated."""
    command = [project_tool(project, "dg"), *args]
    return Side(f"dg {' '.join(args)}", command, project, env=activated(project))


def polster_side(polster: Polster, cwd: Path, *args: str) -> Side:
    return Side(f"polster {' '.join(args)}", polster.command(*args), cwd)


def help_measures(bench: Bench) -> list[Measure]:
    polster, scratch = bench.polster, bench.scratch
    return [
        Measure(
            f"`polster {flag}`",
            polster_side(polster, scratch, flag),
            Side("python -c 'import click'", [polster.python, "-c", "import click"], scratch),
            "≤ 0.15 s",
            lambda ours, peer: ours <= 0.15,
        )
        for flag in ("--help", "--version")
    ]


def init_measures(bench: Bench) -> list[Measure]:
    create = create_dagster(bench.scratch)
    ours_dir, peer_dir = bench.scratch / "init-ours", bench.scratch / "init-peer"
    ours = polster_side(bench.polster, ours_dir, "init", "shop", "--no-install-uv", "--no-git")
    ours.before_each = fresh_dir(ours_dir)
    peer = [create, "project", "shop", "--no-uv-sync"]
    return [
        Measure(
            "`polster init` (no installs)",
            ours,
            Side("create-dagster project shop", peer, peer_dir, fresh_dir(peer_dir)),
            "≤ 1.0 s",
            lambda ours, peer: ours <= 1.0,
        )
    ]


def add_asset_measures(bench: Bench) -> list[Measure]:
    project = installed_project(bench.polster, bench.scratch / "add-asset")
    defs, tests = project / "src" / "shop" / "defs" / "silver", project / "tests" / "silver"
    add = ("add-asset", "--layer", "silver", "--name", "bench_polster")
    ours = polster_side(bench.polster, project, *add, "--dependencies", "raw_orders")
    ours.before_each = remove_files(defs / "bench_polster.py", tests / "test_bench_polster.py")
    peer = dg_side(project, "scaffold", "defs", "dagster.asset", "silver/bench_dg.py")
    peer.before_each = remove_files(defs / "bench_dg.py")
    return [
        Measure(
            "`polster add-asset`",
            ours,
            peer,
            "≤ 0.5 s and ≤ 0.3×",
            lambda ours, peer: ours <= 0.5 and ours <= 0.3 * peer,
        )
    ]


def validate_arguments(polster: Polster) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The arguments of `polster validate` that read the graph from source, and those that
    also load the definitions through Dagster: `--static` and nothing once the CLI loads by
    default (issue 14), nothing and `--load` before that."""
    usage = subprocess.run(
        polster.command("validate", "--help"), capture_output=True, text=True, check=True
    ).stdout
    if "--static" in usage:
        return ("validate", "--static"), ("validate",)
    return ("validate",), ("validate", "--load")


def large_project_measures(bench: Bench) -> list[Measure]:
    """On one project of 900 assets: list-assets and the static validate against dg's
    listing and check, and the validate that loads the definitions against `dg check defs`."""
    polster = bench.polster
    project = large_project(polster, bench.scratch, LARGE_PER_LAYER)
    size = f"{3 * LARGE_PER_LAYER} assets"
    static, loading = validate_arguments(polster)
    listing = ("list-assets", "--format", "json")
    return [
        Measure(
            f"`polster {' '.join(listing)}`, {size}",
            polster_side(polster, project, *listing),
            dg_side(project, "list", "defs", "--json"),
            "≤ 0.5 s and ≤ 0.1×",
            lambda ours, peer: ours <= 0.5 and ours <= 0.1 * peer,
        ),
        Measure(
            f"`polster {' '.join(static)}`, {size}",
            polster_side(polster, project, *static),
            dg_side(project, "check", "defs"),
            "≤ 0.5 s and ≤ 0.1×",
            lambda ours, peer: ours <= 0.5 and ours <= 0.1 * peer,
        ),
        Measure(
            f"`polster {' '.join(loading)}` (loads the definitions), {size}",
            polster_side(polster, project, *loading),
            dg_side(project, "check", "defs"),
            "≤ 1.0×",
            lambda ours, peer: ours <= peer,
            lambda ours, peer: f" ({ours - peer:+.2f} s vs dg)",
        ),
    ]
