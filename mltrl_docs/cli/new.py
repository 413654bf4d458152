"""``mltrl new``: a technology's folder from the templates."""

from __future__ import annotations

import argparse

from ..errors import ScaffoldError, UsageError
from ..ethics import load_checklist
from ..scaffold import scaffold
from .common import EXIT_OK, workspace_of


def register(command) -> None:
    """Add ``new`` to the parser through ``command(name, run, help)``."""
    p = command("new", run, "Create a technology folder from the templates.")
    p.add_argument("slug", help="folder name, e.g. solar-bo")
    p.add_argument("--id", required=True, help="project ID, e.g. P13.2")
    p.add_argument("--title", required=True, help="name of the technology")
    p.add_argument("--level", type=int, default=0, choices=range(10), metavar="N", help="starting level (0-9)")
    p.add_argument("--owner", help="research owner (default: git user.name)")
    p.add_argument("--root", help="content root to create it in (default: the first configured root)")


def run(args: argparse.Namespace) -> int:
    """Scaffold a technology's folder; never overwrites a file."""
    workspace = workspace_of(args)
    root = args.root or workspace.settings.roots[0]
    try:
        checklist, _ = load_checklist(workspace.base_dir, workspace.settings.ethics_checklist)
        written = scaffold(workspace.base_dir / root, args.slug, args.id, args.title, args.level, args.owner,
                           checklist)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(f"created {path.relative_to(workspace.base_dir).as_posix()}")
    print(f"next: fill in the [[fill in ...]] placeholders, run 'mltrl check {root}/{args.slug}', and remove "
          "'draft: true' once it reports nothing")
    return EXIT_OK
