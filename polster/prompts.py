"""Interactive questions (questionary), isolated so tests can drive or bypass them.

Prompts only fill what flags left open, and only when stdin is a terminal: without a
TTY nothing here ever waits for input.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def is_interactive() -> bool:
    """True when a person can answer questions on this terminal."""
    return sys.stdin is not None and sys.stdin.isatty()


def ask_text(message: str, default: str = "") -> str:
    import questionary

    return questionary.text(message, default=default).unsafe_ask()


def ask_confirm(message: str, default: bool = True) -> bool:
    import questionary

    return questionary.confirm(message, default=default).unsafe_ask()


def ask_select(message: str, choices: Sequence[str], default: str | None = None) -> str:
    import questionary

    return questionary.select(message, choices=list(choices), default=default).unsafe_ask()


def ask_checkbox(message: str, choices: Sequence[str]) -> list[str]:
    import questionary

    return questionary.checkbox(message, choices=list(choices)).unsafe_ask()
