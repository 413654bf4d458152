"""Shared fixtures: a real git repository in ``tmp_path`` (see ``gitrepo.py``)."""

from __future__ import annotations

import pytest

from gitrepo import GitRepo


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    """An empty repository in ``tmp_path / "repo"`` with a repo-local identity.

    ``git_repo.commit({"projects/a/card.md": text}, "2024-03-01", "message", author="vision-team")``
    writes, stages and commits with fixed author and committer dates and returns the hash.
    """
    return GitRepo(tmp_path / "repo")
