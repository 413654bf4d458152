"""The ``history``, ``export`` and ``demo`` subcommands of ``mltrl``."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from ..cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError, _workspace
from ..diagnostics import printable
from ..loader import load_portfolio_cached
from ..models import LEVEL_NAMES
from ..report import dumps_json, format_finding
from .model import PortfolioHistory, TechnologyHistory

HISTORY_VERSION = 1
"""Version of the ``mltrl history --format json`` document."""


def register(command) -> None:
    """Add the subcommands to ``mltrl``'s parser through ``command(name, func, help)``."""
    p = command("history", cmd_history, "Show a technology's maturity history, derived from git.")
    p.add_argument("slug", help="folder name of the technology, e.g. solar-bo")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = command("export", cmd_export, "Write the portfolio, readiness and history as one JSON document, "
                "or the public technologies as a folder to publish (--bundle).")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--public", action="store_true", help="only technologies with 'visibility: public'")
    p.add_argument("--bundle", metavar="DIR", help="write the public technologies as a folder for an open-source "
                   "repository: their Markdown files, mltrl.json, the JSON Schemas, a README.md and a mkdocs.yml "
                   "(always public only)")
    p.add_argument("--force", action="store_true", help="with --bundle: write into a folder that is not empty, "
                   "replacing only the files an earlier bundle wrote there")

    p = command("demo", cmd_demo, "Write a sample content repository with a backdated git history.")
    p.add_argument("dir", metavar="DIR", help="folder to create (must be missing or empty)")
    p.add_argument("--projects", type=int, default=24, metavar="N", help="number of technologies (default 24)")
    p.add_argument("--years", type=int, default=3, metavar="Y", help="years of history (default 3)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")


def _load(args: argparse.Namespace):
    from . import load_history, start_history

    workspace = _workspace(args)
    cache = workspace.cache
    started = start_history(workspace.base_dir, workspace.settings, cache=cache)  # git works while documents are read
    portfolio = load_portfolio_cached(workspace.base_dir, workspace.settings, cache)
    return portfolio, load_history(portfolio, started=started)


def history_document(slug: str, tech_history: TechnologyHistory, history: PortfolioHistory) -> dict:
    """The JSON document of ``mltrl history --format json``."""
    body = tech_history.to_dict(history.now)
    return {"version": HISTORY_VERSION, "project": slug, "events": body["events"],
            "time_in_level": body["time_in_level"], "prior_cards": body["prior_cards"],
            "findings": [d.to_dict() for d in history.diagnostics if d.project == slug]}


def cmd_history(args: argparse.Namespace) -> int:
    """Print one technology's events and time per level."""
    portfolio, history = _load(args)
    if args.slug not in portfolio.technologies:
        close = difflib.get_close_matches(args.slug, list(portfolio.technologies), n=1)
        raise UsageError(f"no technology '{args.slug}'" + (f"; did you mean '{close[0]}'?" if close else ""))
    if not history.available:
        print(f"mltrl: history is unavailable: {printable(history.reason)}", file=sys.stderr)
        return EXIT_ERROR
    tech_history = history.projects[args.slug]
    if args.format == "json":
        sys.stdout.write(dumps_json(history_document(args.slug, tech_history, history)))
        return EXIT_OK
    sys.stdout.write(format_history_text(tech_history, history))
    return EXIT_OK


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


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export document, or the public bundle."""
    from .export import export_document

    if args.bundle:
        if args.out:
            raise UsageError("give either --out FILE (the JSON document) or --bundle DIR (the public folder)")
        return _export_bundle(args)
    if args.force:
        raise UsageError("--force only applies to --bundle DIR")
    portfolio, history = _load(args)
    document = export_document(portfolio, history, public_only=args.public)
    text = dumps_json(document)
    if args.out:
        out = Path(args.out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out} ({len(document['technologies'])} technologies)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if not history.available:
        print(f"mltrl: note: {printable(history.reason)}", file=sys.stderr)
    return EXIT_OK


def _export_bundle(args: argparse.Namespace) -> int:
    """Write the public bundle; refuse it while a public technology has an error finding."""
    from ..bundle import DEFAULT_NAME, BundleError, BundleFindings, write_bundle
    from ..report import format_text
    from ..rules import check_portfolio

    portfolio, history = _load(args)
    workspace = _workspace(args)
    # The site name of a public configuration suits the bundle; an internal one may not be meant for the open.
    name = workspace.raw_config.get("site_name") if workspace.settings.public_only else None
    diagnostics = check_portfolio(portfolio) + [d for d in history.diagnostics if d.code != "HIS007"]
    out = Path(args.bundle)
    try:
        result = write_bundle(portfolio, history, diagnostics, out, force=args.force,
                              name=name if isinstance(name, str) and name.strip() else DEFAULT_NAME)
    except BundleFindings as exc:
        sys.stdout.write(format_text(exc.findings))
        print("mltrl: the bundle was not written: fix the errors of the public technologies above", file=sys.stderr)
        return EXIT_FINDINGS
    except BundleError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write the bundle into {out}: {exc.strerror or exc}") from None
    removed = f", removed {len(result.removed)} file(s) of the earlier bundle" if result.removed else ""
    print(f"wrote {out}: {len(result.technologies)} public technologies, {len(result.files)} files{removed}",
          file=sys.stderr)
    if not history.available:
        print(f"mltrl: note: {printable(history.reason)}", file=sys.stderr)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Write a demo repository."""
    from .demo import write_demo

    if args.projects < 1 or args.years < 1:
        raise UsageError("--projects and --years must be at least 1")
    try:
        result = write_demo(Path(args.dir), projects=args.projects, years=args.years, seed=args.seed)
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
