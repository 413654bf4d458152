"""``mltrl rules``: every rule with its code, level, severity and explanation."""

from __future__ import annotations

import argparse
import json
import sys

from ..rules import all_rules
from .common import EXIT_OK, workspace_of


def register(command) -> None:
    """Add ``rules`` to the parser through ``command(name, run, help)``."""
    p = command("rules", run, "List the rules with their codes.")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    """List the rules as the configuration sets them (severities, levels, the organisation's own)."""
    rules = all_rules(workspace_of(args).settings)
    if args.format == "json":
        rows = [{"code": r.code, "level": r.level, "severity": r.severity.value, "title": r.title} for r in rules]
        sys.stdout.write(json.dumps({"version": 1, "rules": rows}, indent=2) + "\n")
    else:
        for r in rules:
            level = "all" if r.level is None else f"L{r.level}+"
            print(f"{r.code:8} {level:4} {r.severity.value:8} {r.title}")
    return EXIT_OK
