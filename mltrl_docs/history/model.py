"""Data types of a technology's maturity history, derived from git and from recorded events.

These types are the contract between history extraction (:mod:`mltrl_docs.history`)
and its users (the CLI, the export, the site).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from ..diagnostics import Diagnostic

EventKind = Literal["created", "graduation", "switchback", "skip", "status", "review", "owners",
                    "reviewers", "pending"]
"""What happened: the first commit, a level change (up one, down, up by more than one), a status
change, a review record added, an owner or reviewer change, or uncommitted changes."""
SwitchbackKind = Literal["embedded", "review", "discovery"]
Source = Literal["git", "recorded", "working-tree"]


@dataclass(frozen=True)
class Event:
    """One change in a technology's life."""

    date: dt.datetime
    """When it happened (timezone-aware; commit date for git events)."""
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
        }


@dataclass(frozen=True)
class LevelSpan:
    """A stretch of time a technology spent at one level with one status."""

    level: int
    status: str
    start: dt.datetime
    end: dt.datetime | None
    """``None`` for the current span."""


@dataclass
class CardVersion:
    """The card as it was when the technology last stood at an earlier level."""

    level: int
    commit: str
    date: dt.datetime
    text: str
    """Full text of ``card.md`` at that commit."""


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

    def time_in_level(self, now: dt.datetime) -> dict[int, float]:
        """Days spent at each level (all statuses), up to ``now`` for the current span."""
        days: dict[int, float] = {}
        for span in self.spans:
            end = span.end or now
            days[span.level] = days.get(span.level, 0.0) + max((end - span.start).total_seconds(), 0) / 86400
        return days


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
