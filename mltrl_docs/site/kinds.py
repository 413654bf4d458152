"""The kinds of page the site generates, one class each, listed in one place: :data:`PAGE_KINDS`.

A kind knows where its pages are, what they are called, whether they are kept
in the page cache (and so rendered ahead by the helper process), whether the
navigation lists them, and how they render. Site engines and the render-ahead
helper read these attributes; nothing compares kind names.

Adding a page: a class here (its :meth:`PageKind.specs` and :meth:`PageKind.render`),
an entry in :data:`PAGE_KINDS`, and a template under ``templates/theme/mltrl/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, ClassVar

import yaml

from ..reference import configuration_reference_markdown, rule_reference_markdown
from .urls import Layout

if TYPE_CHECKING:  # the site renders the pages, and imports this module
    from .pages import Site

HOME_HIDE = ("navigation", "toc")
"""Theme parts the portfolio hides: the table needs the width."""


PLACEHOLDER = "<!--mltrl:page-->"
"""Stands for the generated HTML in a page's Markdown stub."""


@dataclass(frozen=True)
class PageSpec:
    """A page the site generates."""

    src_uri: str
    """Where the page pretends to be in the docs folder, e.g. ``technologies/solar-bo.md``."""
    kind: PageKind
    """What kind of page it is (one of :data:`PAGE_KINDS`)."""
    title: str
    """Plain-text title (escaped when written)."""
    source: str | None = None
    """Repository path of the file the page shows (its edit link), e.g. ``projects/solar-bo/card.md``."""
    slug: str | None = None
    hide: tuple[str, ...] = ()
    """Theme parts to hide on the page (``toc``, ``navigation``)."""

    def meta(self) -> dict:
        """The page's metadata for the site engine: its ``title`` (escaped) and the theme parts to ``hide``."""
        meta: dict = {"title": escape(self.title)}
        if self.hide:
            meta["hide"] = list(self.hide)
        return meta

    def markdown(self, front_matter: bool = True) -> str:
        """The stub the site engine reads: the placeholder, after :meth:`meta` as front matter if asked for.

        An engine that can take the metadata directly (the MkDocs plugin sets ``page.meta``) asks
        for none: there is then no YAML to write, or for the engine to read, per page.
        """
        if not front_matter:
            return PLACEHOLDER + "\n"
        front = yaml.safe_dump(self.meta(), allow_unicode=True, sort_keys=False)
        return "---\n" + front + "---\n\n" + PLACEHOLDER + "\n"


@dataclass(frozen=True)
class TocEntry:
    """A heading of a generated page."""

    rank: int
    id: str
    title: str
    """Title as HTML-escaped text (quotes too: a theme may print it inside an attribute)."""


@dataclass
class RenderedPage:
    """A page's HTML and its table of contents."""

    html: str
    toc: list[TocEntry] = field(default_factory=list)
    search: str | None = None
    """What a search index should read instead of ``html``, when the page is mostly tables and charts:
    the title, the facts a reader searches for, and the card's own text."""


class PageKind:
    """A kind of generated page (see the module's description)."""

    name: ClassVar[str]
    """Short name, for messages."""
    cached: ClassVar[bool] = False
    """Whether its pages are kept in the page cache, and rendered ahead by a helper process."""
    in_nav: ClassVar[bool] = True
    """Whether the navigation lists its pages."""
    markdown: ClassVar[bool] = False
    """Whether it hands the engine Markdown written from the code (never card text) instead of finished HTML."""
    below_docs_page: ClassVar[bool] = False
    """Whether a page the site's docs folder has at the same address keeps its text, with this page below it."""

    def specs(self, site: Site) -> list[PageSpec]:
        """The pages of this kind on ``site``."""
        raise NotImplementedError

    def render(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The HTML of one page of this kind."""
        raise NotImplementedError

    def render_below(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The HTML that goes below a docs page at the same address (kinds with :attr:`below_docs_page`)."""
        raise NotImplementedError

    def text(self, site: Site, spec: PageSpec) -> str:
        """The Markdown of one page of a :attr:`markdown` kind."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name} pages>"


class PortfolioPage(PageKind):
    """The home page: every technology, its level and readiness, the charts and the swimlane."""

    name = "portfolio"
    below_docs_page = True

    def specs(self, site: Site) -> list[PageSpec]:
        """The one home page."""
        return [PageSpec(site.layout.place(Layout.HOME), self, "Portfolio", hide=HOME_HIDE)]

    def render(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The portfolio as a whole page."""
        return site.render_home(spec.src_uri, standalone=True)

    def render_below(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The portfolio below the site's own home page."""
        return site.render_home(spec.src_uri)


class LevelsPage(PageKind):
    """What each level requires, generated from the same rules the checker uses."""

    name = "levels"

    def specs(self, site: Site) -> list[PageSpec]:
        """The one levels page."""
        return [PageSpec(site.layout.place(Layout.LEVELS), self, "Levels")]

    def render(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The levels page."""
        return site.render_levels(spec.src_uri)


class AnalyticsPage(PageKind):
    """Time per level, transitions, cycles, switchbacks by kind, graduations per quarter."""

    name = "analytics"

    def specs(self, site: Site) -> list[PageSpec]:
        """The one analytics page."""
        return [PageSpec(site.layout.place(Layout.ANALYTICS), self, "Analytics")]

    def render(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The analytics page."""
        return site.render_analytics(spec.src_uri)


class TechnologyPage(PageKind):
    """One technology: its card, timeline, events, readiness, requirements, ethics, reviews and earlier cards."""

    name = "technology"
    cached = True
    in_nav = False

    def specs(self, site: Site) -> list[PageSpec]:
        """A page per technology the site shows, in the portfolio's order."""
        return [PageSpec(site.layout.technology(t.slug), self, f"{t.id} · {t.card.title}", source=t.tech.card.path,
                         slug=t.slug, hide=("navigation",)) for t in site.view.technologies]

    def render(self, site: Site, spec: PageSpec) -> RenderedPage:
        """The technology's page, from the page cache when its inputs have not changed."""
        return site.render_technology(spec)


class RulesReference(PageKind):
    """Every rule with its code, level and severity, as this site's configuration sets them."""

    name = "rule reference"
    markdown = True

    def specs(self, site: Site) -> list[PageSpec]:
        """The one rule reference."""
        return [PageSpec(site.layout.place("reference/rules.md"), self, "Rules")]

    def text(self, site: Site, spec: PageSpec) -> str:
        """The reference as Markdown."""
        return rule_reference_markdown(site.view.settings)


class ConfigurationReference(PageKind):
    """Every plugin option with its type, default and meaning."""

    name = "configuration reference"
    markdown = True

    def specs(self, site: Site) -> list[PageSpec]:
        """The one configuration reference."""
        return [PageSpec(site.layout.place("reference/configuration.md"), self, "Configuration")]

    def text(self, site: Site, spec: PageSpec) -> str:
        """The reference as Markdown."""
        return configuration_reference_markdown()


PAGE_KINDS: tuple[PageKind, ...] = (PortfolioPage(), LevelsPage(), AnalyticsPage(), TechnologyPage(),
                                    RulesReference(), ConfigurationReference())
"""Every kind of generated page, in the order the engine is given their pages."""
