"""Find the packaged Copier templates and render them."""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def template_root() -> Path:
    """The folder holding `copier.yml` and the template folders.

    An installed wheel carries them in `polster/_templates`; a source checkout
    (editable install) has them at the repository root.
    """
    for candidate in (_PACKAGE_DIR / "_templates", _PACKAGE_DIR.parent):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise FileNotFoundError(
        f"Polster's templates are missing from {_PACKAGE_DIR}; reinstall polster."
    )


@cache
def questionnaire() -> dict[str, Any]:
    """The root `copier.yml`, parsed: the questions, their defaults and settings."""
    import yaml

    return yaml.safe_load((template_root() / "copier.yml").read_text(encoding="utf-8"))


def question_default(name: str) -> Any:
    return questionnaire()[name]["default"]


def render_project(
    dst: Path, answers: dict[str, Any], *, overwrite: bool = False, record: bool = True
) -> None:
    """Render the project template into `dst` with the given answers, asking nothing.

    `record=False` skips naming the template store in the answers file (and so touching
    the store): for renders that only show which files would be made.
    """
    _copy(str(template_root()), dst, answers, overwrite=overwrite, vcs_ref="HEAD")
    if record:
        record_source("project_template", dst)


def render_cicd(
    dst: Path, answers: dict[str, Any], *, overwrite: bool = False, record: bool = True
) -> None:
    """Render the CI/CD template (its own answers file) into the project at `dst`.

    A wrong answer raises ValueError ("Validation error for question ...") before any file
    is written. `record` as for `render_project`.
    """
    _copy(str(template_root() / "cicd_templates"), dst, answers, overwrite=overwrite)
    if record:
        record_source("cicd_templates", dst)


def render_deploy(
    dst: Path, answers: dict[str, Any], *, overwrite: bool = False, record: bool = True
) -> None:
    """Render the deployment kit (its own answers file) into the project at `dst`.

    Wrong answers raise ValueError as for `render_cicd`; `record` as for `render_project`.
    """
    _copy(str(template_root() / "deploy_templates"), dst, answers, overwrite=overwrite)
    if record:
        record_source("deploy_templates", dst)


def record_source(name: str, dst: Path) -> None:
    """Make the answers file in `dst` name the template store at this Polster's version tag.

    Copier rendered the installed files (fast: no clone); the store's tag holds exactly those
    files (see polster/template_store.py), so the answers file can say they came from there,
    which `polster upgrade` and `copier update` need. Without git nothing is recorded.
    """
    from polster import __version__, template_store, vcs

    if not vcs.git_available():
        return
    import yaml

    source = stored_source(name)
    answers_file = dst / template_store.TEMPLATES[name].answers_file
    text = answers_file.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    recorded = {**yaml.safe_load(text), "_commit": template_store.tag_of(__version__)}
    recorded["_src_path"] = source
    # As Copier's `to_nice_yaml` writes it, so a later `copier copy` of the store matches.
    body = yaml.safe_dump(recorded, indent=4, allow_unicode=True, default_flow_style=False)
    answers_file.write_text(header + body, encoding="utf-8")


def stored_source(name: str, repository: Path | None = None) -> str:
    """Make the template store (or `repository`) hold this Polster's template `name` at its
    version tag, with the history the installed Polster ships; return the `_src_path`."""
    from polster import __version__, template_store

    template = template_store.TEMPLATES[name]
    return template_store.ensure(
        template, template_root(), __version__, history_bundle(name), repository
    )


def history_bundle(name: str) -> Path:
    """The git bundle of earlier released versions of template `name` a wheel ships."""
    return template_root() / "history" / f"{name}.bundle"


def _copy(
    src: str, dst: Path, answers: dict[str, Any], *, overwrite: bool, vcs_ref: str | None = None
) -> None:
    import copier

    with warnings.catch_warnings():
        # A source checkout with uncommitted template edits is expected while developing.
        warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
        copier.run_copy(
            src,
            dst,
            data=answers,
            defaults=True,
            overwrite=overwrite,
            unsafe=True,
            quiet=True,
            vcs_ref=vcs_ref,
        )
