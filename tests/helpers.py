"""Small helpers shared by the test modules (tests/ is on sys.path under pytest)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` with its bytes: compare before and after a command."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def required_pythons() -> set[str]:
    """Interpreter versions CI insists on (POLSTER_REQUIRE_PYTHONS=3.11,3.12)."""
    raw = os.environ.get("POLSTER_REQUIRE_PYTHONS", "")
    return {version.strip() for version in raw.split(",") if version.strip()}
