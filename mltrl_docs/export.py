"""``mltrl export``: the whole portfolio as one versioned JSON document.

For every technology: its current state from the card, its readiness (which
rules of its level are met, what is missing to graduate), its findings and
its history, and its targets with their states; plus the portfolio analytics. With ``public_only`` only
technologies marked ``visibility: public`` are included, and the analytics
are computed over them alone, and their history is the one
:func:`mltrl_docs.public.public_history` allows, so nothing about internal
work leaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .diagnostics import Diagnostic, sort_diagnostics
from .history.analytics import portfolio_analytics
from .history.model import PortfolioHistory
from .history.targets import target_states
from .loader import Portfolio, Technology
from .models import LEVEL_NAMES
from .public import PublicHistory, is_published, public_history
from .rules import Readiness
from .rules import readiness as readiness_of

EXPORT_VERSION = 1
"""Version of the export document; raised on any incompatible change."""
LAID_OUT_LEVELS = 4
"""How deep ``mltrl export`` lays the document out over lines (:func:`mltrl_docs.report.dumps_json`): the
envelope, the list of technologies, each technology's fields and their parts (its readiness' rule lists,
its history's events...) each on a line of its own; deeper values stay on their line."""


def _state(tech: Technology) -> dict:
    card = tech.model
    if card is None:
        return {"valid": False}
    return {
        "valid": True,
        "id": card.id,
        "title": card.title,
        "level": card.level,
        "level_name": LEVEL_NAMES[card.level],
        "status": card.status,
        "visibility": card.visibility,
        "owners": card.owners.model_dump(),
        "reviewers": card.reviewers.model_dump(),
        "components": list(card.components),
        "coupled": list(card.coupled),
        "former_ids": list(card.former_ids),
        "external": [e.model_dump(exclude_none=True) for e in card.external],
        "links": card.links.model_dump(exclude_none=True),
        "versions": card.versions.model_dump(exclude_none=True),
        "tags": list(card.tags),
    }


def export_document(portfolio: Portfolio, history: PortfolioHistory, findings: list[Diagnostic], *,
                    public_only: bool = False, readiness: Mapping[str, Readiness | None] | None = None) -> dict:
    """The export envelope: ``{"version", "generated", "history", "technologies", "analytics"}``.

    ``findings`` are the portfolio's diagnostics (:attr:`mltrl_docs.build.Build.findings`). With
    ``public_only``, ``history`` should be the public one (:attr:`mltrl_docs.build.Build.public`); any
    other is reduced here first, so nothing about internal work can leak. ``readiness`` is each
    technology's, by folder name, when the caller has it (:attr:`mltrl_docs.build.Build.readiness`).
    """
    settings = portfolio.settings
    if public_only and not isinstance(history, PublicHistory):
        history = public_history(portfolio, history)  # no subject or old card text naming internal work
    chosen = [tech for tech in portfolio.technologies.values()
              if not public_only or is_published(tech.model)]
    findings = sort_diagnostics(findings)
    by_project: dict[str, list] = {}
    for diag in findings:
        if diag.project is not None:
            by_project.setdefault(diag.project, []).append(diag.to_dict())
    technologies = []
    for tech in chosen:
        ready = readiness[tech.slug] if readiness is not None else readiness_of(tech, settings)
        tech_history = history.projects.get(tech.slug)
        technologies.append({
            "slug": tech.slug,
            "folder": tech.folder,
            "card": tech.card.path if tech.card else None,
            **_state(tech),
            "readiness": ready.to_dict() if ready is not None else None,
            "findings": by_project.get(tech.slug, []),
            "history": tech_history.to_dict(history.now) if tech_history is not None else None,
            "targets": [t.to_dict() for t in target_states(tech.model, tech_history, history.now)]
            if tech.model is not None else [],
        })
    return {
        "version": EXPORT_VERSION,
        "generated": history.now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        "public_only": public_only,
        "history": {"available": history.available, "reason": history.reason},
        "technologies": technologies,
        "analytics": portfolio_analytics(portfolio, history, [t.slug for t in chosen]),
    }
