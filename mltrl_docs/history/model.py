"""Data types of a technology's maturity history, derived from git and from recorded events.

These types are the contract between history extraction (:mod:`mltrl_docs.history`)
and its users (the CLI, the export, the site).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..diagnostics import Diagnostic
from ..models import SwitchbackKind

EventKind = Literal["created", "graduation", "switchback", "skip", "status", "review", "owners",
                    "reviewers", "id", "pending"]
"""What happened: the first commit, a level change (up one, down, up by more than one), a status
change, a review record added, an owner or reviewer change, a new project ID, or uncommitted changes."""
Source = Literal["git", "recorded", "working-tree"]
"""Where an event comes from: a commit, the card's ``history`` list, or uncommitted changes."""


@dataclass(frozen=True)
class Event:
    """One change in a technology's life."""

    date: dt.datetime
    """When it happened (timezone-aware): the commit date for git events, the review's own ``date`` for
    ``review`` events (see :func:`review_time`), the listed date for recorded ones."""
    kind: EventKind
    source: Source = "git"
    """``git`` (derived from a commit), ``recorded`` (listed on the card) or ``working-tree``."""
    commit: str | None = None
    """Full commit hash, for git events."""
    author: str | None = None
    message: str = ""
    """Commit subject, or the note of a recorded event."""
    from_level: int | None = None
    to_level: int | None = None
    """Level after the event (for ``created``: the starting level)."""
    switchback_kind: SwitchbackKind | None = None
    status: str | None = None
    """New status, for ``status`` events (and the status at ``created``)."""
    path: str | None = None
    """File the event was read from."""
    detail: str = ""
    """Extra text, e.g. the review decision or the owner change."""
    review: str | None = None
    """For level changes: path of the review record that decided it, when one was found."""
    committed: dt.datetime | None = None
    """For ``review`` events: the date of the commit that added the record (``date`` is the review's own)."""
    from_id: str | None = None
    """For ``id`` events: the project ID before the change."""
    to_id: str | None = None
    """For ``id`` events: the project ID after the change."""

    def to_dict(self) -> dict:
        """JSON form of ``mltrl history --format json``."""
        return {
            "date": self.date.isoformat(),
            "commit": self.commit,
            "author": self.author,
            "message": self.message,
            "kind": self.kind,
            "from_level": self.from_level,
            "to_level": self.to_level,
            "switchback_kind": self.switchback_kind,
            "source": self.source,
            "status": self.status,
            "path": self.path,
            "detail": self.detail,
            "review": self.review,
            "committed": self.committed.isoformat() if self.committed is not None else None,
            "from_id": self.from_id,
            "to_id": self.to_id,
        }


def review_time(day: dt.date) -> dt.datetime:
    """The moment a review dated ``day`` stands for, wherever a review is placed in time.

    A review record states only its day. Noon UTC keeps that day whatever time zone between
    UTC-12 and UTC+12 a reader converts it to, and is the same moment on the timeline, in the
    event list and in the export.
    """
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class LevelSpan:
    """A stretch of time a technology spent at one level with one status."""

    level: int
    """The level held during the span."""
    status: str
    """``active``, ``paused`` or ``stopped``."""
    start: dt.datetime
    """When the span began."""
    end: dt.datetime | None
    """``None`` for the current span."""


class _Text:
    """A :class:`CardVersion`'s ``text``: given as a string, or as a function giving it, called when first read.

    A run takes most prior cards from the history's cache, where checking each
    text against its git blob is most of the cost of reusing them; only the pages
    and the public filter read the texts, so a run that never shows them (``mltrl
    check``) never pays for it.
    """

    def __get__(self, version: CardVersion | None, owner: type | None = None) -> str:
        if version is None:
            return ""  # what dataclasses reads as the field's default
        text = version.__dict__["_text"]
        if not isinstance(text, str):
            text = version.__dict__["_text"] = text()
        return text

    def __set__(self, version: CardVersion, text: str | Callable[[], str]) -> None:
        version.__dict__["_text"] = text


@dataclass
class CardVersion:
    """The card as it was when the technology last stood at an earlier level."""

    level: int
    commit: str
    date: dt.datetime
    text: str = _Text()  # type: ignore[assignment]
    """Full text of ``card.md`` at that commit (a function giving it is called when it is first read)."""
    path: str = ""
    """Where the card was at that commit (folders may have moved since)."""
    blob: str = ""
    """Git object id of that version of the card."""

    def __getstate__(self) -> dict:
        self.text  # noqa: B018 - a copy (or a pickle) holds the text, not the function that reads it
        return dict(self.__dict__)

    def to_dict(self) -> dict:
        """JSON form (without the text)."""
        return {"level": self.level, "commit": self.commit, "date": self.date.isoformat(), "path": self.path,
                "blob": self.blob}


@dataclass(frozen=True)
class SkippedVersion:
    """An old version of a card or review that could not be read, and why."""

    commit: str
    """Commit holding the unreadable version."""
    date: dt.datetime
    """Commit date."""
    path: str
    """Path of the file at that commit."""
    reason: str
    """What is wrong with it (the first problem found)."""


@dataclass(frozen=True)
class DateNote:
    """A commit whose committer date, as git stores it, could not be used as it is (finding ``HIS009``)."""

    commit: str
    date: dt.datetime
    """The date the history gives the commit instead (clamped, or in UTC)."""
    path: str
    """A file of the technology the commit changed (at that commit)."""
    problem: str
    """What is wrong with the stored date, starting with the date as git prints it."""


LEVEL_KINDS = frozenset({"created", "graduation", "skip", "switchback"})
"""Kinds of event that set the level."""


@dataclass
class TechnologyHistory:
    """Everything known about one technology's path."""

    slug: str
    events: list[Event] = field(default_factory=list)
    """Oldest first."""
    spans: list[LevelSpan] = field(default_factory=list)
    """Oldest first; the last one is open."""
    prior_cards: list[CardVersion] = field(default_factory=list)
    """One per earlier level, oldest first."""
    skipped: list[SkippedVersion] = field(default_factory=list)
    """Old versions left out because they could not be read."""
    date_notes: list[DateNote] = field(default_factory=list)
    """Commits of this history whose stored date had to be clamped or read as UTC, oldest first."""
    folder: str = ""
    """Current folder of the technology, relative to the base folder."""

    @property
    def start_level(self) -> int | None:
        """The level the technology started at (its ``created`` event)."""
        for event in self.events:
            if event.kind == "created":
                return event.to_level
        return None

    @property
    def level_events(self) -> list[Event]:
        """Events that set the level: created, graduations, skips and switchbacks."""
        return [e for e in self.events if e.kind in LEVEL_KINDS]

    @property
    def current_level(self) -> int | None:
        """The level after the last of :attr:`level_events` (``None`` without any)."""
        for event in reversed(self.events):
            if event.kind in LEVEL_KINDS:
                return event.to_level
        return None

    @property
    def id_changes(self) -> list[tuple[str, dt.datetime]]:
        """Each project ID the technology went by before, with the date it changed, oldest first."""
        return [(e.from_id, e.date) for e in self.events if e.kind == "id" and e.from_id]

    def time_in_level(self, now: dt.datetime) -> dict[int, float]:
        """Days spent at each level (all statuses), up to ``now`` for the current span."""
        days: dict[int, float] = {}
        for span in self.spans:
            end = span.end or now
            days[span.level] = days.get(span.level, 0.0) + max((end - span.start).total_seconds(), 0) / 86400
        return days

    def to_dict(self, now: dt.datetime) -> dict:
        """JSON form of ``mltrl history --format json`` (without the envelope)."""
        return {
            "project": self.slug,
            "events": [e.to_dict() for e in self.events],
            "time_in_level": {str(k): round(v, 3) for k, v in sorted(self.time_in_level(now).items())},
            "prior_cards": [c.to_dict() for c in self.prior_cards],
        }


@dataclass
class PortfolioHistory:
    """Histories of every technology, or why history is unavailable."""

    available: bool
    reason: str | None = None
    """Why history is unavailable (not a git repository, shallow clone...)."""
    projects: dict[str, TechnologyHistory] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """History findings (skips, stale level-9 reviews...)."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
