"""``mltrl import``: a card written in the MLTRL template becomes a technology folder."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..errors import ScaffoldError, UsageError
from ..ethics import load_checklist
from ..importer import import_card
from .common import EXIT_OK, workspace_of


def register(command) -> None:
    """Add ``import`` to the parser through ``command(name, run, help)``."""
    p = command("import", run, "Create a technology folder from a card written in the MLTRL template.")
    p.add_argument("file", metavar="FILE.md", help="the MLTRL card (summary table, TL;DR, sections, debrief)")
    p.add_argument("--slug", help="folder name (default: from the technology's name)")
    p.add_argument("--root", help="content root to create it in (default: the first configured root)")
    p.add_argument("--review-date", metavar="YYYY-MM-DD", type=_date,
                   help="record the stage debrief as the review of the gate to the card's level, held that day "
                        "(default: keep it on the card; the template gives no date)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def run(args: argparse.Namespace) -> int:
    """Import the card; never overwrites a file."""
    workspace = workspace_of(args)
    root = args.root or workspace.settings.roots[0]
    checklist, _ = load_checklist(workspace.base_dir, workspace.settings.ethics_checklist)
    try:
        written = import_card(Path(args.file), workspace.base_dir / root, args.slug, checklist, args.review_date)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(f"created {path.relative_to(workspace.base_dir).as_posix()}")
    folder = written[0].parent.relative_to(workspace.base_dir).as_posix()
    print(f"next: run 'mltrl check {folder}' and write what it reports as missing for the card's level")
    return EXIT_OK
