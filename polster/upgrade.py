"""`polster upgrade`: bring a project to a newer version of the templates it was made from.

Each answers file in the project root (`.copier-answers.yml` for the project, and
`.copier-answers.<name>.yml` for others such as the CI/CD pipeline) names a template source
and version. Copier's update renders the template at that version and at the target one and
merges the difference into the project, so the user's edits survive and files no template
made (the user's assets) are not touched; then it runs the template's `_migrations`. Around
it, Polster refuses a dirty or non-git project before anything changes, updates several
answers files in one go (Copier wants a clean tree for each, so each run is checkpointed),
reports the conflicts Copier exits 0 with, and undoes a run that fails.

The target version: `--vcs-ref`; else, for a template from Polster's template store (what
`polster init` records), the installed Polster's version; else the source's newest PEP 440
tag, as Copier picks it.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packaging.version import Version

from polster import template_store, vcs
from polster.errors import CheckFailed
from polster.worktree import Change, Worktree

ANSWERS_FILE = ".copier-answers.yml"
OTHER_ANSWERS_FILES = ".copier-answers.*.yml"
Conflict = Literal["inline", "rej"]


@dataclass(frozen=True)
class Step:
    """One answers file: where its template comes from, and where the upgrade takes it."""

    answers_file: str
    source: str | None
    current: str | None  # the recorded `_commit`
    newest: str | None = None  # the newest version available
    target: str | None = None  # the ref to update to; None when there is nothing to do
    note: str | None = None  # why it is left as it is, when it cannot be upgraded

    @property
    def pending(self) -> bool:
        return self.target is not None


@dataclass(frozen=True)
class Outcome:
    updated: list[Step]
    changes: list[Change]
    conflicts: list[str]
    left: list[Step] = field(default_factory=list)  # not run: an earlier one conflicted


def answers_files(root: Path) -> list[str]:
    """The project's answers files: the project template's first, then the others by name."""
    found = [ANSWERS_FILE] if (root / ANSWERS_FILE).is_file() else []
    found += sorted(path.name for path in root.glob(OTHER_ANSWERS_FILES) if path.is_file())
    if not found:
        raise CheckFailed(
            f"{root} has no {ANSWERS_FILE}: it was not made from a Polster template, so there "
            "is no template version to upgrade from."
        )
    return found


def plan(root: Path, vcs_ref: str | None = None) -> list[Step]:
    """What the upgrade would do for each answers file. Refuses a project whose recorded
    version is neither in the template store nor in the history Polster ships: the update
    would need it, so `--check` refuses it too rather than promise an upgrade."""
    return [_plan_one(root, name, vcs_ref) for name in answers_files(root)]


def apply(root: Path, steps: list[Step], conflict: Conflict = "inline") -> Outcome:
    """Run Copier's update for every pending step, in order; stop at the first that leaves
    conflicts. Refuses a dirty tree; on any error the project is put back as it was."""
    tree = Worktree(root)
    tree.require_clean()
    start = tree.head()
    assert start is not None  # require_clean refuses a repository without commits
    pending = [step for step in steps if step.pending]
    updated: list[Step] = []
    conflicts: list[str] = []
    try:
        for step in pending:
            if updated and tree.changes():
                tree.checkpoint()
            _update(root, step, conflict)
            updated.append(step)
            conflicts = tree.conflicts()
            if conflicts:
                break
        tree.settle(start)
    except BaseException:
        tree.undo(start)
        raise
    return Outcome(updated, tree.changes(), conflicts, pending[len(updated) :])


def preview(root: Path, steps: list[Step], conflict: Conflict = "inline") -> Outcome:
    """What `apply` would change, found by upgrading a throwaway clone of the repository."""
    Worktree(root).require_clean()
    top = Path(vcs.git(root, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    with tempfile.TemporaryDirectory(prefix="polster-upgrade-") as scratch:
        clone = Path(scratch) / top.name
        vcs.git(root, "clone", "--quiet", "--", str(top), str(clone))
        return apply(clone / root.resolve().relative_to(top), steps, conflict)


def shown(ref: str | None) -> str:
    """A version for people: `v0.2.0` -> `0.2.0`; any other ref as it is."""
    if ref is None:
        return "none"
    version = template_store.version_of(ref)
    return str(version) if version is not None and ref.startswith("v") else ref


def _plan_one(root: Path, name: str, vcs_ref: str | None) -> Step:
    import yaml

    try:
        answers = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CheckFailed(f"Cannot read {name} ({error}); fix or restore the file.") from error
    answers = answers if isinstance(answers, dict) else {}
    source, current = answers.get("_src_path"), answers.get("_commit")
    if not source or not current:
        note = "records no template version (_commit), so it cannot be upgraded"
        return Step(name, source, current, note=note)
    source, current = str(source), str(current)
    stored = template_store.stored_template(source)
    if stored is not None:
        newest = _prepare_store(name, current, *stored)
    else:
        newest = _newest_tag(root, name, source)
        if newest is None and vcs_ref is None:
            note = f"its template ({source}) has no version tags; pass --vcs-ref"
            return Step(name, source, current, note=note)
    if vcs_ref is not None:
        _require_ref(root, name, source, vcs_ref)
    target = vcs_ref or newest
    if _at_or_after(current, target):
        return Step(name, source, current, newest)
    return Step(name, source, current, newest, target)


def _prepare_store(
    name: str,
    current: str,
    template: template_store.StoredTemplate,
    repository: Path,
) -> str:
    """Add this Polster's version (and shipped history) to the store the project records;
    return the version tag to upgrade to."""
    from polster import __version__
    from polster.templates import history_bundle, stored_source

    stored_source(template.name, repository)
    if not template_store.has_tag(repository, current):
        template_store.add_history(repository, history_bundle(template.name))
    if not template_store.has_tag(repository, current):
        old = shown(current)
        raise CheckFailed(
            f"{name} records template version {old}, which Polster's template store "
            f"({repository}) does not have: run `polster upgrade --check` once with polster "
            f"{old} (e.g. `uvx polster=={old} upgrade --check`), then run polster upgrade again."
        )
    return template_store.tag_of(__version__)


def _newest_tag(root: Path, name: str, source: str) -> str | None:
    """The newest PEP 440 release tag of a git template source, as Copier would pick it."""
    listed = vcs.git(root, "ls-remote", "--tags", "--refs", "--", _git_url(source), check=False)
    if listed.returncode != 0:
        reason = (listed.stderr.strip().splitlines() or ["git could not read it"])[-1]
        raise CheckFailed(
            f"Cannot read the template {source} that {name} records ({reason}); check the "
            "path, or your network for a remote template."
        )
    tags = [line.rsplit("refs/tags/", 1)[-1] for line in listed.stdout.splitlines()]
    releases = [
        tag
        for tag in tags
        if (version := template_store.version_of(tag)) is not None and not version.is_prerelease
    ]
    return max(releases, key=template_store.version_of, default=None)


def _require_ref(root: Path, name: str, source: str, ref: str) -> None:
    """Refuse, before anything changes, a ref the template source does not have."""
    url = _git_url(source)
    if Path(url).is_dir():
        found = vcs.git(
            Path(url), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False
        )
        known = found.returncode == 0
    else:
        listed = vcs.git(root, "ls-remote", "--", url, ref, check=False)
        known = bool(listed.stdout.strip()) or template_store.is_commit_hash(ref)
    if not known:
        raise CheckFailed(
            f"The template {source} that {name} records has no version {ref}: pass one of its "
            "tags (polster upgrade --check shows the newest)."
        )


def _git_url(source: str) -> str:
    """A `_src_path` as git understands it (Copier's `gh:`/`gl:` shortcuts and `~`)."""
    for alias, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(alias):
            path = source.removeprefix(alias).lstrip("/")
            return host + (path if path.endswith(".git") else f"{path}.git")
    source = source.removeprefix("git+")
    if source.startswith("~"):
        return str(Path(source).expanduser())
    return source


def _at_or_after(current: str, target: str | None) -> bool:
    if target is None or current == target:
        return True
    now, then = _version(current), _version(target)
    return now is not None and then is not None and now >= then


def _version(ref: str) -> Version | None:
    """The version of a tag, or of `git describe` output (`v0.1.0-3-gabc` is after v0.1.0)."""
    base = template_store.version_of(ref)
    parts = ref.split("-")
    if base is not None and len(parts) >= 3 and parts[-2].isdigit():
        return Version(f"{base}.post{parts[-2]}")
    return base


def _update(root: Path, step: Step, conflict: Conflict) -> None:
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
        try:
            copier.run_update(
                root,
                answers_file=step.answers_file,
                vcs_ref=step.target,
                defaults=True,
                overwrite=True,
                unsafe=True,
                quiet=True,
                conflict=conflict,
            )
        except (copier.errors.UserMessageError, ValueError) as error:
            # ValueError: an answer the new template refuses, or a ref it does not have.
            raise CheckFailed(f"{step.answers_file}: {error}") from error
