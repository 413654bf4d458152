"""One run of the pipeline: read, check, derive the history, filter for publication, view, export.

Every front end (the ``mltrl`` commands, the pull-request comparison, the MkDocs
plugin) asks a :class:`Build` for what it needs and never puts the stages
together itself::

    workspace (mkdocs.yml, settings, cache folder)
        -> portfolio      documents read and validated        loader
        -> history        from git, cached                    history
        -> identities     current and former project IDs      ids
        -> checked        each technology's findings and      rules, cached (checkcache)
                          readiness
        -> rule_findings  reading, schema, level, cross rules  rules
        -> findings       both, sorted, without HIS007
        -> public / shown the public filter and public history public
        -> view           what the pages show                 site.view
        -> export()       the mltrl.json document             export

Each stage is computed once, when it is first asked for, and kept. :meth:`start`
sets git to work on the history while the documents are read; used as a context
manager, a build starts so and, however the block ends, leaves no git process
or second process behind.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .cachedir import CacheLocation, cache_location
from .checkcache import CheckCache, Checked
from .config import Settings
from .diagnostics import Diagnostic, sort_diagnostics
from .history import HistoryStart, load_history, start_history
from .history.model import PortfolioHistory
from .ids import IdChange, Identities, identities
from .loader import Portfolio, load_portfolio_cached
from .progress import SILENT, Progress
from .rules import (
    Readiness,
    Rule,
    cross_reference_findings,
    document_findings,
    level_rules,
    readiness,
    relax_drafts,
    technology_findings,
)
from .workspace import Workspace

if TYPE_CHECKING:
    from .site.view import SiteView

# The stages that only publishing needs (the public filter, the analytics, the view, the export) import their
# modules when first asked for: ``mltrl check`` never pays for them at start-up.

NOT_A_REPOSITORY_CODE = "HIS007"
"""The note that there is no git repository: reported by the history, left out of the findings."""


def build_now() -> dt.datetime | None:
    """The build time from ``SOURCE_DATE_EPOCH`` (reproducible builds), or ``None`` for the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class Published:
    """The technologies a site shows, and the history it may show of them."""

    portfolio: Portfolio
    history: PortfolioHistory


class Build:
    """The pipeline for the content in ``base_dir`` configured by ``settings`` (see the module's description)."""

    def __init__(self, base_dir: Path, settings: Settings, *, cache: CacheLocation | None = None,
                 now: dt.datetime | None = None, progress: Progress = SILENT) -> None:
        self.base_dir = base_dir
        self.settings = settings
        self.cache = cache if cache is not None else cache_location(base_dir, settings.cache_dir)
        """Where the caches live (:mod:`mltrl_docs.cachedir`)."""
        self.now = now
        """"Today" for durations; ``None`` for the clock."""
        self.timings: dict[str, float] = {}
        """Seconds each stage took, by name, once computed."""
        self.commits_read = "here"
        """Where the history's commits were read: ``here``, on a ``thread`` or in a second ``process``."""
        self.progress = progress
        """Where the stages report while they run (a cold run over a large repository takes a while)."""
        self._started: HistoryStart | None = None

    @classmethod
    def of(cls, workspace: Workspace, *, now: dt.datetime | None = None, progress: Progress = SILENT) -> Build:
        """The build of a workspace (its settings and cache folder); "today" is ``now``, else
        ``SOURCE_DATE_EPOCH`` when set (so that a command's output can be reproduced), else the clock."""
        return cls(workspace.base_dir, workspace.settings, cache=workspace.cache, now=now or build_now(),
                   progress=progress)

    def start(self) -> Build:
        """Set git to work on the history (in the background) before the documents are read; returns ``self``."""
        if self._started is None and "history" not in self.__dict__:
            self._started = start_history(self.base_dir, self.settings, cache=self.cache)
        return self

    def abandon(self) -> None:
        """End what :meth:`start` began without using it (after a failure); never raises."""
        started, self._started = self._started, None
        if started is not None:
            started.abandon()

    def __enter__(self) -> Build:
        """``with Build(...) as build:`` starts the history and ends whatever of it was left unused."""
        return self.start()

    def __exit__(self, *exc) -> None:
        self.abandon()

    def _timed(self, name: str, began: float) -> None:
        self.timings[name] = time.perf_counter() - began

    @cached_property
    def portfolio(self) -> Portfolio:
        """Every technology under the content roots, read and validated."""
        began = time.perf_counter()
        with self.progress.stage("Reading the documents"):
            portfolio = load_portfolio_cached(self.base_dir, self.settings, self.cache)
        self._timed("documents", began)
        return portfolio

    @cached_property
    def identities(self) -> Identities:
        """Every project ID that resolves: the cards' own, the former IDs they declare and those git shows."""
        history = self.history
        changes = {slug: [IdChange(former, date) for former, date in h.id_changes]
                   for slug, h in history.projects.items()} if history.available else {}
        return identities(self.portfolio, changes)

    @cached_property
    def checked(self) -> dict[str, Checked]:
        """What the rules that read one technology at a time found in each, and its readiness, by folder name;
        a technology whose documents are unchanged since a run checked them is taken from the check cache."""
        portfolio = self.portfolio
        settings, rules = self.settings, self.rules
        began = time.perf_counter()
        with self.progress.stage("Checking the rules"):
            folder = self.cache.folder
            cache = CheckCache.for_folder(folder, portfolio) if folder is not None else None
            checked: dict[str, Checked] = {}
            for slug, tech in portfolio.technologies.items():
                found = cache.get(tech, rules) if cache is not None else None
                if found is None:
                    ready = readiness(tech, settings, rules)
                    found = Checked(technology_findings(tech, settings, rules, ready), ready)
                    if cache is not None:
                        cache.put(tech, found)
                checked[slug] = found
            if cache is not None:
                cache.save()
        self._timed("rules", began)
        return checked

    @cached_property
    def document_findings(self) -> list[Diagnostic]:
        """The findings of the rules that read one technology at a time (they need no history)."""
        checked = self.checked
        began = time.perf_counter()
        found = document_findings(self.portfolio, {slug: c.findings for slug, c in checked.items()})
        self.timings["rules"] += time.perf_counter() - began
        return found

    @cached_property
    def rule_findings(self) -> list[Diagnostic]:
        """The findings of every rule that reads the documents; the cross references resolve former IDs
        the history shows too."""
        found = self.document_findings
        ids = self.identities
        began = time.perf_counter()
        found = found + cross_reference_findings(self.portfolio, ids)
        self.timings["rules"] += time.perf_counter() - began
        return found

    @cached_property
    def rules(self) -> list[Rule]:
        """The level rules as the settings make them (severities, levels, the organisation's own), resolved once."""
        return level_rules(self.settings)

    @cached_property
    def readiness(self) -> dict[str, Readiness | None]:
        """Each technology's readiness (its level's rules met, the next level's missing), by folder name."""
        return {slug: checked.readiness for slug, checked in self.checked.items()}

    @cached_property
    def history(self) -> PortfolioHistory:
        """Every technology's history, from git and the cards' recorded events."""
        portfolio = self.portfolio
        began = time.perf_counter()
        started, self._started = self._started, None
        with self.progress.stage("Reading the history from git"):
            history = load_history(portfolio, now=self.now, started=started)
        self.commits_read = started.mode if started is not None else "here"
        self._timed("history", began)
        return history

    @cached_property
    def findings(self) -> list[Diagnostic]:
        """Everything ``mltrl check`` reports: the rules' findings and the history's, sorted."""
        history = [d for d in self.history.diagnostics if d.code != NOT_A_REPOSITORY_CODE]
        return sort_diagnostics([*self.rule_findings, *relax_drafts(history, self.portfolio)])

    @cached_property
    def public(self) -> Published:
        """The public technologies and their public history (:mod:`mltrl_docs.public`)."""
        from .public import public_history, published_portfolio

        return Published(published_portfolio(self.portfolio, public_only=True),
                         public_history(self.portfolio, self.history))

    @cached_property
    def shown(self) -> Published:
        """What this build's site shows: the public technologies on a public site, else every valid card."""
        if self.settings.public_only:
            return self.public
        from .public import published_portfolio

        return Published(published_portfolio(self.portfolio, public_only=False), self.history)

    @cached_property
    def analytics(self) -> dict | None:
        """The analytics page's figures over the technologies shown (``None`` without history)."""
        if not self.history.available:
            return None
        from .history.analytics import portfolio_analytics

        return portfolio_analytics(self.shown.portfolio, self.history)

    @cached_property
    def view(self) -> SiteView:
        """What the site's pages show."""
        from .site.view import build_view

        return build_view(self.portfolio, self.findings, self.shown.history, settings=self.settings,
                          repo_url=self.settings.repo_url, public_only=self.settings.public_only,
                          analytics=self.analytics, rules=self.rules, readiness=self.readiness,
                          ids=self.identities)

    def export(self, public_only: bool | None = None) -> dict:
        """The ``mltrl.json`` document: of this build's site, or with ``public_only`` of the public technologies."""
        public = self.settings.public_only if public_only is None else public_only
        history = self.public.history if public else self.history
        from .export import export_document

        return export_document(self.portfolio, history, self.findings, public_only=public, readiness=self.readiness)
