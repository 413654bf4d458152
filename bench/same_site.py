"""Proof that a refactoring changed no output: the same sites built with the code at a git revision and in the working tree.

Both sides build the same content, with the same environment, into separate
folders; the only difference between them is the ``mltrl_docs`` package they
import. Every output file is then compared byte for byte:

1. this repository's internal site (``mkdocs build`` with its ``mkdocs.yml``);
2. this repository's public site (``mkdocs build -f mkdocs.public.yml``);
3. the ``mltrl export`` JSON of this repository;
4. the internal site of a demo repository (``mltrl demo``, 300 technologies by
   default), generated once with the working-tree code; the demo skips levels
   and lets reviews go stale on purpose, so its configuration turns HIS001 into
   a warning and it is built without ``--strict``;
5. the public site of the demo (a ``mkdocs.public.yml`` written next to it,
   ``public_only: true``);
6. the ``mltrl export`` JSON of the demo.

The export JSON is compared as data, ignoring only its top-level ``generated``
field (the time it was written). ``mltrl export`` reads the clock rather than
``SOURCE_DATE_EPOCH``, and its days in the current level count up to that time,
so it is run with ``datetime.datetime.now`` pinned to ``SOURCE_DATE_EPOCH``
(the site builds need no such help: the plugin honours the variable).

How the sides are kept apart and alike:

- "the code at REV" is a temporary ``git worktree`` of this repository, put
  first on ``PYTHONPATH``; the working-tree side puts the ``--tree`` folder
  (this repository by default) there. Before anything is built, each side checks
  with the same folder and environment that ``import mltrl_docs`` resolves to the
  intended folder, and the script stops (exit status 2) if not.
- ``python -m mkdocs`` puts the current folder first on ``sys.path``, so a site is
  never built inside a full copy of this repository (its own ``mltrl_docs/`` would
  win over ``PYTHONPATH``). The content is a clone of the tree's repository (for
  its history) with ``mltrl_docs/``, ``tests/``, ``bench/`` and ``scripts/``
  deleted from its work tree, and the configuration, ``docs/``, ``overrides/``,
  ``projects/`` and ``cards/`` copied from the tree, uncommitted changes
  included. It is prepared once and copied, ``.git`` and all, for each side, as is
  the demo, so that one side's build cannot touch what the other builds.
- ``SOURCE_DATE_EPOCH`` and ``NO_MKDOCS_2_WARNING`` are fixed, and every build
  and export gets a fresh ``XDG_CACHE_HOME`` (where the project keeps its caches),
  so no cache carries over between the sides or between the builds.

It prints one line per comparison, followed for a difference by the differing
or missing files (at most 20) and a short unified diff of the first differing
text file. Exit status: 0 when everything is identical, 1 when anything differs
(or succeeds on one side only), 2 when it cannot run.

    .venv/bin/python bench/same_site.py [--rev REV] [--tree PATH] [--projects 300] [--keep]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parent.parent
SOURCE_DATE_EPOCH = "1764547200"  # 2025-12-01T00:00:00Z
# What the sites of this repository are built from; everything else tracked stays as the clone has it.
CONTENT = ("mkdocs.yml", "mkdocs.public.yml", "docs", "overrides", "projects", "cards")
# Deleted from the clone's work tree: the code, so the one on PYTHONPATH is imported, and what no site reads.
NOT_CONTENT = ("mltrl_docs", "tests", "bench", "scripts")
HIS001_AS_WARNING = {"HIS001": {"severity": "warning"}}  # the demo skips levels on purpose
MAX_FILES = 20
MAX_DIFF_LINES = 30
MAX_LINE = 200
DIFF_WINDOW = 400  # lines from the first difference that short_diff compares
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
LOCK_RETRIES = 30
# ``python -m mltrl_docs ARGS`` with ``datetime.datetime.now`` answering SOURCE_DATE_EPOCH. The CLI's export
# reads the clock (the plugin takes SOURCE_DATE_EPOCH, the CLI does not), and not only for its top-level
# "generated" field: the days in the current level count up to that moment, so two exports made a minute
# apart differ. The same shim runs on both sides; the import check runs with the same ``-c`` sys.path.
PINNED_CLOCK = """\
import datetime, os, runpy, sys
pinned = datetime.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), datetime.timezone.utc)
class PinnedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return pinned.astimezone(tz) if tz is not None else pinned.astimezone().replace(tzinfo=None)
datetime.datetime = PinnedDatetime
sys.argv[0] = "mltrl"
runpy.run_module("mltrl_docs", run_name="__main__", alter_sys=True)
"""


class CannotRun(Exception):
    """The comparison cannot be made at all (exit status 2)."""


@dataclass
class Side:
    """One of the two builds: which code it imports and the folder its work goes in."""

    name: str  # how the reports call it: the revision as given (e.g. "HEAD") or "tree"
    code: Path  # the folder holding the mltrl_docs package this side must import
    folder: Path  # this side's copies of the content, caches and outputs
    runs: int = field(default=0)

    def env(self) -> dict[str, str]:
        """The environment of every command of this side, with a cache folder no other command used.

        The caller's ``PYTHON*`` variables are dropped so that nothing but ``PYTHONPATH`` decides the import.
        """
        self.runs += 1
        cache = self.folder / "cache" / str(self.runs)
        cache.mkdir(parents=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        env.update(PYTHONPATH=str(self.code), SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
                   NO_MKDOCS_2_WARNING="1", XDG_CACHE_HOME=str(cache))
        return env

    def run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run the venv's Python with ``args`` in ``cwd`` with this side's code and a fresh cache."""
        return subprocess.run([sys.executable, *args], cwd=cwd, env=self.env(),
                              capture_output=True, text=True, check=False)

    def check_import(self, cwd: Path) -> str:
        """Where ``import mltrl_docs`` resolves to in ``cwd``; raises :class:`CannotRun` when not under ``code``."""
        result = self.run(["-c", "import mltrl_docs, sys; print(mltrl_docs.__file__)"], cwd)
        found = result.stdout.strip()
        if result.returncode != 0 or not found:
            raise CannotRun(f"{self.name}: cannot import mltrl_docs in {cwd}:\n{tail(result.stderr)}")
        if not Path(found).resolve().is_relative_to(self.code.resolve()):
            raise CannotRun(f"{self.name}: mltrl_docs in {cwd} resolves to {found}, not under {self.code}")
        return found


@dataclass
class Outcome:
    """What one comparison found: ``same``, ``different`` or ``error`` (could not build on either side)."""

    status: str
    line: str
    details: list[str] = field(default_factory=list)


def tail(text: str, lines: int = 12) -> str:
    """The last ``lines`` lines of a command's output, indented for a report."""
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in kept) or "    (no output)"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its standard output; waits and retries while another git holds a lock."""
    for attempt in range(LOCK_RETRIES):
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout
        if ".lock" not in result.stderr or attempt == LOCK_RETRIES - 1:
            raise CannotRun(f"git {' '.join(args)} failed in {repo}:\n{tail(result.stderr)}")
        time.sleep(1)
    raise AssertionError("unreachable")


def copy_folder(source: Path, target: Path) -> None:
    """Copy a folder as it is (symbolic links kept as links, .git included)."""
    shutil.copytree(source, target, symlinks=True)


def prepare_repository_content(tree: Path, target: Path) -> None:
    """This repository's content with its history and without its code, for the sites and the export.

    A clone of the tree's repository, its branch reset to the tree's HEAD and its remote dropped
    (as in the repository itself), the folders in :data:`NOT_CONTENT` deleted from its work tree and
    :data:`CONTENT` replaced by the tree's files, uncommitted changes included. Nothing is committed:
    the deletions and changes show as uncommitted, the same for both sides.
    """
    git(tree, "clone", "--quiet", "--no-checkout", str(tree), str(target))
    git(target, "fetch", "--quiet", str(tree), "HEAD")
    git(target, "reset", "--quiet", "--hard", "FETCH_HEAD")
    if "origin" in git(target, "remote").split():
        git(target, "remote", "remove", "origin")
    for name in NOT_CONTENT + CONTENT:
        path = target / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for name in CONTENT:
        source = tree / name
        if source.is_dir() and not source.is_symlink():
            copy_folder(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name, follow_symlinks=False)
    if not (target / "mkdocs.yml").is_file():
        raise CannotRun(f"{tree} has no mkdocs.yml")


def with_rules(plugins: list, extra: dict) -> list:
    """The plugins list of a configuration with ``extra`` options merged into the mltrl entry."""
    merged, found = [], False
    for entry in plugins:
        if entry == "mltrl":
            entry, found = {"mltrl": dict(extra)}, True
        elif isinstance(entry, dict) and "mltrl" in entry:
            options = dict(entry["mltrl"] or {})
            rules = dict(options.get("rules") or {})
            rules.update(extra.get("rules", {}))
            options.update({key: value for key, value in extra.items() if key != "rules"}, rules=rules)
            entry, found = {"mltrl": options}, True
        merged.append(entry)
    if not found:
        raise CannotRun(f"no mltrl plugin in the demo's plugins: {plugins!r}")
    return merged


def prepare_demo(tree_side: Side, work: Path, projects: int, years: int, seed: int) -> tuple[Path, int]:
    """Generate the demo with the working-tree code and write its two configurations; returns it and its public cards.

    ``mkdocs.yml`` gets ``rules: {HIS001: {severity: warning}}`` under the mltrl plugin (read and
    written with PyYAML, which keeps it valid whether the entry is a bare name or has options);
    ``mkdocs.public.yml`` inherits it, links to no repository and publishes the public cards only.
    """
    demo = work / "demo"
    result = tree_side.run(["-m", "mltrl_docs", "demo", str(demo), "--projects", str(projects),
                            "--years", str(years), "--seed", str(seed)], cwd=work)
    if result.returncode != 0:
        raise CannotRun(f"mltrl demo failed:\n{tail(result.stderr or result.stdout)}")
    config_path = demo / "mkdocs.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["plugins"] = with_rules(config.get("plugins") or [], {"rules": HIS001_AS_WARNING})
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    public = {
        "INHERIT": "mkdocs.yml",
        "repo_url": None,
        "edit_uri": None,
        "plugins": ["search", {"mltrl": {"rules": HIS001_AS_WARNING, "public_only": True}}],
    }
    (demo / "mkdocs.public.yml").write_text(
        "# The public site of the demo: its technologies marked 'visibility: public', and no repository link.\n"
        + yaml.safe_dump(public, sort_keys=False), encoding="utf-8")
    public_cards = sum(1 for card in demo.glob("projects/*/card.md")
                       if any(line.strip() == "visibility: public"
                              for line in card.read_text(encoding="utf-8").splitlines()))
    return demo, public_cards


def files_of(folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` by its relative POSIX path."""
    return {path.relative_to(folder).as_posix(): path
            for path in sorted(folder.rglob("*")) if path.is_file() or path.is_symlink()}


def text_lines(path: Path) -> list[str] | None:
    """The lines of a text file for a diff (JSON pretty-printed, long lines cut); ``None`` for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if path.suffix == ".json":
        try:
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    return [line if len(line) <= MAX_LINE else line[:MAX_LINE] + " [...]" for line in text.splitlines()]


def short_diff(old: list[str], new: list[str], old_name: str, new_name: str) -> list[str]:
    """A unified diff of at most :data:`MAX_DIFF_LINES` lines around the first difference, indented.

    Only a window of :data:`DIFF_WINDOW` lines from the first differing line is diffed (difflib is
    slow on large files with many changes, such as a pretty-printed ``mltrl.json``); the hunk
    headers give the line numbers in the whole files.
    """
    start = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    start = max(start - 2, 0)
    window_old, window_new = old[start:start + DIFF_WINDOW], new[start:start + DIFF_WINDOW]
    lines = []
    for line in difflib.unified_diff(window_old, window_new, old_name, new_name, n=2, lineterm=""):
        hunk = HUNK.match(line)
        if hunk:
            a, b, c, d = (int(group) if group else None for group in hunk.groups())
            line = f"@@ -{a + start}{f',{b}' if b is not None else ''} +{c + start}" \
                   f"{f',{d}' if d is not None else ''} @@"
        lines.append(line)
    shown = [f"    {line}" for line in lines[:MAX_DIFF_LINES]]
    if len(lines) > MAX_DIFF_LINES:
        shown.append(f"    ... ({len(lines) - MAX_DIFF_LINES} more diff lines)")
    elif max(len(old), len(new)) > start + DIFF_WINDOW:
        shown.append(f"    ... (only {DIFF_WINDOW} lines from the first difference were compared)")
    return shown


def compare_folders(label: str, old_dir: Path, new_dir: Path, old: Side, new: Side) -> Outcome:
    """Compare two built sites file by file, byte for byte."""
    old_files, new_files = files_of(old_dir), files_of(new_dir)
    problems: list[str] = []
    first_text: tuple[str, list[str], list[str]] | None = None
    for name in sorted(old_files.keys() | new_files.keys()):
        if name not in new_files:
            problems.append(f"  only with {old.name}: {name}")
        elif name not in old_files:
            problems.append(f"  only with {new.name}: {name}")
        elif old_files[name].read_bytes() != new_files[name].read_bytes():
            problems.append(f"  differs: {name}")
            if first_text is None:
                old_lines, new_lines = text_lines(old_files[name]), text_lines(new_files[name])
                if old_lines is not None and new_lines is not None:
                    first_text = (name, old_lines, new_lines)
    count = len(new_files)
    if not problems:
        return Outcome("same", f"same: {label} ({count} files)")
    details = problems[:MAX_FILES]
    if len(problems) > MAX_FILES:
        details.append(f"  ... and {len(problems) - MAX_FILES} more")
    if first_text is not None:
        name, old_lines, new_lines = first_text
        details.append(f"  first differing text file, {name}:")
        details += short_diff(old_lines, new_lines, f"{old.name}/{name}", f"{new.name}/{name}")
    return Outcome("different", f"DIFFERENT: {label} ({len(problems)} of {len(old_files | new_files)} files "
                                f"differ or are missing)", details)


def compare_exports(label: str, old_file: Path, new_file: Path, old: Side, new: Side) -> Outcome:
    """Compare two export documents as JSON, without their top-level ``generated`` field."""
    documents = []
    for path in (old_file, new_file):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            return Outcome("different", f"DIFFERENT: {label} ({path.name} is not JSON: {error})")
        if isinstance(document, dict):
            document.pop("generated", None)
        documents.append(document)
    if documents[0] == documents[1]:
        return Outcome("same", f"same: {label} ({new_file.stat().st_size} bytes)")
    old_lines, new_lines = (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
                            for document in documents)
    return Outcome("different", f"DIFFERENT: {label} (the documents differ, 'generated' aside)",
                   short_diff(old_lines, new_lines, f"{old.name}/export.json", f"{new.name}/export.json"))


def build_both(label: str, args_for, content: str, output: str, compare, old: Side, new: Side) -> Outcome:
    """Run one command on both sides (``args_for(out)`` in each side's copy ``content``) and compare the outputs."""
    results = {}
    for side in (old, new):
        out = side.folder / "out" / output
        out.parent.mkdir(parents=True, exist_ok=True)
        results[side.name] = (side.run(args_for(out), side.folder / content), out)
    failed = [name for name, (result, _) in results.items() if result.returncode != 0]
    if failed:
        details = []
        for name in failed:
            result = results[name][0]
            details.append(f"  failed with {name} (exit {result.returncode}):")
            details.append(tail(result.stderr or result.stdout))
        if len(failed) == 2:
            return Outcome("error", f"ERROR: {label} fails on both sides, nothing to compare", details)
        return Outcome("different", f"DIFFERENT: {label} succeeds on one side only", details)
    return compare(label, results[old.name][1], results[new.name][1], old, new)


def site_build(config: str | None):
    """The arguments of ``mkdocs build`` into a given folder, with ``config`` or the default mkdocs.yml."""
    def args_for(out: Path) -> list[str]:
        return ["-m", "mkdocs", "build", "-q", *(["-f", config] if config else []), "-d", str(out)]
    return args_for


def export_run(out: Path) -> list[str]:
    """The arguments of ``mltrl export`` into a given file, run with the clock at ``SOURCE_DATE_EPOCH``."""
    return ["-c", PINNED_CLOCK, "export", "--out", str(out)]


def compare_all(args: argparse.Namespace, work: Path) -> list[Outcome]:
    """Set both sides up, verify their imports, and run every comparison, printing each result as it comes."""
    tree = args.tree.resolve()
    if not (tree / "mltrl_docs" / "__init__.py").is_file():
        raise CannotRun(f"{tree} holds no mltrl_docs package")
    try:
        sha = git(REPOSITORY, "rev-parse", "--verify", "--quiet", f"{args.rev}^{{commit}}").strip()
    except CannotRun:
        raise CannotRun(f"{args.rev!r} names no commit of {REPOSITORY}") from None
    changes = git(tree, "status", "--porcelain", "--", "mltrl_docs").splitlines()
    print(f"comparing the code at {args.rev} ({sha[:10]}) with {tree} "
          f"({len(changes)} uncommitted change(s) in mltrl_docs/)", flush=True)

    code_old = work / "code-old"
    git(REPOSITORY, "worktree", "add", "--quiet", "--detach", str(code_old), sha)
    old = Side(f"{args.rev}", code_old, work / "old")
    new = Side("tree", tree, work / "new")  # named so in the reports: "only with tree: ..."

    started = time.perf_counter()
    shared = work / "shared"
    shared.mkdir()
    prepare_repository_content(tree, shared / "repo")
    demo, public_cards = prepare_demo(new, shared, args.projects, args.years, args.seed)
    print(f"prepared the content and a demo of {args.projects} technologies ({public_cards} public) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    for side in (old, new):
        found = set()
        for name in ("repo", "demo"):
            copy_folder(shared / name, side.folder / name)
            found.add(side.check_import(side.folder / name))
        print(f"{side.name} side imports {', '.join(sorted(found))}", flush=True)

    demo_name = f"the demo ({args.projects} technologies"
    comparisons = [
        ("internal site of this repository", site_build(None), "repo", "repo-internal", compare_folders),
        ("public site of this repository", site_build("mkdocs.public.yml"), "repo", "repo-public",
         compare_folders),
        ("export JSON of this repository", export_run, "repo", "repo-export.json", compare_exports),
        (f"internal site of {demo_name})", site_build(None), "demo", "demo-internal", compare_folders),
        (f"public site of {demo_name}, {public_cards} public)", site_build("mkdocs.public.yml"), "demo",
         "demo-public", compare_folders),
        (f"export JSON of {demo_name})", export_run, "demo", "demo-export.json", compare_exports),
    ]
    outcomes = []
    for label, args_for, content, output, compare in comparisons:
        outcome = build_both(label, args_for, content, output, compare, old, new)
        print(outcome.line, flush=True)
        for line in outcome.details:
            print(line, flush=True)
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    """Run every comparison; exit status 0 when all are identical, 1 when one differs, 2 when it cannot run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD", help="git revision of the old code (default: HEAD)")
    parser.add_argument("--tree", type=Path, default=REPOSITORY,
                        help=f"folder of the new code and of the content (default: {REPOSITORY})")
    parser.add_argument("--projects", type=int, default=300, help="technologies in the demo (default: 300)")
    parser.add_argument("--years", type=int, default=3, help="years of demo history (default: 3)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the demo (default: 1)")
    parser.add_argument("--keep", action="store_true", help="keep the built sites and content copies; print where")
    args = parser.parse_args(argv)

    # A terminated run cleans up like an interrupted one: the old code's worktree is removed in `finally`.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(2))
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="mltrl-same-site-"))
    code_old = work / "code-old"
    try:
        outcomes = compare_all(args, work)
    except CannotRun as error:
        print(f"cannot run: {error}", file=sys.stderr)
        return 2
    finally:
        if code_old.exists():
            try:
                git(REPOSITORY, "worktree", "remove", "--force", str(code_old))
            except CannotRun as error:
                print(f"warning: {error}", file=sys.stderr)
        if args.keep:
            print(f"kept: {work} (old/ and new/ hold each side's content copies and out/)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    statuses = {outcome.status for outcome in outcomes}
    verdict = 2 if "error" in statuses else 1 if "different" in statuses else 0
    print(f"{sum(o.status == 'same' for o in outcomes)} of {len(outcomes)} comparisons identical "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return verdict


if __name__ == "__main__":
    sys.exit(main())
