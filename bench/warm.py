"""Whole commands, cold and warm: ``mltrl check`` and ``mltrl export`` as a user runs them, in the same run.

Generates a demo repository (``mltrl demo``, 300 technologies by default), then
times each command as its own process (Python start-up and imports included),
best of ``--repeat`` runs each:

- cold: the repository's cache folder removed first;
- warm, no change: with the cache the previous run left;
- warm after one new commit (a card edited, a review record added), starting
  each time from the cache a cold run left before that commit.

Every warm output is compared with a cold run's on the same commit: they must
be byte for byte the same (``SOURCE_DATE_EPOCH`` fixes the date of the
runs, so that durations and the export's ``generated`` agree).

It prints each warm / cold ratio against the target (at most 25% after one
commit) and exits 1 when a target is missed or an output differs. Beside the
time it prints the processor time of each best run (user and system, the
command's second process included), which a busy machine disturbs less.

The commands run as an installed package does, from byte-compiled modules: they
get a bytecode cache in the work folder (``PYTHONPYCACHEPREFIX``) even where
``PYTHONDONTWRITEBYTECODE`` is set, which would otherwise make every start
compile the package anew, a cost no installed copy pays. A first, untimed run
fills it.

    .venv/bin/python bench/warm.py [--projects 300] [--years 3] [--seed 1] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.demo import write_demo

TARGET = 0.25
"""A warm command after one new commit costs at most this share of a cold one."""
NOW = "1782835200"
"""2026-07-01, just after every demo history ends: the runs' date."""
COMMANDS = {"check": ["check", "--format", "json"], "export": ["export", "--out", "{out}"]}


def mltrl(repo: Path, home: Path, args: list[str], out: Path) -> tuple[tuple[float, float], bytes]:
    """Run ``mltrl ARGS`` in ``repo``; its time and processor time, and what it wrote (standard output, or
    the --out file)."""
    env = dict(os.environ, XDG_CACHE_HOME=str(home), SOURCE_DATE_EPOCH=NOW, LC_ALL="C",
               PYTHONPYCACHEPREFIX=str(home / "bytecode"))
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "mltrl_docs", *(a.replace("{out}", str(out)) for a in args)]
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    processor = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr.decode("utf-8", "replace"))
        raise SystemExit(f"mltrl {' '.join(args)} failed with status {done.returncode}")
    return (seconds, processor), out.read_bytes() if "{out}" in args else done.stdout


def git(repo: Path, *args: str) -> None:
    date = "2026-06-30T18:00:00+00:00"
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, LC_ALL="C")
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def one_commit(repo: Path) -> None:
    """A graduation's review record and an edited card, as a team would push them."""
    slug = sorted(p.name for p in (repo / "projects").iterdir() if (p / "card.md").is_file())[0]
    card = repo / "projects" / slug / "card.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nA new paragraph of results.\n", encoding="utf-8")
    review = repo / "projects" / slug / "reviews" / "2026-06-30-level-0.md"
    review.parent.mkdir(exist_ok=True)
    review.write_text("---\nlevel: 0\ndate: 2026-06-30\nreviewers: [panel]\ndecision: tasks\n"
                      "tasks: [more data]\n---\n", encoding="utf-8")
    git(repo, "add", "projects")
    git(repo, "commit", "-q", "-m", f"Record a review of {slug}")


def runs(times: list[tuple[float, float]]) -> str:
    return ", ".join(f"{t:.2f}" for t, _ in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mltrl-warm-"))
    repo, home, out = work / "repo", work / "home", work / "out.json"
    try:
        result = write_demo(repo, projects=args.projects, years=args.years, seed=args.seed)
        print(f"demo: {result.projects} technologies, {result.commits} commits")
        cache = repository_folder(repo, home)
        mltrl(repo, home, ["--help"], out)  # compiles what every command imports (see above)
        for command in COMMANDS.values():
            mltrl(repo, home, command, out)
        cold: dict[str, list[tuple[float, float]]] = {}
        warm: dict[str, list[tuple[float, float]]] = {}
        after: dict[str, list[tuple[float, float]]] = {}
        same = True
        snapshots = {}
        for name, command in COMMANDS.items():
            cold[name], warm[name] = [], []
            for _ in range(args.repeat):
                shutil.rmtree(cache, ignore_errors=True)
                seconds, cold_output = mltrl(repo, home, command, out)
                cold[name].append(seconds)
            snapshot = work / f"cache-{name}"
            shutil.rmtree(snapshot, ignore_errors=True)
            shutil.copytree(cache, snapshot)
            snapshots[name] = (snapshot, cold_output)
            for _ in range(args.repeat):
                seconds, output = mltrl(repo, home, command, out)
                warm[name].append(seconds)
                if output != cold_output:
                    print(f"mltrl {name} warm with no change differs from cold")
                    same = False
        one_commit(repo)
        for name, command in COMMANDS.items():
            shutil.rmtree(cache, ignore_errors=True)
            _, cold_output = mltrl(repo, home, command, out)
            after[name] = []
            for _ in range(args.repeat):
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(snapshots[name][0], cache)
                seconds, output = mltrl(repo, home, command, out)
                after[name].append(seconds)
                if output != cold_output:
                    print(f"mltrl {name} warm after one commit differs from cold")
                    same = False

        met = True
        for name in COMMANDS:
            best_cold, best_warm, best_after = min(cold[name]), min(warm[name]), min(after[name])
            ratio = best_after[0] / best_cold[0]
            ok = ratio <= TARGET
            met = met and ok
            print(f"mltrl {name}")
            print(f"  cold:                   {best_cold[0]:.3f} s, processor {best_cold[1]:.3f} s "
                  f"(runs: {runs(cold[name])})")
            print(f"  warm, no change:        {best_warm[0]:.3f} s, processor {best_warm[1]:.3f} s "
                  f"(runs: {runs(warm[name])}) = {best_warm[0] / best_cold[0]:.0%} of cold "
                  f"(processor {best_warm[1] / best_cold[1]:.0%})")
            print(f"  warm after one commit:  {best_after[0]:.3f} s, processor {best_after[1]:.3f} s "
                  f"(runs: {runs(after[name])}) = {ratio:.0%} of cold (processor {best_after[1] / best_cold[1]:.0%}; "
                  f"target <= {TARGET:.0%}: {'met' if ok else 'MISSED'})")
        print("warm outputs are byte for byte the cold ones" if same else "a warm output DIFFERS from the cold one")
        return 0 if met and same else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
