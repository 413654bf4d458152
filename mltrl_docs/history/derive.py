"""From commits to events: follow each technology through renames and turn card versions into events.

The mainline commits are replayed oldest first. A technology is identified
by its folder; a rename of its ``card.md`` (``git mv projects/a projects/b``)
carries the identity to the new folder. When git did not see a rename (the
card changed too much in the same commit), a card deleted in one folder and
added in another by the same commit still continues the same history if
both carry the same project ID.

Each readable card version is a state (level, status, owners, reviewers, project ID);
events are the differences between consecutive states. Events a card lists
under ``history:`` (from before it was kept in git) are merged in by date
and marked ``recorded``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..gitio import Change, Commit
from ..loader import CARD, REVIEWS, Technology
from ..models import Review
from .model import (
    CardVersion,
    DateNote,
    Event,
    LevelSpan,
    SkippedVersion,
    TechnologyHistory,
    review_time,
)

REVIEW_GRACE_DAYS = 30
"""A review record dated up to this many days after a level change still decides it (paperwork lags)."""

Where = tuple[str, str]  # (kind, folder): kind is "card" or "review"


def classifier(roots: list[str]) -> Callable[[str | None], Where | None]:
    """A function telling whether a path (relative to the base folder) is a card or a review, and whose."""
    prefixes = [(root.strip("/") + "/") for root in roots]
    memo: dict[str, Where | None] = {}

    def classify(path: str | None) -> Where | None:
        if path is None:
            return None
        if path in memo:
            return memo[path]
        found = None
        for prefix in prefixes:
            if path.startswith(prefix):
                parts = path[len(prefix):].split("/")
                folder = prefix + parts[0]
                if len(parts) == 2 and parts[1] == CARD:
                    found = ("card", folder)
                elif len(parts) == 3 and parts[1] == REVIEWS and parts[2].endswith(".md"):
                    found = ("review", folder)
                break
        memo[path] = found
        return found

    return classify


class Entry(NamedTuple):
    """A card version or an added review record, as one technology saw it on the mainline."""

    kind: str
    """``c`` for a version of ``card.md``, ``r`` for a review record added."""
    sha: str
    date: str
    """Committer date, ISO 8601."""
    author: str
    subject: str
    path: str
    """Path of the file at that commit, relative to the base folder."""
    blob: str
    regular: bool
    """Whether the file is a regular file (not a symbolic link or submodule)."""
    summary: dict | None = None
    """For cards: what :func:`~mltrl_docs.history.summary.card_summary` read from the blob."""
    date_problem: str | None = None
    """What was wrong with the commit's stored date, when ``date`` is a clamped one (see :class:`Commit`)."""


@dataclass
class Track:
    """One technology followed through the mainline."""

    id: int
    folder: str
    """Current folder (after every rename so far)."""
    entries: list[Entry] | None = field(default_factory=list)
    """Card versions and review records in mainline order (``None`` until loaded from the cache)."""
    last_id: str | None = None
    """Project ID on the last readable card version (to follow moves git did not detect)."""
    reviews_read: dict[str, dict] = field(default_factory=dict)
    """Summaries of review records read from git, by blob id (records gone from the work tree)."""
    version: int = 0
    """How many times the cached form of this track was rewritten (part of the derived history's key)."""
    changed: bool = False
    """Whether this run added entries (so its cached form is out of date)."""


class Replay:
    """Follows technologies through commits, oldest first, keeping the live ones by folder.

    ``live`` may start from a cache, with tracks whose entries are loaded
    only when a commit touches them (``load``).
    """

    def __init__(self, classify: Callable[[str | None], Where | None], summary_of: Callable[[str], dict | None],
                 live: dict[str, Track] | None = None, load: Callable[[Track], None] | None = None,
                 next_id: int = 0) -> None:
        self.classify = classify
        self.summary_of = summary_of
        self.live: dict[str, Track] = live if live is not None else {}
        self._load = load
        self.next_id = next_id

    def _touch(self, track: Track) -> Track:
        if track.entries is None and self._load is not None:
            self._load(track)
        if not track.changed:
            track.changed = True
            track.version += 1
        return track

    def apply(self, commit: Commit) -> None:
        """Move, end, start and extend tracks as ``commit`` did."""
        live = self.live
        cards: list[tuple[Change, str, Where | None]] = []
        reviews: list[tuple[Change, str, Where | None]] = []
        for change in commit.changes:
            where = self.classify(change.path)
            old = self.classify(change.old_path)
            if where is not None:
                (cards if where[0] == "card" else reviews).append((change, where[1], old))
            elif old is not None and old[0] == "card" and change.status == "R":
                live.pop(old[1], None)  # moved out of the content roots
        # Renames first, so that a folder moved onto a freed name lands correctly.
        moved: dict[str, Track] = {}
        for change, folder, old in cards:
            if change.status == "R" and old is not None and old[0] == "card" and old[1] in live:
                track = self._touch(live.pop(old[1]))
                track.folder = folder
                live[folder] = moved[old[1]] = track
        deleted: list[Track] = []
        for change, folder, old in cards:
            if change.status == "D" and folder in live:
                deleted.append(live.pop(folder))
        added: list[tuple[Track, Entry]] = []
        for change, folder, old in cards:
            if change.blob is None:
                continue
            summary = self.summary_of(change.blob) if change.regular else None
            track = live.get(folder)
            if track is None:
                track = _same_project(deleted, summary)
                if track is None:
                    track = Track(self.next_id, folder)
                    self.next_id += 1
                track.folder = folder
                live[folder] = track
            self._touch(track)
            if summary and "error" not in summary:
                track.last_id = summary.get("id")
            added.append((track, Entry("c", commit.sha, commit.date, commit.author, commit.subject, change.path,
                                       change.blob, change.regular, summary, commit.date_problem)))
        for change, folder, old in reviews:
            track = live.get(folder)
            if change.blob is None or track is None or change.status not in ("A", "C", "R"):
                continue
            if change.status == "R" and old is not None and old[0] == "review" and \
                    (moved.get(old[1]) or live.get(old[1])) is track:
                continue  # the same record, moved with its folder or renamed
            self._touch(track).entries.append(Entry("r", commit.sha, commit.date, commit.author, commit.subject,
                                                    change.path, change.blob, change.regular, None,
                                                    commit.date_problem))
        # Review records before the card change of the same commit: the gate, then its outcome.
        for track, entry in added:
            track.entries.append(entry)


def _same_project(deleted: list[Track], summary: dict | None) -> Track | None:
    """A track deleted in this commit whose last card had the same project ID as ``summary``."""
    if not deleted or not summary or not summary.get("id"):
        return None
    for track in deleted:
        if track.last_id == summary["id"]:
            deleted.remove(track)
            return track
    return None


def day_start(day: dt.date) -> dt.datetime:
    """Midnight UTC of ``day``: the time given to recorded events, which carry only a date."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def is_embedded(from_level: int, to_level: int) -> bool:
    """Whether a switchback is predefined by MLTRL: 4 to 2, 9 to 4, and 9 to 7 or lower."""
    return (from_level, to_level) == (4, 2) or (from_level == 9 and to_level <= 7)


def level_kind(from_level: int, to_level: int) -> str:
    """``graduation`` (up one), ``skip`` (up more than one) or ``switchback`` (down)."""
    if to_level == from_level + 1:
        return "graduation"
    return "skip" if to_level > from_level else "switchback"


class _Reviews:
    """Review records of a technology, each deciding at most one level change."""

    def __init__(self, tech: Technology | None) -> None:
        self._items: list[tuple[Review, str]] = []
        if tech is not None:
            for doc in tech.reviews:
                if doc.model is not None:
                    self._items.append((doc.model, doc.path))
        self._items.sort(key=lambda item: (item[0].date, item[0].level))
        self._used: set[str] = set()

    def deciding(self, from_level: int, to_level: int, stay_start: dt.datetime | None,
                 when: dt.datetime) -> str | None:
        """Path of the unused review that decided a move from ``from_level`` to ``to_level`` at ``when``."""
        decision = "graduate" if to_level == from_level + 1 else "switchback" if to_level < from_level else None
        if decision is None:
            return None
        earliest = stay_start.date() if stay_start is not None else dt.date.min
        day = when.date()
        grace = dt.timedelta(days=REVIEW_GRACE_DAYS)
        latest = day + grace if day <= dt.date.max - grace else dt.date.max  # a commit dated late in 9999
        best = None
        for review, path in self._items:
            if path in self._used or review.level != from_level or review.decision != decision:
                continue
            if review.target not in (to_level, None) or not earliest <= review.date <= latest:
                continue
            distance = abs((review.date - when.date()).days)
            if best is None or distance < best[0]:
                best = (distance, path)
        if best is None:
            return None
        self._used.add(best[1])
        return best[1]


def _people_change(old: dict, new: dict) -> str:
    parts = []
    for role in sorted(set(old) | set(new)):
        before, after = old.get(role, []), new.get(role, [])
        added = [n for n in after if n not in before]
        removed = [n for n in before if n not in after]
        if added or removed:
            changes = [f"+{n}" for n in added] + [f"-{n}" for n in removed]
            parts.append(f"{role}: {', '.join(changes)}")
    return "; ".join(parts)


def _status_word(old: str, new: str) -> str:
    if new == "paused":
        return "paused"
    if new == "stopped":
        return "stopped"
    return "resumed" if old in ("paused", "stopped") else new


def build_history(slug: str, track: Track | None, tech: Technology | None, reviews_read: dict[str, dict],
                  pending: list[str], now: dt.datetime) -> tuple[TechnologyHistory, dict[int, Entry]]:
    """The history of one technology, and the card version last seen at each level.

    The second value maps a level to the entry of the last card version at
    that level, from which the caller builds the prior cards once their
    texts are read. ``reviews_read`` holds review summaries by blob id.
    """
    history = TechnologyHistory(slug=slug, folder=tech.folder if tech else (track.folder if track else ""))
    reviews = _Reviews(tech)
    steps: list = list(track.entries) if track is not None and track.entries else []
    recorded = list(tech.model.history) if tech is not None and tech.model is not None else []
    if recorded:
        recorded.sort(key=lambda r: r.date)
        steps = _merge_recorded(steps, recorded)
    times: dict[str, dt.datetime] = {}

    state: dict | None = None
    stay_start: dt.datetime | None = None
    last_at: dict[int, Entry] = {}
    previous: dict | None = None  # summary of the last card version applied
    review_events: list[Event] = []
    for step in steps:
        if not isinstance(step, Entry):
            record = step
            when = day_start(record.date)
            if state is None and record.level is None:
                history.skipped.append(SkippedVersion("", when, tech.card.path if tech and tech.card else "",
                                                      "a recorded status change before any level is known"))
                continue
            new = dict(state or {"status": "active", "owners": None, "reviewers": None, "id": None})
            if record.level is not None:
                new["level"] = record.level
            if record.status is not None:
                new["status"] = record.status
            base = {"source": "recorded", "author": record.author, "message": record.note}
            forced = record.switchback
            previous = None
        else:
            when = times.get(step.sha)
            if when is None:
                when = times[step.sha] = dt.datetime.fromisoformat(step.date)
                if step.date_problem is not None:  # once per commit, whatever it changed
                    history.date_notes.append(DateNote(step.sha, when, step.path, step.date_problem))
            if step.kind == "r":
                review_events.append(_review_event(step, when, reviews_read, history))
                continue
            if step.summary is previous and previous is not None and step.regular:
                last_at[state["level"]] = step  # same front matter as before (a body edit): nothing changed
                continue
            base = {"source": "git", "commit": step.sha, "author": step.author, "message": step.subject,
                    "path": step.path}
            summary = step.summary if step.regular else {"error": "not a regular file (a symbolic link or submodule)"}
            if summary is None or "error" in summary:
                reason = summary["error"] if summary else "the version could not be read from git"
                history.skipped.append(SkippedVersion(step.sha, when, step.path, reason))
                continue
            new = {"level": summary["level"], "status": summary["status"], "owners": summary["owners"],
                   "reviewers": summary["reviewers"], "id": summary.get("id")}
            if state is not None:
                for key in ("status", "owners", "reviewers", "id"):
                    if new[key] is None:
                        new[key] = state[key]
            new["status"] = new["status"] or "active"
            forced = None
            last_at[new["level"]] = step
            previous = summary
        if state is None:
            history.events.append(Event(date=when, kind="created", to_level=new["level"], status=new["status"],
                                        **base))
            history.spans.append(LevelSpan(new["level"], new["status"], when, None))
            state, stay_start = new, when
            continue
        changed_level = new["level"] != state["level"]
        if changed_level:
            old_level, level = state["level"], new["level"]
            kind = level_kind(old_level, level)
            review = reviews.deciding(old_level, level, stay_start, when)
            switchback = None
            if kind == "switchback":
                switchback = forced or ("embedded" if is_embedded(old_level, level)
                                        else "review" if review else "discovery")
            history.events.append(Event(date=when, kind=kind, from_level=old_level, to_level=level,
                                        switchback_kind=switchback, review=review, **base))
            stay_start = when
        if new["status"] != state["status"]:
            history.events.append(Event(date=when, kind="status", from_level=new["level"],
                                        to_level=new["level"], status=new["status"],
                                        detail=_status_word(state["status"], new["status"]), **base))
        if changed_level or new["status"] != state["status"]:
            _close_span(history, when)
            history.spans.append(LevelSpan(new["level"], new["status"], when, None))
        for key in ("owners", "reviewers"):
            if state[key] is not None and new[key] is not None and new[key] != state[key]:
                history.events.append(Event(date=when, kind=key, detail=_people_change(state[key], new[key]),
                                            from_level=new["level"], to_level=new["level"], **base))
        if state["id"] is not None and new["id"] is not None and new["id"] != state["id"]:
            history.events.append(Event(date=when, kind="id", detail=f"{state['id']} → {new['id']}",
                                        from_level=new["level"], to_level=new["level"], from_id=state["id"],
                                        to_id=new["id"], **base))
        state = new

    history.events = _place_reviews(history.events, review_events)
    if pending:
        history.events.append(_pending_event(history, tech, pending, state, now))
    return history, last_at


def _merge_recorded(steps: list, recorded: list) -> list:
    """Interleave recorded events (by date) with git entries (in mainline order)."""
    out: list = []
    r = 0
    for step in steps:
        when = dt.datetime.fromisoformat(step.date)
        while r < len(recorded) and day_start(recorded[r].date) <= when:
            out.append(recorded[r])
            r += 1
        out.append(step)
    out.extend(recorded[r:])
    return out


def _place_reviews(events: list[Event], reviews: list[Event]) -> list[Event]:
    """``events`` with each review event put on its own date: before every other event of that day or later.

    A review is dated by its record, which may have been committed long after the panel met (records
    imported later) or a little before; placed by that date, the list reads in the order things
    happened, and a gate still comes before the level change of the same day.
    """
    if not reviews:
        return events
    out: list[Event] = []
    pending = sorted(reviews, key=lambda e: e.date)  # stable: records of one day keep their commit order
    r = 0
    for event in events:
        while r < len(pending) and pending[r].date.date() <= event.date.date():
            out.append(pending[r])
            r += 1
        out.append(event)
    out.extend(pending[r:])
    return out


def _close_span(history: TechnologyHistory, when: dt.datetime) -> None:
    if history.spans:
        last = history.spans[-1]
        history.spans[-1] = LevelSpan(last.level, last.status, last.start, when)


def _review_event(entry: Entry, when: dt.datetime, reviews_read: dict[str, dict],
                  history: TechnologyHistory) -> Event:
    summary = reviews_read.get(entry.blob) if entry.regular else None
    base = {"kind": "review", "commit": entry.sha, "author": entry.author, "message": entry.subject,
            "path": entry.path, "committed": when}
    if summary is None or "error" in summary:
        reason = summary["error"] if summary else "not a regular file"
        history.skipped.append(SkippedVersion(entry.sha, when, entry.path, reason))
        return Event(date=when, detail="the review record could not be read", **base)  # no date of its own
    return Event(date=review_time(dt.date.fromisoformat(summary["date"])), from_level=summary["level"],
                 to_level=summary["to_level"], detail=summary["decision"], **base)


def _pending_event(history: TechnologyHistory, tech: Technology | None, pending: list[str], state: dict | None,
                   now: dt.datetime) -> Event:
    folder = history.folder
    names = sorted(p[len(folder) + 1:] if p.startswith(folder + "/") else p for p in pending)
    committed = state["level"] if state else None
    working = tech.model.level if tech is not None and tech.model is not None else None
    return Event(date=now, kind="pending", source="working-tree", from_level=committed,
                 to_level=working if working is not None else committed, path=folder,
                 status=tech.model.status if tech is not None and tech.model is not None else None,
                 message="uncommitted changes", detail=", ".join(names))


def prior_cards(last_at: dict[int, Entry], current_level: int | None,
                texts: dict[str, str | Callable[[], str]]) -> list[CardVersion]:
    """The card as it last stood at each level other than the current one, oldest first; a text may be a function
    giving it (see :class:`~mltrl_docs.history.model.CardVersion`)."""
    out = []
    for level, entry in last_at.items():
        if level == current_level or entry.blob not in texts:
            continue
        out.append(CardVersion(level=level, commit=entry.sha, date=dt.datetime.fromisoformat(entry.date),
                               text=texts[entry.blob], path=entry.path, blob=entry.blob))
    out.sort(key=lambda c: c.date)
    return out
