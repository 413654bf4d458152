"""``mltrl check``: every finding, or with ``--base REF`` what a change does to each technology's maturity."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..build import Build
from ..diagnostics import Severity
from ..errors import GitError, UsageError
from ..report import FORMATS
from .common import EXIT_FINDINGS, EXIT_OK, default_format, write_findings
from .targets import resolve_targets
from .terminal import terminal_progress


def register(command) -> None:
    """Add ``check`` to the parser through ``command(name, run, help)``."""
    p = command("check", run, "Validate cards, requirements, ethics checklists and reviews.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to report on (default: all)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: github on GitHub Actions, else text)")
    p.add_argument("--base", metavar="REF", help="compare with a git ref (branch, tag, commit): report "
                   "level changes and fail only on findings new relative to it")
    p.add_argument("--strict", action="store_true", help="with --base: fail on all findings at error "
                   "severity, not only new ones")
    p.add_argument("--summary", metavar="FILE", help="with --base: also write the Markdown report here")


def run(args: argparse.Namespace) -> int:
    """Validate every document under the content roots (or the given paths)."""
    if args.base:
        return _against_base(args)
    if args.strict or args.summary:
        raise UsageError(f"{'--strict' if args.strict else '--summary'} only applies with --base REF "
                         "(without it, every error finding already fails the check)")
    targets = resolve_targets(args)
    with terminal_progress() as progress, Build.of(targets.workspace, progress=progress) as build:
        diagnostics = [d for d in build.findings if targets.keeps(d.path)]  # git works while documents are read
    write_findings(diagnostics, args.format or default_format())
    return EXIT_FINDINGS if any(d.severity == Severity.ERROR for d in diagnostics) else EXIT_OK


def _against_base(args: argparse.Namespace) -> int:
    """``mltrl check --base REF [PATH...] [--strict] [--summary FILE] [--format ...]``."""
    # The comparison is slow to import and no other check needs it.
    from ..change.delta import compare_with_ref
    from ..change.reports import (
        format_report_github,
        format_report_json,
        format_report_text,
        write_comment_summary,
        write_step_summary,
    )

    targets = resolve_targets(args)
    in_scope = None if targets.paths is None else targets.keeps
    try:
        with Build.of(targets.workspace) as build:
            comparison = compare_with_ref(build, args.base, in_scope)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    strict = bool(args.strict)
    fmt = args.format or default_format()
    if fmt == "json":
        sys.stdout.write(format_report_json(comparison, strict))
    elif fmt == "github":
        sys.stdout.write(format_report_github(comparison, strict))
    else:
        sys.stdout.write(format_report_text(comparison, strict))
    if args.summary:
        try:
            write_comment_summary(comparison, strict, Path(args.summary))
        except OSError as exc:
            raise UsageError(f"cannot write the summary to {args.summary}: {exc.strerror or exc}") from None
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            write_step_summary(comparison, strict, Path(step_summary))
        except OSError as exc:
            print(f"mltrl: warning: cannot write the step summary: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_FINDINGS if comparison.failed(strict) else EXIT_OK
