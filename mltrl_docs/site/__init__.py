"""The maturity wiki's pages, rendered without any site engine.

:class:`~mltrl_docs.site.pages.Site` lists and renders the generated pages;
:func:`~mltrl_docs.site.view.build_view` computes what they show. The MkDocs
plugin (:mod:`mltrl_docs.plugin`) is the only code that connects them to MkDocs.

The package imports none of its modules itself: what the pages show (``view``) is
computed by commands that render no page, which need not load the renderer
(``pages``, with Jinja, markdown-it and nh3).
"""
