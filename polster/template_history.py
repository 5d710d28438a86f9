"""The template history a wheel ships: every released version of each stored template, as a
git bundle built from the Polster repository's own history.

With it, a Polster installed on a machine that never had an older Polster can still upgrade
a project made by one, offline: the 3-way merge needs the project's version of the template.
A release is found two ways, so the history never depends on tags someone remembered to push:
the last commit at each earlier version (`__version__` in polster/__init__.py, read from every
commit that changed it; a fresh clone has them all), and any `v*` release tag, which wins for
its version. The commits are the template store's own (deterministic), so a version has the
same commit in the bundle as in a store that made it. Run at build time
(polster/_hatch_history.py):

    python -m polster.template_history REPOSITORY OUT_DIR
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from polster import template_store
from polster.vcs import git

VERSION_FILE = "polster/__init__.py"
_VERSION_LINE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def release_tags(repository: Path) -> list[str]:
    """The repository's release tags (`v` + a PEP 440 final or pre-release), oldest first."""
    found = git(repository, "tag", "--list", "v*", check=False).stdout.split()
    versions = [tag for tag in found if template_store.version_of(tag) is not None]
    return sorted(versions, key=template_store.version_of)


def releases(repository: Path) -> dict[str, str]:
    """Release tag -> the commit holding that release, oldest first: each version older than
    the checkout's own, at the last commit before the version changed, and every release tag."""
    found = dict(_version_commits(repository))
    for tag in release_tags(repository):
        found[tag] = tag
    return dict(sorted(found.items(), key=lambda item: template_store.version_of(item[0])))


def _version_commits(repository: Path) -> list[tuple[str, str]]:
    """(tag, commit) for each version the version file held before its current one."""
    changes = git(
        repository, "log", "--reverse", "--format=%H", "--", VERSION_FILE, check=False
    ).stdout.split()
    releases: list[tuple[str, str]] = []
    previous: tuple[str, str] | None = None  # (version, first commit with it)
    for commit in changes:
        version = _version_at(repository, commit)
        if version is None or (previous is not None and version == previous[0]):
            continue
        if previous is not None:
            releases.append((template_store.tag_of(previous[0]), f"{commit}~1"))
        previous = (version, commit)
    return [(tag, _resolve(repository, ref)) for tag, ref in releases]


def _version_at(repository: Path, commit: str) -> str | None:
    shown = git(repository, "show", f"{commit}:{VERSION_FILE}", check=False)
    match = _VERSION_LINE.search(shown.stdout) if shown.returncode == 0 else None
    if match is None or template_store.version_of(match.group(1)) is None:
        return None
    return match.group(1)


def _resolve(repository: Path, ref: str) -> str:
    return git(repository, "rev-parse", "--verify", f"{ref}^{{commit}}").stdout.strip()


def build(repository: Path, out: Path) -> dict[str, Path]:
    """Write `<template>.bundle` into `out` for each stored template with released versions;
    return them by template name. A repository with no earlier version (or no git) gives none."""
    bundles: dict[str, Path] = {}
    released = releases(repository)
    for template in template_store.TEMPLATES.values():
        store = out / "stores" / template.name
        for tag, commit in released.items():
            with tempfile.TemporaryDirectory(prefix="polster-history-") as scratch:
                if _extract(repository, commit, template, Path(scratch)):
                    version = tag.removeprefix("v")
                    template_store.ensure(template, Path(scratch), version, repository=store)
        if store.is_dir() and template_store.tags(store):
            bundle = out / f"{template.name}.bundle"
            git(store, "bundle", "create", "--quiet", str(bundle), "--tags")
            bundles[template.name] = bundle
    return bundles


def _extract(
    repository: Path, commit: str, template: template_store.StoredTemplate, into: Path
) -> bool:
    """Unpack the template's files as they were at `commit`; False when it had none then."""
    paths = [(Path(template.folder) / path).as_posix() for path in template.paths]
    command = ["git", "archive", "--format=tar", commit, "--", *paths]
    archive = subprocess.run(command, cwd=repository, capture_output=True)
    if archive.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return True


if __name__ == "__main__":
    built = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(str(path) for path in built.values()) or "no earlier release: no history")
