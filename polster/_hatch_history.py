"""Hatch build hook (pyproject.toml): ship the template history with Polster.

A wheel built from a git checkout gets `polster/_templates/history/<template>.bundle`, built
from the release tags (polster/template_history.py); an sdist carries the same bundles in
`history/`, so a wheel built from the sdist (no git there) still ships them. Not in the wheel.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

IN_WHEEL = "polster/_templates/history"
IN_SDIST = "history"


class TemplateHistoryHook(BuildHookInterface):
    PLUGIN_NAME = "polster-template-history"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        self._scratch = Path(tempfile.mkdtemp(prefix="polster-build-history-"))
        bundles = self._from_git(root) or {p.stem: p for p in (root / IN_SDIST).glob("*.bundle")}
        where = IN_WHEEL if self.target_name == "wheel" else IN_SDIST
        for name, bundle in bundles.items():
            build_data["force_include"][str(bundle)] = f"{where}/{name}.bundle"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _from_git(self, root: Path) -> dict[str, Path]:
        if not (root / ".git").exists() or shutil.which("git") is None:
            return {}
        sys.path.insert(0, str(root))
        try:
            from polster.template_history import build
        finally:
            sys.path.remove(str(root))
        return build(root, self._scratch)
