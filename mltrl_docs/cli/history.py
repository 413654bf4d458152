"""``mltrl history``: a technology's maturity history, derived from git."""

from __future__ import annotations

import argparse
import difflib
import sys

from ..build import Build
from ..diagnostics import printable
from ..errors import UsageError
from ..history.model import PortfolioHistory, TechnologyHistory
from ..ids import Identities
from ..loader import Portfolio
from ..models import LEVEL_NAMES
from ..report import dumps_json, format_finding
from .common import EXIT_ERROR, EXIT_OK, workspace_of

HISTORY_VERSION = 1
"""Version of the ``mltrl history --format json`` document."""


def register(command) -> None:
    """Add ``history`` to the parser through ``command(name, run, help)``."""
    p = command("history", run, "Show a technology's maturity history, derived from git.")
    p.add_argument("slug", metavar="technology",
                   help="folder name of the technology (e.g. solar-bo), or its project ID, current or former")
    p.add_argument("--format", choices=("text", "json"), default="text")


def history_document(slug: str, tech_history: TechnologyHistory, history: PortfolioHistory) -> dict:
    """The JSON document of ``mltrl history --format json``."""
    body = tech_history.to_dict(history.now)
    return {"version": HISTORY_VERSION, "project": slug, "events": body["events"],
            "time_in_level": body["time_in_level"], "prior_cards": body["prior_cards"],
            "findings": [d.to_dict() for d in history.diagnostics if d.project == slug]}


def run(args: argparse.Namespace) -> int:
    """Print one technology's events and time per level."""
    with Build.of(workspace_of(args)) as build:
        portfolio, history = build.portfolio, build.history
        ids = build.identities
    slug = technology_named(args.slug, portfolio, ids)
    if not history.available:
        print(f"mltrl: history is unavailable: {printable(history.reason)}", file=sys.stderr)
        return EXIT_ERROR
    tech_history = history.projects[slug]
    if args.format == "json":
        sys.stdout.write(dumps_json(history_document(slug, tech_history, history)))
        return EXIT_OK
    sys.stdout.write(format_history_text(tech_history, history))
    return EXIT_OK


def technology_named(name: str, portfolio: Portfolio, ids: Identities) -> str:
    """The folder name of the technology ``name`` names: a folder name, a project ID, or a former one.

    A folder name comes first, as before IDs were understood; anything else is a usage error that
    suggests the closest folder name or ID.
    """
    if name in portfolio.technologies:
        return name
    tech = ids.lookup(name)
    if tech is not None:
        return tech.slug
    names = [*portfolio.technologies, *ids.names()]
    close = difflib.get_close_matches(name, names, n=1) or [n for n in names if n.lower() == name.lower()][:1]
    raise UsageError(f"no technology '{printable(name)}' (give a folder name or a project ID)"
                     + (f"; did you mean '{printable(close[0])}'?" if close else ""))


def _levels(event) -> str:
    if event.kind == "created":
        return f"at {event.to_level}"
    if event.from_level is not None and event.to_level is not None and event.from_level != event.to_level:
        return f"{event.from_level} -> {event.to_level}"
    return "" if event.to_level is None else f"at {event.to_level}"


def format_history_text(tech_history: TechnologyHistory, history: PortfolioHistory) -> str:
    """Readable history: one line per event, then time per level.

    Commit subjects and author names come from the commits a pull request adds: they are
    shown :func:`printable`, never raw.
    """
    lines = [f"History of {printable(tech_history.slug)} ({len(tech_history.events)} events)", ""]
    for event in tech_history.events:
        kind = event.kind + (f" ({event.switchback_kind})" if event.switchback_kind else "")
        what = event.detail or event.status or ""
        if event.kind == "status":
            what = event.detail
        if event.committed is not None and event.committed.date() != event.date.date():
            what += f", recorded {event.committed.date().isoformat()}"  # the line's date is the review's own
        source = event.commit[:10] if event.commit else event.source
        author = event.author or ""
        what, source, author, message = (printable(x or "") for x in (what, source, author, event.message))
        lines.append(f"{event.date.date().isoformat()}  {kind:22} {_levels(event):8} {what[:40]:40} "
                     f"{source:10}  {author}  {message}".rstrip())
    lines += ["", "Time per level (days):"]
    for level, days in sorted(tech_history.time_in_level(history.now).items()):
        lines.append(f"  {level} {LEVEL_NAMES[level]:28} {days:8.1f}")
    for diag in history.diagnostics:
        if diag.project == tech_history.slug:
            lines.append(format_finding(diag))
    return "\n".join(lines) + "\n"
