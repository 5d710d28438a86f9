"""`polster list-assets`: pick, order and render the assets of the static graph."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from polster.graph import AssetGraph, AssetNode
from polster.layout import Layout
from polster.rules import check_layer

if TYPE_CHECKING:
    from rich.table import Table


def select_assets(graph: AssetGraph, layout: Layout, layer: str | None = None) -> list[AssetNode]:
    """The assets (of one layer, if given) in layer order (the table's, then others), then name."""
    if layer is not None and all(node.layer != layer for node in graph.assets):
        check_layer(layer, layout)
    order = {name: index for index, name in enumerate(layout.layers)}
    nodes = [node for node in graph.assets if layer is None or node.layer == layer]
    return sorted(
        nodes, key=lambda n: (order.get(n.layer, len(order)), n.layer, n.name, n.key, n.path)
    )


def as_json(nodes: list[AssetNode]) -> str:
    """A JSON array: key, name, layer, dependencies, dependents, description, path per asset."""
    return json.dumps(
        [
            {
                "key": node.key,
                "name": node.name,
                "layer": node.layer,
                "dependencies": list(node.upstream),
                "dependents": list(node.dependents),
                "description": node.description,
                "path": node.path,
            }
            for node in nodes
        ],
        indent=2,
    )


def as_table(nodes: list[AssetNode]) -> Table:
    """A rich table of the assets, for `rich.console.Console().print`."""
    from rich.table import Table
    from rich.text import Text

    table = Table()
    longest_key = max((len(node.key) for node in nodes), default=3)
    table.add_column("key", no_wrap=True, min_width=longest_key)  # whole, so it can be copied
    for column in ("layer", "dependencies", "dependents", "description"):
        table.add_column(column, overflow="fold")
    for node in nodes:
        cells = (
            node.key,
            node.layer,
            "\n".join(node.upstream),
            "\n".join(node.dependents),
            node.description,
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: no markup in user strings
    return table
