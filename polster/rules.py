"""The medallion rules: asset names, keys, which layer may read which, and dependency lookup."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass

from polster.errors import UsageError
from polster.graph import AssetGraph, AssetNode
from polster.layout import Layout, listing

MAX_NAME_LENGTH = 64
_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_SHOWN_CHOICES = 8


@dataclass(frozen=True)
class EdgeViolation:
    """An asset reads from a layer the rule table does not allow; `message` says so and why."""

    downstream: AssetNode
    upstream: AssetNode
    message: str
    fix: str


def check_layer(layer: str, layout: Layout) -> None:
    if layer not in layout.layers:
        raise UsageError(f"Unknown layer '{layer}': choose one of {listing(layout.layers)}.")


def check_asset_name(name: str, layer: str) -> None:
    """Raise UsageError unless `name` can be the module and key suffix of an asset in `layer`."""
    if not _NAME_PATTERN.fullmatch(name):
        suggestion = suggest_asset_name(name)
        hint = f", e.g. '{suggestion}'" if suggestion != name else ""
        raise UsageError(
            f"Asset name '{name}' is not lowercase snake_case: start with a letter and use "
            f"only lowercase letters, digits and underscores{hint}."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"Asset name '{name}' is {len(name)} characters long: "
            f"keep it to {MAX_NAME_LENGTH} or fewer."
        )
    if keyword.iskeyword(name):
        raise UsageError(
            f"Asset name '{name}' is a Python keyword: choose another name, "
            f"e.g. '{suggest_asset_name(name)}'."
        )
    if name.startswith(f"{layer}_"):
        short = name.removeprefix(f"{layer}_")
        raise UsageError(
            f"Asset name '{name}' already starts with the layer: pass '{short}' "
            f"(its key becomes {asset_key(layer, short)})."
        )


def is_asset_name(name: str) -> bool:
    """Lowercase snake_case, at most MAX_NAME_LENGTH characters, and not a Python keyword."""
    return (
        bool(_NAME_PATTERN.fullmatch(name))
        and len(name) <= MAX_NAME_LENGTH
        and not keyword.iskeyword(name)
    )


def asset_key(layer: str, name: str) -> str:
    return f"{layer}_{name}"


def edge_violations(graph: AssetGraph, layout: Layout) -> list[EdgeViolation]:
    """Every edge between two known assets that the rule table forbids.

    Assets outside the table's layers are skipped as readers (the naming check reports their
    folder); as sources they are forbidden, since no layer lists them.
    """
    violations = []
    for node in graph.assets:
        if node.layer not in layout.layers:
            continue
        for key in node.upstream:
            upstream = graph.get(key)
            if upstream is not None and not layout.allows(upstream.layer, node.layer):
                violations.append(_violation(node, upstream, layout))
    return violations


def candidates(layer: str, graph: AssetGraph, layout: Layout) -> list[AssetNode]:
    """The existing assets an asset in `layer` may read, in layer order then by key."""
    layers = layout.upstream_layers(layer)
    nodes = [node for node in graph.by_key.values() if node.layer in layers]
    return sorted(nodes, key=lambda node: (layers.index(node.layer), node.key))


def resolve_dependencies(
    dependencies: Iterable[str], layer: str, graph: AssetGraph, layout: Layout
) -> list[str]:
    """Turn short names (`raw_orders`) or keys (`bronze_raw_orders`) into upstream keys.

    Names are looked up among the layers `layer` may read from. Raises UsageError for a
    dependency that is unknown, matches in two allowed layers, or exists only in a layer
    the rule table does not allow.
    """
    check_layer(layer, layout)
    names = [dependency.strip() for dependency in dependencies if dependency.strip()]
    keys = [_resolve(name, layer, graph, layout) for name in names]
    return list(dict.fromkeys(keys))


def _resolve(dependency: str, layer: str, graph: AssetGraph, layout: Layout) -> str:
    layers = layout.upstream_layers(layer)
    exact = graph.get(dependency)
    if exact is not None:
        if exact.layer in layers:
            return exact.key
        raise UsageError(_illegal(dependency, [exact], layer, layout))
    matches = [
        node
        for node in graph.by_key.values()
        if node.name == dependency or node.key == asset_key(node.layer, dependency)
    ]
    usable = [node for node in matches if node.layer in layers]
    if len(usable) == 1:
        return usable[0].key
    if usable:
        keys = listing([node.key for node in usable], "and")
        raise UsageError(
            f"Dependency '{dependency}' is ambiguous: {keys} all match; pass the full key."
        )
    if matches:
        raise UsageError(_illegal(dependency, matches, layer, layout))
    raise UsageError(_unknown(dependency, layer, graph, layout))


def _illegal(dependency: str, matches: list[AssetNode], layer: str, layout: Layout) -> str:
    if len(matches) == 1:
        found = f"is the {matches[0].layer} asset {matches[0].key}"
    else:
        found = "matches " + listing([f"{node.key} ({node.layer})" for node in matches], "and")
    return (
        f"Dependency '{dependency}' {found}, but {layout.may_read(layer)}; "
        f"{layout.fix_for(layer, 'pick')}."
    )


def _unknown(dependency: str, layer: str, graph: AssetGraph, layout: Layout) -> str:
    if not layout.upstream_layers(layer):
        return (
            f"Unknown dependency '{dependency}': {layout.may_read(layer)}, so drop the dependency."
        )
    keys = [node.key for node in candidates(layer, graph, layout)]
    if not keys:
        choices = f"there is no {_layers_phrase(layer, layout)} asset yet; add one first"
    else:
        shown = ", ".join(keys[:_SHOWN_CHOICES]) + (", ..." if len(keys) > _SHOWN_CHOICES else "")
        choices = f"choose from {shown} (see `polster list-assets`)"
    return f"Unknown dependency '{dependency}': no asset has that name or key; {choices}."


def _violation(node: AssetNode, upstream: AssetNode, layout: Layout) -> EdgeViolation:
    message = f"{node.key} reads {upstream.key}, but {layout.may_read(node.layer)}"
    return EdgeViolation(node, upstream, message, layout.fix_for(node.layer))


def _layers_phrase(layer: str, layout: Layout) -> str:
    return listing(layout.upstream_layers(layer), "or")


def suggest_asset_name(name: str) -> str:
    """A valid asset name close to `name` (`RawOrders` -> `raw_orders`)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    snake = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_").lstrip("0123456789_")
    snake = snake[:MAX_NAME_LENGTH].rstrip("_") or "asset"
    return f"{snake}_data" if keyword.iskeyword(snake) else snake
