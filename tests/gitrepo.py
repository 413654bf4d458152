"""A real git repository in a test's folder, with fixed dates and a repo-local identity.

Every commit gets the author and committer date it is given, so hashes and
history are the same on every run. Nothing here mocks git: tests drive the
``git`` binary exactly as a user would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

IDENTITY = ("research lead", "research-lead@example.org")
"""Repo-local ``user.name`` and ``user.email`` of every test repository."""


def git(cwd: Path, *args: str, date: str | None = None, author: str | None = None,
        check: bool = True) -> str:
    """Run ``git args`` in ``cwd`` and return its standard output.

    ``date`` (ISO 8601, e.g. ``2024-03-01T10:00:00+00:00``) sets both the author and
    the committer date; ``author`` overrides the author name of a commit.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "LC_ALL": "C"})
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    if author is not None:
        env["GIT_AUTHOR_NAME"] = author
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                            timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


class GitRepo:
    """A git repository at ``path`` on branch ``main``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", IDENTITY[0])
        self.git("config", "user.email", IDENTITY[1])
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, date: str | None = None, author: str | None = None, check: bool = True) -> str:
        """Run a git command in the repository; see :func:`git`."""
        return git(self.path, *args, date=date, author=author, check=check)

    def write(self, files: dict[str, str | None]) -> None:
        """Write files (relative paths) without committing; ``None`` deletes a file."""
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, files: dict[str, str | None], date: str, message: str = "Update",
               author: str | None = None) -> str:
        """Write ``files``, stage everything and commit at ``date``; return the commit hash.

        ``date`` may be a day (``2024-03-01``, taken as noon UTC) or a full ISO 8601 time.
        """
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=_full(date), author=author)
        return self.head()

    def mv(self, old: str, new: str) -> None:
        """``git mv old new`` (a file or a folder), staged for the next commit."""
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def head(self) -> str:
        """Hash of the current commit."""
        return self.git("rev-parse", "HEAD").strip()


def _full(date: str) -> str:
    return f"{date}T12:00:00+00:00" if len(date) == 10 else date
