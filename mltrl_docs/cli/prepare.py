"""``mltrl prepare``: write the generated pages into the docs folder, for a site engine that runs no plugin."""

from __future__ import annotations

import argparse
import os
import sys

from ..diagnostics import Severity, printable
from ..errors import PrepareFindings
from ..prepare import prepare_site
from ..report import FORMATS, summary_line
from .common import EXIT_FINDINGS, EXIT_OK, default_format, workspace_of, write_findings
from .terminal import terminal_progress


def register(command) -> None:
    """Add ``prepare`` to the parser through ``command(name, run, help)``."""
    p = command("prepare", run, "Write the portfolio, technology, levels, analytics and reference pages into "
                "the docs folder (the prepare_dir option), for 'zensical build' or any engine without plugins.")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format of the findings (default: github on GitHub Actions, else text)")


def run(args: argparse.Namespace) -> int:
    """Check the content, then replace the prepared folder; on error findings, print them and write nothing."""
    workspace = workspace_of(args)
    fmt = args.format or default_format()
    try:
        with terminal_progress() as progress:
            prepared = prepare_site(workspace, progress=progress)
    except PrepareFindings as exc:
        write_findings(exc.findings, fmt)
        print("mltrl: nothing was prepared: fix the errors above (mltrl check shows the same list)", file=sys.stderr)
        return EXIT_FINDINGS
    if any(d.severity != Severity.INFO for d in prepared.findings) or fmt != "text":
        write_findings(prepared.findings, fmt)
    shown = os.path.relpath(prepared.folder, workspace.base_dir)
    print(printable(f"prepared {shown}: {len(prepared.pages)} pages, {len(prepared.files)} other files. "
                    f"{summary_line(prepared.findings)}"), file=sys.stderr)
    return EXIT_OK
