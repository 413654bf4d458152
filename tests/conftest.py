"""Shared fixtures: a real git repository in ``tmp_path`` (see ``gitrepo.py``), and a user cache folder of the run's own."""

from __future__ import annotations

import os

import pytest
from gitrepo import GitRepo


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    """An empty repository in ``tmp_path / "repo"`` with a repo-local identity.

    ``git_repo.commit({"projects/a/card.md": text}, "2024-03-01", "message", author="vision-team")``
    writes, stages and commits with fixed author and committer dates and returns the hash.
    """
    return GitRepo(tmp_path / "repo")


@pytest.fixture(autouse=True, scope="session")
def user_cache_home(tmp_path_factory):
    """The user's cache folder (caches and their signing key) for the whole run, so tests never touch the real one.

    Set in the environment, so ``mkdocs`` and ``mltrl`` processes started by tests use it too (unless a test
    gives its own).
    """
    folder = tmp_path_factory.mktemp("user-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
