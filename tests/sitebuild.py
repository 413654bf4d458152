"""Building real sites in tests: a git repository with MLTRL content, its mkdocs.yml, and ``mkdocs build``.

Builds run the real ``mkdocs`` command in a subprocess, exactly as a user
would; ``SOURCE_DATE_EPOCH`` fixes "today" so durations on the pages are the
same on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from factories import card_meta, write_technology
from gitrepo import GitRepo

from mltrl_docs.cachedir import repository_folder

ROOT = Path(__file__).resolve().parents[1]
"""This repository."""
REPO_URL = "https://github.com/example-org/wiki"
TODAY = 1735689600  # 2025-01-01T00:00:00Z
"""``SOURCE_DATE_EPOCH`` of every test build."""


PALETTE = """  palette:
    - scheme: default
      toggle: {icon: material/weather-night, name: Switch to dark mode}
    - scheme: slate
      toggle: {icon: material/weather-sunny, name: Switch to light mode}
"""
"""A light and a dark scheme with Material's toggle."""


def mkdocs_yml(*, repo_url: str | None = REPO_URL, options: dict | None = None, extra: str = "",
               theme_extra: str = "") -> str:
    """A site configuration like a team would write: Material, search and the mltrl plugin."""
    lines = ["site_name: Test wiki", "theme:", "  name: material", "  font: false", "  custom_dir: overrides",
             "  features: [content.action.edit, navigation.tabs]" + ("\n" + theme_extra.rstrip("\n")
                                                                      if theme_extra else "")]
    if repo_url:
        lines += [f"repo_url: {repo_url}", "edit_uri: edit/main/docs/"]
    lines += ["plugins:", "  - search"]
    if options:
        lines.append("  - mltrl: " + json.dumps(options))
    else:
        lines.append("  - mltrl")
    lines += ["markdown_extensions:", "  - tables", "  - toc:", "      permalink: true"]
    return "\n".join(lines) + "\n" + extra


def build(folder: Path, *, strict: bool = True, config: str = "mkdocs.yml", site_dir: str = "site",
          env: dict | None = None, extra_args: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run ``mkdocs build`` in ``folder``; return the finished process (check ``returncode``)."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", config, "-d", site_dir, *(extra_args or [])]
    if strict:
        command.append("--strict")
    # The page cache's signing key lives in the user's cache folder: keep it inside the test's folder.
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(TODAY), "NO_MKDOCS_2_WARNING": "1",
                   "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(user_cache(folder)), **(env or {})}
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, env=environment,
                          check=False)


def mltrl(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``mltrl`` command in ``cwd`` as a user would (outside GitHub Actions unless ``env`` says so)."""
    # Output is compared as plain text: colour is only what a test asks for.
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR", "NO_COLOR")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "mltrl_docs", *args], cwd=cwd, capture_output=True, text=True,
                          env=full_env, timeout=120, check=False)


def stop(process: subprocess.Popen) -> None:
    """End a server the test started (``mkdocs serve``): politely first, then for good."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def user_cache(folder: Path) -> Path:
    """The user cache folder :func:`build` gives the builds of the site in ``folder``."""
    return folder.parent / "user-cache"


def cache_folder(folder: Path) -> Path:
    """Where the builds of the site in ``folder`` keep their caches (by default, outside the repository)."""
    return repository_folder(folder, home=user_cache(folder))


def review(level: int, date: str, decision: str, to_level: int | None = None) -> dict:
    """A review record's front matter with a complete debrief."""
    meta = {"level": level, "date": date, "reviewers": ["research-peers"], "decision": decision,
            "debrief": {"accomplished": f"Level {level} work by the research lead.", "punted": "Nothing.",
                        "learned": "The method holds on sample data.", "tech_debt": "None."}}
    if to_level is not None:
        meta["to_level"] = to_level
    return meta


def write_level(repo: GitRepo, slug: str, project_id: str, level: int, *, title: str, status: str = "active",
                reviews: dict[str, dict] | None = None, **card_changes) -> None:
    """Write a technology complete for ``level`` (keeping its earlier review records)."""
    root = repo.path / "projects"
    card = card_meta(project_id, title, level, status=status, **card_changes)
    write_technology(root, slug, project_id, level, title=title, card=card, reviews=reviews)


def solar_history(repo: GitRepo) -> dict[str, str]:
    """``solar-bo`` (P07.1): 1 -> 2 -> 3 -> 2 (discovery) -> 3, paused and resumed, -> 4. Returns commit hashes.

    Six stretches at a level: 1, 2, 3, 2, 3, 4.
    """
    commits = {}
    title = "Solar array optimisation"
    write_level(repo, "solar-bo", "P07.1", 1, title=title)
    commits["created"] = repo.commit({}, "2023-01-10", "Start solar array optimisation at level 1")
    write_level(repo, "solar-bo", "P07.1", 2, title=title,
                reviews={"2023-02-28-level-1.md": review(1, "2023-02-28", "graduate", 2)})
    commits["to2"] = repo.commit({}, "2023-03-01", "Graduate solar-bo to level 2")
    write_level(repo, "solar-bo", "P07.1", 3, title=title,
                reviews={"2023-05-30-level-2.md": review(2, "2023-05-30", "graduate", 3)})
    commits["to3"] = repo.commit({}, "2023-06-01", "Graduate solar-bo to level 3")
    write_level(repo, "solar-bo", "P07.1", 2, title=title)
    commits["back2"] = repo.commit({}, "2023-08-01", "Back to level 2: the simulator misses cloud edges")
    write_level(repo, "solar-bo", "P07.1", 3, title=title,
                reviews={"2023-09-30-level-2.md": review(2, "2023-09-30", "graduate", 3)})
    commits["again3"] = repo.commit({}, "2023-10-01", "Graduate solar-bo to level 3 again")
    write_level(repo, "solar-bo", "P07.1", 3, title=title, status="paused")
    commits["paused"] = repo.commit({}, "2024-01-15", "Pause solar-bo while the pilot site is rebuilt")
    write_level(repo, "solar-bo", "P07.1", 3, title=title)
    commits["resumed"] = repo.commit({}, "2024-03-01", "Resume solar-bo")
    write_level(repo, "solar-bo", "P07.1", 4, title=title,
                reviews={"2024-04-30-level-3.md": review(3, "2024-04-30", "graduate", 4)})
    commits["to4"] = repo.commit({}, "2024-05-01", "Graduate solar-bo to level 4")
    return commits


def small_portfolio(repo: GitRepo) -> dict[str, str]:
    """Three technologies with history: ``solar-bo`` (level 4), ``ranker`` (P02.1, level 3) and
    ``platform`` (P20.1, level 2, composed of the ranker and coupled with the solar optimiser)."""
    commits = solar_history(repo)
    write_level(repo, "ranker", "P02.1", 3, title="Candidate ranker")
    commits["ranker"] = repo.commit({}, "2024-02-01", "Add the candidate ranker at level 3")
    write_level(repo, "platform", "P20.1", 2, title="Decision platform", components=["P02.1"], coupled=["P07.1"])
    commits["platform"] = repo.commit({}, "2024-06-01", "Add the decision platform at level 2")
    return commits


def copy_of_this_repository(base: Path) -> GitRepo:
    """This repository's content and site configuration, committed in a new repository at ``base/repo``."""
    repo = GitRepo(base / "repo")
    for name in ("cards", "projects", "docs", "overrides"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo.path / name, ignore=shutil.ignore_patterns("mltrl"))
        else:
            (repo.path / name).mkdir()
    for name in ("mkdocs.yml", "mkdocs.public.yml", ".gitignore", "ethics-checklist.md"):
        shutil.copy(ROOT / name, repo.path / name)
    repo.commit({}, "2026-11-26", "Import the example content")
    return repo
