"""What a change does to each technology's maturity: the comparison behind ``mltrl check --base REF``.

The working tree and the base (:mod:`mltrl_docs.change.base`) go through the
same loader and rules, with the working tree's configuration, so tightening a
rule in ``mkdocs.yml`` does not by itself make every pull request fail.

The check is a ratchet: only error findings that are new relative to REF fail
it, so an organisation adopting the tool with incomplete cards can still merge
improvements; ``--strict`` fails on every error finding.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from ..build import Build
from ..diagnostics import Diagnostic, Severity, printable, sort_diagnostics
from ..history import findings as history_rules
from ..history.derive import is_embedded, level_kind
from ..history.model import PortfolioHistory
from ..loader import CARD, REVIEWS, Portfolio, Technology, load_portfolio_from_files
from ..models import SwitchbackKind
from ..rules import Readiness, check_portfolio, readiness
from .base import change_commits, read_tree, resolve_commit
from .rules import pr_rules

ChangeKind = Literal["graduation", "switchback", "skip"]
TargetChangeKind = Literal["added", "removed", "moved", "relevelled"]
"""What a change does to one target: adds or removes it, moves its date, or changes its level."""


@dataclass(frozen=True)
class ReviewRef:
    """A review record that decides a level change."""

    path: str
    """Path of the record, relative to the base folder."""
    in_change: bool
    """True when the change adds or edits it; False when it was already on the base."""


@dataclass(frozen=True)
class LevelChange:
    """A technology's level moved between the base and the working tree."""

    from_level: int
    """Level on the base."""
    to_level: int
    """Level in the working tree."""
    kind: ChangeKind
    """``graduation`` (up one), ``switchback`` (down) or ``skip`` (up by more than one)."""
    switchback_kind: SwitchbackKind | None
    """MLTRL's kind of a switchback (``None`` for moves up)."""
    review: ReviewRef | None
    """The review record that decides it, if there is one."""


@dataclass(frozen=True)
class TargetChange:
    """A target of the card added, removed, given a new date or a new level between the base and the working tree."""

    kind: TargetChangeKind
    """``added``, ``removed``, ``moved`` (same level, new date) or ``relevelled`` (same date, new level)."""
    level_before: int | None
    """The target's level on the base (``None`` when added)."""
    level_after: int | None
    """The target's level in the working tree (``None`` when removed)."""
    by_before: dt.date | None
    """The target's date on the base (``None`` when added)."""
    by_after: dt.date | None
    """The target's date in the working tree (``None`` when removed)."""

    def text(self) -> str:
        """The change in words, e.g. ``level 6 by 2027-03-31 moved to 2027-06-30``."""
        if self.kind == "added":
            return f"level {self.level_after} by {self.by_after.isoformat()} added"
        if self.kind == "removed":
            return f"level {self.level_before} by {self.by_before.isoformat()} removed"
        if self.kind == "moved":
            return f"level {self.level_before} by {self.by_before.isoformat()} moved to {self.by_after.isoformat()}"
        return f"target by {self.by_before.isoformat()} changed from level {self.level_before} to {self.level_after}"

    def to_dict(self) -> dict:
        """JSON form, as in ``check --base --format json``."""
        return {"kind": self.kind, "level_before": self.level_before, "level_after": self.level_after,
                "by_before": self.by_before.isoformat() if self.by_before else None,
                "by_after": self.by_after.isoformat() if self.by_after else None}


def target_changes(before: Technology | None, after: Technology | None) -> list[TargetChange]:
    """How the card's targets changed: matched by level first (a new date is a move), then by date (a new level).

    A new technology's targets are all added; a removed technology, or a card invalid on either side,
    has no target changes to tell.
    """
    if after is None or after.model is None or (before is not None and before.model is None):
        return []
    old = {t.level: t for t in reversed(before.model.targets)} if before is not None else {}
    new = {t.level: t for t in reversed(after.model.targets)}  # the first of a level twice (TGT001) counts
    out: list[TargetChange] = []
    for level in sorted(old.keys() & new.keys()):
        if old[level].by != new[level].by:
            out.append(TargetChange("moved", level, level, old[level].by, new[level].by))
    # Highest level first, so that of two removed targets sharing a date the lower one is kept for matching.
    gone = {t.by: t for t in sorted((old[lv] for lv in old.keys() - new.keys()), key=lambda t: t.level,
                                    reverse=True)}
    came = sorted((new[lv] for lv in new.keys() - old.keys()), key=lambda t: t.level)
    for target in came:
        was = gone.pop(target.by, None)
        if was is not None:
            out.append(TargetChange("relevelled", was.level, target.level, was.by, target.by))
        else:
            out.append(TargetChange("added", None, target.level, None, target.by))
    out.extend(TargetChange("removed", t.level, None, t.by, None) for t in gone.values())
    return sorted(out, key=lambda c: (c.level_after if c.level_after is not None else c.level_before, c.kind))


@dataclass
class TechnologyDelta:
    """What a change does to one technology."""

    slug: str
    """Folder name (in the working tree when the technology exists there)."""
    folder: str
    """Folder relative to the base folder."""
    project_id: str | None
    """Project ID from the card, when it is valid."""
    title: str | None
    """Title from the card, when it is valid."""
    state: Literal["new", "removed", "moved", "changed"]
    """What the change does to the technology as a whole."""
    before: Technology | None
    """The technology as on the base (``None`` when new)."""
    after: Technology | None
    """The technology in the working tree (``None`` when removed)."""
    moved_from: str | None = None
    """Folder on the base, when the technology was moved or renamed."""
    level_change: LevelChange | None = None
    """How the level moved, if it did."""
    readiness_before: Readiness | None = None
    """Readiness on the base."""
    readiness_after: Readiness | None = None
    """Readiness in the working tree."""
    target_changes: list[TargetChange] = field(default_factory=list)
    """Targets added, removed, moved to a new date or given a new level."""

    @property
    def level_before(self) -> int | None:
        """Level on the base (``None`` when new or unreadable)."""
        return self.before.model.level if self.before and self.before.model else None

    @property
    def level_after(self) -> int | None:
        """Level in the working tree (``None`` when removed or unreadable)."""
        return self.after.model.level if self.after and self.after.model else None

    @property
    def status_before(self) -> str | None:
        """Status on the base."""
        return self.before.model.status if self.before and self.before.model else None

    @property
    def status_after(self) -> str | None:
        """Status in the working tree."""
        return self.after.model.status if self.after and self.after.model else None


@dataclass
class Comparison:
    """Everything ``check --base`` reports."""

    ref: str
    """The revision as the user named it, e.g. ``origin/main``."""
    commit: str
    """The commit it resolved to."""
    technologies: list[TechnologyDelta] = field(default_factory=list)
    """Technologies the change touches: new, removed, moved, or with changed documents or findings."""
    new: list[Diagnostic] = field(default_factory=list)
    """Findings in the working tree that the base did not have."""
    fixed: list[Diagnostic] = field(default_factory=list)
    """Findings of the base that the working tree no longer has (positions as on the base)."""
    old: list[Diagnostic] = field(default_factory=list)
    """Findings present on both sides."""

    @property
    def current(self) -> list[Diagnostic]:
        """Every finding of the working tree."""
        return sort_diagnostics(self.new + self.old)

    @property
    def level_changes(self) -> list[TechnologyDelta]:
        """Technologies whose level moved."""
        return [t for t in self.technologies if t.level_change]

    def new_errors(self) -> list[Diagnostic]:
        """New findings at error severity: these fail the check."""
        return [d for d in self.new if d.severity == Severity.ERROR]

    def failed(self, strict: bool) -> bool:
        """Whether the check fails: new errors, or with ``strict`` any error."""
        pool = self.current if strict else self.new
        return any(d.severity == Severity.ERROR for d in pool)


_LEVEL_PREFIX = re.compile(r"^level \d: ")


def finding_key(diag: Diagnostic, moves: dict[str, str] | None = None) -> tuple[str, str, str]:
    """The identity used to match findings across revisions: :meth:`Diagnostic.fingerprint`, normalised.

    Level rules start their message with the card's level, which is exactly what a
    level change changes; that prefix is dropped so a finding that survives a
    graduation stays old. ``moves`` maps base folders to their new place.
    """
    path, code, message = diag.fingerprint()
    for old, new in (moves or {}).items():
        old, new = printable(old), printable(new)  # as the finding shows its path
        if path.startswith(old + "/"):
            path = new + path[len(old):]
            break
    return path, code, _LEVEL_PREFIX.sub("", message)


def switchback_kind(from_level: int, to_level: int, decided_by_review: bool) -> SwitchbackKind:
    """MLTRL's kind of a switchback: ``embedded`` (4->2, 9->4, 9->7 or lower), ``review`` or ``discovery``."""
    if is_embedded(from_level, to_level):
        return "embedded"
    return "review" if decided_by_review else "discovery"


def _documents(tech: Technology | None) -> dict[str, str]:
    return {d.path: d.parsed.text for d in tech.documents} if tech else {}


def deciding_review(before: Technology | None, after: Technology, from_level: int, to_level: int) -> ReviewRef | None:
    """The review record in the working tree that decides ``from_level -> to_level``, if any.

    A record added or edited by the change wins over one already on the base; among
    equals the latest date wins.
    """
    if to_level > from_level + 1:
        return None  # no review can decide a skip
    decision = "graduate" if to_level > from_level else "switchback"
    on_base = _documents(before)
    found = []
    for doc in after.reviews:
        review = doc.model
        if review is None or review.level != from_level or review.decision != decision:
            continue
        if review.target != to_level:
            continue
        in_change = on_base.get(doc.path) != doc.parsed.text
        found.append((in_change, review.date, doc.path))
    if not found:
        return None
    in_change, _, path = max(found)
    return ReviewRef(path, in_change)


def _match(before: Portfolio, after: Portfolio) -> list[tuple[Technology | None, Technology | None]]:
    """Pairs of the same technology on both sides: by folder name, then by project ID for moved folders."""
    pairs = []
    unmatched_before = dict(before.technologies)
    unmatched_after = {}
    for slug, tech in after.technologies.items():
        if slug in unmatched_before:
            pairs.append((unmatched_before.pop(slug), tech))
        else:
            unmatched_after[slug] = tech
    by_id = {t.model.id: t for t in unmatched_before.values() if t.model}
    for slug, tech in unmatched_after.items():
        old = by_id.pop(tech.model.id, None) if tech.model else None
        if old is not None:
            del unmatched_before[old.slug]
        pairs.append((old, tech))
    pairs.extend((tech, None) for tech in unmatched_before.values())
    return pairs


def _level_change(before: Technology | None, after: Technology | None) -> LevelChange | None:
    if not (before and after and before.model and after.model) or before.model.level == after.model.level:
        return None
    a, b = before.model.level, after.model.level
    review = deciding_review(before, after, a, b)
    kind = level_kind(a, b)
    return LevelChange(a, b, kind, switchback_kind(a, b, review is not None) if kind == "switchback" else None,
                       review)


def level_change_findings(delta: TechnologyDelta, portfolio: Portfolio) -> list[Diagnostic]:
    """Findings about a level change itself: a skipped level, or no review record deciding it."""
    change, tech = delta.level_change, delta.after
    if change is None or tech is None or tech.card is None:
        return []
    rules = {r.code: r for r in pr_rules(portfolio.settings)}
    pos = tech.card.parsed.position(("level",))
    out = []
    a, b = change.from_level, change.to_level
    if change.kind == "skip" and "PR001" in rules:
        out.append(Diagnostic(tech.card.path, pos.line, pos.column, rules["PR001"].severity, "PR001",
                              f"level raised from {a} to {b}, skipping level {a + 1}",
                              f"once work has started no level is skipped: set 'level: {a + 1}' and "
                              f"graduate one level at a time, each decided by a review record", tech.slug))
    elif change.kind != "skip" and change.review is None and "PR002" in rules:
        decision = "graduate" if b > a else f"switchback' and 'to_level: {b}"
        out.append(Diagnostic(tech.card.path, pos.line, pos.column, rules["PR002"].severity, "PR002",
                              f"level changed from {a} to {b} without a review record that decides it",
                              f"add {tech.folder}/{REVIEWS}/YYYY-MM-DD-level-{a}.md with 'level: {a}' and "
                              f"'decision: {decision}' to this change", tech.slug))
    return out


def compare(before: Portfolio, after: Portfolio, ref: str, commit: str,
            in_scope: Callable[[str], bool] | None = None,
            history: tuple[list[Diagnostic], list[Diagnostic]] = ([], []),
            after_findings: list[Diagnostic] | None = None,
            after_readiness: dict[str, Readiness | None] | None = None) -> Comparison:
    """Compare the base's portfolio with the working tree's.

    ``in_scope``, when given, keeps only findings and technologies whose paths it accepts
    (``mltrl check --base REF PATH...``). ``history`` holds the history findings of the
    working tree and of the base (see :func:`history_findings`); ``after_findings`` the rules'
    findings on the working tree and ``after_readiness`` its readiness by folder name, when they are
    known already.
    """
    keep = in_scope or (lambda path: True)
    result = Comparison(ref, commit)
    moves: dict[str, str] = {}
    deltas = []
    for old, new in _match(before, after):
        tech = new or old
        delta = TechnologyDelta(tech.slug, tech.folder, tech.model.id if tech.model else None,
                                tech.model.title if tech.model else None,
                                "new" if old is None else "removed" if new is None else "changed", old, new)
        if old is not None and new is not None and old.folder != new.folder:
            delta.state, delta.moved_from = "moved", old.folder
            moves[old.folder] = new.folder
        delta.level_change = _level_change(old, new)
        delta.target_changes = target_changes(old, new)
        delta.readiness_before = readiness(old, before.settings) if old else None
        delta.readiness_after = (after_readiness[new.slug] if after_readiness is not None
                                 else readiness(new, after.settings)) if new else None
        deltas.append(delta)
    head = list(after_findings if after_findings is not None else check_portfolio(after)) + list(history[0])
    for delta in deltas:
        head.extend(level_change_findings(delta, after))
    head = [d for d in sort_diagnostics(head) if keep(d.path)]
    base = [d for d in sort_diagnostics(check_portfolio(before) + list(history[1])) if keep(d.path)]
    remaining = Counter(finding_key(d, moves) for d in base)
    for diag in head:
        key = finding_key(diag)
        if remaining[key] > 0:
            remaining[key] -= 1
            result.old.append(diag)
        else:
            result.new.append(diag)
    unmatched = Counter(finding_key(d) for d in result.old)
    for diag in base:
        key = finding_key(diag, moves)
        if unmatched[key] > 0:
            unmatched[key] -= 1
        else:
            result.fixed.append(diag)
    touched = {d.path for d in result.new + result.fixed}
    for delta in deltas:
        if not keep(delta.folder + "/" + CARD) and not keep(delta.folder):
            continue
        docs_changed = _documents(delta.before) != _documents(delta.after)
        # Escaped as the findings show their paths (diagnostics.printable).
        folders = {printable(f) for f in (delta.folder, delta.moved_from) if f is not None}
        if (delta.state != "changed" or docs_changed or delta.level_change
                or any(p.startswith(f + "/") for p in touched for f in folders)):
            result.technologies.append(delta)
    result.technologies.sort(key=lambda t: t.folder)
    return result


def compare_with_ref(build: Build, ref: str, in_scope: Callable[[str], bool] | None = None) -> Comparison:
    """Compare the working tree (``build``) with REF, read from git with the working tree's settings.

    Raises :class:`~mltrl_docs.errors.GitError` when REF cannot be read.
    """
    commit = resolve_commit(build.base_dir, ref)
    before = load_portfolio_from_files(build.base_dir, build.settings,
                                       read_tree(build.base_dir, commit, build.settings.roots))
    history = history_findings(build.portfolio, build.history, change_commits(build.base_dir, commit))
    return compare(before, build.portfolio, ref, commit, in_scope, history, after_findings=build.rule_findings,
                   after_readiness=build.readiness)


def history_findings(after: Portfolio, history: PortfolioHistory,
                     commits: set[str]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """History findings of the working tree, and those it had before the change's commits.

    The second list is recomputed on the same history with the change's level events left
    out, so findings about older commits match and count as old. Skips and ungated
    graduations made by the change itself are left out of both: ``PR001`` and ``PR002``
    judge the change as a whole, which is what the mainline's history shows once it is
    merged (history follows first parents).
    """
    current = [d for d in history.diagnostics if d.code != "HIS007"]
    if not history.available or not commits:
        return current, current
    trimmed = PortfolioHistory(history.available, history.reason, now=history.now, projects={
        slug: replace(th, events=[e for e in th.events if e.commit not in commits])
        for slug, th in history.projects.items()})
    repository = [d for d in current if d.path == "."]
    before = repository + history_rules(after, trimmed)
    known = Counter(finding_key(d) for d in before)
    superseded = {"HIS001", "HIS003"}
    current = [d for d in current if d.code not in superseded or known[finding_key(d)] > 0]
    return current, before
