"""The maturity wiki's pages, rendered without any site engine.

:class:`~mltrl_docs.site.pages.Site` lists and renders the generated pages;
:func:`~mltrl_docs.site.view.build_view` computes what they show. The MkDocs
plugin (:mod:`mltrl_docs.plugin`) is the only code that connects them to MkDocs.
"""

from .kinds import PAGE_KINDS, PLACEHOLDER, PageKind, PageSpec, RenderedPage, TocEntry
from .pages import Site
from .view import SiteView, TechnologyView, build_view

__all__ = ["PAGE_KINDS", "PLACEHOLDER", "PageKind", "PageSpec", "RenderedPage", "Site", "SiteView", "TechnologyView",
           "TocEntry",
           "build_view"]
