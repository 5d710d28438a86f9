"""Click options shared by several commands, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

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


def output_format(human: str = "table") -> Callable[[F], F]:
    """`--format HUMAN|json`: a human form (a table, or text) or machine-readable JSON."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice([human, "json"]),
        default=human,
        show_default=True,
        help=f"Human {human} or machine-readable JSON.",
    )
