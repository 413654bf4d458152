"""Where each of a card's targets stands: met, met late, on track or late.

A target (``targets:`` on the card) names a level and the last day it may be
reached on. Its state comes from the history and the build's "now":

- ``met``: the technology first reached the level (or a higher one) on or
  before the target's day;
- ``met_late``: it first reached it after that day;
- ``on_track``: it has not reached it, and the day has not passed;
- ``late``: it has not reached it, and the day has passed (finding ``TGT002``);
- ``unknown``: there is no history to tell (no git repository).

Days are compared as calendars show them: a commit counts on the day of its
own date (in the offset it was made in), and the day ``by`` has passed once
"now" is on a later day. Uncommitted changes do not reach a level: the
history counts what is committed or recorded on the card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..models import Card
from .model import TechnologyHistory

TargetState = Literal["met", "met_late", "on_track", "late", "unknown"]
"""Where a target stands (see the module's description)."""

STATE_LABELS: dict[str, str] = {
    "met": "met",
    "met_late": "met late",
    "on_track": "on track",
    "late": "late",
    "unknown": "unknown",
}
"""How each state reads in pages and reports."""


@dataclass(frozen=True)
class TargetStatus:
    """One target of a card with its state."""

    index: int
    """Position in the card's ``targets`` list (for the finding's line and column)."""
    level: int
    """The level to reach."""
    by: dt.date
    """The last day on which reaching it counts as on time."""
    note: str
    """The target's note, as written on the card."""
    state: TargetState
    """``met``, ``met_late``, ``on_track``, ``late`` or ``unknown``."""
    reached: dt.datetime | None
    """When the technology first reached the level (or a higher one), if it has."""

    @property
    def label(self) -> str:
        """The state as it reads on a page."""
        return STATE_LABELS[self.state]

    @property
    def missed(self) -> bool:
        """Whether the day passed before the level was reached (late, or met late)."""
        return self.state in ("late", "met_late")

    def to_dict(self) -> dict:
        """JSON form, as in ``mltrl.json``."""
        return {"level": self.level, "by": self.by.isoformat(), "note": self.note, "state": self.state,
                "reached": self.reached.isoformat() if self.reached is not None else None}


def first_reached(history: TechnologyHistory, level: int) -> dt.datetime | None:
    """When the technology first stood at ``level`` or higher, by its committed or recorded level events."""
    for event in history.level_events:
        if event.source != "working-tree" and event.to_level is not None and event.to_level >= level:
            return event.date
    return None


def target_states(card: Card, history: TechnologyHistory | None, now: dt.datetime) -> list[TargetStatus]:
    """The state of each of ``card``'s targets, in the card's order; ``unknown`` without a ``history``."""
    today = now.date()
    out = []
    for index, target in enumerate(card.targets):
        reached = first_reached(history, target.level) if history is not None else None
        state: TargetState
        if history is None:
            state = "unknown"
        elif reached is not None:
            state = "met" if reached.date() <= target.by else "met_late"
        else:
            state = "on_track" if today <= target.by else "late"
        out.append(TargetStatus(index, target.level, target.by, target.note, state, reached))
    return out


def quarter_of(day: dt.date) -> str:
    """The calendar quarter of ``day``, written ``2027-Q1``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
