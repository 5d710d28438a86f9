"""Upgrade to 0.2.0: pytest's settings move from [tool.pytest.ini_options] to [tool.pytest].

From 0.2.0 the template configures pytest in `[tool.pytest]`, where pytest 9 reads native
TOML types; pytest refuses to start when both tables exist. A 3-way merge cannot move settings
a project added to the old table, so this runs around Copier's merge:

    before  the old table goes back to what the template made, and the project's own
            settings wait in the git directory; the result is staged, which is what Copier
            merges from;
    after   those settings go into the new `[tool.pytest]` table as native TOML values
            (`addopts = "-ra -q"` becomes `addopts = ["-ra", "-q"]`), and the staging is undone.

Copier runs it in the project root (`_migrations` in copier.yml): python THIS before|after.
Standard library only: it runs in whichever Python runs Copier. Tested by
tests/test_migrations.py in the Polster repository.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

PYPROJECT = Path("pyproject.toml")
OLD = ("tool", "pytest", "ini_options")
NEW = ("tool", "pytest")
# The old table as every template before 0.2.0 rendered it, up to the next table or the end.
OLD_TABLE = (
    "[tool.pytest.ini_options]\n"
    'testpaths = ["tests"]\n'
    "# importlib mode lets tests/bronze/test_x.py and tests/silver/test_x.py share a file name.\n"
    'addopts = ["--import-mode=importlib"]\n'
)
OLD_KEYS = {"testpaths", "addopts"}
STASH = "polster-migration-0.2.0-pytest.json"
# How pytest 9 types its own ini options (`pytest --help` lists them): the string an ini
# value held becomes a list or a bool in native TOML. Other options keep their string.
ARGS = {
    *("addopts", "doctest_optionflags", "norecursedirs", "python_classes", "python_files"),
    *("python_functions", "pythonpath", "required_plugins", "testpaths", "usefixtures"),
}
LINES = {"filterwarnings", "markers"}
BOOLS = {
    *("collect_imported_tests", "consider_namespace_packages", "enable_assertion_pass_hook"),
    *("faulthandler_exit_on_timeout", "junit_log_passing_tests", "log_cli", "strict"),
    *("strict_config", "strict_markers", "strict_parametrization_ids", "strict_xfail"),
    "xfail_strict",
}
TRUE, FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}
_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)\s*=')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def before(root: Path) -> None:
    """Put the old table back as the template made it; keep the project's settings aside."""
    text = (root / PYPROJECT).read_text(encoding="utf-8")
    span = table_span(text, OLD)
    if span is None or text[span[0] : span[1]] == OLD_TABLE:
        return
    settings = table(text, OLD)
    (root / PYPROJECT).write_text(text[: span[0]] + OLD_TABLE + text[span[1] :], "utf-8")
    stash(root).write_text(json.dumps(settings, default=str), encoding="utf-8")
    git(root, "add", "--", str(PYPROJECT))


def after(root: Path) -> None:
    """Write the kept settings (and any old table left) into `[tool.pytest]`, natively typed."""
    kept = stash(root)
    text = (root / PYPROJECT).read_text(encoding="utf-8")
    settings = json.loads(kept.read_text(encoding="utf-8")) if kept.is_file() else None
    if settings is None and table_span(text, OLD) is None:
        return
    migrated = move_settings(text, settings)
    if migrated is None:
        own = render_table(NEW, native(settings or table(text, OLD)))
        print(
            "polster 0.2.0 migration: pyproject.toml could not be rewritten safely (resolve "
            "its conflicts first); then give its [tool.pytest] table these settings and "
            f"delete any [tool.pytest.ini_options]:\n{own}",
            file=sys.stderr,
        )
    else:
        (root / PYPROJECT).write_text(migrated, encoding="utf-8")
    kept.unlink(missing_ok=True)
    unmerged = git(root, "ls-files", "--unmerged", "--", str(PYPROJECT)).stdout.strip()
    if settings is not None and not unmerged:
        git(root, "reset", "--quiet", "--", str(PYPROJECT))


def move_settings(text: str, settings: dict[str, Any] | None) -> str | None:
    """`text` with the project's old pytest `settings` (all of them: they replace the
    template's keys), and any `[tool.pytest.ini_options]` still in it, moved into
    `[tool.pytest]` natively typed; None when the tables cannot be told apart safely."""
    if has_conflict_markers(text):
        return None
    template = table(text, NEW)
    if settings is not None:
        template = {key: value for key, value in template.items() if key not in OLD_KEYS}
    leftover = table_span(text, OLD)
    if leftover is not None:
        settings = {**table(text, OLD), **(settings or {})}
        text = text[: leftover[0]] + text[leftover[1] :]
    wanted = {**template, **native(settings or {})}
    span = table_span(text, NEW)
    if span is None:
        separator = "" if text.endswith("\n\n") or not text else "\n"
        result = text + separator + render_table(NEW, wanted)
    else:
        result = text[: span[0]] + update_table(text[span[0] : span[1]], wanted) + text[span[1] :]
    return result if parse(result) is not None and table(result, NEW) == wanted else None


def native(settings: dict[str, Any]) -> dict[str, Any]:
    """Ini-style values as pytest 9's native TOML table wants them."""
    return {key: native_value(key, value) for key, value in settings.items()}


def native_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in ARGS:
        return shlex.split(value)
    if key in LINES:
        return [line.strip() for line in value.splitlines() if line.strip()]
    word = value.strip().lower()
    if key in BOOLS and word in TRUE | FALSE:
        return word in TRUE
    return value


def update_table(block: str, wanted: dict[str, Any]) -> str:
    """A table's text with each `key = value` line set from `wanted`: the template's comments
    and order stay, keys not wanted go, new keys follow the last one."""
    header, *body = block.splitlines()
    out = [header]
    written: set[str] = set()
    for line in body:
        match = _KEY.match(line)
        if match is None:
            out.append(line)
            continue
        key = match.group(1).strip('"')
        if key in wanted and key not in written:
            out.append(f"{render_key(key)} = {render_value(wanted[key])}")
            written.add(key)
    out += [f"{render_key(k)} = {render_value(v)}" for k, v in wanted.items() if k not in written]
    return "\n".join(out) + "\n"


def table_span(text: str, path: tuple[str, ...]) -> tuple[int, int] | None:
    """Where the table `[a.b.c]` is in `text`: from its header to its last line before the
    next header (blank and comment lines just before that header belong to what follows).
    None when it is absent, or when its text alone does not parse to exactly that table."""
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, path)) + r"\s*\]\s*(#.*)?$")
    lines = text.splitlines(keepends=True)
    starts = [sum(len(line) for line in lines[:index]) for index in range(len(lines) + 1)]
    first = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\n"))), None)
    if first is None:
        return None
    last = next((i for i in range(first + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    while last - 1 > first and _blank_or_comment(lines[last - 1]):
        last -= 1
    start, end = starts[first], starts[last]
    alone = parse(text[start:end])
    if alone is None or dig(alone, path) != table(text, path):
        return None
    return start, end


def _blank_or_comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def table(text: str, path: tuple[str, ...]) -> dict[str, Any]:
    """The table at `path` in the TOML `text`, without its sub-tables."""
    found = dig(parse(text) or {}, path)
    if path == NEW:
        found = {key: value for key, value in found.items() if key != "ini_options"}
    return found


def dig(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path:
        document = document.get(part, {})
        if not isinstance(document, dict):
            return {}
    return document


def parse(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def render_table(path: tuple[str, ...], values: dict[str, Any]) -> str:
    rows = "".join(f"{render_key(key)} = {render_value(value)}\n" for key, value in values.items())
    return f"[{'.'.join(path)}]\n{rows}"


def render_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{render_key(k)} = {render_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def has_conflict_markers(text: str) -> bool:
    return any(line.startswith(("<<<<<<< ", ">>>>>>> ")) for line in text.splitlines())


def stash(root: Path) -> Path:
    """Where the project's settings wait between the stages: inside the git directory."""
    path = git(root, "rev-parse", "--git-path", STASH).stdout.strip()
    return (root / path).resolve()


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)


def main(argv: list[str]) -> int:
    stages = {"before": before, "after": after}
    if len(argv) != 1 or argv[0] not in stages:
        print(f"usage: python {Path(__file__).name} before|after", file=sys.stderr)
        return 2
    stages[argv[0]](Path.cwd())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
