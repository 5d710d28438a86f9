"""The README's quick start, as a new user runs it: both commands, in order, in one checkout.

Slow: copies this checkout, makes a fresh venv, runs the first command block verbatim (install
Polster, `polster init shop` inside the checkout, run its pipeline), then the second block's
install verbatim and the tests that once failed because of what the first command left there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO_ROOT, find_python, run

pytestmark = pytest.mark.slow
# The tests that broke when the first command's `shop/` sat in the checkout (the editable
# install put the checkout on sys.path, where `shop/` hid the project's own package).
SENSITIVE_TESTS = ["tests/test_run_polster.py"]


def quick_start_blocks() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", readme, re.S | re.M)
    assert section, "README.md has no '## Quick start' section"
    blocks = re.findall(r"```bash\n(.*?)```", section.group(1), re.S)
    assert len(blocks) == 2, "the quick start is two command blocks: set up + run, then tests"
    return [block.strip() for block in blocks]


def copy_checkout(into: Path) -> Path:
    """The files of this checkout a fresh clone would have, uncommitted edits included."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = REPO_ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def test_the_two_quick_start_commands_pass_one_after_the_other(tmp_path: Path) -> None:
    python = find_python("3.11")
    assert python, "Python 3.11 is needed for the quick start"
    clone = copy_checkout(tmp_path / "clone")
    venv = tmp_path / "venv"
    run([python, "-m", "venv", str(venv)], cwd=tmp_path)
    env = {
        "VIRTUAL_ENV": str(venv),
        "PATH": os.pathsep.join([str(venv / "bin"), os.environ["PATH"]]),
    }
    setup, tests = quick_start_blocks()
    run(["bash", "-e", "-c", setup], cwd=clone, timeout=1200, extra_env=env)
    assert (clone / "shop" / "data" / "gold").is_dir(), "the first command ran the pipeline"

    install, _, test_command = tests.rpartition("&&")
    assert test_command.strip() == "python -m pytest", tests
    run(["bash", "-e", "-c", install], cwd=clone, timeout=1200, extra_env=env)
    pytest_run = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *SENSITIVE_TESTS]
    run(pytest_run, cwd=clone, timeout=1200, extra_env=env)
