"""Hatch build hook (pyproject.toml): put the templates, their history and the shared layout
module into the wheel.

A wheel gets the templates under `polster/_templates/`, polster-runtime's layout module as
`polster/_layout.py` (see polster/layout.py) and, when built from a git checkout,
`polster/_templates/history/<template>.bundle`, built from the release tags
(polster/template_history.py); an sdist carries the same bundles in `history/`, so a wheel
built from the sdist (no git there) still ships them. An editable install gets neither: it
reads the templates from the checkout, and a `polster/` folder in site-packages would hide
the redirected package. Not in the wheel.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TEMPLATES_IN_WHEEL = "polster/_templates"
# The one definition of the medallion layout lives in polster-runtime; see polster/layout.py.
SHARED_LAYOUT = ("runtime/src/polster_runtime/layout.py", "polster/_layout.py")
TEMPLATE_SOURCES = (
    "copier.yml",
    "project_template",
    "asset_templates",
    "cicd_templates",
    "deploy_templates",
)
IN_WHEEL = f"{TEMPLATES_IN_WHEEL}/history"
IN_SDIST = "history"


class TemplateHistoryHook(BuildHookInterface):
    PLUGIN_NAME = "polster-template-history"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return
        root = Path(self.root)
        self._scratch = Path(tempfile.mkdtemp(prefix="polster-build-history-"))
        if self.target_name == "wheel":
            for source in TEMPLATE_SOURCES:
                build_data["force_include"][str(root / source)] = f"{TEMPLATES_IN_WHEEL}/{source}"
            source, target = SHARED_LAYOUT
            build_data["force_include"][str(root / source)] = target
        bundles = self._from_git(root) or {p.stem: p for p in (root / IN_SDIST).glob("*.bundle")}
        where = IN_WHEEL if self.target_name == "wheel" else IN_SDIST
        for name, bundle in bundles.items():
            build_data["force_include"][str(bundle)] = f"{where}/{name}.bundle"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if hasattr(self, "_scratch"):
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
