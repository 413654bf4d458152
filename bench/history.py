"""Benchmark of history extraction against the floor set by git itself, measured in the same run.

Generates a demo repository (1,000 technologies and more than 5,000 commits
by default), then measures:

- floor: ``git log --name-status`` over the content tree (first parent,
  renames detected) plus ``git cat-file --batch`` of every card and review
  record blob in that log (history reads the card blobs, and review records
  only when the work tree no longer has them), with no parsing at all;
- cold: ``load_history`` with an empty cache;
- warm: ``load_history`` after one new commit, starting from the cache the
  cold run left. The histories it reuses are decoded when first read (a warm
  ``mltrl check`` reads none of them), so the time that reading each of them
  once adds is printed too, beside the target, as what a page build or an
  export pays on top.

Each figure is the best of ``--repeat`` runs (floor and cold runs
alternate), since the machine may be shared. It prints both ratios with
their targets (cold at most 1.5x the floor, warm at most 10% of cold) and
exits 1 when a target is missed.

    .venv/bin/python bench/history.py [--projects 1000] [--years 2] [--seed 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.demo import write_demo
from mltrl_docs.loader import load_portfolio

COLD_TARGET = 1.5
WARM_TARGET = 0.10


def git(cwd: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> bytes:
    full = dict(os.environ, LC_ALL="C", **(env or {}))
    return subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True, env=full).stdout


def blobs_read_by_history(repo: Path) -> bytes:
    """Ids of the card and review blobs in the mainline log: what history reads from cat-file."""
    raw = git(repo, "log", "--first-parent", "--diff-merges=first-parent", "-M", "--raw", "--no-abbrev",
              "--format=", "--", "projects")
    blobs = []
    seen = set()
    for line in raw.decode().splitlines():
        if not line.startswith(":"):
            continue
        meta, *paths = line.split("\t")
        blob = meta.split()[3]
        path = paths[-1]
        if blob.strip("0") and (path.endswith("/card.md") or "/reviews/" in path) and blob not in seen:
            seen.add(blob)
            blobs.append(blob)
    return ("\n".join(blobs) + "\n").encode()


def floor(repo: Path, blob_list: bytes) -> float:
    """Time of the git work alone: the log pass and reading the blobs."""
    start = time.perf_counter()
    subprocess.run(["git", "log", "--first-parent", "--diff-merges=first-parent", "-M", "--name-status",
                    "--format=%H%x00%P%x00%cI%x00%an%x00%s", "--", "projects"], cwd=repo,
                   stdout=subprocess.DEVNULL, check=True)
    subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input=blob_list, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def timed_history(repo: Path, cache: Path) -> tuple[float, object]:
    portfolio = load_portfolio(repo, Settings())
    start = time.perf_counter()
    history = load_history(portfolio, cache_dir=cache)
    return time.perf_counter() - start, history


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the best counts")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mltrl-bench-"))
    repo = work / "repo" if not args.keep else work
    try:
        start = time.perf_counter()
        result = write_demo(repo, projects=args.projects, years=args.years, seed=args.seed)
        print(f"demo: {result.projects} technologies, {result.commits} commits, "
              f"written in {time.perf_counter() - start:.1f} s")
        if result.commits < 5000 and args.projects >= 1000:
            print("the demo has fewer than 5,000 commits; raise --years")
            return 2
        blob_list = blobs_read_by_history(repo)
        print(f"card and review blobs in the log (read by the floor): {len(blob_list.splitlines())}")

        # Floor and cold runs alternate, so that a busy moment on the machine hits both alike.
        floors, colds = [], []
        cache = work / "cache"
        snapshot = work / "cache-cold"
        for _ in range(args.repeat):
            floors.append(floor(repo, blob_list))
            shutil.rmtree(cache, ignore_errors=True)
            seconds, history = timed_history(repo, cache)
            colds.append(seconds)
        shutil.rmtree(snapshot, ignore_errors=True)
        shutil.copytree(cache, snapshot)
        events = sum(len(h.events) for h in history.projects.values())
        print(f"history: {len(history.projects)} technologies, {events} events, "
              f"{len(history.diagnostics)} findings")

        # One new commit: a graduation with its review record, as a team would push it.
        slug = sorted(history.projects)[0]
        card = repo / "projects" / slug / "card.md"
        card.write_text(card.read_text(encoding="utf-8") + "\nA new paragraph of results.\n", encoding="utf-8")
        review = repo / "projects" / slug / "reviews" / "2026-07-01-level-0.md"
        review.parent.mkdir(exist_ok=True)
        review.write_text("---\nlevel: 0\ndate: 2026-07-01\nreviewers: [panel]\ndecision: tasks\n"
                          "tasks: [more data]\n---\n", encoding="utf-8")
        date = {"GIT_AUTHOR_DATE": "2026-07-01T10:00:00+00:00", "GIT_COMMITTER_DATE": "2026-07-01T10:00:00+00:00"}
        git(repo, "add", "projects")
        git(repo, "commit", "-q", "-m", "Record a review", env=date)
        _, fresh = timed_history(repo, work / "cache-after")  # what the warm runs must give
        expected = {slug: h.to_dict(fresh.now) for slug, h in fresh.projects.items()}
        warms, reads = [], []
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(snapshot, cache)
            seconds, warm = timed_history(repo, cache)
            warms.append(seconds)
            start = time.perf_counter()
            for h in warm.projects.values():
                h.events, h.spans, h.prior_cards
            reads.append(time.perf_counter() - start)
            if {slug: h.to_dict(fresh.now) for slug, h in warm.projects.items()} != expected:
                print("the warm history differs from a cold one of the same commit")
                return 1

        best_floor, best_cold, best_warm = min(floors), min(colds), min(warms)
        cold_ratio, warm_ratio = best_cold / best_floor, best_warm / best_cold
        print(f"floor (git log --name-status + cat-file --batch, no parsing): {best_floor:.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in floors)})")
        print(f"cold extraction:                          {best_cold:.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in colds)})")
        print(f"warm extraction after one new commit:     {best_warm:.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in warms)})")
        print(f"then reading every history once:          {min(reads):.3f} s more "
              f"(warm + reading = {(best_warm + min(reads)) / best_cold:.3f} of cold)")
        cold_ok, warm_ok = cold_ratio <= COLD_TARGET, warm_ratio <= WARM_TARGET
        print(f"cold / floor = {cold_ratio:.2f}  (target <= {COLD_TARGET}: {'met' if cold_ok else 'MISSED'})")
        print(f"warm / cold  = {warm_ratio:.3f} (target <= {WARM_TARGET}: {'met' if warm_ok else 'MISSED'})")
        return 0 if cold_ok and warm_ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
