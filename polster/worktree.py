"""The project's git working tree around `polster upgrade`: the checks before it, checkpoints
between Copier runs, undoing a failed run, and the files it changed or left in conflict.

Paths are relative to the project root, which may be a folder inside a larger repository.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from polster import vcs
from polster.errors import CheckFailed

# The labels Copier's inline conflicts carry (`git merge-file -L ...`).
CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")
_CHECKPOINT_MESSAGE = "polster upgrade: temporary checkpoint (undo with git reset --soft HEAD~1)"


@dataclass(frozen=True)
class Change:
    status: str  # git's two-letter short status, e.g. " M", "??", "UU"
    path: str


class Worktree:
    """The git working tree holding a project, as an upgrade sees it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if not vcs.git_available():
            raise CheckFailed("git is not installed: install git, then run polster upgrade again.")
        probe = vcs.git(root, "rev-parse", "--show-prefix", check=False)
        if probe.returncode != 0:
            raise CheckFailed(
                f"{root} is not in a git repository: run `git init && git add --all && "
                "git commit -m 'Before upgrade'` there first (the upgrade merges with git)."
            )
        self._prefix = probe.stdout.strip()

    def head(self) -> str | None:
        found = self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def changes(self) -> list[Change]:
        """Every file under the root that differs from HEAD, untracked ones included."""
        output = self._git("status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
        entries = output.stdout.split("\0")
        found: list[Change] = []
        index = 0
        while index < len(entries):
            entry = entries[index]
            index += 1
            if len(entry) < 4:
                continue
            if entry[0] in "RC":
                index += 1  # a rename's second entry is its old path
            found.append(Change(entry[:2], entry[3:].removeprefix(self._prefix)))
        return found

    def require_clean(self) -> None:
        if self.head() is None:
            raise CheckFailed(
                "The repository has no commit yet: commit the project "
                "(git add --all && git commit), then run polster upgrade again."
            )
        changed = self.changes()
        if changed:
            example = ", ".join(change.path for change in changed[:3])
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            raise CheckFailed(
                f"The project has uncommitted changes ({example}{more}): commit or stash them, "
                "then run polster upgrade again."
            )

    def checkpoint(self) -> None:
        """Commit what the last Copier run changed, so the next one finds a clean tree."""
        self._git("add", "--all", "--", ".")
        vcs.commit(self.root, _CHECKPOINT_MESSAGE, ".")

    def settle(self, start: str) -> None:
        """Drop the checkpoints but keep their changes, unstaged, as one Copier run leaves them;
        conflicts stay marked in the index."""
        if self.head() == start:
            return
        committed = self._names("diff", "--name-only", start, "HEAD")
        self._move_head(start)
        unmerged = set(self._names("diff", "--name-only", "--diff-filter=U"))
        unstage = [path for path in committed if path not in unmerged]
        if unstage:
            self._git("reset", "--quiet", start, "--", *unstage)

    def undo(self, start: str) -> None:
        """Put the project back as it was at `start`: a failed run leaves nothing behind."""
        if self.head() != start:
            self._move_head(start)
        self._git("reset", "--quiet", start, "--", ".")
        self._git("checkout", "--quiet", "--", ".")
        self._git("clean", "--quiet", "--force", "-d", "--", ".")

    def conflicts(self) -> list[str]:
        """Files the run left in conflict: unmerged, with a `.rej` file, or with markers."""
        found = set(self._names("diff", "--name-only", "--diff-filter=U"))
        # Untracked, ignored ones included: a project may ignore *.rej.
        rejected = self._git("ls-files", "--others", "-z", "--", "*.rej").stdout.split("\0")
        found.update(path for path in rejected if path)
        for change in self.changes():
            path = self.root / change.path
            if path.is_file() and _has_markers(path):
                found.add(change.path)
        return sorted(found)

    def _move_head(self, start: str) -> None:
        # `git reset --soft`, which refuses while the index holds conflicts.
        self._git("update-ref", "-m", "polster upgrade: drop the checkpoints", "HEAD", start)

    def _names(self, *args: str) -> list[str]:
        return self._git(*args, "--relative", "--", ".").stdout.splitlines()

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return vcs.git(self.root, *args, check=check)


def _has_markers(path: Path) -> bool:
    with path.open("rb") as file:
        return any(line.rstrip() in CONFLICT_MARKERS for line in file)
