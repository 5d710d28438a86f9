"""The medallion layout: the one definition of Polster's convention.

Pure Python (the standard library only): the polster CLI carries this very file, so that it
reads projects exactly as the runtime does without installing Dagster or Polars. It answers:

- which layers a project has and which layers each may read (`[tool.polster]`);
- which (layer, name) an asset key stands for, and the key of a (layer, name);
- which layers keep every snapshot (bronze: raw data is append-only);
- where the data lives: `POLSTER_DATA_PATH` from the environment, else from the project's
  `.env`, else `data/`; a relative path is anchored at the project root, never the working
  directory.

    [tool.polster]
    layers = ["bronze", "silver", "gold"]
    snapshot_layers = ["bronze"]        # optional; default: the first layer

    [tool.polster.allowed_upstream]     # layer -> layers its assets may read from
    bronze = []
    silver = ["bronze"]
    gold = ["silver"]

A layer missing from `allowed_upstream` may read from no other layer. Every refusal is a
`LayoutError`: one sentence naming the setting and the fix.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PYPROJECT = "pyproject.toml"
ENV_FILE = ".env"
TABLE = "[tool.polster]"
ALLOWED_UPSTREAM_TABLE = "[tool.polster.allowed_upstream]"
DATA_PATH_VARIABLE = "POLSTER_DATA_PATH"
DEFAULT_DATA_PATH = "data"
DEFAULT_LAYERS = ("bronze", "silver", "gold")
OBJECT_STORE_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
PARQUET = ".parquet"
_LAYER_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class LayoutError(ValueError):
    """The project's layout settings are wrong or missing; the message says which and how to fix."""


class ProjectNotFound(LayoutError):
    """No pyproject.toml with a [tool.polster] table at or above the starting folder."""


@dataclass(frozen=True)
class DataLocation:
    """Where a project's data lives: an absolute local folder or an object-store URL."""

    url: str

    @property
    def is_local(self) -> bool:
        return not is_object_store(self.url)

    def asset_file(self, layer: str, name: str) -> str:
        """`<location>/<layer>/<name>.parquet`: an asset replaced whole on each run."""
        return self.join(layer, f"{name}{PARQUET}")

    def asset_folder(self, layer: str, name: str) -> str:
        """`<location>/<layer>/<name>/`: an asset's snapshots or partitions, one file each."""
        return self.join(layer, name)

    def join(self, *parts: str) -> str:
        base = self.url.rstrip("/") if not self.is_local else self.url
        if self.is_local:
            return os.path.join(base, *parts)
        return "/".join((base, *parts))


@dataclass(frozen=True)
class Layout:
    """A project's medallion convention, as its `[tool.polster]` table sets it."""

    root: Path
    layers: tuple[str, ...] = DEFAULT_LAYERS
    allowed_upstream: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    snapshot_layers: tuple[str, ...] = ("bronze",)

    def upstream_layers(self, layer: str) -> tuple[str, ...]:
        """The layers an asset in `layer` may read from (none for an unknown layer)."""
        return self.allowed_upstream.get(layer, ())

    def allows(self, upstream_layer: str, downstream_layer: str) -> bool:
        """May an asset in `downstream_layer` read an asset in `upstream_layer`?"""
        return upstream_layer in self.upstream_layers(downstream_layer)

    def may_read(self, layer: str) -> str:
        """What the rules let `layer` read, for messages: "silver may only read from bronze"."""
        if not self.upstream_layers(layer):
            return f"{layer} may not read from other assets"
        return f"{layer} may only read from {listing(self.upstream_layers(layer), 'or')}"

    def fix_for(self, layer: str, verb: str = "route it through") -> str:
        """How an asset in `layer` gets back within the rules: read an allowed layer, or
        change the table."""
        phrase = listing(self.upstream_layers(layer), "or")
        if not phrase:
            return f"remove the dependency or allow it in {ALLOWED_UPSTREAM_TABLE}"
        article = "an" if phrase[0] in "aeiou" else "a"
        return f"{verb} {article} {phrase} asset or allow it in {ALLOWED_UPSTREAM_TABLE}"

    def edge_problem(
        self, downstream: str, downstream_layer: str, upstream: str, upstream_layer: str
    ) -> str | None:
        """Why the rules forbid `downstream` (in `downstream_layer`) reading `upstream`, with
        the fix, in one sentence; None when they allow it."""
        if self.allows(upstream_layer, downstream_layer):
            return None
        return (
            f"{downstream} reads {upstream}, but {self.may_read(downstream_layer)}; "
            f"{self.fix_for(downstream_layer)}."
        )

    def keeps_snapshots(self, layer: str) -> bool:
        """Whether assets of `layer` are append-only: every run adds a snapshot file."""
        return layer in self.snapshot_layers

    def asset_key(self, layer: str, name: str) -> str:
        """The key of the asset `name` in `layer`: `<layer>_<name>`."""
        return f"{layer}_{name}"

    def split_key(self, key: str, group: str | None = None) -> tuple[str, str] | None:
        """(layer, name) of a medallion asset key, or None for a key outside the convention.

        `group` is the asset's group when known: an asset in a layer's group belongs to that
        layer (`orders` in group `bronze` is bronze's `orders`). Otherwise the key's prefix
        decides, the longest layer name first (`raw_data_orders` with layers `raw` and
        `raw_data` is raw_data's `orders`). Keys of several parts (`a/b`) are never medallion.
        """
        if not key or "/" in key:
            return None
        if group in self.layers:
            rest = key.removeprefix(f"{group}_")
            return group, (rest or key)
        for layer in sorted(self.layers, key=len, reverse=True):
            rest = key.removeprefix(f"{layer}_")
            if rest != key and rest:
                return layer, rest
        return None

    def data_location(self, environ: Mapping[str, str] | None = None) -> DataLocation:
        """Where this project's data lives (see the module docstring); refuses, without
        creating anything, a setting that is neither a folder nor a supported URL."""
        configured = setting(DATA_PATH_VARIABLE, self.root, environ) or DEFAULT_DATA_PATH
        return resolve_data_location(configured, self.root)


def listing(items: Iterable[str], last: str = "or") -> str:
    """`a`, `a or b`, `a, b or c`: items for a sentence."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def is_object_store(url: str) -> bool:
    """True for URLs that Polars' own cloud IO handles (S3, GCS, Azure)."""
    return urlsplit(url).scheme.lower() in OBJECT_STORE_SCHEMES


def resolve_data_location(configured: str, root: Path) -> DataLocation:
    """A `POLSTER_DATA_PATH` value as a location: object-store URLs as given, local paths
    (or `file://` URLs) made absolute against `root`."""
    value = configured.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in OBJECT_STORE_SCHEMES:
        if not parts.netloc:
            raise LayoutError(
                f"{DATA_PATH_VARIABLE}={configured!r} names no bucket: use e.g. "
                f"{scheme}://my-bucket/prefix."
            )
        return DataLocation(value.rstrip("/") or value)
    if scheme == "file":
        value = parts.path
    elif len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise LayoutError(
            f"{DATA_PATH_VARIABLE}={configured!r} is not supported: use a local folder or an "
            "s3://, gs://, az:// or abfss:// URL."
        )
    path = Path(os.path.expanduser(value))
    path = path if path.is_absolute() else root / path
    if path.exists() and not path.is_dir():
        raise LayoutError(
            f"{DATA_PATH_VARIABLE}={configured!r} is a file, not a folder: point it at a "
            "folder (it is created on the first run) or an object-store URL."
        )
    return DataLocation(os.path.abspath(path))


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` whose pyproject.toml has `[tool.polster]`."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file() and "polster" in read_pyproject(directory).get("tool", {}):
            return directory
    raise ProjectNotFound(
        f"No Polster project found in {start} or any parent directory; run this inside a "
        "project created by `polster init`."
    )


def load(start: Path | str) -> Layout:
    """The layout of the project at or above `start` (a folder or a file inside it)."""
    start = Path(start)
    root = find_root(start if start.is_dir() else start.parent)
    return parse(read_pyproject(root)["tool"]["polster"], root)


def read_pyproject(root: Path) -> dict[str, Any]:
    path = root / PYPROJECT
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise LayoutError(f"{path} is not valid TOML ({error}); fix the file.") from error
    except OSError as error:
        raise LayoutError(f"Cannot read {path} ({error.strerror}).") from error


def parse(table: Any, root: Path) -> Layout:
    """Check and convert a `[tool.polster]` table; LayoutError names what is wrong."""
    if not isinstance(table, dict):
        raise LayoutError(f"{TABLE} in {PYPROJECT} must be a table.")
    layers = _layer_list(table.get("layers"), "layers", required=True)
    raw_allowed = table.get("allowed_upstream", {})
    if not isinstance(raw_allowed, dict):
        raise LayoutError(f"{ALLOWED_UPSTREAM_TABLE} must be a table of layer = [layers].")
    allowed: dict[str, tuple[str, ...]] = {}
    for layer, upstream in raw_allowed.items():
        if layer not in layers:
            raise LayoutError(
                f"{ALLOWED_UPSTREAM_TABLE} names layer '{layer}', which is not in "
                f"{TABLE} layers ({', '.join(layers)}); add it to layers or remove it."
            )
        if not isinstance(upstream, list) or not all(isinstance(u, str) for u in upstream):
            raise LayoutError(
                f"{ALLOWED_UPSTREAM_TABLE} {layer} must be a list of layer names, "
                f'e.g. {layer} = ["{layers[0]}"].'
            )
        unknown = [u for u in upstream if u not in layers]
        if unknown:
            raise LayoutError(
                f"{ALLOWED_UPSTREAM_TABLE} lets {layer} read from '{unknown[0]}', which is not "
                f"in {TABLE} layers ({', '.join(layers)}); fix the name or add the layer."
            )
        allowed[layer] = tuple(dict.fromkeys(upstream))
    snapshots = table.get("snapshot_layers")
    if snapshots is None:
        snapshot_layers = layers[:1]
    else:
        snapshot_layers = _layer_list(snapshots, "snapshot_layers", required=False)
        unknown = [layer for layer in snapshot_layers if layer not in layers]
        if unknown:
            raise LayoutError(
                f"{TABLE} snapshot_layers names '{unknown[0]}', which is not in layers "
                f"({', '.join(layers)}); fix the name or add the layer."
            )
    return Layout(root, layers, allowed, snapshot_layers)


def _layer_list(value: Any, setting_name: str, *, required: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or (required and not value):
        raise LayoutError(
            f"{TABLE} has no `{setting_name}` list; add e.g. "
            f'{setting_name} = ["bronze", "silver", "gold"] to {PYPROJECT}.'
            if required
            else f'{TABLE} {setting_name} must be a list of layer names, e.g. ["bronze"].'
        )
    for layer in value:
        if not isinstance(layer, str) or not _LAYER_PATTERN.fullmatch(layer):
            raise LayoutError(
                f"Layer {layer!r} in {TABLE} {setting_name} is not a lowercase snake_case "
                "name; use names such as bronze, silver, gold."
            )
    if len(set(value)) != len(value):
        duplicate = next(layer for layer in value if value.count(layer) > 1)
        raise LayoutError(
            f"Layer '{duplicate}' appears twice in {TABLE} {setting_name}; list each layer once."
        )
    return tuple(value)


def setting(name: str, root: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """A setting from the environment, else from the project's `.env`; None when unset or
    blank. Variables already set in the environment win, as for every tool that reads `.env`."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "").strip()
    if value:
        return value
    return read_env_file(root / ENV_FILE).get(name, "").strip() or None


def read_env_file(path: Path) -> dict[str, str]:
    """The variables a `.env` file sets: `NAME=value` lines, `export NAME=value`, single or
    double quotes, `#` comments (a whole line, or after an unquoted value). Empty when the
    file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise LayoutError(f"Cannot read {path} ({error.strerror}).") from error
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            continue
        name, raw = match.groups()
        values[name] = _unquote(raw)
    return values


def _unquote(raw: str) -> str:
    if raw[:1] in {"'", '"'}:
        quote = raw[0]
        end = raw.find(quote, 1)
        if end > 0:
            value = raw[1:end]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
            return value
    comment = re.search(r"\s#", raw)
    return (raw[: comment.start()] if comment else raw).strip()
