"""Benchmark of the live preview: from saving a card to the page served with the change, against plain Material.

Generates a demo repository (``mltrl demo``, 1,000 technologies and three
years of history by default) and the plain mkdocs-material site of the same
cards that ``bench/site.py`` builds (every card an ordinary page). For each, a
real ``mkdocs serve`` is started and, once its first build is done, one card
is saved with a new paragraph ``--repeat`` times; each time the clock runs
from the save until the card's page, fetched over HTTP as a browser would,
holds the paragraph. Both servers run in the same run, one after the other,
on the same machine.

It prints the best and the median of each, their ratio, and whether the
preview met its target (the change served within 1 second); it exits 1 when
it did not.

    .venv/bin/python bench/serve.py [--projects 1000] [--years 3] [--seed 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.demo import write_demo

TARGET = 1.0
"""Seconds from a save to the page served with the change."""

_spec = importlib.util.spec_from_file_location("site_bench", Path(__file__).with_name("site.py"))
site_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_bench)  # the same two sites as bench/site.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def measure(folder: Path, page: Path, url_path: str, repeat: int, user_cache: Path) -> list[float]:
    """Seconds from each save of ``page`` to ``url_path`` served with the change, under ``mkdocs serve``."""
    port = free_port()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", XDG_CACHE_HOME=str(user_cache))
    log = (folder.parent / f"{folder.name}-serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=folder,
                              env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/{url_path}"
    try:
        deadline = time.monotonic() + 600
        while fetch(url) is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"mkdocs serve did not start in {folder}; see {log.name}")
            time.sleep(0.5)
        time.sleep(2)  # let the watcher settle after the first build
        seconds = []
        original = page.read_text(encoding="utf-8")
        for run in range(repeat):
            marker = f"Saved paragraph number {run} of the benchmark."
            start = time.perf_counter()
            page.write_text(original + f"\n{marker}\n", encoding="utf-8")
            while True:
                body = fetch(url)
                if body is not None and marker in body:
                    break
                time.sleep(0.01)
            seconds.append(time.perf_counter() - start)
            time.sleep(1)
        page.write_text(original, encoding="utf-8")
        return seconds
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated folders and print where")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="mltrl-bench-serve-"))
    try:
        repo = work / "demo"
        demo = write_demo(repo, projects=args.projects, years=args.years, seed=args.seed)
        (repo / "mkdocs.yml").write_text(site_bench.PLUGIN_SITE, encoding="utf-8")
        (repo / "docs").mkdir(exist_ok=True)
        baseline_dir = work / "baseline"
        site_bench.make_baseline(repo, baseline_dir)
        slug = sorted(p.name for p in (repo / "projects").iterdir())[0]
        print(f"demo repository: {demo.projects} technologies, {demo.commits} commits; the saved card: {slug}")
        user_cache = work / "user-cache"
        shutil.rmtree(repository_folder(repo, home=user_cache), ignore_errors=True)
        baseline = measure(baseline_dir, baseline_dir / "docs" / "technologies" / f"{slug}.md",
                           f"technologies/{slug}/", args.repeat, user_cache)
        preview = measure(repo, repo / "projects" / slug / "card.md", f"technologies/{slug}/", args.repeat,
                          user_cache)
        for name, runs in (("plain Material (cards as pages)", baseline), ("mltrl plugin", preview)):
            print(f"{name:32} best {min(runs):.2f} s, median {statistics.median(runs):.2f} s  "
                  f"(runs: {', '.join(f'{t:.2f}' for t in runs)})")
        ratio = min(preview) / min(baseline)
        met = min(preview) <= TARGET
        print(f"ratio mltrl / plain Material (best): {ratio:.2f}x")
        print(f"save -> served with the plugin: {min(preview):.2f} s (target <= {TARGET:.1f} s: "
              f"{'met' if met else 'MISSED'})")
        if args.keep:
            print(f"kept: {work}")
        return 0 if met else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
