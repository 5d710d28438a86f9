"""`polster validate --load`: load the definitions through Dagster, diff with the static graph.

Dagster runs in a subprocess with the project's own interpreter (its `.venv` when there is one),
so Polster never imports Dagster itself and the project's dependencies are the ones it installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from polster.graph import AssetGraph
from polster.project import Project
from polster.validate import Finding

# Prints {asset key: [upstream keys]} for the module's Definitions (or @dg.definitions function).
_PROBE = """
import json, sys, importlib
import dagster as dg
module = importlib.import_module(sys.argv[1])
found = [v for v in vars(module).values()
         if isinstance(v, dg.Definitions) or type(v).__name__ == "LazyDefinitions"]
if len(found) != 1:
    sys.exit(f"expected one Definitions object or @dg.definitions function, found {len(found)}")
defs = found[0] if isinstance(found[0], dg.Definitions) else found[0]()
graph = {spec.key.to_user_string(): [dep.asset_key.to_user_string() for dep in spec.deps]
         for spec in defs.resolve_all_asset_specs()}
print("POLSTER_GRAPH=" + json.dumps(graph))
"""
_MARKER = "POLSTER_GRAPH="
LOAD_TIMEOUT_SECONDS = 300


class LoadFailed(Exception):
    """Dagster could not load the definitions; the message is the last line of its error."""


def project_python(project: Project) -> Path:
    """The project's `.venv` interpreter if it has one, else the one running Polster."""
    for candidate in (
        project.root / ".venv" / "bin" / "python",
        project.root / ".venv" / "Scripts" / "python.exe",
    ):
        if candidate.is_file():
            return candidate
    return Path(sys.executable)


def load_real_graph(project: Project, python: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Asset key -> upstream keys, as Dagster sees them after importing the definitions."""
    env = dict(os.environ)
    # src/ first, so an uninstalled project loads too
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, (str(project.root / "src"), env.get("PYTHONPATH")))
    )
    try:
        result = subprocess.run(
            [
                str(python or project_python(project)),
                "-c",
                _PROBE,
                f"{project.package}.definitions",
            ],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=LOAD_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as error:
        raise LoadFailed(f"loading took longer than {LOAD_TIMEOUT_SECONDS} s") from error
    except OSError as error:
        raise LoadFailed(f"cannot run {python or project_python(project)}: {error}") from error
    printed = [line for line in result.stdout.splitlines() if line.startswith(_MARKER)]
    if result.returncode == 0 and printed:
        loaded = json.loads(printed[-1].removeprefix(_MARKER))
        return {key: tuple(upstream) for key, upstream in loaded.items()}
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    raise LoadFailed(lines[-1].strip() if lines else f"exit code {result.returncode}")


def compare(project: Project, graph: AssetGraph, real: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Findings (`load-mismatch`) where Dagster's graph and the static graph differ."""
    definitions = project.relative(project.package_dir / "definitions.py")
    findings = []
    for key in sorted(real.keys() - graph.by_key.keys()):
        findings.append(
            Finding(
                "load-mismatch",
                definitions,
                None,
                f"Dagster loads {key}, but no asset module in the defs folder defines it "
                "in a way Polster can read",
                "define it with @dg.asset in its own module in a layer folder "
                "(factories and multi-assets are invisible to Polster's checks)",
            )
        )
    for key, node in sorted(graph.by_key.items()):
        if key not in real:
            findings.append(
                Finding(
                    "load-mismatch",
                    node.path,
                    node.line,
                    f"{key} is in the source, but Dagster did not load it",
                    "check that definitions.py loads the defs folder and nothing filters it out",
                )
            )
        elif set(real[key]) != set(node.upstream):
            findings.append(
                Finding(
                    "load-mismatch",
                    node.path,
                    node.line,
                    f"Dagster sees {key} reading [{', '.join(sorted(real[key]))}], "
                    f"the source reads as [{', '.join(sorted(node.upstream))}]",
                    "write each dependency as a parameter or as a literal in deps= or ins=",
                )
            )
    return findings


def check_load(project: Project, graph: AssetGraph, python: Path | None = None) -> list[Finding]:
    """Load the definitions and diff; a failed load is one `load-error` finding."""
    try:
        real = load_real_graph(project, python)
    except LoadFailed as error:
        return [
            Finding(
                "load-error",
                project.relative(project.package_dir / "definitions.py"),
                None,
                f"Dagster could not load {project.package}.definitions ({error})",
                "run `dg check defs` in the project for the full error",
            )
        ]
    return compare(project, graph, real)
