"""``mltrl export``: the portfolio as one JSON document, or the public technologies as a folder (``--bundle``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import Build
from ..diagnostics import printable
from ..errors import BundleError, BundleFindings, UsageError
from ..export import LAID_OUT_LEVELS
from ..report import dumps_json, format_text
from .common import EXIT_FINDINGS, EXIT_OK, workspace_of
from .terminal import terminal_progress


def register(command) -> None:
    """Add ``export`` to the parser through ``command(name, run, help)``."""
    p = command("export", run, "Write the portfolio, readiness and history as one JSON document, "
                "or the public technologies as a folder to publish (--bundle).")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--public", action="store_true", help="only technologies with 'visibility: public'")
    p.add_argument("--bundle", metavar="DIR", help="write the public technologies as a folder for an open-source "
                   "repository: their Markdown files, mltrl.json, the JSON Schemas, a README.md and a mkdocs.yml "
                   "(always public only)")
    p.add_argument("--force", action="store_true", help="with --bundle: write into a folder that is not empty, "
                   "replacing only the files an earlier bundle wrote there")


def run(args: argparse.Namespace) -> int:
    """Write the export document, or the public bundle."""
    if args.bundle:
        if args.out:
            raise UsageError("give either --out FILE (the JSON document) or --bundle DIR (the public folder)")
        return _export_bundle(args)
    if args.force:
        raise UsageError("--force only applies to --bundle DIR")
    with terminal_progress() as progress, Build.of(workspace_of(args), progress=progress) as build:
        history = build.history
        document = build.export(public_only=args.public)
    text = dumps_json(document, levels=LAID_OUT_LEVELS)
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
    from ..bundle import DEFAULT_NAME, write_bundle  # its pages and schemas are slow to import; only this needs them

    workspace = workspace_of(args)
    with Build.of(workspace) as build:
        history = build.history
    # The site name of a public configuration suits the bundle; an internal one may not be meant for the open.
    name = workspace.raw_config.get("site_name") if workspace.settings.public_only else None
    out = Path(args.bundle)
    try:
        result = write_bundle(build, out, force=args.force,
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
