"""What every ``mltrl`` command shares: exit statuses, opening the workspace, the output format, error text."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from ..diagnostics import Diagnostic, printable
from ..report import format_github, format_json, format_text
from ..workspace import Workspace, open_workspace
from .terminal import use_colour

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
"""No error finding; error findings; the tool could not do its job (usage, configuration, internal error)."""


def workspace_of(args: argparse.Namespace, start: Path | None = None) -> Workspace:
    """The workspace a command works on: ``--config FILE``, else the ``mkdocs.yml`` found upwards from ``start``."""
    return open_workspace(start, Path(args.config) if getattr(args, "config", None) else None)


def default_format() -> str:
    """``github`` on GitHub Actions, ``text`` elsewhere."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def write_findings(diagnostics: list[Diagnostic], fmt: str) -> None:
    """Print findings to standard output in ``fmt`` (``text``, ``json`` or ``github``).

    Only text is ever coloured (see :func:`~mltrl_docs.cli.terminal.use_colour`): JSON and
    workflow commands are read by programs.
    """
    if fmt == "json":
        sys.stdout.write(format_json(diagnostics))
    elif fmt == "github":
        sys.stdout.write(format_github(diagnostics))
    else:
        sys.stdout.write(format_text(diagnostics, colour=use_colour(sys.stdout)))


def error_text(text: str) -> str:
    """An error message for stderr: its lines printable, none of them a GitHub workflow command.

    Messages quote files (a YAML error shows the line it failed on); the runner reads a
    line that starts with ``::`` after white space as a command, so such a line gets a ``\\``.
    """
    return "\n".join(re.sub(r"^(\s*)::", r"\1\\::", printable(line)) for line in text.split("\n"))
