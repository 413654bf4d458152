"""The error list a preview shows on every page while the content has errors.

A build stops on errors, but a preview server that stopped would leave its browser
waiting for a page that never comes. The preview is built anyway, and every page
opens with the list of errors, the same findings ``mltrl check`` prints. Paths,
messages and hints quote what a pull request wrote: the template escapes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Diagnostic
from ..loader import SLUG
from .templating import environment
from .urls import Layout

TEMPLATE = "mltrl/partials/build-errors.html"
"""The error list's template; a site's ``overrides/`` may replace it like any other."""
STUB_TITLE = "Not built: the card has errors"
"""Title of the page a preview puts where a technology whose card could not be read would be."""


def render_problems(errors: Sequence[Diagnostic], template_dirs: Sequence[str | Path] | None = None) -> str:
    """The HTML of the error list: one item per finding with its path, line, column, code, message and hint."""
    template = environment(template_dirs).get_template(TEMPLATE)
    return template.render(errors=list(errors))


def unbuilt_technologies(errors: Sequence[Diagnostic], built: set[str], layout: Layout) -> dict[str, str]:
    """Source URIs of the pages of technologies that have errors but no page, by slug.

    A card that cannot be read leaves its technology out of the site, so its address
    would answer "not found"; the preview puts the error list there instead. Only
    folder names that are valid slugs get a page: any other name is not an address
    the site would ever have had.
    """
    slugs = {d.project for d in errors if d.project is not None}
    return {slug: layout.technology(slug) for slug in sorted(slugs - built) if SLUG.match(slug)}
