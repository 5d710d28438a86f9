"""The template store: each Polster template as a git repository, one tag per Polster version.

Copier updates a project by rendering the template at the version the project records and at
the new one, then merging: both versions must be PEP 440 tags of a git repository that is
still where the answers file says. An installed Polster carries its own version's files only,
so it commits them to a repository in the user's data folder and tags the commit
`v<version>`; a later Polster adds its tag next to it, and the history it ships (a git
bundle, when present) brings the versions this machine never had. The answers file records
the store as `~/...`, so the path holds for whoever runs the update, on any machine.

    ~/.local/share/polster/           (or $XDG_DATA_HOME/polster, or $POLSTER_TEMPLATE_STORE)
        project_template/   tags v0.1.0, v0.2.0, ...   <- copier.yml + project_template/
        cicd_templates/     tags v0.1.0, v0.2.0, ...   <- cicd_templates/
        deploy_templates/   tags v0.3.0, ...           <- deploy_templates/

Commits are deterministic (fixed author and date, parent = the newest older tag), so the same
template at the same version has the same commit on every machine.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from polster.errors import CheckFailed
from polster.vcs import git

STORE_VARIABLE = "POLSTER_TEMPLATE_STORE"
_MARKER = "polster.template"  # git config key naming the template a store repository holds
_COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "Polster",
    "GIT_AUTHOR_EMAIL": "polster@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "Polster",
    "GIT_COMMITTER_EMAIL": "polster@localhost",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}
_ABBREVIATED_HASH = re.compile(r"[0-9a-f]{7,64}")
_NOT_TEMPLATE = (":(exclude,glob)**/__pycache__/**", ":(exclude,glob)**/*.py[co]")


@dataclass(frozen=True)
class StoredTemplate:
    """A template Polster keeps in the store: its folder in the installed templates, and the
    paths under that folder that make up a Copier template (an answers file that names a
    git ref must be one the store has, so Polster keeps these in the store)."""

    name: str
    folder: str
    paths: tuple[str, ...]
    answers_file: str  # as its copier.yml sets `_answers_file`


TEMPLATES = {
    template.name: template
    for template in (
        StoredTemplate(
            "project_template", ".", ("copier.yml", "project_template"), ".copier-answers.yml"
        ),
        StoredTemplate("cicd_templates", "cicd_templates", (".",), ".copier-answers.cicd.yml"),
        StoredTemplate(
            "deploy_templates", "deploy_templates", (".",), ".copier-answers.deploy.yml"
        ),
    )
}


def store_root() -> Path:
    """The folder holding the store's repositories (created on first use)."""
    configured = os.environ.get(STORE_VARIABLE)
    if configured:
        return Path(configured).expanduser().absolute()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home).expanduser().absolute() / "polster"


def recorded(path: Path) -> str:
    """How an answers file records `path`: `~/...` below the home folder (valid for any user on
    any machine), else absolute. Copier expands `~` itself."""
    home = Path.home().absolute()
    if path.is_relative_to(home):
        return "~/" + path.relative_to(home).as_posix()
    return path.as_posix()


def tag_of(version: str) -> str:
    return f"v{version}"


def version_of(ref: str | None) -> Version | None:
    """The PEP 440 version a tag (or `git describe` output) names, or None."""
    if not ref or is_commit_hash(ref):  # `git describe` of an untagged commit
        return None
    for candidate in (ref, ref.split("-", 1)[0]):
        try:
            return Version(candidate)
        except InvalidVersion:
            continue
    return None


def is_commit_hash(ref: str) -> bool:
    """Whether `ref` looks like a (possibly abbreviated) commit id rather than a tag."""
    return _ABBREVIATED_HASH.fullmatch(ref) is not None


def stored_template(src_path: str) -> tuple[StoredTemplate, Path] | None:
    """The template and repository a recorded `_src_path` names when it is a store repository:
    in this user's store, marked as one, or (on a machine that has none yet) a missing folder
    under some `polster/` data folder. None for anything else, such as a Polster checkout."""
    if "://" in src_path or src_path.startswith("git@"):
        return None
    path = Path(src_path).expanduser().absolute()
    template = TEMPLATES.get(path.name)
    if template is None:
        return None
    marked = git(path, "config", "--get", _MARKER, check=False) if path.is_dir() else None
    in_store = (
        path.parent == store_root()
        or (marked is not None and marked.stdout.strip() == template.name)
        or (not path.exists() and path.parent.name == "polster")
    )
    return (template, path) if in_store else None


def ensure(
    template: StoredTemplate,
    installed: Path,
    version: str,
    history: Path | None = None,
    repository: Path | None = None,
) -> str:
    """Make the store hold `template` as installed (under `installed`) at tag v<version>;
    return the `_src_path` to record. `history` is a git bundle of earlier versions: its tags
    the store lacks are added when this version is new to the store. A tag whose files differ
    from the installed ones (a rebuilt development version) moves to the installed files."""
    repository = repository or store_root() / template.name
    _create(repository, template)
    tag = tag_of(version)
    tree = _tree(repository, installed / template.folder, template.paths)
    current = _resolve(repository, f"refs/tags/{tag}^{{tree}}")
    if current == tree:
        return recorded(repository)
    if current is None and history is not None:
        add_history(repository, history)
        if _resolve(repository, f"refs/tags/{tag}^{{tree}}") == tree:
            return recorded(repository)
    _tag(repository, tag, tree)
    return recorded(repository)


def tags(repository: Path) -> list[str]:
    """The repository's version tags, oldest first (PEP 440 order)."""
    listed = git(repository, "tag", "--list", "v*").stdout.split()
    return sorted((t for t in listed if version_of(t) is not None), key=version_of)


def has_tag(repository: Path, tag: str) -> bool:
    return _resolve(repository, f"refs/tags/{tag}") is not None


def _create(repository: Path, template: StoredTemplate) -> None:
    if (repository / ".git").is_dir():
        marked = git(repository, "config", "--get", _MARKER, check=False).stdout.strip()
        if marked != template.name:
            raise CheckFailed(
                f"{repository} is not a Polster template store; move it away or set "
                f"{STORE_VARIABLE} to another folder."
            )
        return
    try:
        repository.parent.mkdir(parents=True, exist_ok=True)
        # Built aside, then renamed into place: a concurrent Polster never sees half a store.
        staging = Path(tempfile.mkdtemp(prefix=".polster-store-", dir=repository.parent))
    except OSError as error:
        raise CheckFailed(
            f"Cannot create Polster's template store in {repository.parent} "
            f"({error.strerror}); set {STORE_VARIABLE} to a folder you can write."
        ) from error
    git(staging, "init", "--quiet", "--initial-branch=main")
    git(staging, "config", _MARKER, template.name)
    try:
        staging.rename(repository)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (repository / ".git").is_dir():  # else another Polster made it meanwhile
            raise


def _tree(repository: Path, source: Path, paths: tuple[str, ...]) -> str:
    """The git tree of `paths` under `source`, written into the store's object database."""
    with tempfile.TemporaryDirectory(prefix="polster-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        where = ("--git-dir", str(repository / ".git"), "--work-tree", str(source))
        git(repository, *where, "add", "--force", "--all", "--", *paths, *_NOT_TEMPLATE, env=env)
        return git(repository, *where, "write-tree", env=env).stdout.strip()


def _tag(repository: Path, tag: str, tree: str) -> None:
    version = version_of(tag)
    older = [t for t in tags(repository) if version_of(t) < version]  # type: ignore[operator]
    parent = ("-p", f"refs/tags/{older[-1]}") if older else ()
    message = f"Polster {tag.removeprefix('v')} template"
    commit = git(repository, "commit-tree", tree, *parent, "-m", message, env=_COMMIT_ENV)
    git(repository, "update-ref", f"refs/tags/{tag}", commit.stdout.strip())
    if tags(repository)[-1] == tag:
        # The work tree shows the newest version, for whoever looks inside.
        git(repository, "update-ref", "refs/heads/main", commit.stdout.strip())
        git(repository, "reset", "--hard", "--quiet")


def add_history(repository: Path, bundle: Path) -> None:
    """Add the version tags of `bundle` (shipped with Polster) that the store lacks; a tag it
    has stays as it is. A missing bundle adds nothing."""
    if not bundle.is_file():
        return
    heads = git(repository, "bundle", "list-heads", str(bundle), check=False).stdout
    missing = [
        ref
        for ref in (line.split()[-1] for line in heads.splitlines() if line.strip())
        if ref.startswith("refs/tags/v") and not has_tag(repository, ref.removeprefix("refs/tags/"))
    ]
    if missing:
        refspecs = [f"{ref}:{ref}" for ref in missing]
        git(repository, "fetch", "--quiet", "--no-tags", str(bundle), *refspecs)


def _resolve(repository: Path, ref: str) -> str | None:
    found = git(repository, "rev-parse", "--verify", "--quiet", ref, check=False)
    return found.stdout.strip() if found.returncode == 0 else None
