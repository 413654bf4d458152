"""The Jinja environment that renders the site's HTML fragments, with escaping always on.

MkDocs renders its own templates without autoescaping; these fragments carry
text from cards, so they get their own environment with ``autoescape=True``.
It reads templates from the same folders as the site's theme, in the same
order, so a file in the site's ``overrides/mltrl/`` replaces the packaged one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..models import LEVEL_NAMES, phase_of

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "theme"
"""Packaged templates and assets; the site engine searches them last."""


def days_text(days: float | None) -> str:
    """A duration in days as a short phrase: ``12 days``, ``5 months``, ``2.3 years``."""
    if days is None:
        return "—"
    if days < 1:
        return "under a day"
    if days < 60:
        n = int(round(days))
        return f"{n} day{'s' if n != 1 else ''}"
    if days < 730:
        n = int(round(days / 30.44))
        return f"{n} months"
    return f"{days / 365.25:.1f} years"


def date_text(value: dt.datetime | dt.date | None) -> str:
    """``YYYY-MM-DD``, or a dash."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d")


def ago_text(value: dt.datetime | None, now: dt.datetime) -> str:
    """How long before ``now``: ``today``, ``3 days ago``, ``4 months ago``."""
    if value is None:
        return "—"
    days = (now - value).total_seconds() / 86400
    if days < 1:
        return "today"
    return f"{days_text(days)} ago"


def environment(template_dirs: Sequence[str | Path] | None = None) -> jinja2.Environment:
    """An autoescaping environment over ``template_dirs`` (the packaged templates are always searched last).

    One environment per list of folders (and of the templates in them) serves every build of a
    process: a preview's rebuild then finds its templates compiled. Jinja checks a template's
    file before reusing it (``auto_reload``), so an override saved during a preview is read
    again; an override added or removed makes a new environment.
    """
    dirs = [Path(d) for d in (template_dirs or [])]
    if PACKAGE_TEMPLATES not in [d.resolve() for d in dirs if d.exists()]:
        dirs.append(PACKAGE_TEMPLATES)
    folders = tuple(str(d) for d in dirs)
    key = (folders, tuple(str(f) for d in dirs if (d / "mltrl").is_dir() for f in sorted((d / "mltrl").rglob("*"))))
    env = _ENVIRONMENTS.get(key)
    if env is None:
        env = _ENVIRONMENTS[key] = jinja2.Environment(
            loader=jinja2.FileSystemLoader(list(folders)), autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, auto_reload=True)
        env.filters.update(days=days_text, date=date_text, level_name=lambda n: LEVEL_NAMES[n], phase=phase_of)
        env.globals.update(LEVEL_NAMES=LEVEL_NAMES, phase_of=phase_of, Markup=Markup)
    return env


_ENVIRONMENTS: dict[tuple, jinja2.Environment] = {}
