"""Change a project's files all or nothing: on any failure the project is left as it was."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path


def _make_parents(path: Path, made: list[Path]) -> None:
    """Create the missing folders above `path`, recording each one in `made`."""
    for folder in reversed(path.parents):
        if not folder.exists():
            folder.mkdir()
            made.append(folder)


def create_files(root: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write new files (paths relative to `root`) and the folders they need.

    A file that already exists is never overwritten. On any failure, the files and folders
    written so far are removed and the error is raised again.
    """
    created: list[Path] = []  # files and folders, in creation order
    try:
        for relative, content in files.items():
            path = root / relative
            _make_parents(path, created)
            with path.open("xb") as handle:  # "x": fail rather than overwrite
                created.append(path)
                handle.write(content)
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):  # keep undoing the rest
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()
        raise
    return [path for path in created if path.is_file()]


def delete_paths(paths: Iterable[Path]) -> None:
    """Delete files and folders, all or none.

    Each is first renamed aside within its own folder (so the rename cannot cross file
    systems); if any rename fails, every one is renamed back and the error is raised.
    Only then are the renamed copies deleted.
    """
    moved: list[tuple[Path, Path]] = []
    try:
        for path in paths:
            aside = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.polster-deleting")
            os.rename(path, aside)
            moved.append((path, aside))
    except BaseException:
        for path, aside in reversed(moved):
            os.rename(aside, path)
        raise
    for _, aside in moved:
        if aside.is_dir() and not aside.is_symlink():
            shutil.rmtree(aside)
        else:
            aside.unlink()


def replace_files(root: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write files (paths relative to `root`), replacing those that exist, all or nothing.

    Every file is first written beside its target; only when all are written are they renamed
    into place (a rename within a folder replaces the old file in one step). On a failure
    before that, the staged copies and the folders made for them are removed.
    """
    staged: list[tuple[Path, Path]] = []
    folders: list[Path] = []
    try:
        for relative, content in files.items():
            path = root / relative
            _make_parents(path, folders)
            temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.polster-writing")
            staged.append((temporary, path))
            temporary.write_bytes(content)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for temporary, path in staged:
        os.replace(temporary, path)
    return [path for _, path in staged]
