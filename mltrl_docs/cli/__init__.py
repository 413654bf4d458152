"""The ``mltrl`` command: one module per subcommand, each a ``register`` and a ``run``.

Exit status: 0 when nothing at error severity was found, 1 when something was,
2 when the tool could not do its job (usage, configuration, unreadable path or
an internal error). A crash never looks like a pass or a finding.

A command asks a :class:`~mltrl_docs.build.Build` for what it reports and only
formats the answer; adding one means a module here with ``register(command)``
and ``run(args)``, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import MltrlError
from . import check, demo, export, history, imports, init, new, prepare, review, rules, schema
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error_text

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

COMMANDS = (init, check, new, imports, review, schema, rules, history, export, prepare, demo)
"""The subcommands, in the order ``mltrl --help`` lists them."""

Run = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mltrl``."""
    parser = argparse.ArgumentParser(prog="mltrl", description="Machine Learning Technology Readiness Levels "
                                     "as docs-as-code: check cards, follow their history, build the site.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, run: Run, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", "-f", metavar="FILE", help="mkdocs.yml to read (default: found upwards)")
        p.set_defaults(run=run)
        return p

    for module in COMMANDS:
        module.register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mltrl`` with ``argv``; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return EXIT_ERROR if exc.code not in (0, None) else EXIT_OK
    try:
        return args.run(args)
    except MltrlError as exc:
        print(f"mltrl: error: {error_text(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("mltrl: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the last line of defence: never look like a pass
        print("mltrl: internal error; nothing was checked. Please report this with the trace below.",
              file=sys.stderr)
        traceback.print_exc()
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
