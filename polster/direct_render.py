"""Render a Copier template with Jinja2 alone, giving the files `copier copy --defaults` would.

Why: importing Copier takes about 0.3 s (it pulls in questionary, pydantic, plumbum and more),
most of the 0.5 s `polster add-asset` may take. The asset templates stay ordinary Copier
templates; this module follows Copier's rules for the features they use, and nothing more:

- copier.yml questions, in order: a given answer wins over the default; a default may be a
  Jinja string rendered with the answers so far; each answer is cast to the question's
  `type` (else the default's type, else yaml), must be one of its `choices` and pass its
  `validator`; a question whose `when` is false still provides its default to the templates.
- Every part of every path is rendered; a part that renders empty drops the file. Files
  ending in `_templates_suffix` (default `.jinja`) are rendered and lose the suffix; others
  are copied byte for byte, unless a templated sibling of the same name exists.
- Copier's default exclusions (copier.yml, __pycache__, *.pyc, .git, ...).
- A sandboxed environment with the filters Copier adds (jinja2-ansible-filters).

Anything else (other `_` settings such as `_tasks`, `_exclude`, `_subdirectory`, `_envops`;
multiselect, templated choices; Copier's own variables and `{% yield %}`, which fail here;
symlinks; a Copier user settings file, whose defaults would apply) raises `Unsupported`, as
does any error or refused answer (Copier then reports it in its words), and the caller
renders with Copier itself. tests/test_direct_render.py renders
every built-in template both ways and compares the bytes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

# Copier's defaults, as documented for `_exclude` and `_templates_suffix`.
DEFAULT_EXCLUDE = (
    "copier.yaml",
    "copier.yml",
    "~*",
    "*.py[co]",
    "__pycache__",
    ".git",
    ".DS_Store",
    ".svn",
)
DEFAULT_SUFFIX = ".jinja"
ANSWERS_FILE = ".copier-answers.yml"
_SETTINGS = {"_templates_suffix"}
_POLSTER_SETTINGS = "_polster_"
# Question keys that change nothing in the rendered files, plus the ones handled here.
_QUESTION_KEYS = {
    *("type", "default", "choices", "validator", "when", "secret"),
    *("help", "placeholder", "multiline", "qmark"),
}
_RESERVED_NAMES = {"now", "make_secret"}  # Copier's own context functions
_TRUE_WORDS = {"y", "yes", "t", "true", "on"}
_FALSE_WORDS = {"", "n", "no", "f", "false", "off", "~", "null", "none"}
_MISSING = object()


class Unsupported(Exception):
    """The template (or the answers) need something only Copier itself renders faithfully."""


def render(template: Path, data: Mapping[str, Any]) -> dict[str, bytes]:
    """The files Copier would write for these answers (defaults for the rest), by path.

    Paths are relative, with forward slashes, sorted. Raises Unsupported when the result
    could differ from Copier's; Copier then decides (and reports any error in the template).
    """
    _check_no_user_settings()
    settings, questions = _questionnaire(template)
    suffix = _suffix(settings)
    try:
        environment = _environment(template)
        context = _answers(environment, questions, data)
        return _render_tree(environment, template, suffix, context)
    except Unsupported:
        raise
    except Exception as error:  # whatever failed, Copier's own run is the authority
        raise Unsupported(f"rendering needs Copier: {error!r}") from error


def _check_no_user_settings() -> None:
    """Copier applies the `defaults` of a user settings file; only Copier reads it."""
    if os.environ.get("COPIER_SETTINGS_PATH"):
        raise Unsupported("COPIER_SETTINGS_PATH is set")
    try:
        from platformdirs import user_config_path  # Copier's own way to find the file
    except ImportError as error:
        raise Unsupported("platformdirs is missing") from error
    for folder in (
        user_config_path("copier", appauthor=False),
        user_config_path("copier"),
    ):
        if (folder / "settings.yml").is_file():
            raise Unsupported(f"a Copier settings file exists in {folder}")


def _questionnaire(template: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Copier's settings and questions from the template's one copier.yml/copier.yaml."""
    import yaml

    configs = [
        path
        for path in template.glob("copier.*")
        if path.is_file() and re.match(r"\.ya?ml", path.suffix, re.IGNORECASE)
    ]
    if len(configs) != 1:
        raise Unsupported(f"{len(configs)} copier.yml files in {template}")
    try:
        raw = yaml.safe_load(configs[0].read_bytes()) or {}
    except yaml.YAMLError as error:  # `!include`, several documents, or broken
        raise Unsupported(f"{configs[0]} needs Copier's YAML loader") from error
    if not isinstance(raw, dict):
        raise Unsupported(f"{configs[0]} is not a mapping")
    settings: dict[str, Any] = {}
    questions: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise Unsupported(f"question name {key!r} is not a string")
        if key.startswith(_POLSTER_SETTINGS):
            continue
        if key.startswith("_"):
            if key not in _SETTINGS:
                raise Unsupported(f"the setting {key}")
            settings[key] = value
            continue
        question = value if isinstance(value, dict) else {"default": value}
        extra = set(question) - _QUESTION_KEYS
        if extra or key in _RESERVED_NAMES:
            raise Unsupported(f"question {key} uses {', '.join(sorted(extra)) or 'its name'}")
        questions[key] = question
    return settings, questions


def _suffix(settings: Mapping[str, Any]) -> str:
    suffix = settings.get("_templates_suffix")
    if suffix is None:
        return DEFAULT_SUFFIX
    # Copier strips it with Path.with_suffix(""): the same only for a single ".ext".
    if not isinstance(suffix, str) or PurePosixPath(f"x{suffix}").suffix != suffix:
        raise Unsupported(f"_templates_suffix {suffix!r}")
    return suffix


def _environment(template: Path) -> Environment:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Strict: a name Copier would provide (and this module does not) fails instead of
    # rendering empty, so such a template goes to Copier.
    return SandboxedEnvironment(
        loader=FileSystemLoader([str(template.resolve())]),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


def _answers(
    environment: Environment, questions: Mapping[str, dict[str, Any]], data: Mapping[str, Any]
) -> dict[str, Any]:
    """The render context: every given value, then each question's answer in order."""
    context = dict(data)
    for name, question in questions.items():
        when = question.get("when", True)
        if not isinstance(when, bool):
            when = _to_bool(_render_value(environment, when, context))
        if name in data:
            answer = _parse(environment, question, data[name], context)
            _validate(environment, name, question, answer, context)
            context[name] = answer
            continue
        default = _render_value(environment, question.get("default", _MISSING), context)
        if default is _MISSING:
            if when:
                raise Unsupported(f"question {name} has no answer and no default")
            continue
        answer = _parse(environment, question, default, context)
        # Like Copier: a computed (`when` false) or secret default is not validated.
        if when and not question.get("secret"):
            _validate(environment, name, question, answer, context)
        context[name] = answer
    return context


def _validate(
    environment: Environment,
    name: str,
    question: Mapping[str, Any],
    answer: Any,
    context: Mapping[str, Any],
) -> None:
    validator = question.get("validator")
    if validator:
        message = _render_value(environment, validator, {**context, name: answer})
        if str(message).strip():
            raise Unsupported(f"the answer to {name} is refused: {str(message).strip()}")


def _render_value(environment: Environment, value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return environment.from_string(value).render(context)
    if isinstance(value, list):
        return [_render_value(environment, item, context) for item in value]
    return value


def _parse(
    environment: Environment, question: Mapping[str, Any], value: Any, context: Mapping[str, Any]
) -> Any:
    """Cast to the question's type; refuse a value that is not one of its choices."""
    type_name = question.get("type", "")
    if type_name == "":
        default_type = type(question.get("default", _MISSING)).__name__
        type_name = default_type if default_type in _CASTS else "yaml"
    else:
        type_name = _render_value(environment, type_name, context)
    if type_name not in _CASTS:
        raise Unsupported(f"question type {type_name!r}")
    answer = _cast(type_name, value)
    choices = question.get("choices")
    if choices:
        if not isinstance(choices, list) or any(
            isinstance(choice, (list, tuple, dict)) for choice in choices
        ):
            raise Unsupported("choices other than a plain list")
        allowed = [_cast(type_name, _render_value(environment, c, context)) for c in choices]
        if answer not in allowed:
            raise Unsupported(f"{answer!r} is not one of {allowed}")
    return answer


def _cast(type_name: str, value: Any) -> Any:
    if value is None and type_name not in {"json", "yaml"}:
        raise Unsupported(f"None for a {type_name} question")
    try:
        return _CASTS[type_name](value)
    except (TypeError, ValueError, AttributeError) as error:
        raise Unsupported(f"{value!r} as {type_name}") from error


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(type(value).__name__)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool | int | float):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        return bool(float(word))  # ValueError: not a word Copier reads as a bool
    raise TypeError(type(value).__name__)


def _from_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from error


def _from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_CASTS = {
    "bool": _to_bool,
    "float": float,
    "int": int,
    "json": _from_json,
    "str": _to_str,
    "yaml": _from_yaml,
    "path": str,
}


def _render_tree(
    environment: Environment, template: Path, suffix: str, context: Mapping[str, Any]
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(template):
        here = Path(folder)
        if any((here / name).is_symlink() for name in (*dirs, *names)):
            raise Unsupported(f"a symlink in {here}")
        for name in names:
            source = (here / name).relative_to(template)
            target = _target_path(environment, template, source, suffix, context)
            if target is None:
                continue
            if target in files:
                raise Unsupported(f"two template files render to {target}")
            if source.name.endswith(suffix):
                text = environment.get_template(source.as_posix()).render(context)
                files[target] = text.encode()
            else:
                files[target] = (template / source).read_bytes()
    return dict(sorted(files.items()))


def _target_path(
    environment: Environment,
    template: Path,
    source: Path,
    suffix: str,
    context: Mapping[str, Any],
) -> str | None:
    """Where Copier writes `source`, or None when it writes nothing for it."""
    is_template = source.name.endswith(suffix)
    if not is_template and (template / f"{source}{suffix}").exists():
        return None  # the templated sibling wins
    path = PurePosixPath(source.as_posix())
    if is_template:
        path = path.with_suffix("")
    parts = [environment.from_string(part).render(context) for part in path.parts]
    if not all(parts):
        return None
    for part in parts:
        if part in {".", "..", ANSWERS_FILE} or "/" in part or "\\" in part:
            raise Unsupported(f"the path part {part!r}")
    target = "/".join(parts)
    if not is_template and (template / f"{target}{suffix}").exists():
        return None
    if any(fnmatchcase(part, pattern) for part in parts for pattern in DEFAULT_EXCLUDE):
        return None
    return target
