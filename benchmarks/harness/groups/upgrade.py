"""`polster upgrade` of a project made at template v0.1.0 with 100 assets, against plain
`copier update` (the copier Polster installs) to the same tag in the same template store."""

from __future__ import annotations

from harness.measuring import Bench
from harness.projects import old_template_project, reset_to_before_upgrade
from harness.timing import Measure, Side

OLD_VERSION, ASSETS = "0.1.0", 100


def upgrade_measures(bench: Bench) -> list[Measure]:
    polster = bench.polster
    folder = bench.scratch / "upgrade"
    store = folder / "store"
    project = old_template_project(polster, folder, store, OLD_VERSION, ASSETS)
    env = {"POLSTER_TEMPLATE_STORE": str(store)}
    target = f"v{polster.version}"
    copier = [polster.tool("copier"), "update", "--trust", "--defaults", "--quiet"]
    copier += ["--conflict", "inline", "--vcs-ref", target]
    reset = reset_to_before_upgrade(project)
    return [
        Measure(
            f"`polster upgrade`, {ASSETS} assets, {OLD_VERSION} → {polster.version}",
            Side(
                "polster upgrade --conflict inline",
                polster.command("upgrade", "--conflict", "inline"),
                project,
                reset,
                env,
            ),
            Side(f"copier update --vcs-ref {target}", copier, project, reset, env),
            "≤ 1.2×",
            lambda ours, peer: ours <= 1.2 * peer,
        )
    ]
