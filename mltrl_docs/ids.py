"""The names a technology answers to: its project ID, the IDs it had before, and the technologies outside.

MLTRL's ID convention renames a technology at the research-to-product handoff
(``R02.1`` becomes ``P13.2``). A reference written before the handoff still
means the same technology, so a former ID resolves to it, with a warning that
asks for the current one. Former IDs come from two places: the card's
``former_ids`` (what the team declares, read without git) and the ``id``
events of its git history. A current ID always wins over a former one, a
declared former ID over one read from git, and among those read from git the
latest change wins.

A card's ``external`` list names technologies outside this portfolio; those
IDs are the card's own (another card must declare them again to use them),
so nothing here makes them count as technologies of the portfolio.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .loader import Portfolio, Technology
from .models import ExternalTechnology


@dataclass(frozen=True)
class IdChange:
    """One change of a technology's project ID, as its history shows it."""

    former: str
    """The ID before the change."""
    date: dt.datetime
    """When it changed (the commit's date)."""


@dataclass(frozen=True)
class Former:
    """A former ID and the technology that now carries another one."""

    id: str
    tech: Technology
    date: dt.datetime | None
    """When the ID changed, when git tells; ``None`` for a declared ID the history does not show."""

    @property
    def current(self) -> str:
        """The technology's project ID now."""
        return self.tech.model.id

    def describe(self) -> str:
        """``'R02.1' is the former ID of P13.2 (changed on 2024-03-05)``."""
        when = f" (changed on {self.date.date().isoformat()})" if self.date is not None else ""
        return f"'{self.id}' is the former ID of {self.current}{when}"


@dataclass(frozen=True)
class Clash:
    """A declared former ID some other technology already claims (finding ``XR010``)."""

    tech: Technology
    """The technology whose card declares the ID."""
    index: int
    """Place of the ID in its ``former_ids``."""
    id: str
    other: Technology
    """The technology that claims it first (as its current ID, or as a former one)."""
    as_current: bool
    """Whether ``other`` carries the ID now, rather than as a former one."""


@dataclass
class Identities:
    """Every ID the portfolio answers to, current and former."""

    current: dict[str, Technology]
    """Technologies with a valid card, by project ID (first one wins on duplicates)."""
    former: dict[str, Former] = field(default_factory=dict)
    """Former IDs no current ID shadows, by ID."""
    clashes: list[Clash] = field(default_factory=list)
    """Declared former IDs that another technology claims first."""
    shadowed: list[tuple[Former, Technology]] = field(default_factory=list)
    """Former IDs from git that another technology now carries or declares (finding ``HIS010``), with it."""

    def resolve(self, ref: str) -> tuple[Technology | None, Former | None]:
        """The technology ``ref`` names, and the former ID it was reached by (``None`` for a current ID)."""
        tech = self.current.get(ref)
        if tech is not None:
            return tech, None
        found = self.former.get(ref)
        return (found.tech, found) if found is not None else (None, None)

    def lookup(self, ref: str) -> Technology | None:
        """The technology ``ref`` names, by its current or a former ID."""
        return self.resolve(ref)[0]

    def names(self) -> list[str]:
        """Every ID that resolves, current ones first (for "did you mean")."""
        return [*self.current, *self.former]


def identities(portfolio: Portfolio, changes: Mapping[str, list[IdChange]] | None = None) -> Identities:
    """The IDs of ``portfolio``: cards' own and declared former IDs, and the ``changes`` git shows, by folder name."""
    current = portfolio.by_id
    result = Identities(current)
    declared: dict[str, Former] = {}
    dated: dict[tuple[str, str], dt.datetime] = {}
    for slug, found in (changes or {}).items():
        for change in found:
            key = (slug, change.former)
            if key not in dated or dated[key] < change.date:
                dated[key] = change.date
    for tech in portfolio.technologies.values():
        card = tech.model
        if card is None:
            continue
        for index, former in enumerate(card.former_ids):
            if former == card.id:
                continue  # the ID it has now: nothing to resolve
            other = current.get(former)
            first = declared.get(former)
            if other is not None or first is not None:
                if first is None or first.tech is not tech:
                    result.clashes.append(Clash(tech, index, former, other or first.tech, other is not None))
                continue
            declared[former] = Former(former, tech, dated.get((tech.slug, former)))
    from_git: dict[str, Former] = {}
    for (slug, former), when in dated.items():
        tech = portfolio.technologies.get(slug)
        if tech is None or tech.model is None or former == tech.model.id:
            continue
        other = current.get(former) or (declared[former].tech if former in declared else None)
        if other is not None:
            if other is not tech:
                result.shadowed.append((Former(former, tech, when), other))
            continue
        known = from_git.get(former)
        if known is None or known.date < when:
            from_git[former] = Former(former, tech, when)
    result.former = {**declared, **from_git}
    return result


def externals_of(tech: Technology) -> dict[str, ExternalTechnology]:
    """The technologies outside the portfolio ``tech``'s card declares, by ID (the first of a repeated ID)."""
    card = tech.model
    if card is None:
        return {}
    found: dict[str, ExternalTechnology] = {}
    for item in card.external:
        found.setdefault(item.id, item)
    return found
