"""`polster remove-asset`: what removing assets deletes, what it breaks, and the deletion.

A plan names the asset modules and their tests (and, when asked, their stored data), the
assets that still read a removed one (which block the removal unless forced), and how
strongly the removal must be confirmed. Deleting is all or nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from polster.addition import LANDING
from polster.errors import CheckFailed, PolsterError, UsageError
from polster.filesystem import delete_paths
from polster.graph import AssetGraph, AssetNode
from polster.project import Project
from polster.rules import check_layer

DATA_PATH_VARIABLE = "POLSTER_DATA_PATH"
DEFAULT_DATA_PATH = "data"
MANY_ASSETS = 3
CONFIRM_MANY = "CONFIRM"
CONFIRM_ALL = "REMOVE_ALL_ASSETS"


class Cancelled(PolsterError):
    """The person at the terminal chose not to go ahead. Exit 1."""


@dataclass(frozen=True)
class RemovalPlan:
    assets: tuple[AssetNode, ...]
    files: tuple[Path, ...]  # asset modules and their tests
    data: tuple[Path, ...]  # stored data, when purging
    kept: tuple[Path, ...]  # landing folders: input files are never deleted
    readers: Mapping[str, tuple[AssetNode, ...]]  # removed key -> assets kept that read it
    removes_every_asset: bool

    @property
    def blocked(self) -> bool:
        return any(self.readers.values())

    @property
    def confirmation(self) -> str | None:
        """The word to type to go ahead, or None when a yes/no question is enough."""
        if self.removes_every_asset and len(self.assets) > 1:
            return CONFIRM_ALL
        return CONFIRM_MANY if len(self.assets) > MANY_ASSETS else None

    @property
    def keys(self) -> list[str]:
        return [node.key for node in self.assets]


def find_asset(graph: AssetGraph, project: Project, layer: str | None, name: str) -> AssetNode:
    """The asset called `name` (or with key `name`), in `layer` when given."""
    if layer is not None and all(node.layer != layer for node in graph.assets):
        check_layer(layer, project.layout)
    matches = [
        node
        for node in graph.assets
        if (layer is None or node.layer == layer) and name in (node.name, node.key)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        found = ", ".join(f"{node.key} ({node.path})" for node in matches)
        raise UsageError(f"'{name}' matches {found}: pass --layer to pick one.")
    where = f" in {layer}" if layer else ""
    raise UsageError(
        f"There is no asset '{name}'{where}: see `polster list-assets` for the assets there are."
    )


def plan_removal(
    project: Project, graph: AssetGraph, assets: Sequence[AssetNode], purge_data: bool
) -> RemovalPlan:
    """What removing `assets` deletes and which of the other assets it leaves dangling."""
    chosen = {node.key: node for node in assets}
    _refuse_shared_modules(graph, chosen)
    files: list[Path] = []
    data: list[Path] = []
    for node in chosen.values():
        files.append(project.root / node.path)
        test = project.asset_test(node.layer, node.name)
        if test.is_file():
            files.append(test)
        if purge_data:
            data.extend(stored_data(project, node))
    readers = {
        key: tuple(
            graph.by_key[reader]
            for reader in node.dependents
            if reader not in chosen and reader in graph.by_key
        )
        for key, node in chosen.items()
    }
    return RemovalPlan(
        assets=tuple(chosen.values()),
        files=tuple(dict.fromkeys(files)),
        data=tuple(dict.fromkeys(data)),
        kept=tuple(
            folder
            for folder in (project.root / LANDING / node.name for node in chosen.values())
            if folder.is_dir()
        ),
        readers=readers,
        removes_every_asset=set(graph.by_key) <= set(chosen),
    )


def stored_data(project: Project, node: AssetNode) -> list[Path]:
    """The asset's files under the data root, as the project's IO manager lays them out:
    `<layer>/<name>.parquet`, and the folder `<layer>/<name>/` of bronze snapshots or
    partitions."""
    base = data_root(project)
    candidates = (base / node.layer / f"{node.name}.parquet", base / node.layer / node.name)
    return [path for path in candidates if node.layer and path.exists()]


def data_root(project: Project) -> Path:
    """The local data folder: POLSTER_DATA_PATH (relative to the project root) or data/."""
    configured = os.environ.get(DATA_PATH_VARIABLE, "").strip() or DEFAULT_DATA_PATH
    scheme = urlsplit(configured).scheme
    if len(scheme) > 1 and scheme != "file":  # one letter is a Windows drive
        raise UsageError(
            f"{DATA_PATH_VARIABLE} is {configured}, not a local folder: --purge-data only "
            "deletes local files, so delete that data in its store instead."
        )
    if scheme == "file":
        configured = urlsplit(configured).path
    return project.root / Path(configured).expanduser()


def check_allowed(plan: RemovalPlan) -> None:
    """Refuse (exit 1) a removal that would leave other assets reading a removed one."""
    if plan.blocked:
        raise CheckFailed(
            f"Not removed: {_reading(plan)}; remove those too, change them first, or pass "
            "--force to remove anyway."
        )


def remove(plan: RemovalPlan) -> None:
    """Delete every file and folder in the plan, or none of them."""
    delete_paths([*plan.files, *plan.data])


def describe(project: Project, plan: RemovalPlan) -> list[str]:
    """The dry-run report: what would go and whether the removal would be blocked."""
    lines = [f"Would remove {', '.join(plan.keys)}:"]
    lines += [f"  {_shown(project, path)}" for path in plan.files]
    lines += [f"  {_shown(project, path)}  (stored data)" for path in plan.data]
    lines += kept_notes(project, plan)
    if plan.blocked:
        lines.append(f"Would be blocked: {_reading(plan)} (--force removes anyway).")
    else:
        lines.append("Would not be blocked: no other asset reads them.")
    lines.append("Dry run: nothing was removed.")
    return lines


def dangling(plan: RemovalPlan) -> list[str]:
    """After a forced removal: each kept asset that still reads a removed one."""
    return [
        f"{reader.key} ({reader.path}:{reader.line}) still reads {key}"
        for key, readers in plan.readers.items()
        for reader in readers
    ]


def kept_notes(project: Project, plan: RemovalPlan) -> list[str]:
    return [
        f"Kept {_shown(project, folder)}/: dropped input files are never deleted by Polster."
        for folder in plan.kept
    ]


def shown_paths(project: Project, paths: Iterable[Path]) -> list[str]:
    return [_shown(project, path) for path in paths]


def _reading(plan: RemovalPlan) -> str:
    return "; ".join(
        f"{key} is read by {', '.join(reader.key for reader in readers)}"
        for key, readers in plan.readers.items()
        if readers
    )


def _refuse_shared_modules(graph: AssetGraph, chosen: Mapping[str, AssetNode]) -> None:
    paths = {node.path for node in chosen.values()}
    for node in graph.assets:
        if node.path in paths and node.key not in chosen:
            raise UsageError(
                f"{node.path} also defines {node.key}: remove both together, or edit the "
                "file by hand."
            )


def _shown(project: Project, path: Path) -> str:
    return project.relative(path) if path.is_relative_to(project.root) else str(path)
