"""One definition of the medallion layout: the CLI reads projects with polster-runtime's own
module, from the checkout or as the copy Polster's wheel carries."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import REPO_ROOT, uv

from polster import layout

RUNTIME_LAYOUT = REPO_ROOT / "runtime" / "src" / "polster_runtime" / "layout.py"


def test_a_checkout_loads_the_runtime_source_file() -> None:
    shared = sys.modules[layout.SHARED_MODULE]
    assert Path(shared.__file__) == RUNTIME_LAYOUT
    assert layout.Layout is shared.Layout


def test_the_cli_reads_layouts_without_dagster_or_the_runtime_package() -> None:
    probe = (
        "import sys, polster.layout\n"
        "print(sorted({'dagster', 'polars', 'polster_runtime'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_wheel_carries_that_very_file(tmp_path: Path) -> None:
    subprocess.run(
        [uv(), "build", "--quiet", "--wheel", "--out-dir", str(tmp_path), str(REPO_ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("polster-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("polster/_layout.py") == RUNTIME_LAYOUT.read_bytes()
