"""Benchmark of the site build against a plain mkdocs-material build of the same cards, in the same run.

Generates a demo repository (``mltrl demo``, 1,000 technologies by default),
then times, best of ``--repeat`` runs each, interleaved:

- baseline: ``mkdocs build`` with mkdocs-material and search of a docs folder
  holding every ``card.md`` as an ordinary page (``technologies/<slug>.md``),
  with the same navigation shape (portfolio, levels and analytics pages in
  the navigation, technology pages outside it);
- cold: the same theme and navigation with the ``mltrl`` plugin building the
  repository itself, its caches (documents, history, pages) removed first;
- warm: the same again with the caches the previous run left.

The builds keep their caches in a user cache folder of the benchmark's own.

It prints both ratios against the target (at most 2x the baseline) and exits
1 when the cold build misses it.

    .venv/bin/python bench/site.py [--projects 1000] [--years 3] [--seed 7] [--repeat 3] [--keep] [--breakdown]
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

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.demo import write_demo

TARGET = 2.0

THEME = """theme:
  name: material
  font: false
  features: [navigation.tabs, navigation.top, search.suggest, search.highlight, content.action.edit, toc.follow]
markdown_extensions:
  - tables
  - admonition
  - attr_list
  - toc:
      permalink: true
nav:
  - Portfolio: index.md
  - Levels: levels.md
  - Analytics: analytics.md
"""

PLUGIN_SITE = """site_name: MLTRL demo portfolio
docs_dir: docs
plugins:
  - search
  - mltrl:
      rules:
        HIS001: {severity: warning}  # the demo skips levels on purpose
""" + THEME

BASELINE_SITE = """site_name: MLTRL demo portfolio
docs_dir: docs
not_in_nav: |
  /technologies/
plugins:
  - search
""" + THEME


def make_baseline(repo: Path, target: Path) -> int:
    """A docs folder with every card as an ordinary page and the three index pages; returns the card count."""
    docs = target / "docs"
    (docs / "technologies").mkdir(parents=True)
    count = 0
    for card in sorted(repo.glob("projects/*/card.md")):
        shutil.copyfile(card, docs / "technologies" / f"{card.parent.name}.md")
        count += 1
    for name, title in (("index.md", "Portfolio"), ("levels.md", "Levels"), ("analytics.md", "Analytics")):
        (docs / name).write_text(f"# {title}\n\nThe {title.lower()} page.\n", encoding="utf-8")
    (target / "mkdocs.yml").write_text(BASELINE_SITE, encoding="utf-8")
    return count


def timed_build(folder: Path, user_cache: Path) -> float:
    """Seconds for one ``mkdocs build`` in ``folder`` (a fresh process, like a user or CI runs it)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", XDG_CACHE_HOME=str(user_cache))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(folder / "site")],
                            cwd=folder, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"mkdocs build failed in {folder}:\n{result.stderr[-4000:]}")
    return elapsed


def breakdown(folder: Path) -> list[tuple[str, float]]:
    """Seconds spent in each stage of one build of ``folder``, measured in this process.

    Wraps the functions the plugin calls (reading, checking, history, export, page rendering) and
    MkDocs' own page steps with timers; what is left is MkDocs and the theme.
    """
    import logging

    from mkdocs.commands import build as mkdocs_build
    from mkdocs.config import load_config

    import mltrl_docs.build as build
    import mltrl_docs.export as export
    from mltrl_docs.site.pages import Site

    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    # The functions Build calls, none of which calls another of them (the export's is imported when first
    # asked for, from its own module).
    timed(build, "load_portfolio_cached", "read documents (loader)")
    timed(build, "readiness", "check rules: readiness")
    timed(build, "technology_findings", "check rules: findings")
    timed(build, "cross_reference_findings", "check rules: cross references")
    timed(build, "load_history", "history from git")
    timed(export, "export_document", "export (mltrl.json)")
    timed(Site, "render", "render generated pages")
    logging.disable(logging.WARNING)
    previous = os.getcwd()
    try:
        os.chdir(folder)
        config = load_config("mkdocs.yml", site_dir=str(folder / "site"))
        start = time.perf_counter()
        mkdocs_build.build(config)
        total = time.perf_counter() - start
    finally:
        os.chdir(previous)
        logging.disable(logging.NOTSET)
    rows = sorted(spent.items(), key=lambda item: -item[1])
    rows.append(("MkDocs, theme, search and the rest", total - sum(spent.values())))
    rows.append(("total (in process, without start-up)", total))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when the cold build misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated folders and print where")
    parser.add_argument("--breakdown", action="store_true", help="also time the stages of one warm build")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="mltrl-bench-site-"))
    try:
        repo = work / "demo"
        started = time.perf_counter()
        demo = write_demo(repo, projects=args.projects, years=args.years, seed=args.seed)
        (repo / "mkdocs.yml").write_text(PLUGIN_SITE, encoding="utf-8")
        (repo / "docs").mkdir(exist_ok=True)
        baseline_dir = work / "baseline"
        cards = make_baseline(repo, baseline_dir)
        print(f"demo repository: {demo.projects} technologies, {demo.commits} commits, {cards} cards "
              f"(generated in {time.perf_counter() - started:.1f} s)")
        user_cache = work / "user-cache"
        cache = repository_folder(repo, home=user_cache)
        baseline, cold, warm = [], [], []
        for _ in range(args.repeat):
            baseline.append(timed_build(baseline_dir, user_cache))
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed_build(repo, user_cache))
            warm.append(timed_build(repo, user_cache))
        base = min(baseline)
        print(f"baseline (mkdocs-material, cards as pages): {base:.2f} s  (runs: "
              f"{', '.join(f'{t:.2f}' for t in baseline)})")
        print(f"mltrl plugin, no caches:                    {min(cold):.2f} s  (runs: "
              f"{', '.join(f'{t:.2f}' for t in cold)})")
        print(f"mltrl plugin, with the caches left:         {min(warm):.2f} s  (runs: "
              f"{', '.join(f'{t:.2f}' for t in warm)})")
        cold_ratio, warm_ratio = min(cold) / base, min(warm) / base
        print(f"ratio cold / baseline: {cold_ratio:.2f}x (target <= {TARGET:.1f}x) "
              f"{'OK' if cold_ratio <= TARGET else 'MISSED'}")
        print(f"ratio warm / baseline: {warm_ratio:.2f}x (target <= {TARGET:.1f}x) "
              f"{'OK' if warm_ratio <= TARGET else 'MISSED'}")
        if args.breakdown:
            print("stages of one warm build:")
            os.environ["XDG_CACHE_HOME"] = str(user_cache)  # the caches the timed builds left
            for label, seconds in breakdown(repo):
                print(f"  {label:40} {seconds:6.2f} s")
        if args.keep:
            print(f"kept: {work}")
        return 0 if cold_ratio <= TARGET else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
