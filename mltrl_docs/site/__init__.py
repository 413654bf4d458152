"""The maturity wiki's pages, rendered without any site engine.

:class:`~mltrl_docs.site.pages.Site` lists and renders the generated pages;
:func:`~mltrl_docs.site.view.build_view` computes what they show. The MkDocs
plugin (:mod:`mltrl_docs.plugin`) is the only code that connects them to MkDocs.
"""

from .pages import PLACEHOLDER, PageSpec, RenderedPage, Site, TocEntry
from .view import SiteView, TechnologyView, build_view, published_portfolio

__all__ = ["PLACEHOLDER", "PageSpec", "RenderedPage", "Site", "SiteView", "TechnologyView", "TocEntry",
           "build_view", "published_portfolio"]
