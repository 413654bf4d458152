"""What the pages show, computed once per build from the portfolio, its findings and its history.

Nothing here renders: these are the numbers and lists the templates and charts
draw from (time in the current level, last change, readiness, system level,
who uses what).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..config import Settings
from ..diagnostics import Diagnostic, Severity, printable
from ..ethics import ORGANISATION
from ..history.model import Event, PortfolioHistory, TechnologyHistory, review_time
from ..history.targets import TargetStatus, target_states
from ..ids import Identities, externals_of, identities
from ..links import safe_url
from ..loader import Portfolio, Technology
from ..models import LEVEL_NAMES, Card, ExternalTechnology, People, phase_of
from ..public import InternalNames, PublicHistory, public_history, published_portfolio
from ..rules import Readiness, Rule, level_rules
from ..rules import readiness as readiness_of
from .svg import SWITCHBACK_LABELS, Band, Mark, Plan, Run


@dataclass(frozen=True)
class ExternalView:
    """A technology outside the portfolio, as a card declares it: shown with a link out, never a page here."""

    item: ExternalTechnology
    roles: tuple[str, ...]
    """How the card uses it: ``component``, ``coupled``, both, or neither (only declared)."""
    external = True
    """Tells templates this is not one of the portfolio's technologies."""

    @property
    def id(self) -> str:
        """The ID the card uses for it."""
        return self.item.id

    @property
    def title(self) -> str:
        """Its name."""
        return self.item.title

    @property
    def level(self) -> int | None:
        """Its declared level, if any."""
        return self.item.level

    @property
    def href(self) -> str | None:
        """Where it is described (an absolute http, https or mailto address), if anywhere."""
        return safe_url(self.item.url) if self.item.url else None


def people_by_role(people: People) -> list[tuple[str, list[str]]]:
    """``(role, names)`` lines in which each person appears once: those in both roles on a line of their own.

    The R&D and the product lines are always there (empty when nobody has that role alone and
    nobody has both), so a page still shows that a role is unfilled.
    """
    product = set(people.product)
    research = set(people.research)
    both = [name for name in dict.fromkeys(people.research) if name in product]
    lines = [("R&D and product", both)] if both else []
    only_research = [name for name in dict.fromkeys(people.research) if name not in product]
    only_product = [name for name in dict.fromkeys(people.product) if name not in research]
    if only_research or not both:
        lines.append(("R&D", only_research))
    if only_product or not both:
        lines.append(("Product", only_product))
    return lines


@dataclass
class TechnologyView:
    """One technology as the site shows it."""

    tech: Technology
    card: Card
    history: TechnologyHistory | None
    readiness: Readiness | None
    findings: list[Diagnostic]
    """Findings below error severity for this technology's files (errors stop the build)."""
    components: list["TechnologyView"] = field(default_factory=list)
    used_by: list["TechnologyView"] = field(default_factory=list)
    coupled: list["TechnologyView"] = field(default_factory=list)
    coupled_missing: list[str] = field(default_factory=list)
    """Coupled or component IDs not shown on this site (unknown, or internal on the public site)."""
    targets: list[TargetStatus] = field(default_factory=list)
    """The card's targets with their states, in the card's order."""
    externals: list[ExternalView] = field(default_factory=list)
    """Technologies outside the portfolio the card declares, in its order."""
    external = False
    """Tells templates this is one of the portfolio's technologies (see :class:`ExternalView`)."""

    @property
    def external_components(self) -> list[ExternalView]:
        """The external technologies among the components."""
        return [e for e in self.externals if "component" in e.roles]

    @property
    def external_coupled(self) -> list[ExternalView]:
        """The external technologies among the coupled ones."""
        return [e for e in self.externals if "coupled" in e.roles]

    @property
    def slug(self) -> str:
        """Folder name, used in the page address."""
        return self.tech.slug

    @property
    def id(self) -> str:
        """Project ID."""
        return self.card.id

    @property
    def level(self) -> int:
        """Current level."""
        return self.card.level

    @property
    def level_name(self) -> str:
        """Name of the current level."""
        return LEVEL_NAMES[self.card.level]

    @property
    def phase(self) -> str:
        """research, prototype or product."""
        return phase_of(self.card.level)

    @property
    def status(self) -> str:
        """active, paused or stopped."""
        return self.card.status

    @cached_property
    def owners(self) -> list[str]:
        """Owners, research first, each once (a person may own both sides)."""
        return list(dict.fromkeys([*self.card.owners.research, *self.card.owners.product]))

    @cached_property
    def owner_roles(self) -> list[tuple[str, list[str]]]:
        """The owners by role, each person once: see :func:`people_by_role`."""
        return people_by_role(self.card.owners)

    @cached_property
    def reviewer_roles(self) -> list[tuple[str, list[str]]]:
        """The reviewers by role, each person once: see :func:`people_by_role`."""
        return people_by_role(self.card.reviewers)

    @cached_property
    def runs(self) -> list[Run]:
        """Stretches at one level, oldest first (statuses merged)."""
        if self.history is None:
            return []
        runs: list[Run] = []
        for span in self.history.spans:
            if runs and runs[-1].level == span.level:
                runs[-1] = Run(span.level, runs[-1].start, span.end)
            else:
                runs.append(Run(span.level, span.start, span.end))
        return runs

    @cached_property
    def bands(self) -> list[Band]:
        """Paused and stopped stretches, merged when consecutive."""
        if self.history is None:
            return []
        bands: list[Band] = []
        for span in self.history.spans:
            if span.status not in ("paused", "stopped"):
                continue
            if bands and bands[-1].status == span.status and bands[-1].end == span.start:
                bands[-1] = Band(span.status, bands[-1].start, span.end)
            else:
                bands.append(Band(span.status, span.start, span.end))
        return bands

    @cached_property
    def since(self) -> dt.datetime | None:
        """When the technology reached its current level (start of the last run)."""
        runs = self.runs
        if runs and runs[-1].level == self.level:
            return runs[-1].start
        return None

    def days_in_level(self, now: dt.datetime) -> float | None:
        """Days at the current level up to ``now``, when history knows."""
        since = self.since
        return max((now - since).total_seconds() / 86400, 0.0) if since else None

    @cached_property
    def events(self) -> list[Event]:
        """History events, oldest first."""
        return list(self.history.events) if self.history else []

    @cached_property
    def renamed(self) -> bool:
        """Whether the history holds a change of the project ID (the timeline's legend then explains its mark)."""
        return any(e.kind == "id" for e in self.events)

    @cached_property
    def last_change(self) -> Event | None:
        """The latest committed or recorded event."""
        committed = [e for e in self.events if e.source != "working-tree"]
        return committed[-1] if committed else None

    @cached_property
    def pending(self) -> bool:
        """Whether the working tree holds uncommitted changes to this technology."""
        return any(e.source == "working-tree" for e in self.events)

    @cached_property
    def marks(self) -> list[Mark]:
        """Events to draw on the timeline."""
        marks = []
        for event in self.events:
            if event.kind in ("owners", "reviewers", "review"):
                continue
            marks.append(Mark(event.date, event.kind, event.to_level if event.kind != "status" else None,
                              describe_event(event), event.switchback_kind, event.source))
        # Reviews are drawn on the date the panel met, which the record states; the commit adding
        # the record may come much later (e.g. when earlier records are imported).
        for review in self.tech.review_models:
            when = review_time(review.date)  # the moment the event list and the export give it too
            target = review.target
            outcome = f" → level {target}" if target is not None and target != review.level else ""
            marks.append(Mark(when, "review", review.level, f"{review.date:%Y-%m-%d}: level {review.level} review, "
                              f"{review.decision}{outcome} (panel: {', '.join(review.reviewers)})"))
        return sorted(marks, key=lambda m: m.when)

    @cached_property
    def plans(self) -> list[Plan]:
        """The targets to draw on the timeline."""
        return [Plan(t.level, dt.datetime.combine(t.by, dt.time(12), tzinfo=dt.UTC), t.state,
                     describe_target(t)) for t in self.targets]

    @cached_property
    def target_counts(self) -> dict[str, int]:
        """How many targets are in each state (``met`` counts met late too), for the portfolio."""
        counts = {"met": 0, "on_track": 0, "late": 0, "unknown": 0}
        for target in self.targets:
            counts["met" if target.state == "met_late" else target.state] += 1
        return counts

    @cached_property
    def warnings(self) -> list[Diagnostic]:
        """Findings at warning severity."""
        return [d for d in self.findings if d.severity == Severity.WARNING]

    @cached_property
    def search_text(self) -> str:
        """Lower-case text the portfolio filter matches against."""
        return " ".join([self.id, self.card.title, self.slug, self.status, self.phase, *self.owners,
                         *self.card.tags]).lower()

    @cached_property
    def system_level(self) -> tuple[int, "TechnologyView | ExternalView | None"]:
        """The level of the system: the lowest level among it and all its components, and the one that limits it.

        External components count with their declared level; one without a level cannot limit the system.
        """
        lowest, limiting = self.level, None
        for item in self.external_components:
            if item.level is not None and item.level < lowest:
                lowest, limiting = item.level, item
        seen: set[str] = {self.id}
        stack = list(self.components)
        while stack:
            current = stack.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            if current.level < lowest:
                lowest, limiting = current.level, current
            for item in current.external_components:
                if item.level is not None and item.level < lowest:
                    lowest, limiting = item.level, item
            stack.extend(current.components)
        return lowest, limiting


def recorded_note(event: Event) -> str:
    """``, recorded on YYYY-MM-DD`` for a review committed on another day than it is dated, else nothing."""
    if event.committed is None or event.committed.date() == event.date.date():
        return ""
    return f", recorded on {event.committed:%Y-%m-%d}"


def describe_event(event: Event) -> str:
    """One line for a tooltip or a table: date, what happened, and the commit subject."""
    when = f"{event.date:%Y-%m-%d}"
    if event.kind == "created":
        what = f"created at level {event.to_level}"
    elif event.kind == "graduation":
        what = f"graduated from level {event.from_level} to {event.to_level}"
    elif event.kind == "switchback":
        kind = SWITCHBACK_LABELS.get(event.switchback_kind or "", event.switchback_kind or "")
        what = f"switchback from level {event.from_level} to {event.to_level} ({kind})"
    elif event.kind == "skip":
        what = f"skipped from level {event.from_level} to {event.to_level}"
    elif event.kind == "status":
        what = f"status: {event.status}"
    elif event.kind == "review":
        what = f"review{': ' + event.detail if event.detail else ''}{recorded_note(event)}"
    elif event.kind == "id":
        what = f"project ID changed from {event.from_id} to {event.to_id}"
    elif event.kind == "pending":
        what = "uncommitted changes"
    else:
        what = f"{event.kind} changed{': ' + event.detail if event.detail else ''}"
    source = " (recorded before git)" if event.source == "recorded" else ""
    message = f" — {event.message}" if event.message and event.kind != "pending" else ""
    return f"{when}: {what}{source}{message}"


def describe_target(target: TargetStatus) -> str:
    """One line for a target's tooltip or table row: the level, the day, the state and when it was reached."""
    text = f"Target: level {target.level} ({LEVEL_NAMES[target.level]}) by {target.by.isoformat()}, {target.label}"
    if target.reached is not None:
        text += f" (reached {target.reached.date().isoformat()})"
    return text + (f" — {target.note}" if target.note else "")


@dataclass
class SiteView:
    """Every technology the site publishes, with shared context."""

    portfolio: Portfolio
    """The published technologies only (public ones on a public build)."""
    settings: Settings
    history: PortfolioHistory
    technologies: list[TechnologyView]
    """In portfolio order: highest level first, then by ID."""
    now: dt.datetime
    repo_url: str | None
    analytics: dict | None = None
    """Portfolio analytics from the history, when available."""
    rules: list[Rule] = field(default_factory=list)
    """The level rules as the settings make them (the levels page lists them)."""
    withheld_guidance: frozenset[str] = frozenset()
    """Keys of the organisation's guiding ethics answers a public site withholds: they name internal work."""

    @property
    def by_id(self) -> dict[str, TechnologyView]:
        """Technologies by project ID."""
        return {t.id: t for t in self.technologies}

    @property
    def by_slug(self) -> dict[str, TechnologyView]:
        """Technologies by folder name."""
        return {t.slug: t for t in self.technologies}

    def at_level(self, level: int) -> list[TechnologyView]:
        """Technologies currently at ``level``."""
        return [t for t in self.technologies if t.level == level]


def build_view(portfolio: Portfolio, diagnostics: list[Diagnostic], history: PortfolioHistory, *,
               settings: Settings, repo_url: str | None, public_only: bool = False,
               analytics: dict | None = None, rules: list[Rule] | None = None,
               readiness: Mapping[str, Readiness | None] | None = None, ids: Identities | None = None) -> SiteView:
    """Compute the view of ``portfolio`` (all technologies, or the public ones).

    With ``public_only``, ``history`` should be the public one (:attr:`mltrl_docs.build.Build.public`);
    any other is reduced here first, so no commit subject or old card naming internal work is shown.
    ``rules`` and ``readiness`` are the level rules and each technology's readiness when the caller has
    them (:class:`mltrl_docs.build.Build`); so are ``ids``, the project IDs with the former ones history
    shows (without them, only the cards' own resolve).
    """
    shown = published_portfolio(portfolio, public_only)
    if public_only and not isinstance(history, PublicHistory):
        history = public_history(portfolio, history)
    rules = level_rules(settings) if rules is None else rules
    owner_of = {printable(doc.path): tech.slug for tech in shown.technologies.values() for doc in tech.documents}
    findings: dict[str, list[Diagnostic]] = {}
    for diag in diagnostics:
        slug = diag.project or owner_of.get(diag.path)
        if slug is not None and diag.severity != Severity.ERROR:
            findings.setdefault(slug, []).append(diag)
    views: dict[str, TechnologyView] = {}
    for tech in shown.technologies.values():
        tech_history = history.projects.get(tech.slug)
        views[tech.slug] = TechnologyView(tech, tech.model, tech_history,
                                          readiness[tech.slug] if readiness is not None
                                          else readiness_of(tech, settings, rules), findings.get(tech.slug, []),
                                          targets=target_states(tech.model, tech_history, history.now))
    ids = ids if ids is not None else identities(portfolio)
    for view in views.values():
        external = externals_of(view.tech)
        roles: dict[str, list[str]] = {ref: [] for ref in external}
        for field_name, role in (("components", "component"), ("coupled", "coupled")):
            for ref in getattr(view.card, field_name):
                target = ids.lookup(ref)  # a former ID leads to the technology's page as its current one does
                other = views.get(target.slug) if target is not None else None
                if other is not None and (other is not view or field_name == "coupled"):
                    if field_name == "components":
                        view.components.append(other)
                        other.used_by.append(view)
                    else:
                        view.coupled.append(other)
                elif target is None and ref in external:
                    if role not in roles[ref]:
                        roles[ref].append(role)
                elif not public_only:  # on the public site, an ID not shown may be an internal one
                    view.coupled_missing.append(ref)
        view.externals = [ExternalView(item, tuple(roles[ref])) for ref, item in external.items()]
    ordered = sorted(views.values(), key=lambda v: (-v.level, natural_key(v.id)))
    withheld: frozenset[str] = frozenset()
    guiding = portfolio.checklist.part(ORGANISATION)
    if public_only and guiding is not None:
        names = InternalNames(portfolio)
        withheld = frozenset(q.key for q in guiding.questions if names.found_in(q.answer))
    return SiteView(shown, settings, history, ordered, history.now, repo_url, analytics, rules, withheld)


def natural_key(text: str) -> tuple:
    """Sort key that puts ``P2`` before ``P10``."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))
