"""``mltrl init``: a new content repository, ready to check, build and publish."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import ScaffoldError, UsageError
from ..starter import CARD_ROOT, FirstCard, write_starter
from .common import EXIT_OK


def register(command) -> None:
    """Add ``init`` to the parser through ``command(name, run, help)``."""
    p = command("init", run, "Start a content repository: mkdocs.yml, workflows, pre-commit hooks, "
                "and optionally a first card.")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR",
                   help="folder to write into (default: this one; made if missing)")
    p.add_argument("--site-name", default="MLTRL portfolio", help="the site's name (default: %(default)s)")
    p.add_argument("--site-url", metavar="URL", help="address the site is published at (default: left to set "
                   "in mkdocs.yml)")
    p.add_argument("--card", metavar="SLUG", help="also scaffold a first technology, as 'mltrl new' does")
    p.add_argument("--id", help="project ID of the first card, e.g. P13.2")
    p.add_argument("--title", help="name of the first card's technology")
    p.add_argument("--level", type=int, default=0, choices=range(10), metavar="N",
                   help="starting level of the first card (0-9)")
    p.add_argument("--owner", help="research owner of the first card (default: git user.name)")


def run(args: argparse.Namespace) -> int:
    """Write the repository's files; refuse, writing nothing, if any of them is already there."""
    if args.config:
        raise UsageError("'mltrl init' writes mkdocs.yml; give the folder as DIR instead of --config")
    card = None
    if args.card is not None:
        if not args.id or not args.title:
            raise UsageError("--card needs --id and --title")
        card = FirstCard(args.card, args.id, args.title, args.level, args.owner)
    elif args.id or args.title or args.owner or args.level:
        raise UsageError("--id, --title, --level and --owner describe the first card: add --card SLUG")
    folder = Path(args.directory)
    try:
        written = write_starter(folder, args.site_name, args.site_url, card)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(f"created {Path(os.path.relpath(path, folder)).as_posix()}")
    there = "" if args.directory == "." else f"cd {args.directory} && "
    print(f"next: {there}git init, then 'mltrl check' and 'mkdocs serve'"
          + (f"; fill in the [[fill in ...]] placeholders of {CARD_ROOT}/{card.slug}" if card else
             "; start a technology with 'mltrl new SLUG --id ID --title TITLE'"))
    return EXIT_OK
