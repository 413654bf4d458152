"""The ``mltrl`` command: one module per subcommand, each a ``register`` and a ``run``.

Exit status: 0 when nothing at error severity was found, 1 when something was,
2 when the tool could not do its job (usage, configuration, unreadable path or
an internal error). A crash never looks like a pass or a finding.

A command asks a :class:`~mltrl_docs.build.Build` for what it reports and only
formats the answer; adding one means a module here with ``register(command)``
and ``run(args)``, listed in :data:`COMMANDS`.

Only the module of the command being run is imported (the others bring in what
they alone need, such as the comparison with a ref or the bundle, and importing
costs start-up time on every run); ``mltrl --help`` and a mistyped command
import them all.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__, collector
from ..errors import MltrlError
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error_text

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

COMMANDS = {"init": "init", "check": "check", "new": "new", "import": "imports", "review": "review",
            "schema": "schema", "rules": "rules", "history": "history", "export": "export", "prepare": "prepare",
            "demo": "demo"}
"""The subcommands, by name, and the module of each (in this package), in the order ``mltrl --help`` lists them."""

Run = Callable[[argparse.Namespace], int]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``mltrl``; with ``only`` (a command's name), of that command alone."""
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

    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{module}").register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mltrl`` with ``argv`` (default: the process's arguments); return the exit status.

    A command makes many small objects that live until it ends (documents, positions, events) and
    few reference cycles, so Python's garbage collector, which would scan them again and again for
    nothing, is paused while it runs, as in a site build. Without ``argv`` the process is the
    command and ends next: its objects are then frozen, so that the collection at exit skips them.
    """
    with collector.paused():
        try:
            return _run(argv)
        finally:
            if argv is None:
                gc.freeze()  # before the collector resumes, which then leaves what is frozen as it is


def _run(argv: Sequence[str] | None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    try:
        args = parser.parse_args(given)
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
