"""Errors a user can fix: the CLI prints the message on one line and exits with the code."""


class PolsterError(Exception):
    exit_code = 1


class UsageError(PolsterError):
    """Bad input: a flag, a name, a target. Exit 2."""

    exit_code = 2


class CheckFailed(PolsterError):
    """A check found problems. Exit 1."""

    exit_code = 1
