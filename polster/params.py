"""Click options shared by several commands, each defined once."""

from __future__ import annotations

import click

yes = click.option(
    "--yes",
    "--defaults",
    "-y",
    "yes",
    is_flag=True,
    help="Ask nothing: take defaults for every question not answered by a flag.",
)
force = click.option("--force", is_flag=True, help="Go ahead where Polster would refuse.")
dry_run = click.option("--dry-run", is_flag=True, help="Print what would happen; write nothing.")
output_format = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Human table or machine-readable JSON.",
)
