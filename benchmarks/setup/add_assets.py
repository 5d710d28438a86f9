"""Add PER_LAYER assets to each layer of the project at PROJECT, through Polster's own
add-asset code and its blank template (one process instead of one `polster add-asset` per
asset). Silver and gold assets read two upstream assets each, spread over the layer below.

    python add_assets.py PROJECT PER_LAYER      # with a Python that has Polster installed
"""

import sys
from pathlib import Path

from polster import addition, catalog
from polster.project import load_project

LAYERS = (("bronze", None), ("silver", "bronze"), ("gold", "silver"))


def add_assets(root: Path, per_layer: int) -> None:
    project = load_project(root)
    blank = catalog.available(project)["blank"]
    files: dict[str, bytes] = {}
    for layer, upstream in LAYERS:
        for i in range(per_layer):
            reads = dict.fromkeys((i, (i * 7 + 3) % per_layer))
            keys = () if upstream is None else tuple(f"{upstream}_t{j:03d}" for j in reads)
            asset = addition.NewAsset(layer, f"t{i:03d}", keys, None, blank)
            files.update(addition.render(project, asset))
    addition.write(project, files)


if __name__ == "__main__":
    add_assets(Path(sys.argv[1]), int(sys.argv[2]))
