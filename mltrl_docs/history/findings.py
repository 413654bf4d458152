"""Findings about a technology's path: skipped levels, switchbacks too far back, ungated graduations.

Codes (also listed by ``mltrl rules`` and configurable like every rule):
``HIS001`` skip, ``HIS002`` switchback below the starting level, ``HIS003``
graduation without a review deciding it, ``HIS004`` stale level-9 review,
``HIS005`` unreadable old version, ``HIS006`` shallow clone, ``HIS007`` not a
git repository, ``HIS008`` git could not be run, ``HIS009`` a commit date no
calendar holds (clamped) or with an impossible offset (read as UTC); and
``TGT002``, a target whose date passed before its level was reached.
``REV005`` and ``REV006`` live here too, since only the history tells what the card
did after a review: the latest review decided a level change, or a pause or stop,
that the card never made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path

from ..cachedir import SignedEntries
from ..checkcache import context_digest
from ..config import Settings
from ..diagnostics import Diagnostic, Severity
from ..loader import Document, Portfolio, Technology
from ..rules import settle
from .cache import HistoryCache
from .derive import REVIEW_GRACE_DAYS
from .model import PortfolioHistory, TechnologyHistory
from .targets import target_states

SHALLOW_HINT = ("fetch the whole history: with actions/checkout set 'fetch-depth: 0', elsewhere run "
                "'git fetch --unshallow'; or set the mltrl option 'allow_shallow: true' to accept an "
                "incomplete history")


DATE_HINT = ("such a commit object was written by hand or by a faulty tool, and git accepts it; its changes keep "
             "their place in the history, only their date is a stand-in. If the real date matters, rewrite the "
             "commit with it (e.g. git rebase -i, amending it with GIT_COMMITTER_DATE set); otherwise turn "
             "HIS009 off")


def findings(portfolio: Portfolio, history: PortfolioHistory, now: dt.datetime | None = None, *,
             kept: KeptFindings | None = None, identities: Mapping[str, str] | None = None) -> list[Diagnostic]:
    """Every history finding for ``portfolio``, with configured severities applied (``off`` rules left out).

    With ``kept``, a technology whose history ``identities`` names (the hash of its derived record, see
    :meth:`~mltrl_docs.history.extract.Extraction.identities`) gets the findings an earlier run found for the
    same history, documents, settings and day, and keeps its own for the next run.
    """
    now = now or history.now
    raw: list[Diagnostic] = []
    for slug, tech_history in history.projects.items():
        tech = portfolio.technologies.get(slug)
        if tech is None:
            continue
        identity = identities.get(slug) if kept is not None and identities is not None else None
        key = kept.key_of(tech, identity, now) if identity is not None else None
        found = kept.get(key) if key is not None else None
        if found is None:
            found = technology_findings(tech, tech_history, portfolio, now)
            if key is not None:
                kept.put(key, found)
        raw.extend(found)
    return apply_rule_settings(raw, portfolio)


class KeptFindings(SignedEntries):
    """Each technology's history findings kept between runs, in one file signed with the user's key.

    What :func:`technology_findings` finds depends on the technology's history, its card and review
    records (their positions included), the settings, the day and the code, so an entry is keyed by all
    of them: the hash of the derived history's record (which names its content), the path and bytes of
    every document, the settings as validated, the day of "now" and the package's source
    (:func:`~mltrl_docs.checkcache.context_digest`). Every finding that compares dates compares days.
    """

    FORMAT = b"mltrl-history-findings-1"
    FILE_NAME = "history-findings.cache"

    def __init__(self, file: Path | None, key: bytes | None, settings: Settings) -> None:
        super().__init__(file, key)
        self._context = context_digest(self.FORMAT, settings)
        self._load()

    @classmethod
    def in_folder(cls, cache: HistoryCache, settings: Settings) -> KeptFindings:
        """The kept findings of the history cache ``cache``, signed with its key: in the cache folder beside the
        document and check caches, since unlike the history's own files this one is rewritten, not appended to."""
        return cls(cache.folder.parent / cls.FILE_NAME, cache.key, settings)

    def key_of(self, tech: Technology, identity: str, now: dt.datetime) -> str | None:
        """What ``tech``'s findings are filed under, or ``None`` when they cannot be kept."""
        parts = [tech.slug, tech.folder, identity, now.date().isoformat()]
        for doc in tech.documents:
            if doc.digest is None:
                return None  # a document that could not be read: found again each run
            parts.append(doc.digest)  # names its path and bytes
        return hashlib.blake2b(self._context + "\0".join(parts).encode(), digest_size=20).hexdigest()

    def get(self, key: str) -> list[Diagnostic] | None:
        """The findings filed under ``key``, or ``None``."""
        rows = self._entry(key)
        try:
            found = [Diagnostic.from_row(row) for row in rows] if isinstance(rows, list) else None
        except (ValueError, TypeError):
            found = None
        if found is None:
            self.misses += 1
            return None
        self._keep(key)
        self.hits += 1
        return found

    def put(self, key: str, found: list[Diagnostic]) -> None:
        """File ``found`` under ``key``."""
        self._store(key, [d.to_row() for d in found])


def apply_rule_settings(raw: list[Diagnostic], portfolio: Portfolio) -> list[Diagnostic]:
    """Apply the configured severity of each code; drop codes turned ``off`` (see :func:`mltrl_docs.rules.settle`)."""
    return settle(raw, portfolio.settings, own_severity=True)


def _where(tech: Technology) -> tuple[str, int, int]:
    card = tech.card
    if card is None:
        return f"{tech.folder}/card.md", 1, 1
    parsed = card.parsed
    pos = parsed.key_position(("level",)) if ("level",) in parsed.keys else parsed.position(())
    return card.path, pos.line, pos.column


def _commit_note(event) -> str:
    when = event.date.date().isoformat()
    if event.source == "git" and event.commit:
        return f"in commit {event.commit[:10]} ({when})"
    return f"in the recorded history ({when})"


def technology_findings(tech: Technology, history: TechnologyHistory, portfolio: Portfolio,
                        now: dt.datetime) -> list[Diagnostic]:
    """History findings of one technology, at their default severities."""
    settings = portfolio.settings
    out: list[Diagnostic] = []

    def add(severity: Severity, code: str, message: str, hint: str, at: tuple | None = None) -> None:
        where = at or _where(tech)
        out.append(Diagnostic(where[0], where[1], where[2], severity, code, message, hint, tech.slug))

    path = tech.card.path if tech.card else f"{tech.folder}/card.md"
    start = history.start_level
    for event in history.events:
        if event.kind == "skip":
            missed = ", ".join(str(n) for n in range(event.from_level + 1, event.to_level))
            add(Severity.ERROR, "HIS001",
                f"level went from {event.from_level} to {event.to_level} {_commit_note(event)}, skipping level(s) "
                f"{missed}",
                "once started, no level may be skipped: if the missing levels were passed outside git, list "
                "them under 'history:' with their dates; otherwise go back to the first skipped level")
        elif event.kind == "switchback" and start is not None and event.to_level < start:
            add(Severity.WARNING, "HIS002",
                f"switched back from level {event.from_level} to {event.to_level} {_commit_note(event)}, below "
                f"level {start} where the technology started",
                "the team never worked at that level; prefer a separate research technology (a bifurcation) "
                "for the work that needs it")
        elif (event.kind == "graduation" and event.source == "git" and event.review is None
              and settings.require_review_for_graduation != "off"):
            level = event.from_level
            add(Severity(settings.require_review_for_graduation), "HIS003",
                f"graduated from level {level} to {event.to_level} {_commit_note(event)} with no review record "
                f"deciding it",
                f"add reviews/YYYY-MM-DD-level-{level}.md with 'level: {level}' and 'decision: graduate'")
    stale = _stale_review(tech, history, settings, now)
    if stale:
        add(Severity.WARNING, "HIS004", stale[0], stale[1])
    for skipped in history.skipped:
        where = f"commit {skipped.commit[:10]} ({skipped.date.date().isoformat()})" if skipped.commit else \
            "the recorded history"
        # A path from before the technology moved into its folder may name internal work: it is not repeated.
        what = skipped.path if skipped.path.startswith(tech.folder + "/") else \
            f"an earlier version of this technology's files (before it moved to {tech.folder})"
        add(Severity.INFO, "HIS005", f"{what} in {where} could not be read and is left out of the "
            f"history: {skipped.reason}", "nothing to do unless that version matters; the history skips it",
            at=(tech.card.path if tech.card else path, 1, 1))
    out.extend(_late_targets(tech, history, now))
    out.extend(_decision_not_followed(tech, history, now))
    for note in history.date_notes:
        add(Severity.WARNING, "HIS009",
            f"commit {note.commit[:10]} has a committer date the history cannot use as it is: {note.problem}; "
            f"the history dates it {note.date.isoformat()}",
            DATE_HINT)
    return out


def _late_targets(tech: Technology, history: TechnologyHistory, now: dt.datetime) -> list[Diagnostic]:
    """TGT002 at each target whose day has passed while the level is still not reached."""
    card = tech.model
    if card is None or not card.targets:
        return []
    out = []
    for status in target_states(card, history, now):
        if status.state != "late":
            continue
        pos = tech.card.parsed.position(("targets", status.index))
        days = (now.date() - status.by).days
        # A level raised in the working tree counts once it is committed: say so rather than
        # claim the card is below it.
        where = (f"the card says level {card.level}, but no commit or recorded event has reached level "
                 f"{status.level} yet" if card.level >= status.level else
                 f"the technology is at level {card.level} and has not reached level {status.level}")
        out.append(Diagnostic(
            tech.card.path, pos.line, pos.column, Severity.WARNING, "TGT002",
            f"target level {status.level} by {status.by.isoformat()} is late by {days} day(s): {where}",
            "reach the level, or move 'by' to the new date and say why in the target's 'note'", tech.slug))
    return out


def _stale_review(tech: Technology, history: TechnologyHistory, settings, now: dt.datetime) -> tuple | None:
    card = tech.model
    if card is None or card.level != 9 or card.status != "active":
        return None
    cadence = card.review_cadence_days or settings.review_cadence_days
    reviews = [r.date for r in tech.review_models if r.level == 9]
    if reviews:
        reference = max(reviews)
        what = f"the last level-9 review was on {reference.isoformat()}"
    else:
        reached = [s.start for s in history.spans if s.level == 9]
        if not reached:
            return None
        reference = reached[-1].date()
        what = f"at level 9 since {reference.isoformat()} with no level-9 review"
    age = (now.date() - reference).days
    if age <= cadence:
        return None
    return (f"{what}: {age} days, more than the {cadence}-day review cadence",
            "hold the periodic review and record it as reviews/YYYY-MM-DD-level-9.md; a deployed "
            "technology is reviewed at its cadence")


_STATUS_OF = {"pause": "paused", "stop": "stopped"}
"""The card status a pause or stop decision asks for."""


def _latest_review(tech: Technology) -> Document | None:
    """The review record with the latest ``date`` (then the highest level, then the last name)."""
    docs = [doc for doc in tech.reviews if doc.model is not None]
    return max(docs, key=lambda d: (d.model.date, d.model.level, d.path), default=None)


def _decision_not_followed(tech: Technology, history: TechnologyHistory, now: dt.datetime) -> list[Diagnostic]:
    """``REV005``/``REV006``: the latest review moved the level, or paused or stopped the work, and the card
    never did.

    What the card did is read from the history: every level and status it held from
    ``REVIEW_GRACE_DAYS`` before the review's date on (a card changed a little before its record was
    written still follows it, as for ``HIS003``), and what it says now. A decision older than that grace
    that nobody carried out is an error; a younger one a warning, since the card's change may still be
    under review.
    """
    card, doc = tech.model, _latest_review(tech)
    if card is None or doc is None:
        return []
    review = doc.model
    status = _STATUS_OF.get(review.decision)
    target = review.target if review.decision in ("graduate", "switchback") else None
    if target is None and status is None:
        return []
    if any(event.review == doc.path for event in history.level_events):
        return []  # the history paired this record with the level change it decided
    grace = dt.timedelta(days=REVIEW_GRACE_DAYS)
    since = review.date - grace if review.date - dt.date.min > grace else dt.date.min
    held = [(span.level, span.status) for span in history.spans if span.end is None or span.end.date() >= since]
    held.append((card.level, card.status))
    late = (now.date() - review.date).days > REVIEW_GRACE_DAYS
    severity = Severity.ERROR if late else Severity.WARNING
    parsed = doc.parsed
    pos = parsed.key_position(("decision",))
    when = review.date.isoformat()
    if target is not None and all(level != target for level, _ in held):
        verb = "graduate to" if review.decision == "graduate" else "switch back to"
        return [Diagnostic(doc.path, pos.line, pos.column, severity, "REV005",
                           f"the level {review.level} review of {when} decided to {verb} level {target}, but the "
                           f"card never reached level {target} after it (it is at level {card.level})",
                           f"set the card's level to {target}, or record a new review", tech.slug)]
    if status is not None and all(held_status != status for _, held_status in held):
        return [Diagnostic(doc.path, pos.line, pos.column, severity, "REV006",
                           f"the level {review.level} review of {when} decided to {review.decision} the work, but "
                           f"the card's status never became {status} after it (it is {card.status})",
                           f"set 'status: {status}' on the card, or record a new review", tech.slug)]
    return []


def repository_finding(code: str, severity: Severity, message: str, hint: str) -> Diagnostic:
    """A finding about the repository as a whole (not one file)."""
    return Diagnostic(".", 1, 1, severity, code, message, hint)
