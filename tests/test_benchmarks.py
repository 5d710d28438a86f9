"""The benchmark harness still runs (tiny size, no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from helpers import REPO_ROOT

HARNESS = REPO_ROOT / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("polster_benchmarks", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("keep_scratch", [False, True], ids=["temporary folder", "--scratch"])
def test_the_harness_writes_its_table_then_cleans_up(tmp_path: Path, keep_scratch: bool) -> None:
    """Without --scratch the report used to be made after the temporary folder (and the venv
    it asked for Polster's version) was deleted: a crash at the very end, nothing written."""
    output, temporary = tmp_path / "results.md", tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, str(HARNESS), "--runs", "1", "--only", "help"]
    command += ["--output", str(output)]
    if keep_scratch:
        command += ["--scratch", str(tmp_path / "scratch")]
    env = {**os.environ, "TMPDIR": str(temporary)}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert list(temporary.iterdir()) == []
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    header = "| measure | polster | peer | ratio | target | met |\n|---|---|---|---|---|---|\n"
    assert header in text
    table = text.split(header, 1)[1].split("\n\n", 1)[0]
    assert [row.split(" | ")[0] for row in table.splitlines()] == [
        "| `polster --help`",
        "| `polster --version`",
    ]


def test_an_unknown_group_is_refused(harness: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        harness.main(["--only", "nonsense", "--output", str(tmp_path / "r.md")])
    assert not (tmp_path / "r.md").exists()


def test_every_group_is_offered(harness: ModuleType) -> None:
    assert {"help", "init", "add-asset", "list-validate", "pipeline"} <= set(harness.MEASURES)


def test_the_large_project_generator_makes_a_valid_project(harness, polster, shop) -> None:
    """What list-validate measures at 300 per layer, at 4: every asset valid and linked."""
    harness.populate(shop, 4, [sys.executable])
    assert polster("validate").exit_code == 0
    listed = json.loads(polster("list-assets", "--format", "json").output)
    keys = {asset["key"]: asset for asset in listed}
    for layer in ("bronze", "silver", "gold"):
        assert {f"{layer}_t{i:03d}" for i in range(4)} <= set(keys)
    assert sorted(keys["silver_t000"]["dependencies"]) == ["bronze_t000", "bronze_t003"]
    assert sorted(keys["gold_t001"]["dependencies"]) == ["silver_t001", "silver_t002"]
    assert sorted(keys["silver_t000"]["dependents"]) == ["gold_t000", "gold_t003"]
