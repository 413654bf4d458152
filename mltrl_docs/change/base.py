"""Reading the base of a change from git: the revision a pull request is compared with.

The content of REF (a branch, tag or commit) is read straight from git with one
``git ls-tree`` and one ``git cat-file --batch`` process, never a checkout and
never one process per file, and handed to the same loader as the working tree
(:func:`mltrl_docs.loader.load_portfolio_from_files`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path

from ..errors import GitError
from ..gitio import CatFile, repo_info, run_git
from ..loader import REVIEWS, Refused


def resolve_commit(base_dir: Path, ref: str) -> str:
    """The commit hash REF names, seen from ``base_dir``; raise :class:`GitError` with the fix when it cannot."""
    if not ref or ref.startswith("-"):
        raise GitError(f"'{ref}' is not a git revision")
    info = repo_info(base_dir)
    if info is None:
        raise GitError(f"--base needs a git repository, and {base_dir} is not inside one")
    found = run_git(base_dir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                    check=False)
    if found.returncode == 0:
        return found.stdout.decode().strip()
    hints = []
    if info.shallow:
        hints.append("this is a shallow clone: fetch the whole history (actions/checkout with "
                     "'fetch-depth: 0', or 'git fetch --unshallow')")
    remote, slash, branch = ref.partition("/")
    if slash and branch:
        hints.append(f"if it is a remote branch, fetch it first: git fetch {remote} {branch}")
    hint = "; ".join(hints) or "check the spelling, or use a commit hash"
    raise GitError(f"git revision '{ref}' was not found ({hint})")


def _is_document(rel: str, roots: list[str]) -> bool:
    """Whether the loader would read ``rel``: ``<root>/<slug>/*.md`` or ``<root>/<slug>/reviews/*.md``."""
    for root in roots:
        prefix = root + "/"
        if rel.startswith(prefix):
            parts = rel[len(prefix):].split("/")
            if not rel.endswith(".md"):
                return False
            return len(parts) == 2 or (len(parts) == 3 and parts[1] == REVIEWS)
    return False


def read_tree(base_dir: Path, commit: str, roots: Iterable[str]) -> dict[str, bytes | Refused | None]:
    """The files under ``roots`` at ``commit``, relative to ``base_dir``, for the in-memory loader.

    One ``git ls-tree`` lists the tree and one ``git cat-file --batch`` process reads every
    document (and a second one the files that linked documents lead to, if any). Documents get their contents; other files an empty placeholder (they only
    tell which folders exist). A symbolic link gets its target's contents when the target
    is a document of the same snapshot in the link's own technology folder, and otherwise
    the :class:`~mltrl_docs.loader.Refused` reason the loader reports, as it does on disk.
    """
    roots = [posixpath.normpath(r) for r in roots]
    info = repo_info(base_dir)
    if info is None:
        raise GitError(f"--base needs a git repository, and {base_dir} is not inside one")
    prefix = info.prefix
    listing = run_git(base_dir, "--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                      *(prefix + r for r in roots))
    regular: dict[str, str] = {}
    """Every regular file under the roots: path -> blob."""
    links: dict[str, str] = {}
    """Every symbolic link under the roots: path -> blob holding its target."""
    files: dict[str, bytes | Refused | None] = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or not path.startswith(prefix):
            continue  # submodules are not files
        rel = path[len(prefix):]
        files[rel] = b""
        (links if mode == "120000" else regular)[rel] = oid
    documents = {rel: oid for rel, oid in regular.items() if _is_document(rel, roots)}
    blobs = _read_blobs(base_dir, set(documents.values()) | set(links.values()))
    for rel, oid in documents.items():
        files[rel] = blobs.get(oid) or b""
    targets = {rel: _follow_link(rel, links, regular, blobs, roots) for rel in links if _is_document(rel, roots)}
    more = _read_blobs(base_dir, {regular[t] for t in targets.values() if isinstance(t, str)} - set(blobs))
    blobs.update(more)
    for rel, target in targets.items():
        files[rel] = target if isinstance(target, Refused) else blobs.get(regular[target]) or b""
    return files


def _read_blobs(base_dir: Path, oids: set[str]) -> dict[str, bytes | None]:
    """The contents of ``oids``, read through one ``git cat-file --batch`` process."""
    blobs: dict[str, bytes | None] = {}
    if not oids:
        return blobs
    cat = CatFile(base_dir, blobs.__setitem__)
    try:
        for oid in sorted(oids):
            cat.request(oid)
        cat.flush()
    finally:
        cat.close()
    return blobs


def _follow_link(rel: str, links: dict[str, str], regular: dict[str, str],
                 blobs: dict[str, bytes | None], roots: list[str]) -> str | Refused:
    """The file the link at ``rel`` leads to, judged as on disk: one of its own technology's folder, or refused."""
    own = next((f"{root}/{rel[len(root) + 1:].split('/', 1)[0]}/" for root in roots if rel.startswith(root + "/")),
               "")
    seen = set()
    while rel not in seen:
        seen.add(rel)
        target = (blobs.get(links[rel]) or b"").decode("utf-8", "surrogateescape")
        if not target or target.startswith("/"):
            return Refused.OUTSIDE_REPOSITORY
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if rel.startswith("../") or rel == "..":
            return Refused.OUTSIDE_REPOSITORY
        if not rel.startswith(own):
            return Refused.OUTSIDE_TECHNOLOGY
        if rel in regular:
            return rel
        if rel not in links:
            return Refused.OUTSIDE_REPOSITORY  # leads to no file of the snapshot
    return Refused.LOOP


def change_commits(base_dir: Path, commit: str) -> set[str]:
    """Commits in the working tree's history that REF lacks: the change's own commits."""
    listed = run_git(base_dir, "rev-list", f"{commit}..HEAD", check=False)
    return set(listed.stdout.decode().split()) if listed.returncode == 0 else set()
