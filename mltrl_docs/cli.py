"""The ``mltrl`` command: ``check``, ``new``, ``schema``, ``rules`` and more.

Exit status: 0 when nothing at error severity was found, 1 when something was,
2 when the tool could not do its job (usage, configuration, unreadable path or
an internal error). A crash never looks like a pass or a finding.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import MltrlError, UsageError
from .diagnostics import Severity, printable, sort_diagnostics
from .loader import load_portfolio_cached
from .report import FORMATS, format_github, format_json, format_text
from .workspace import Workspace, open_workspace

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _workspace(args: argparse.Namespace, start: Path | None = None) -> Workspace:
    return open_workspace(start, Path(args.config) if getattr(args, "config", None) else None)


def _resolve_targets(args: argparse.Namespace) -> tuple[Workspace, list[Path] | None]:
    """The workspace to check and, when paths narrow it, the paths."""
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if len(paths) == 1 and paths[0].is_dir() and not getattr(args, "config", None):
        folder = paths[0].resolve()
        if (folder / "mkdocs.yml").is_file() or any((folder / r).is_dir() for r in ("projects", "cards")):
            return _workspace(args, folder), None
    workspace = _workspace(args)
    base = workspace.base_dir.resolve()
    for path in paths:
        resolved = path.resolve()
        if resolved != base and base not in resolved.parents:
            raise UsageError(f"{path} is outside the content of {workspace.config_file or base}")
    return workspace, [p.resolve() for p in paths] or None


def _in_targets(diag_path: str, base: Path, targets: list[Path]) -> bool:
    # A finding's path is printable (see diagnostics.printable): compare the targets as it shows them.
    full = Path(printable(str((base / diag_path).resolve())))
    return any(full == t or t in full.parents for t in (Path(printable(str(t))) for t in targets))


def _error_text(text: str) -> str:
    """An error message for stderr: its lines printable, none of them a GitHub workflow command.

    Messages quote files (a YAML error shows the line it failed on); the runner reads a
    line that starts with ``::`` after white space as a command, so such a line gets a ``\\``.
    """
    return "\n".join(re.sub(r"^(\s*)::", r"\1\\::", printable(line)) for line in text.split("\n"))


def default_format() -> str:
    """``github`` on GitHub Actions, ``text`` elsewhere."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def cmd_check(args: argparse.Namespace) -> int:
    """Validate every document under the content roots (or the given paths)."""
    from .rules import check_portfolio

    if getattr(args, "base", None):
        from .pr import run_check_base

        return run_check_base(args)
    from .history import start_history

    workspace, targets = _resolve_targets(args)
    cache = workspace.cache
    started = start_history(workspace.base_dir, workspace.settings, cache=cache)  # git works while documents are read
    portfolio = load_portfolio_cached(workspace.base_dir, workspace.settings, cache)
    diagnostics = check_portfolio(portfolio) + _history_findings(portfolio, started)
    if targets is not None:
        diagnostics = [d for d in diagnostics if _in_targets(d.path, workspace.base_dir, targets)]
    diagnostics = sort_diagnostics(diagnostics)
    fmt = args.format or default_format()
    if fmt == "json":
        sys.stdout.write(format_json(diagnostics))
    elif fmt == "github":
        sys.stdout.write(format_github(diagnostics))
    else:
        sys.stdout.write(format_text(diagnostics))
    return EXIT_FINDINGS if any(d.severity == Severity.ERROR for d in diagnostics) else EXIT_OK


def _history_findings(portfolio, started=None) -> list:
    """Findings from the git history (skips, ungated graduations...); none outside a git repository."""
    from .history import load_history

    history = load_history(portfolio, started=started)
    return [d for d in history.diagnostics if d.code != "HIS007"]


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold a technology's folder."""
    from .scaffold import ScaffoldError, scaffold

    workspace = _workspace(args)
    root = args.root or workspace.settings.roots[0]
    try:
        written = scaffold(workspace.base_dir / root, args.slug, args.id, args.title, args.level, args.owner)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(f"created {path.relative_to(workspace.base_dir).as_posix()}")
    print(f"next: fill in the [[fill in ...]] placeholders, then run 'mltrl check {root}/{args.slug}'")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Write or print the JSON Schemas."""
    from .schema import all_schemas, write_schemas

    if args.out:
        for path in write_schemas(Path(args.out)):
            print(f"wrote {path}")
    else:
        sys.stdout.write(json.dumps({name: json.loads(text) for name, text in all_schemas().items()}, indent=2))
        sys.stdout.write("\n")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    """List every rule with its code, level, severity and explanation."""
    from .rules import all_rules

    workspace = _workspace(args)
    rules = all_rules(workspace.settings)
    if args.format == "json":
        rows = [{"code": r.code, "level": r.level, "severity": r.severity.value, "title": r.title} for r in rules]
        sys.stdout.write(json.dumps({"version": 1, "rules": rows}, indent=2) + "\n")
    else:
        for r in rules:
            level = "all" if r.level is None else f"L{r.level}+"
            print(f"{r.code:8} {level:4} {r.severity.value:8} {r.title}")
    return EXIT_OK


Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mltrl``."""
    parser = argparse.ArgumentParser(prog="mltrl", description="Machine Learning Technology Readiness Levels "
                                     "as docs-as-code: check cards, follow their history, build the site.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", "-f", metavar="FILE", help="mkdocs.yml to read (default: found upwards)")
        p.set_defaults(func=func)
        return p

    p = command("check", cmd_check, "Validate cards, requirements, ethics checklists and reviews.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to report on (default: all)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: github on GitHub Actions, else text)")
    p.add_argument("--base", metavar="REF", help="compare with a git ref (branch, tag, commit): report "
                   "level changes and fail only on findings new relative to it")
    p.add_argument("--strict", action="store_true", help="with --base: fail on all findings at error "
                   "severity, not only new ones")
    p.add_argument("--summary", metavar="FILE", help="with --base: also write the Markdown report here")

    p = command("new", cmd_new, "Create a technology folder from the templates.")
    p.add_argument("slug", help="folder name, e.g. solar-bo")
    p.add_argument("--id", required=True, help="project ID, e.g. P13.2")
    p.add_argument("--title", required=True, help="name of the technology")
    p.add_argument("--level", type=int, default=0, choices=range(10), metavar="N", help="starting level (0-9)")
    p.add_argument("--owner", help="research owner (default: git user.name)")
    p.add_argument("--root", help="content root to create it in (default: the first configured root)")

    p = command("schema", cmd_schema, "Print or write the JSON Schemas of the documents.")
    p.add_argument("--out", metavar="DIR", help="write one <kind>.schema.json per document kind")

    p = command("rules", cmd_rules, "List the rules with their codes.")
    p.add_argument("--format", choices=("text", "json"), default="text")

    for register in _extensions():
        register(command)
    return parser


def _extensions() -> list[Callable]:
    """Subcommands defined in other modules (history, export, demo)."""
    found = []
    for module_name in ("mltrl_docs.history.cli",):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        found.append(module.register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mltrl`` with ``argv``; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return EXIT_ERROR if exc.code not in (0, None) else EXIT_OK
    try:
        return args.func(args)
    except MltrlError as exc:
        print(f"mltrl: error: {_error_text(str(exc))}", file=sys.stderr)
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
