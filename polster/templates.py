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


def render_project(dst: Path, answers: dict[str, Any], *, overwrite: bool = False) -> None:
    """Render the project template into `dst` with the given answers, asking nothing."""
    import copier

    with warnings.catch_warnings():
        # A source checkout with uncommitted template edits is expected while developing.
        warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
        copier.run_copy(
            str(template_root()),
            dst,
            data=answers,
            defaults=True,
            overwrite=overwrite,
            unsafe=True,
            quiet=True,
            vcs_ref="HEAD",
        )
