"""``load_history``: read the portfolio's history from git, using and refreshing the on-disk cache.

One run costs one ``git log`` pass over the content roots (only the commits
after the cached head when there is a usable cache), one ``git cat-file
--batch`` process for the blobs not yet summarised, one ``git status`` (run
in the background) for uncommitted changes and a ``rev-parse``. See :mod:`mltrl_docs.gitio` for how merges are read
(first parent: the mainline) and :mod:`mltrl_docs.history.cache` for what is
kept between runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

from .. import __version__, collector, parallel
from ..cachedir import CacheLocation, cache_location
from ..cachekey import load_or_create_key, user_key_file
from ..config import Settings
from ..diagnostics import Diagnostic, Severity
from ..errors import DamagedCache, GitError, ProcessFailed
from ..gitio import (
    CatFile,
    Commit,
    RepoInfo,
    StatusReader,
    iter_log,
    log_folder,
    refresh_env,
    repo_info,
    run_git,
)
from ..loader import Portfolio, Technology
from .cache import HistoryCache, State
from .derive import Entry, Replay, Track, build_history, classifier, prior_cards
from .findings import SHALLOW_HINT, KeptFindings, findings, repository_finding
from .model import (
    DateNote,
    Event,
    LevelSpan,
    PortfolioHistory,
    SkippedVersion,
    TechnologyHistory,
)
from .summary import SUMMARY_VERSION, Summariser, review_summary

FLUSH_EVERY = 32
"""Blob requests sent to ``cat-file`` together (one write per request would cost a system call each)."""
NOT_A_REPOSITORY = ("not a git repository: history (level changes, switchbacks, time per level) is "
                    "unavailable; everything else works")


class _Reader:
    """Summarises the blobs ``cat-file`` returns, as they arrive."""

    def __init__(self, summaries: dict[str, dict], texts: dict[str, bytes]) -> None:
        self.summaries = summaries
        self.texts = texts
        self.kinds: dict[str, tuple[str, str]] = {}
        """Blob id -> (kind, path) of every request sent: ``c`` card, ``r`` review, ``text`` text only."""
        self.summariser = Summariser()
        self.lock = threading.Lock()

    def want(self, blob: str, kind: str, path: str) -> bool:
        """Note a request; ``False`` when the blob was already asked for."""
        with self.lock:
            if blob in self.kinds:
                return False
            self.kinds[blob] = (kind, path)
            return True

    def on_blob(self, blob: str, data: bytes | None) -> None:
        """Summarise one answer (on the caller's thread, or on ``cat-file``'s reader thread)."""
        # The request was noted before it was sent, so reading without the lock is safe.
        kind, path = self.kinds.get(blob, ("", ""))
        if kind == "text":
            if data is not None:
                self.texts[blob] = data
            return
        if data is None:
            summary = {"error": "the object is missing from the repository"}
        elif kind == "c":
            summary = self.summariser.card(data, path)
            if "error" not in summary:
                self.texts[blob] = data  # decoded only if it becomes a prior card
        else:
            summary = review_summary(data, path)
        self.summaries[f"{kind}:{blob}"] = summary


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def cache_key(info: RepoInfo, roots: list[str]) -> str:
    """What the cached data depends on besides blob ids: code version, data types, roots, the base folder's place."""
    shapes = [",".join(f.name for f in dataclasses.fields(cls))
              for cls in (Event, LevelSpan, SkippedVersion, DateNote)]
    raw = "\n".join([__version__, str(SUMMARY_VERSION), info.prefix, *shapes, *roots])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _maybe_relevant(path: bytes) -> bool:
    """A quick test on raw paths from the log: could this be a card or a review record?"""
    return path.endswith(b"/card.md") or b"/reviews/" in path


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
    """One run of history extraction: what git adds to the cache, and the histories derived from it."""

    def __init__(self, base_dir: Path, roots: list[str], info: RepoInfo, cache: HistoryCache | None, *,
                 status: bool = True) -> None:
        self.base_dir = base_dir
        self.info = info
        # Roots missing from the work tree hold no current technology; leaving them out of the
        # pathspec spares git a pattern match on every path of every commit.
        self.roots = [r for r in roots if (base_dir / r).is_dir()]
        self.cache = cache
        self.classify = classifier(self.roots)
        self.key = cache_key(info, self.roots)
        self.state: State | None = cache.load(self.key) if cache is not None else None
        self.summaries: dict[str, dict] = {}
        """Blob summaries read in this run (``c:`` cards, ``r:`` reviews)."""
        self.texts: dict[str, bytes] = {}
        """Card texts read in this run, undecoded."""
        self.reader = _Reader(self.summaries, self.texts)
        self._cat: CatFile | None = None
        self._unflushed = 0
        self.fresh = True
        """Whether the whole history is walked (no usable cache, or history rewritten)."""
        self.replay: Replay | None = None
        self.fingerprints: dict[str, str] = {}
        """The fingerprint of each history derived from commits alone (no uncommitted change in its folder)."""
        self.saved: State | None = None
        """The index as this run saved it (or tried to), once it has."""
        self._status = StatusReader(self.base_dir, self.roots) if self.roots and status else None
        """Uncommitted changes, read by git while this process works on the history."""

    def _request(self, blob: str, kind: str, path: str) -> None:
        if not self.reader.want(blob, kind, path):
            return
        if self._cat is None:
            self._cat = CatFile(self.base_dir, self.reader.on_blob)
        self._cat.request(blob)
        self._unflushed += 1

    def _wait(self) -> None:
        if self._cat is not None:
            self._cat.wait()
            self._unflushed = 0

    def close(self) -> None:
        """End the ``cat-file`` process, if one was started, and collect ``git status``."""
        if self._cat is not None:
            self._cat.close()
            self._cat = None
        if self._status is not None:
            self._status.paths()

    def read(self) -> None:
        """Walk the commits after the cached head (all of them without a usable cache) and replay them.

        After a cached head, only the new mainline commits are walked (over
        the whole tree, since they are few); if the oldest of them does not
        sit on the cached head, history was rewritten (a rebase, an amend,
        a reset) and the whole history is walked again, keeping what was
        read from blobs.
        """
        state = self.state
        self._known: dict[str, dict] = {}
        since = state.head if state is not None else None
        new: list[Commit] = []
        if since is not None and since != self.info.head:
            tail: dict[str, str] = {}
            new = self._walk(since, [], tail)
            if tail.get("parent") != since:
                since, new = None, []
        self.fresh = since is None
        if self.fresh and state is not None:
            for record in self.cache.all_tracks(state):
                for entry in entries_from_record(record):
                    if entry.kind == "c" and entry.summary is not None:
                        self._known[f"c:{entry.blob}"] = entry.summary
                self._known.update((f"r:{blob}", summary) for blob, summary in record["reviews_read"].items())
        if self.fresh:
            self.replay = Replay(self.classify, self._card_summary)
            if self.info.head is not None and self.roots:
                new = self._walk(None, self.roots)
        else:
            live = {folder: Track(int(v[0]), folder, None, v[1], version=int(v[2]))
                    for folder, v in state.live.items()}
            self.replay = Replay(self.classify, self._card_summary, live, self._load_track, state.next_id)
        self._wait()
        for commit in reversed(new):
            self.replay.apply(commit)

    def commits_read(self) -> dict:
        """What :meth:`read` found, to hand to :meth:`restore` in another process (picklable)."""
        return {"state": self.state, "live": self.replay.live, "next_id": self.replay.next_id, "fresh": self.fresh,
                "summaries": self.summaries, "texts": self.texts, "known": self._known}

    def restore(self, read: dict) -> None:
        """Take over what :meth:`read` found in another process, as if it had run here.

        The cache index comes along: another run may have rewritten the cache since this process
        loaded it, and what was read must be completed against the index it was read with.
        """
        self.state = read["state"]
        self.fresh = read["fresh"]
        self.summaries.update(read["summaries"])
        self.texts.update(read["texts"])
        self._known = read["known"]
        self.replay = Replay(self.classify, self._card_summary, read["live"], self._load_track, read["next_id"])

    def _walk(self, since: str | None, pathspecs: list[str], tail: dict | None = None) -> list[Commit]:
        """Commits with card or review changes, newest first; card blobs not yet known are requested."""
        new: list[Commit] = []
        # The whole walk over one root lists its folder with --relative, which git does faster.
        within = log_folder(self.info.prefix, pathspecs) if since is None else None
        for commit in iter_log(self.base_dir, pathspecs, since, keep=_maybe_relevant, tail=tail, within=within):
            commit = _relative_commit(commit, self.info.prefix, self.classify)
            if commit is None:
                continue
            new.append(commit)
            for change in commit.changes:
                where = self.classify(change.path)
                # Review records are mostly read from the work tree; see histories().
                if where is None or where[0] != "card" or change.blob is None or not change.regular:
                    continue
                if f"c:{change.blob}" not in self._known:
                    self._request(change.blob, "c", change.path)
            if self._cat is not None and self._unflushed >= FLUSH_EVERY:
                self._cat.flush()  # also handles the answers that arrived meanwhile
                self._unflushed = 0
        return new

    def _card_summary(self, blob: str) -> dict | None:
        key = f"c:{blob}"
        return self.summaries.get(key) or self._known.get(key)

    def _load_track(self, track: Track) -> None:
        where = self.state.tracks.get(str(track.id))
        if where is None:
            track.entries = []
            return
        record = self.cache.record("tracks.jsonl", self.state, where)
        track.entries = entries_from_record(record)
        track.reviews_read = record["reviews_read"]

    def histories(self, portfolio: Portfolio, now: dt.datetime) -> PortfolioHistory:
        """Every technology's history: reused from the cache when nothing it depends on changed."""
        live = self.replay.live
        plan: list[tuple[str, Technology, Track | None, str]] = []
        for slug, tech in portfolio.technologies.items():
            track = live.get(tech.folder)
            plan.append((slug, tech, track, _fingerprint(tech, track)))
        reusable: list[str] = []
        for slug, tech, track, fingerprint in plan:
            cached = self.state.derived.get(slug) if self.state is not None and not self.fresh else None
            if cached is not None and cached[2] == fingerprint and (track is None or not track.changed):
                reusable.append(slug)
        reused = {slug: KeptHistory.of(slug, record, head, self._prior_texts)
                  for slug, (record, head) in (self.cache.derived_records(self.state, reusable) if reusable
                                               else {}).items()}
        # git status has been running meanwhile; technologies with uncommitted changes are derived anew.
        pending = _pending(self._status, self.info, self.roots) if self._status is not None else {}
        rebuild = []
        for slug, tech, track, fingerprint in plan:
            if slug in reused and tech.folder not in pending:
                continue
            reused.pop(slug, None)
            if track is not None and track.entries is None:
                self._load_track(track)
            rebuild.append((slug, tech, track, fingerprint))
        # Review records of rebuilt technologies: from the work tree, else read from git (one batch).
        in_work_tree = {slug: _CurrentReviews(tech) for slug, tech, _, _ in rebuild}
        for slug, _, track, _ in rebuild:
            current_reviews = in_work_tree[slug]
            for entry in track.entries if track is not None else ():
                if entry.kind == "r" and entry.regular and entry.blob not in track.reviews_read and \
                        _review_path(track, entry) not in current_reviews:
                    self._request(entry.blob, "r", entry.path)
        self._wait()
        history = PortfolioHistory(available=True, now=now)
        self.derived: dict[str, tuple[str, dict]] = {}
        self.fingerprints = {slug: fingerprint for slug, tech, _, fingerprint in plan if tech.folder not in pending}
        last_levels: dict[str, tuple[dict[int, Entry], int | None]] = {}
        for slug, tech, track, fingerprint in rebuild:
            reviews_read: dict[str, dict] = {}
            current_reviews = in_work_tree[slug]
            if track is not None:
                for entry in track.entries:
                    if entry.kind != "r":
                        continue
                    review = current_reviews.get(_review_path(track, entry))
                    if review is not None:
                        reviews_read[entry.blob] = review
                    elif entry.blob in track.reviews_read:
                        reviews_read[entry.blob] = track.reviews_read[entry.blob]
                    elif f"r:{entry.blob}" in self.summaries or f"r:{entry.blob}" in self._known:
                        summary = self.summaries.get(f"r:{entry.blob}") or self._known[f"r:{entry.blob}"]
                        reviews_read[entry.blob] = track.reviews_read[entry.blob] = summary
                        track.changed = True
            tech_history, last_at = build_history(slug, track, tech, reviews_read, pending.get(tech.folder, []), now)
            history.projects[slug] = tech_history
            current = tech_history.current_level
            last_levels[slug] = (last_at, current)
            if tech.folder not in pending:
                self.derived[slug] = (fingerprint, derived_record(tech_history, last_at), derived_head(tech_history))
        history.projects.update(reused)
        history.projects = {slug: history.projects[slug] for slug, _, _, _ in plan}
        # Prior cards: texts from this run, the cache, or one more batch through cat-file.
        wanted = {entry.blob for last_at, current in last_levels.values()
                  for level, entry in last_at.items() if level != current}
        texts: dict[str, str | Callable[[], str]] = {}
        self.new_texts: dict[str, bytes] = {}
        kept = self.state.texts if self.state is not None and not self.fresh else {}
        for blob in wanted:
            if blob in kept:
                texts[blob] = functools.partial(self._kept_text, self.state, blob)  # read and checked when shown
            elif blob not in self.texts:
                self._request(blob, "text", "")
        self._wait()
        for blob in wanted:
            if blob not in texts and blob in self.texts:
                self.new_texts[blob] = self.texts[blob]
                texts[blob] = self.texts[blob].decode("utf-8", "replace")
        for slug, (last_at, current) in last_levels.items():
            history.projects[slug].prior_cards = prior_cards(last_at, current, texts)
        return history

    def _prior_texts(self, last_at: dict[int, Entry]) -> dict[str, str | Callable[[], str]]:
        """The texts of a reused history's prior cards, each read when first shown: from this run, the cache, or
        git."""
        texts: dict[str, str | Callable[[], str]] = {}
        for entry in last_at.values():
            read = self.texts.get(entry.blob)
            texts[entry.blob] = read.decode("utf-8", "replace") if read is not None else \
                functools.partial(self._kept_text, self.state, entry.blob)
        return texts

    def _kept_text(self, state: State, blob: str) -> str:
        """A prior card's text from the cache; from git when the cache no longer holds it as it was."""
        try:
            text = self.cache.text(state, blob)
        except (DamagedCache, OSError):
            text = None
        if text is None and _OBJECT_ID.fullmatch(blob):
            try:
                done = run_git(self.base_dir, "cat-file", "blob", blob, check=False)
            except GitError:
                return ""
            text = done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""
        return text or ""

    def save(self) -> None:
        """Record this run in the cache."""
        if self.cache is None:
            return
        state = self.state if self.state is not None and not self.fresh else State(key=self.key)
        fresh = self.fresh or self.state is None
        live = self.replay.live
        tracks: dict[int, dict] = {}
        for folder, track in live.items():
            if fresh or track.changed:
                if track.entries is None:
                    self._load_track(track)
                tracks[track.id] = track_record(track)
        state.live = {folder: [t.id, t.last_id, t.version] for folder, t in live.items()}
        state.next_id = self.replay.next_id
        state.head = self.info.head
        self.cache.save(state, fresh, tracks, self.derived, self.new_texts)
        self.saved = state

    def identities(self) -> dict[str, str]:
        """What names each history's content, by technology: the hash of its derived record, for every
        history of this run that the saved index holds as derived here (same fingerprint); none without a
        cache. Their findings can be kept under it (:class:`~mltrl_docs.history.findings.KeptFindings`)."""
        saved = self.saved
        if saved is None:
            return {}
        found = {}
        for slug, fingerprint in self.fingerprints.items():
            where = saved.derived.get(slug)
            if where is not None and where[2] == fingerprint:
                found[slug] = where[-1]
        return found


def track_record(track: Track) -> dict:
    """The cached form of a track; each distinct blob summary is stored once.

    A row has the fields of :class:`Entry`, the summary replaced by its place in the table;
    ``date_problem``, nearly always ``None``, is left off unless there is one.
    """
    table: list[dict] = []
    index: dict[int, int] = {}
    rows = []
    for entry in track.entries:
        row = list(entry)
        if entry.summary is not None:
            position = index.get(id(entry.summary))
            if position is None:
                position = index[id(entry.summary)] = len(table)
                table.append(entry.summary)
            row[8] = position
        if row[9] is None:
            row.pop()
        rows.append(row)
    return {"folder": track.folder, "entries": rows, "summaries": table, "reviews_read": track.reviews_read}


def entries_from_record(record: dict) -> list[Entry]:
    """The entries of a cached track (inverse of :func:`track_record`)."""
    table = record["summaries"]
    return [Entry(*row[:8], table[row[8]] if row[8] is not None else None, *row[9:]) for row in record["entries"]]


def _review_path(track: Track, entry: Entry) -> str:
    """Where a review record added at ``entry`` is now, if it is still there."""
    return f"{track.folder}/reviews/{entry.path.rsplit('/', 1)[-1]}"


class _CurrentReviews:
    """Valid review records of a technology in the work tree, by path, summarised when first asked for."""

    def __init__(self, tech: Technology) -> None:
        self._models = {doc.path: doc.model for doc in tech.reviews if doc.model is not None}
        self._summaries: dict[str, dict] = {}

    def __contains__(self, path: str) -> bool:
        return path in self._models

    def get(self, path: str) -> dict | None:
        """The summary of the record at ``path``, if it is there and valid."""
        found = self._summaries.get(path)
        if found is None and path in self._models:
            found = self._summaries[path] = _review_dict(self._models[path])
        return found


def _review_dict(review) -> dict:
    return {"level": review.level, "date": review.date.isoformat(), "decision": review.decision,
            "to_level": review.target, "reviewers": list(review.reviewers)}


def _fingerprint(tech: Technology, track: Track | None) -> str:
    """Everything a technology's derived history depends on besides its own git entries.

    That is its folder, its track, the events its card records and its
    review records as they are now.
    """
    parts = [tech.folder, "-" if track is None else f"{track.id}.{track.version}"]
    if tech.model is not None and tech.model.history:
        parts.append(repr([(r.date.toordinal(), r.level, r.status, r.switchback, r.author, r.note)
                           for r in tech.model.history]))
    for doc in tech.reviews:
        # The record's path and bytes stand for what is read from it: their digest when the loader made one.
        parts.append(doc.digest or f"{doc.path}\0{doc.parsed.text}")
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


_EVENT_FIELDS = [f.name for f in dataclasses.fields(Event)]
_COMMITTED = _EVENT_FIELDS.index("committed")


def _builder(cls: type, names: list[str]):
    """A function making a ``cls`` (a frozen dataclass) from a row of field values, without ``__init__``.

    Rebuilding tens of thousands of cached events is most of a warm run; a
    frozen dataclass's ``__init__`` pays a guarded ``setattr`` per field,
    this fills the instance dictionary in one statement (the way
    :mod:`dataclasses` itself generates code).
    """
    targets = ", ".join(f"d[{name!r}]" for name in names)
    namespace: dict = {"new": object.__new__, "cls": cls}
    exec(f"def build(row):\n    obj = new(cls)\n    d = obj.__dict__\n    {targets}, = row\n    return obj\n",
         namespace)
    return namespace["build"]


def _events_builder():
    """A function making the events of a derived record from its rows (see :func:`derived_record`), each as
    :func:`_builder` makes one, with the commit's date, hash, author and subject taken from the record's
    commit table where the row names it by index, and the dates parsed on the way."""
    shared = ("date", "commit", "author", "message")
    places = {name: _EVENT_FIELDS.index(name) for name in (*shared, "committed")}
    stores = []
    for index, name in enumerate(_EVENT_FIELDS):  # in field order, as __init__ fills the instance dictionary
        if name in shared:
            stores.append(f"d[{name!r}] = {name}")
        elif name == "committed":
            stores.append(f"d[{name!r}] = None if row[{index}] is None else parse(row[{index}])")
        else:
            stores.append(f"d[{name!r}] = row[{index}]")
    body = "\n        ".join(stores)
    own = ", ".join(f"row[{places[name]}]" for name in shared[1:])
    code = (f"def build(rows, table, parse):\n"
            f"    out = []\n"
            f"    for row in rows:\n"
            f"        first = row[{places['date']}]\n"
            f"        if first.__class__ is int:\n"
            f"            date, commit, author, message = table[first]\n"
            f"        else:\n"
            f"            date, commit, author, message = parse(first), {own}\n"
            f"        obj = new(cls)\n"
            f"        d = obj.__dict__\n"
            f"        {body}\n"
            f"        out.append(obj)\n"
            f"    return out\n")
    namespace: dict = {"new": object.__new__, "cls": Event}
    exec(code, namespace)
    return namespace["build"]


_new_events = _events_builder()
_new_span = _builder(LevelSpan, [f.name for f in dataclasses.fields(LevelSpan)])


def derived_record(history: TechnologyHistory, last_at: dict[int, Entry]) -> dict:
    """The cached form of a derived history (commit details stored once per commit)."""
    commits: dict[str, int] = {}
    table: list[list] = []
    events = []
    iso: dict[dt.datetime, str] = {}

    def text(when: dt.datetime) -> str:
        found = iso.get(when)
        if found is None:
            found = iso[when] = when.isoformat()
        return found

    for e in history.events:
        row = list(e.__dict__.values())  # field order: see _EVENT_FIELDS
        if e.committed is not None:
            row[_COMMITTED] = text(e.committed)
        # A review event is dated by its record, not its commit: it keeps its own date, author and subject.
        if e.source == "git" and e.commit and e.kind != "review":
            index = commits.get(e.commit)
            if index is None:
                index = commits[e.commit] = len(table)
                table.append([text(e.date), e.commit, e.author, e.message])
            row[0], row[3], row[4], row[5] = index, None, None, None
        else:
            row[0] = text(e.date)
        events.append(row)
    return {
        "commits": table,
        "events": events,
        "spans": [[s.level, s.status, text(s.start), text(s.end) if s.end else None] for s in history.spans],
        "skipped": [[k.commit, text(k.date), k.path, k.reason] for k in history.skipped],
        "dates": [[n.commit, text(n.date), n.path, n.problem] for n in history.date_notes],
        "last_at": [[level, entry.sha, entry.date, entry.path, entry.blob] for level, entry in last_at.items()],
        "folder": history.folder,
    }


def derived_head(history: TechnologyHistory) -> list:
    """What a run reads of a reused history without decoding its record: its folder and its former project IDs
    (:attr:`~mltrl_docs.history.model.TechnologyHistory.id_changes`), which ``mltrl check`` needs of every
    technology."""
    return [history.folder, [[former, date.isoformat()] for former, date in history.id_changes]]


_DECODED = frozenset({"events", "spans", "prior_cards", "skipped", "date_notes"})


class KeptHistory(TechnologyHistory):
    """A history reused from the cache, decoded when something first reads it.

    Its record was checked against the cache's signed index when the cache was
    read; its events, spans, prior cards and notes are made from it the first
    time one of them is read. A warm ``mltrl check`` reads none of them for a
    technology whose findings are kept (only its folder and former IDs, from
    the record's head), so it decodes only the histories a commit changed.
    """

    @classmethod
    def of(cls, slug: str, record: memoryview, head: list,
           texts: Callable[[dict[int, Entry]], dict[str, str | Callable[[], str]]]) -> KeptHistory:
        """The history of ``slug`` in ``record`` (:func:`derived_record`'s JSON) with ``head``
        (:func:`derived_head`); ``texts`` gives the prior cards' texts from the record's last entry at each
        level."""
        history = object.__new__(cls)
        folder, ids = head
        history.__dict__.update(slug=slug, folder=folder, _ids=ids, _record=(record, texts))
        return history

    def __getattr__(self, name: str):
        # Called only for what the instance does not hold yet: the decoded parts, before the first read.
        kept = self.__dict__.get("_record") if name in _DECODED else None
        if kept is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        record, texts = kept
        decoded, last_at = history_from_record(self.slug, json.loads(bytes(record)))
        self.__dict__.update(events=decoded.events, spans=decoded.spans, skipped=decoded.skipped,
                             date_notes=decoded.date_notes,
                             prior_cards=prior_cards(last_at, decoded.current_level, texts(last_at)))
        del self.__dict__["_record"]
        return self.__dict__[name]

    def __getstate__(self) -> dict:
        # A copy (or a pickle) holds the history itself, not a view of the cache file it was read from.
        if "_record" in self.__dict__:
            self.__getattr__("events")
        return dict(self.__dict__)

    @property
    def id_changes(self) -> list[tuple[str, dt.datetime]]:
        """As :attr:`TechnologyHistory.id_changes`, from the record's head while the record is not decoded."""
        ids = self.__dict__.get("_ids")
        if ids is None or "_record" not in self.__dict__:
            return super().id_changes
        return [(former, dt.datetime.fromisoformat(date)) for former, date in ids]


def history_from_record(slug: str, record: dict) -> tuple[TechnologyHistory, dict[int, Entry]]:
    """Inverse of :func:`derived_record`."""
    parse = dt.datetime.fromisoformat
    table = [(parse(date), sha, author, message) for date, sha, author, message in record["commits"]]
    events = _new_events(record["events"], table, parse)
    history = TechnologyHistory(slug=slug, folder=record["folder"], events=events)
    history.spans = [_new_span((level, status, parse(start), parse(end) if end else None))
                     for level, status, start, end in record["spans"]]
    history.skipped = [SkippedVersion(commit, parse(date), path, reason)
                       for commit, date, path, reason in record["skipped"]]
    history.date_notes = [DateNote(commit, parse(date), path, problem)
                          for commit, date, path, problem in record["dates"]]
    last_at = {int(level): Entry("c", sha, date, "", "", path, blob, True)
               for level, sha, date, path, blob in record["last_at"]}
    return history, last_at


class HistoryStart:
    """The git part of :func:`load_history`, which needs only the base folder and the settings.

    :func:`start_history` begins it in the background (a second process
    where :func:`mltrl_docs.parallel.available` allows, else a thread), so that
    ``git log``, ``git cat-file`` and the reading of their output run while the
    documents are read; :meth:`finish` then derives each technology's history
    from the portfolio.
    """

    def __init__(self, base_dir: Path, settings: Settings, cache_dir: Path | None) -> None:
        self.base_dir = base_dir
        self.settings = settings
        self.cache_dir = cache_dir
        """The cache folder, ``None`` for none."""
        self.unavailable: tuple[str, list[Diagnostic]] | None = None
        """Why there is no history (reason, findings), when that is already known."""
        self.shallow_note: list[Diagnostic] = []
        self.info: RepoInfo | None = None
        self.cache: HistoryCache | None = None
        self.run: Extraction | None = None
        self._thread: threading.Thread | None = None
        self._forked: parallel.Forked | None = None
        self.mode = "here"
        """Where the commits are read: ``here`` (when asked for), on a ``thread``, or in a second ``process``."""
        self._error: BaseException | None = None

    def begin(self, background: bool) -> None:
        """Find the repository and the cache, and start reading the commits."""
        with collector.paused():  # the cache's index and what is read here are many small objects
            self._begin(background)

    def _begin(self, background: bool) -> None:
        refresh_env()
        settings, base_dir = self.settings, self.base_dir
        try:
            info = repo_info(base_dir)
        except GitError as exc:
            reason = f"history is unavailable: {exc}"
            self.unavailable = reason, [repository_finding(
                "HIS008", Severity.WARNING, reason, "install git, or check that the repository is readable")]
            return
        if info is None:
            self.unavailable = NOT_A_REPOSITORY, [repository_finding(
                "HIS007", Severity.INFO, NOT_A_REPOSITORY,
                "run 'git init' and commit the content to follow its history")]
            return
        if info.shallow:
            message = "the repository is a shallow clone: its history is cut off"
            if not settings.allow_shallow:
                self.unavailable = f"{message} (fix: {SHALLOW_HINT})", [repository_finding(
                    "HIS006", Severity.ERROR, message + ", so levels, switchbacks and time per level cannot "
                    "be derived", SHALLOW_HINT)]
                return
            self.shallow_note = [repository_finding("HIS006", Severity.INFO, message + "; history starts at "
                                                    "the cut (allow_shallow is set)", SHALLOW_HINT)]
        self.info = info
        if self.cache_dir is not None:
            self.cache = HistoryCache(self.cache_dir / "history", load_or_create_key(user_key_file()))
        if background and parallel.available():
            # A second process reads the commits: git and the parsing of its output use another core.
            # This process prepares to take the result over (and has git status run meanwhile).
            try:
                self.run = self._extraction()
            except BaseException as exc:  # noqa: BLE001 - handed to finish()
                self._error = exc
                return
            self.mode = "process"
            self._forked = parallel.Forked(self._read_elsewhere)
        elif background:
            self.mode = "thread"
            self._thread = threading.Thread(target=self._read, name="mltrl-history", daemon=True)
            self._thread.start()
        else:
            self._read()

    def _extraction(self, *, status: bool = True) -> Extraction:
        return Extraction(self.base_dir, list(self.settings.roots), self.info, self.cache, status=status)

    def _read(self) -> None:
        try:
            self.run = self._extraction()
            self.run.read()
        except BaseException as exc:  # noqa: BLE001 - handed to finish(), on the caller's thread
            self._error = exc

    def _read_elsewhere(self) -> dict:
        """In the second process: read the commits and return what was found."""
        run = self._extraction(status=False)
        try:
            run.read()
        finally:
            run.close()
        return run.commits_read()

    def _collect(self) -> None:
        """Take the second process's result, or read the commits here when it has none."""
        forked, self._forked = self._forked, None
        try:
            read = forked.result()
        except ProcessFailed:
            read = None
        try:
            if read is None:
                self.mode = "here"
                self.run.read()  # the same work, with its errors reported the usual way
            else:
                self.run.restore(read)
        except BaseException as exc:  # noqa: BLE001 - handed to finish()
            self._error = exc

    def abandon(self) -> None:
        """End what was started without using it (its git processes are closed, its second process reaped)."""
        if self._forked is not None:
            forked, self._forked = self._forked, None
            try:
                forked.result()
            except ProcessFailed:
                pass
        self._wait()
        if self.run is not None:
            self.run.close()
            self.run = None

    def _wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._forked is not None:
            self._collect()

    def serves(self, portfolio: Portfolio, cache_dir: Path | None) -> bool:
        """Whether this start was made for ``portfolio`` (same folder, roots and cache)."""
        return (self.base_dir.resolve() == portfolio.base_dir.resolve()
                and (cache_dir is None or self.cache_dir == cache_dir)
                and list(self.settings.roots) == list(portfolio.settings.roots)
                and self.settings.cache_dir == portfolio.settings.cache_dir
                and self.settings.allow_shallow == portfolio.settings.allow_shallow)

    def finish(self, portfolio: Portfolio, now: dt.datetime) -> PortfolioHistory:
        """Wait for the git part, then derive every technology's history."""
        if self.unavailable is not None:
            reason, diagnostics = self.unavailable
            return PortfolioHistory(False, reason, now=now, diagnostics=diagnostics)
        with collector.paused():
            return self._finish(portfolio, now)

    def _finish(self, portfolio: Portfolio, now: dt.datetime) -> PortfolioHistory:
        self._wait()
        try:
            try:
                try:
                    if self._error is not None:
                        raise self._error
                    run = self.run
                    history = _complete(run, portfolio, now)
                except (ValueError, KeyError, TypeError, IndexError) as exc:
                    if self.cache is None or isinstance(exc, GitError):
                        raise
                    if self.run is not None:
                        self.run.close()
                    # A damaged cache (e.g. written by two processes at once): start it over.
                    self.cache.discard()
                    run = self._extraction()
                    run.read()
                    history = _complete(run, portfolio, now)
            finally:
                self._error = None
            kept = KeptFindings.in_folder(self.cache, portfolio.settings) if self.cache is not None else None
            history.diagnostics = findings(portfolio, history, now, kept=kept, identities=run.identities()) \
                + self.shallow_note
            if kept is not None:
                kept.save()
        except GitError as exc:
            reason = f"history is unavailable: {exc}"
            return PortfolioHistory(False, reason, now=now, diagnostics=[repository_finding(
                "HIS008", Severity.WARNING, reason, "check that the repository is readable")])
        return history


def start_history(base_dir: Path, settings: Settings, *, cache_dir: Path | None = None,
                  cache: CacheLocation | None = None, background: bool = True) -> HistoryStart:
    """Begin reading the history of the repository at ``base_dir``; :func:`load_history` takes it from there.

    In the background (the default), git works while the caller reads the
    documents; the result is the same as without a start. The history is
    cached in ``cache_dir`` if given, else where ``cache`` says (default: the
    configured cache folder, :func:`mltrl_docs.cachedir.cache_location`).
    """
    if cache_dir is None:
        cache_dir = (cache or cache_location(base_dir, settings.cache_dir)).folder
    started = HistoryStart(base_dir, settings, cache_dir)
    started.begin(background)
    return started


def load_history(portfolio: Portfolio, *, cache_dir: Path | None = None,
                 now: dt.datetime | None = None, started: HistoryStart | None = None) -> PortfolioHistory:
    """The history of every technology in ``portfolio``, from git and the cards' recorded events.

    Outside a git repository, or in a shallow clone (unless ``allow_shallow``),
    the result has ``available=False``, a ``reason`` and one finding; nothing
    raises. ``cache_dir`` defaults to the configured cache folder (see
    :mod:`mltrl_docs.cachedir`). ``started`` is what :func:`start_history` began for the same
    folder and settings, if anything.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    if started is None or not started.serves(portfolio, cache_dir):
        if started is not None:
            started.abandon()
        started = start_history(portfolio.base_dir, portfolio.settings, cache_dir=cache_dir, background=False)
    return started.finish(portfolio, now)


def _pending(status: StatusReader, info: RepoInfo, roots: list[str]) -> dict[str, list[str]]:
    """Uncommitted or untracked paths (relative to the base folder) by technology folder."""
    pending: dict[str, list[str]] = {}
    root_parts = [root.strip("/").split("/") for root in roots]
    for path in status.paths():
        if not path.startswith(info.prefix):
            continue
        parts = path[len(info.prefix):].split("/")
        for root in root_parts:
            if parts[:len(root)] == root and len(parts) > len(root) + 1:
                pending.setdefault("/".join(parts[:len(root) + 1]), []).append("/".join(parts))
                break
    return pending


def _complete(run: Extraction, portfolio: Portfolio, now: dt.datetime) -> PortfolioHistory:
    """Derive the histories from a run whose commits are read, then record the run in the cache."""
    try:
        history = run.histories(portfolio, now)
    finally:
        run.close()
    run.save()
    return history
