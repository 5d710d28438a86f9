"""The template history a wheel ships: every released version of each stored template, as a
git bundle built from the Polster repository's `v*` release tags.

With it, a Polster installed on a machine that never had an older Polster can still upgrade
a project made by one, offline: the 3-way merge needs the project's version of the template.
The commits are the template store's own (deterministic), so a version has the same commit in
the bundle as in a store that made it. Run at build time (polster/_hatch_history.py):

    python -m polster.template_history REPOSITORY OUT_DIR
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from polster import template_store
from polster.vcs import git


def release_tags(repository: Path) -> list[str]:
    """The repository's release tags (`v` + a PEP 440 final or pre-release), oldest first."""
    found = git(repository, "tag", "--list", "v*", check=False).stdout.split()
    versions = [tag for tag in found if template_store.version_of(tag) is not None]
    return sorted(versions, key=template_store.version_of)


def build(repository: Path, out: Path) -> dict[str, Path]:
    """Write `<template>.bundle` into `out` for each stored template with released versions;
    return them by template name. A repository without tags (or without git) gives none."""
    bundles: dict[str, Path] = {}
    released = release_tags(repository)
    for template in template_store.TEMPLATES.values():
        store = out / "stores" / template.name
        for tag in released:
            with tempfile.TemporaryDirectory(prefix="polster-history-") as scratch:
                if _extract(repository, tag, template, Path(scratch)):
                    version = tag.removeprefix("v")
                    template_store.ensure(template, Path(scratch), version, repository=store)
        if store.is_dir() and template_store.tags(store):
            bundle = out / f"{template.name}.bundle"
            git(store, "bundle", "create", "--quiet", str(bundle), "--tags")
            bundles[template.name] = bundle
    return bundles


def _extract(
    repository: Path, tag: str, template: template_store.StoredTemplate, into: Path
) -> bool:
    """Unpack the template's files as they were at `tag`; False when it had none then."""
    paths = [(Path(template.folder) / path).as_posix() for path in template.paths]
    command = ["git", "archive", "--format=tar", tag, "--", *paths]
    archive = subprocess.run(command, cwd=repository, capture_output=True)
    if archive.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return True


if __name__ == "__main__":
    built = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(str(path) for path in built.values()) or "no release tags: no history")
