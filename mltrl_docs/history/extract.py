"""``load_history``: read the portfolio's history from git, using and refreshing the on-disk cache.

One run costs one ``git log`` pass over the content roots (only the commits
after the cached head when there is a usable cache), one ``git cat-file
--batch`` process for the blobs not yet summarised, and one ``git status``
for uncommitted changes. See :mod:`mltrl_docs.history.gitio` for how merges
are read (first parent: the mainline).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

from .. import __version__
from ..diagnostics import Severity
from ..loader import Portfolio
from .cache import CacheState, HistoryCache
from .derive import build_history, classifier, prior_cards, replay
from .findings import SHALLOW_HINT, findings, repository_finding
from .gitio import CatFile, Commit, GitError, RepoInfo, iter_log, repo_info, run_git, status_paths, tracked
from .model import PortfolioHistory
from .summary import SUMMARY_VERSION, Summariser, review_summary

NOT_A_REPOSITORY = ("not a git repository: history (level changes, switchbacks, time per level) is "
                    "unavailable; everything else works")


class _Reader:
    """Collects blob answers from ``cat-file`` (on its reader thread) and summarises them."""

    def __init__(self, summaries: dict[str, dict], texts: dict[str, str]) -> None:
        self.summaries = summaries
        self.texts = texts
        self.kinds: dict[str, tuple[str, str]] = {}
        """Blob id -> (kind, path) of every request sent: ``c`` card, ``r`` review, ``text`` text only."""
        self.summariser = Summariser()
        self.lock = threading.Lock()
        self.count = 0

    def want(self, blob: str, kind: str, path: str) -> bool:
        """Note a request; ``False`` when the blob was already asked for."""
        with self.lock:
            if blob in self.kinds:
                return False
            self.kinds[blob] = (kind, path)
            return True

    def on_blob(self, blob: str, data: bytes | None) -> None:
        with self.lock:
            kind, path = self.kinds.get(blob, ("", ""))
        self.count += 1
        if kind == "text":
            if data is not None:
                self.texts[blob] = data.decode("utf-8", "replace")
            return
        if data is None:
            summary = {"error": "the object is missing from the repository"}
        elif kind == "c":
            summary = self.summariser.card(data, path)
            if "error" not in summary:
                self.texts[blob] = data.decode("utf-8", "replace")
        else:
            summary = review_summary(data, path)
        self.summaries[f"{kind}:{blob}"] = summary


def cache_key(info: RepoInfo, roots: list[str]) -> str:
    """What the cached data depends on besides blob ids: code version, roots and the base folder's place."""
    raw = "\n".join([__version__, str(SUMMARY_VERSION), info.prefix, *roots])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _relative_commit(commit: Commit, prefix: str, classify) -> Commit | None:
    """``commit`` with only its card and review changes, paths relative to the base folder."""
    kept = []
    for change in commit.changes:
        if prefix:
            change.path = change.path[len(prefix):] if change.path.startswith(prefix) else "\0outside"
            if change.old_path is not None:
                change.old_path = change.old_path[len(prefix):] if change.old_path.startswith(prefix) else None
        if classify(change.path) is not None or classify(change.old_path) is not None:
            kept.append(change)
    if not kept:
        return None
    commit.changes = kept
    return commit


class Extraction:
    """One run of history extraction: reads what git adds to the cache, then refreshes the cache."""

    def __init__(self, base_dir: Path, info: RepoInfo, roots: list[str], cache: HistoryCache | None) -> None:
        self.base_dir = base_dir
        self.info = info
        self.roots = roots
        self.cache = cache
        self.classify = classifier(roots)
        self.key = cache_key(info, roots)
        self.previous: CacheState | None = cache.load(self.key) if cache is not None else None
        self.summaries: dict[str, dict] = dict(self.previous.blobs) if self.previous else {}
        self.texts: dict[str, str] = dict(self.previous.texts) if self.previous else {}
        self.reader = _Reader(self.summaries, self.texts)
        self._cat: CatFile | None = None
        self.commits: list[Commit] = []
        """Every mainline commit with card or review changes, oldest first."""
        self.new: list[Commit] = []
        """The commits read from git in this run."""
        self.rewrite = True
        """Whether the cached commits were discarded (first run, or history rewritten)."""

    @property
    def blobs_read(self) -> int:
        """Blobs read from git in this run."""
        return self.reader.count

    def _request(self, blob: str, kind: str, path: str) -> None:
        if not self.reader.want(blob, kind, path):
            return
        if self._cat is None:
            self._cat = CatFile(self.base_dir, self.reader.on_blob)
        self._cat.request(blob)

    def read(self) -> None:
        """Walk the commits after the cached head (all of them without a usable cache)."""
        since = self.previous.head if self.previous is not None else None
        if since is not None and since != self.info.head and not _on_mainline(self.base_dir, since):
            since = None  # history was rewritten: walk it all again, keeping the blob summaries
        self.rewrite = since is None
        if self.info.head is not None and since != self.info.head:
            for commit in iter_log(self.base_dir, self.roots, since):
                commit = _relative_commit(commit, self.info.prefix, self.classify)
                if commit is None:
                    continue
                self.new.append(commit)
                for change in commit.changes:
                    where = self.classify(change.path)
                    if where is None or change.blob is None or not change.regular:
                        continue
                    kind = "c" if where[0] == "card" else "r"
                    if f"{kind}:{change.blob}" not in self.summaries:
                        self._request(change.blob, kind, change.path)
                if self._cat is not None:
                    self._cat.flush()
            self.new.reverse()
        if self._cat is not None:
            self._cat.wait()
        kept = self.previous.commits if self.previous is not None and not self.rewrite else []
        self.commits = kept + self.new

    def fetch_texts(self, blobs: list[str]) -> None:
        """Read the full text of card versions not yet known (through the same ``cat-file`` process)."""
        for blob in blobs:
            if blob not in self.texts:
                self._request(blob, "text", "")
        if self._cat is not None:
            self._cat.flush()
            self._cat.wait()

    def close(self) -> None:
        """End the ``cat-file`` process, if one was started."""
        if self._cat is not None:
            self._cat.close()
            self._cat = None

    def save(self, keep_texts: set[str]) -> None:
        """Append what this run learnt to the cache (texts only for ``keep_texts``)."""
        if self.cache is None:
            return
        old = self.previous if not self.rewrite else None
        known_blobs = set(old.blobs) if old is not None else set()
        known_texts = set(old.texts) if old is not None else set()
        blobs = {k: v for k, v in self.summaries.items() if k not in known_blobs}
        texts = {b: self.texts[b] for b in keep_texts if b in self.texts and b not in known_texts}
        self.cache.save(self.key, self.info.head, self.previous, self.commits if self.rewrite else self.new,
                        blobs, texts, self.rewrite)


def _on_mainline(base_dir: Path, commit: str) -> bool:
    """Whether ``commit`` is on the first-parent chain of HEAD (so only later commits are new)."""
    result = run_git(base_dir, "rev-list", "--first-parent", "--parents", f"{commit}..HEAD", check=False)
    if result.returncode != 0:
        return False
    rows = result.stdout.decode("ascii", "replace").strip().splitlines()
    if not rows:
        return False  # HEAD moved back or sideways
    oldest = rows[-1].split()
    return len(oldest) > 1 and oldest[1] == commit


def load_history(portfolio: Portfolio, *, cache_dir: Path | None = None,
                 now: dt.datetime | None = None) -> PortfolioHistory:
    """The history of every technology in ``portfolio``, from git and the cards' recorded events.

    Outside a git repository, or in a shallow clone (unless ``allow_shallow``),
    the result has ``available=False``, a ``reason`` and one finding; nothing
    raises. ``cache_dir`` defaults to the configured ``cache_dir`` under the
    base folder.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    settings = portfolio.settings
    base_dir = portfolio.base_dir
    try:
        info = repo_info(base_dir)
    except GitError as exc:
        reason = f"history is unavailable: {exc}"
        return PortfolioHistory(False, reason, now=now, diagnostics=[repository_finding(
            "HIS008", Severity.WARNING, reason, "install git, or check that the repository is readable")])
    if info is None:
        return PortfolioHistory(False, NOT_A_REPOSITORY, now=now, diagnostics=[repository_finding(
            "HIS007", Severity.INFO, NOT_A_REPOSITORY, "run 'git init' and commit the content to follow its history")])
    shallow_note = []
    if info.shallow:
        message = "the repository is a shallow clone: its history is cut off"
        if not settings.allow_shallow:
            return PortfolioHistory(False, f"{message} (fix: {SHALLOW_HINT})", now=now, diagnostics=[
                repository_finding("HIS006", Severity.ERROR, message + ", so levels, switchbacks and time per "
                                   "level cannot be derived", SHALLOW_HINT)])
        shallow_note = [repository_finding("HIS006", Severity.INFO, message + "; history starts at the cut "
                                           "(allow_shallow is set)", SHALLOW_HINT)]
    folder = cache_dir if cache_dir is not None else base_dir / settings.cache_dir
    cache = None
    if folder is not None and not _committed(base_dir, folder):
        cache = HistoryCache(folder / "history")
    try:
        history = _extract(portfolio, info, cache, now)
    except GitError as exc:
        reason = f"history is unavailable: {exc}"
        return PortfolioHistory(False, reason, now=now, diagnostics=[repository_finding(
            "HIS008", Severity.WARNING, reason, "check that the repository is readable")])
    history.diagnostics = findings(portfolio, history, now) + shallow_note
    return history


def _committed(base_dir: Path, folder: Path) -> bool:
    """Whether the cache folder holds committed files: such a cache could be forged and is not used."""
    try:
        relative = folder.resolve().relative_to(base_dir.resolve())
    except ValueError:
        return False
    return tracked(base_dir, relative.as_posix())


def _pending(base_dir: Path, info: RepoInfo, roots: list[str]) -> dict[str, list[str]]:
    """Uncommitted or untracked paths (relative to the base folder) by technology folder."""
    pending: dict[str, list[str]] = {}
    root_parts = [root.strip("/").split("/") for root in roots]
    for path in status_paths(base_dir, roots):
        if not path.startswith(info.prefix):
            continue
        parts = path[len(info.prefix):].split("/")
        for root in root_parts:
            if parts[:len(root)] == root and len(parts) > len(root) + 1:
                pending.setdefault("/".join(parts[:len(root) + 1]), []).append("/".join(parts))
                break
    return pending


def _extract(portfolio: Portfolio, info: RepoInfo, cache: HistoryCache | None, now: dt.datetime) -> PortfolioHistory:
    roots = list(portfolio.settings.roots)
    run = Extraction(portfolio.base_dir, info, roots, cache)
    try:
        run.read()
        tracks = replay(run.commits, run.classify, run.summaries)
        pending = _pending(portfolio.base_dir, info, roots)
        history = PortfolioHistory(available=True, now=now)
        built = []
        wanted: set[str] = set()
        for slug, tech in portfolio.technologies.items():
            tech_history, last_at = build_history(slug, tracks.get(tech.folder), tech, run.summaries,
                                                  pending.get(tech.folder, []), now)
            levels = tech_history.level_events
            current = levels[-1].to_level if levels else None
            wanted.update(change.blob for level, (_, change) in last_at.items() if level != current)
            history.projects[slug] = tech_history
            built.append((tech_history, last_at, current))
        run.fetch_texts(sorted(wanted))
    finally:
        run.close()
    for tech_history, last_at, current in built:
        tech_history.prior_cards = prior_cards(last_at, current, run.texts)
    run.save(wanted)
    return history
