"""``mltrl demo``: a sample content repository with a backdated git history."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..demo import write_demo
from ..errors import DemoError, UsageError
from .common import EXIT_OK
from .terminal import terminal_progress


def register(command) -> None:
    """Add ``demo`` to the parser through ``command(name, run, help)``."""
    p = command("demo", run, "Write a sample content repository with a backdated git history.")
    p.add_argument("dir", metavar="DIR", help="folder to create (must be missing or empty)")
    p.add_argument("--projects", type=int, default=24, metavar="N", help="number of technologies (default 24)")
    p.add_argument("--years", type=int, default=3, metavar="Y", help="years of history (default 3)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")


def run(args: argparse.Namespace) -> int:
    """Write a demo repository."""
    if args.projects < 1 or args.years < 1:
        raise UsageError("--projects and --years must be at least 1")
    try:
        with terminal_progress() as progress:
            result = write_demo(Path(args.dir), projects=args.projects, years=args.years, seed=args.seed,
                                progress=progress)
    except DemoError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {result.path}: {result.projects} technologies, {result.commits} commits "
          f"(HEAD {result.head[:10]})")
    if result.skips:
        shown = ", ".join(s for s, _, _ in result.skips[:5]) + (", ..." if len(result.skips) > 5 else "")
        print(f"{len(result.skips)} deliberate level skip(s), reported as HIS001 (listed in README.md): {shown}")
    print(f"next: cd {result.path} && mltrl check && mltrl history {next(iter(_slugs(result)), 'SLUG')}")
    return EXIT_OK


def _slugs(result) -> list[str]:
    folder = result.path / "projects"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
