"""From commits to events: follow each technology through renames and turn card versions into events.

The mainline commits are replayed oldest first. A technology is identified
by its folder; a rename of its ``card.md`` (``git mv projects/a projects/b``)
carries the identity to the new folder. When git did not see a rename (the
card changed too much in the same commit), a card deleted in one folder and
added in another by the same commit still continues the same history if
both carry the same project ID.

Each readable card version is a state (level, status, owners, reviewers);
events are the differences between consecutive states. Events a card lists
under ``history:`` (from before it was kept in git) are merged in by date
and marked ``recorded``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..loader import CARD, REVIEWS, Technology
from ..models import Review
from .gitio import Change, Commit
from .model import CardVersion, Event, LevelSpan, SkippedVersion, TechnologyHistory

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


@dataclass
class Track:
    """One technology followed through the mainline."""

    folder: str
    """Current folder (after every rename so far)."""
    cards: list[tuple[int, Commit, Change]] = field(default_factory=list)
    """Versions of ``card.md``: (position of the commit, commit, change)."""
    reviews: list[tuple[int, Commit, Change]] = field(default_factory=list)
    """Review records added."""


def replay(commits: list[Commit], classify: Callable[[str | None], Where | None],
           summaries: dict[str, dict]) -> dict[str, Track]:
    """Follow every technology through ``commits`` (oldest first); return the live ones by folder."""
    live: dict[str, Track] = {}
    for index, commit in enumerate(commits):
        cards: list[tuple[Change, str, Where | None]] = []
        reviews: list[tuple[Change, str, Where | None]] = []
        for change in commit.changes:
            where = classify(change.path)
            old = classify(change.old_path)
            if where is not None:
                (cards if where[0] == "card" else reviews).append((change, where[1], old))
            elif old is not None and old[0] == "card" and change.status == "R":
                live.pop(old[1], None)  # moved out of the content roots
        # Renames first, so that a folder moved onto a freed name lands correctly.
        moved: dict[str, Track] = {}
        for change, folder, old in cards:
            if change.status == "R" and old is not None and old[0] == "card" and old[1] in live:
                track = live.pop(old[1])
                track.folder = folder
                live[folder] = moved[old[1]] = track
        deleted: list[Track] = []
        for change, folder, old in cards:
            if change.status == "D" and folder in live:
                deleted.append(live.pop(folder))
        for change, folder, old in cards:
            if change.blob is None:
                continue
            track = live.get(folder)
            if track is None:
                track = _same_project(deleted, summaries.get(f"c:{change.blob}"), summaries) or Track(folder)
                track.folder = folder
                live[folder] = track
            track.cards.append((index, commit, change))
        for change, folder, old in reviews:
            track = live.get(folder)
            if change.blob is None or track is None or change.status not in ("A", "C", "R"):
                continue
            if change.status == "R" and old is not None and old[0] == "review" and \
                    (moved.get(old[1]) or live.get(old[1])) is track:
                continue  # the same record, moved with its folder or renamed
            track.reviews.append((index, commit, change))
    return live


def _same_project(deleted: list[Track], summary: dict | None, summaries: dict[str, dict]) -> Track | None:
    """A track deleted in this commit whose last card had the same project ID as ``summary``."""
    if not deleted or not summary or not summary.get("id"):
        return None
    for track in deleted:
        for _, _, change in reversed(track.cards):
            last = summaries.get(f"c:{change.blob}")
            if last and "error" not in last:
                if last.get("id") == summary["id"]:
                    deleted.remove(track)
                    return track
                break
    return None


def commit_time(commit: Commit) -> dt.datetime:
    """The commit date as a timezone-aware datetime."""
    return dt.datetime.fromisoformat(commit.date)


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
        latest = when.date() + dt.timedelta(days=REVIEW_GRACE_DAYS)
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


_STATE_KEYS = ("level", "status", "owners", "reviewers")


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


def build_history(slug: str, track: Track | None, tech: Technology | None, summaries: dict[str, dict],
                  pending: list[str], now: dt.datetime) -> tuple[TechnologyHistory, dict[int, tuple]]:
    """The history of one technology, and the card version last seen at each level.

    The second value maps a level to ``(commit, change)`` of the last card
    version at that level, from which the caller builds the prior cards
    once their texts are read.
    """
    history = TechnologyHistory(slug=slug, folder=tech.folder if tech else (track.folder if track else ""))
    reviews = _Reviews(tech)
    steps: list[tuple] = []
    if track is not None:
        merged = sorted([(i, 1, c, ch) for i, c, ch in track.cards] + [(i, 0, c, ch) for i, c, ch in track.reviews],
                        key=lambda step: (step[0], step[1]))
        steps = [("git", order, commit, change) for _, order, commit, change in merged]
    recorded = list(tech.model.history) if tech is not None and tech.model is not None else []
    recorded.sort(key=lambda r: r.date)
    steps = _merge_recorded(steps, recorded)

    state: dict | None = None
    stay_start: dt.datetime | None = None
    last_at: dict[int, tuple] = {}
    for step in steps:
        if step[0] == "recorded":
            record = step[1]
            when = day_start(record.date)
            if state is None and record.level is None:
                history.skipped.append(SkippedVersion("", when, tech.card.path if tech and tech.card else "",
                                                      "a recorded status change before any level is known"))
                continue
            new = dict(state or {"status": "active", "owners": None, "reviewers": None})
            if record.level is not None:
                new["level"] = record.level
            if record.status is not None:
                new["status"] = record.status
            base = {"source": "recorded", "author": record.author, "message": record.note}
            forced = record.switchback
        else:
            _, order, commit, change = step
            when = commit_time(commit)
            base = {"source": "git", "commit": commit.sha, "author": commit.author, "message": commit.subject,
                    "path": change.path}
            if order == 0:
                history.events.append(_review_event(commit, change, when, summaries, history))
                continue
            summary = summaries.get(f"c:{change.blob}") if change.regular else {
                "error": "not a regular file (a symbolic link or submodule)"}
            if summary is None or "error" in summary:
                reason = summary["error"] if summary else "the version could not be read from git"
                history.skipped.append(SkippedVersion(commit.sha, when, change.path, reason))
                continue
            new = {key: summary[key] for key in _STATE_KEYS}
            if state is not None:
                for key in ("status", "owners", "reviewers"):
                    if new[key] is None:
                        new[key] = state[key]
            new["status"] = new["status"] or "active"
            forced = None
            last_at[new["level"]] = (commit, change)
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
            history.events.append(Event(date=when, kind="status", from_level=state["level"],
                                        to_level=new["level"], status=new["status"],
                                        detail=_status_word(state["status"], new["status"]), **base))
        if changed_level or new["status"] != state["status"]:
            _close_span(history, when)
            history.spans.append(LevelSpan(new["level"], new["status"], when, None))
        for key, kind in (("owners", "owners"), ("reviewers", "reviewers")):
            if state[key] is not None and new[key] is not None and new[key] != state[key]:
                history.events.append(Event(date=when, kind=kind, detail=_people_change(state[key], new[key]),
                                            from_level=new["level"], to_level=new["level"], **base))
        state = new

    if pending:
        history.events.append(_pending_event(history, tech, pending, state, now))
    return history, last_at


def _merge_recorded(steps: list[tuple], recorded: list) -> list[tuple]:
    """Interleave recorded events (by date) with git steps (in mainline order)."""
    if not recorded:
        return steps
    out: list[tuple] = []
    r = 0
    for step in steps:
        when = commit_time(step[2])
        while r < len(recorded) and day_start(recorded[r].date) <= when:
            out.append(("recorded", recorded[r]))
            r += 1
        out.append(step)
    out.extend(("recorded", record) for record in recorded[r:])
    return out


def _close_span(history: TechnologyHistory, when: dt.datetime) -> None:
    if history.spans:
        last = history.spans[-1]
        history.spans[-1] = LevelSpan(last.level, last.status, last.start, when)


def _review_event(commit: Commit, change: Change, when: dt.datetime, summaries: dict[str, dict],
                  history: TechnologyHistory) -> Event:
    summary = summaries.get(f"r:{change.blob}") if change.regular else None
    base = {"date": when, "kind": "review", "commit": commit.sha, "author": commit.author,
            "message": commit.subject, "path": change.path}
    if summary is None or "error" in summary:
        reason = summary["error"] if summary else "not a regular file"
        history.skipped.append(SkippedVersion(commit.sha, when, change.path, reason))
        return Event(detail="the review record could not be read", **base)
    return Event(from_level=summary["level"], to_level=summary["to_level"], detail=summary["decision"], **base)


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


def prior_cards(last_at: dict[int, tuple], current_level: int | None, texts: dict[str, str]) -> list[CardVersion]:
    """The card as it last stood at each level other than the current one, oldest first."""
    out = []
    for level, (commit, change) in last_at.items():
        if level == current_level or change.blob not in texts:
            continue
        out.append(CardVersion(level=level, commit=commit.sha, date=commit_time(commit), text=texts[change.blob],
                               path=change.path, blob=change.blob))
    out.sort(key=lambda c: c.date)
    return out
