"""The web address of the repository, worked out from its ``origin`` remote when none is configured.

Edit links and commit links need ``repo_url``. A wiki cloned from a forge
already knows its address: ``git@github.com:org/wiki.git`` is
``https://github.com/org/wiki``. Credentials that a remote URL may carry
(``https://user:token@host/...``) are dropped, never published.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_HOST = r"(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
_PATH = r"(?P<path>[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)+)/?"
_FORMS = (
    re.compile(rf"^https?://(?:[^@/]*@)?{_HOST}(?::\d+)?/{_PATH}$"),
    re.compile(rf"^ssh://(?:[^@/]*@)?{_HOST}(?::\d+)?/{_PATH}$"),
    re.compile(rf"^[A-Za-z0-9._-]+@{_HOST}:{_PATH}$"),
)


def web_address(remote: str) -> str | None:
    """``https://host/owner/name`` for an https, ssh or scp-like remote URL; ``None`` for anything else."""
    for form in _FORMS:
        match = form.match(remote.strip())
        if match:
            return f"https://{match.group('host').lower()}/{match.group('path').removesuffix('.git')}"
    return None


@dataclass(frozen=True)
class Forge:
    """Where the repository is browsed, and the edit address of the docs folder."""

    repo_url: str
    edit_uri: str | None


def detect(base_dir: Path, docs_dir: Path) -> Forge | None:
    """The forge address of the repository holding ``base_dir``, from ``remote.origin.url``.

    The repository's configuration, remotes and branch are read with GitPython. It is imported
    here, not with the module: importing it takes about a quarter of a second, which ``mltrl
    check`` (run before every commit) should not pay, and only a site build without ``repo_url``
    needs it. The history's git processes stay in :mod:`mltrl_docs.gitio`: one ``git log`` and one
    ``cat-file`` process read faster from their pipes than GitPython's object layer would.
    """
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")  # no git on PATH is no forge, not an import error
    try:
        import git
    except ImportError:
        return None
    try:
        repo = git.Repo(base_dir, search_parent_directories=True)
    except (git.exc.GitError, OSError, ValueError):
        return None
    try:
        remote = repo.config_reader().get_value('remote "origin"', "url", default="")
        branch = None if repo.head.is_detached else repo.active_branch.name
        top = repo.working_tree_dir
    except (git.exc.GitError, OSError, ValueError, TypeError, KeyError):
        return None
    finally:
        repo.close()
    url = web_address(str(remote)) if remote else None
    if url is None:
        return None
    edit_uri = None
    if branch and top:
        try:
            docs = docs_dir.resolve().relative_to(Path(top).resolve()).as_posix()
        except ValueError:
            docs = None
        if docs is not None:
            prefix = "-/edit" if "gitlab" in url else "edit"
            edit_uri = f"{prefix}/{branch}/{docs + '/' if docs != '.' else ''}"
    return Forge(url, edit_uri)
