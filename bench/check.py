"""How long ``mltrl check`` takes on a generated corpus, against merely reading and parsing it.

Writes a demo repository of N technologies (``mltrl demo``: cards, requirements,
ethics checklists and review records at every level) into a temporary folder,
then measures in the same run:

- the floor: read every file and ``yaml.safe_load`` its front matter (libyaml when available);
- ``check``: load, validate and apply every rule, as ``mltrl check`` does.

Prints both times and their ratio; each is the best of several rounds, since
the machine is shared and noisy.

    python bench/check.py [--technologies 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

from mltrl_docs.config import Settings
from mltrl_docs.demo import write_demo
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import check_portfolio

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def build_corpus(root: Path, count: int) -> None:
    """Write a demo repository of ``count`` technologies at every level, some composed of others."""
    write_demo(root, projects=count, years=2, seed=7)


def floor(base: Path) -> int:
    """Read every Markdown file and parse its front matter; nothing else."""
    parsed = 0
    for path in sorted((base / "projects").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        head = text.split("\n---\n", 1)[0].removeprefix("---\n")
        yaml.load(head, Loader=Loader)
        parsed += 1
    return parsed


def check(base: Path) -> int:
    """What ``mltrl check`` does."""
    portfolio = load_portfolio(base, Settings())
    return len(check_portfolio(portfolio))


def best_of(rounds: int, func, *args) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--technologies", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        build_corpus(base, args.technologies)
        files = sum(1 for _ in base.rglob("*.md"))
        floor_time, _ = best_of(args.rounds, floor, base)
        check_time, findings = best_of(args.rounds, check, base)
    print(f"corpus: {args.technologies} technologies, {files} files; findings: {findings}")
    print(f"read + YAML parse (floor): {floor_time:.3f} s")
    print(f"mltrl check:               {check_time:.3f} s")
    print(f"ratio check / floor:       {check_time / floor_time:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
