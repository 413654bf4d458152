"""``mltrl schema``: the JSON Schemas of the documents, generated from the models."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..ethics import load_checklist
from ..schema import all_schemas, write_schemas
from .common import EXIT_OK, workspace_of


def register(command) -> None:
    """Add ``schema`` to the parser through ``command(name, run, help)``."""
    p = command("schema", run, "Print or write the JSON Schemas of the documents.")
    p.add_argument("--out", metavar="DIR", help="write one <kind>.schema.json per document kind")


def run(args: argparse.Namespace) -> int:
    """Write the schemas into ``--out``, or print them all as one JSON object."""
    workspace = workspace_of(args)
    checklist, _ = load_checklist(workspace.base_dir, workspace.settings.ethics_checklist)
    if args.out:
        for path in write_schemas(Path(args.out), checklist):
            print(f"wrote {path}")
    else:
        sys.stdout.write(json.dumps({name: json.loads(text) for name, text in all_schemas(checklist).items()},
                                    indent=2))
        sys.stdout.write("\n")
    return EXIT_OK
