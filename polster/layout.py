"""The medallion layout the CLI reads projects with: polster-runtime's own module.

There is one definition of the convention (layers, allowed upstream, key <-> layer/name,
where data lives): `runtime/src/polster_runtime/layout.py`, pure Python. Polster's wheel
carries that file as `polster/_layout.py` (polster/_hatch_history.py puts it there), so the
CLI needs neither Dagster nor polster-runtime installed; a source checkout loads the file
from the runtime's source folder beside this package.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

SHARED_MODULE = "polster._layout"
SOURCE = Path(__file__).resolve().parents[1] / "runtime" / "src" / "polster_runtime" / "layout.py"


def _load() -> ModuleType:
    try:
        return importlib.import_module(SHARED_MODULE)
    except ModuleNotFoundError:
        pass
    spec = importlib.util.spec_from_file_location(SHARED_MODULE, SOURCE)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(
            f"Polster's layout module is missing ({SOURCE}); reinstall polster."
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[SHARED_MODULE] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from polster_runtime.layout import (
        ALLOWED_UPSTREAM_TABLE,
        DATA_PATH_VARIABLE,
        PYPROJECT,
        DataLocation,
        Layout,
        LayoutError,
        ProjectNotFound,
        find_root,
        listing,
        load,
        parse,
        read_pyproject,
        setting,
    )
else:
    _shared = _load()
    ALLOWED_UPSTREAM_TABLE = _shared.ALLOWED_UPSTREAM_TABLE
    DATA_PATH_VARIABLE = _shared.DATA_PATH_VARIABLE
    PYPROJECT = _shared.PYPROJECT
    DataLocation = _shared.DataLocation
    Layout = _shared.Layout
    LayoutError = _shared.LayoutError
    ProjectNotFound = _shared.ProjectNotFound
    find_root = _shared.find_root
    listing = _shared.listing
    load = _shared.load
    parse = _shared.parse
    read_pyproject = _shared.read_pyproject
    setting = _shared.setting

__all__ = [
    "ALLOWED_UPSTREAM_TABLE",
    "DATA_PATH_VARIABLE",
    "PYPROJECT",
    "DataLocation",
    "Layout",
    "LayoutError",
    "ProjectNotFound",
    "find_root",
    "listing",
    "load",
    "parse",
    "read_pyproject",
    "setting",
]
