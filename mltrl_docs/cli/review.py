"""``mltrl review``: start the gated review record of a level change."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os

from ..build import Build
from ..errors import ScaffoldError, UsageError
from ..gates import plan_review, write_review
from .common import EXIT_OK, workspace_of


def register(command) -> None:
    """Add ``review`` to the parser through ``command(name, run, help)``."""
    p = command("review", run, "Start the gated review record of a level change (graduation or switchback).")
    p.add_argument("slug", help="folder name of the technology, e.g. solar-bo")
    p.add_argument("--to", dest="to_level", type=int, required=True, choices=range(10), metavar="N",
                   help="the level the review decides on: the next level (graduation) or a lower one (switchback)")
    p.add_argument("--date", help="date of the review, YYYY-MM-DD (default: today)")
    p.add_argument("--apply", action="store_true", help="also set the card's 'level:' to N")


def run(args: argparse.Namespace) -> int:
    """Write ``reviews/DATE-level-L.md`` (and with ``--apply`` the card's new level); never overwrites."""
    try:
        date = dt.date.fromisoformat(args.date) if args.date is not None else dt.date.today()
    except ValueError:
        raise UsageError(f"--date '{args.date}' is not a date written YYYY-MM-DD") from None
    workspace = workspace_of(args)
    with Build.of(workspace) as build:
        portfolio, rules = build.portfolio, build.rules
    tech = portfolio.technologies.get(args.slug)
    if tech is None:
        close = difflib.get_close_matches(args.slug, list(portfolio.technologies), n=1)
        raise UsageError(f"no technology '{args.slug}'" + (f"; did you mean '{close[0]}'?" if close else ""))
    try:
        plan = plan_review(workspace.base_dir, tech, workspace.settings, rules, args.to_level, date, args.apply)
        write_review(plan)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    review = os.path.relpath(plan.review_path, workspace.base_dir).replace(os.sep, "/")
    print(f"created {review}")
    if plan.card_bytes is not None:
        print(f"set level: {args.to_level} in {tech.card.path}")
    print(f"next: the panel fills in the decision and the debrief, then run 'mltrl check {tech.folder}'")
    return EXIT_OK
