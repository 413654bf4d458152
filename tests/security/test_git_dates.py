"""Crafted git objects: commit dates git stores but a datetime cannot hold, or git cannot read.

``git hash-object --literally`` writes commits whose committer (and author) date is
in the year 10000, before 1970, or carries an offset no time zone has. History
reads every one of them without a traceback, uses a clamped date and reports
``HIS009`` at the card, on a cold run and from the cache alike; ``mltrl check``,
``mltrl history`` and a strict site build all get through. Real git throughout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import IDENTITY, GitRepo
from sitebuild import build, mkdocs_yml, review, write_level

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.loader import load_portfolio

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
CARD = "projects/alpha/card.md"

HOSTILE = {
    # stored date          the date history uses (clamped)
    "year-10000": ("253402300800 +0000", "9999-12-31T23:59:59+00:00"),
    "before-1970": ("-100000000 +0000", "1970-01-01T00:00:00+00:00"),
    "bad-offset": ("1700000000 +9999", "2023-11-14T22:13:20+00:00"),
}


def hostile_repo(folder: Path, stored: str) -> tuple[GitRepo, str]:
    """Alpha created at level 1 normally, then graduated to 2 by a hand-written commit dated ``stored``."""
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    write_level(repo, "alpha", "P01.1", 1, title="Alpha")
    parent = repo.commit({}, "2024-01-10", "Start alpha at level 1")
    write_level(repo, "alpha", "P01.1", 2, title="Alpha",
                reviews={"2024-02-01-level-1.md": review(1, "2024-02-01", "graduate", 2)})
    repo.git("add", "-A")
    tree = repo.git("write-tree").strip()
    person = f"{IDENTITY[0]} <{IDENTITY[1]}> {stored}"
    text = f"tree {tree}\nparent {parent}\nauthor {person}\ncommitter {person}\n\nGraduate alpha to level 2\n"
    written = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], cwd=repo.path,
                             input=text, capture_output=True, text=True, check=True)
    sha = written.stdout.strip()
    repo.git("update-ref", "refs/heads/main", sha)
    assert repo.head() == sha
    assert f"committer {person}" in repo.git("cat-file", "commit", "HEAD")
    assert repo.git("status", "--porcelain") == ""  # the crafted commit holds exactly the work tree
    return repo, sha


@pytest.fixture(params=sorted(HOSTILE), ids=sorted(HOSTILE))
def crafted(request, tmp_path):
    stored, clamped = HOSTILE[request.param]
    repo, sha = hostile_repo(tmp_path / "repo", stored)
    return repo, sha, stored, clamped


def mltrl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "mltrl_docs", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def level_position(repo: GitRepo) -> tuple[int, int]:
    """Line and column of the card's ``level:`` key, where history findings point."""
    lines = (repo.path / CARD).read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("level:"))
    return line, 1


def his009(history) -> list[tuple]:
    return [(d.code, d.severity.value, d.path, d.line, d.column, d.message, d.hint, d.project)
            for d in history.diagnostics if d.code == "HIS009"]


def test_check_reports_the_date_instead_of_a_traceback(crafted):
    repo, sha, stored, clamped = crafted
    line, column = level_position(repo)
    outputs = []
    for _ in range(2):  # cold, then from the cache the first run wrote
        result = mltrl("check", "--format", "text", cwd=repo.path)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert "isoformat" not in result.stdout + result.stderr
        found = [text for text in result.stdout.splitlines() if " HIS009 " in text]
        assert len(found) == 1, result.stdout
        assert found[0].startswith(f"{CARD}:{line}:{column}: warning HIS009 ")
        assert f"commit {sha[:10]}" in found[0] and "(hint: " in found[0]
        outputs.append(result.stdout)
    assert (repository_folder(repo.path) / "history").is_dir()  # the second run read the cache the first wrote
    assert outputs[0] == outputs[1]
    listed = json.loads(mltrl("rules", "--format", "json", cwd=repo.path).stdout)["rules"]
    assert [r["severity"] for r in listed if r["code"] == "HIS009"] == ["warning"]


def test_history_command_shows_the_clamped_date(crafted):
    repo, sha, stored, clamped = crafted
    result = mltrl("history", "alpha", "--format", "json", cwd=repo.path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    dates = {(e["commit"], e["kind"]): e["date"] for e in document["events"]}
    assert dates[(sha, "graduation")] == clamped
    # The review is dated by its record; the clamped commit date is kept as when it was recorded.
    review_event = next(e for e in document["events"] if e["kind"] == "review")
    assert (review_event["date"], review_event["committed"]) == ("2024-02-01T12:00:00+00:00", clamped)
    assert [f["code"] for f in document["findings"] if f["code"] == "HIS009"] == ["HIS009"]
    text = mltrl("history", "alpha", cwd=repo.path)
    assert text.returncode == 0 and "Traceback" not in text.stderr
    assert f"{clamped[:10]}  graduation" in text.stdout and " HIS009 " in text.stdout


def test_finding_is_the_same_cold_warm_and_after_a_new_commit(crafted, tmp_path):
    repo, sha, stored, clamped = crafted
    cache = tmp_path / "cache"
    runs = []
    for _ in range(2):
        portfolio = load_portfolio(repo.path, Settings())
        runs.append(load_history(portfolio, cache_dir=cache, now=NOW))
    assert (cache / "history").is_dir()
    cold, warm = runs
    line, column = level_position(repo)
    assert his009(cold) == his009(warm)
    [(code, severity, path, at_line, at_column, message, hint, project)] = his009(cold)
    assert (severity, path, at_line, at_column, project) == ("warning", CARD, line, column, "alpha")
    assert f"commit {sha[:10]}" in message and clamped in message and hint
    for history in runs:
        events = [e for e in history.projects["alpha"].events if e.commit == sha]
        assert {e.kind for e in events} == {"review", "graduation"}
        assert {(e.kind, e.date.isoformat(), e.committed and e.committed.isoformat()) for e in events} == \
            {("graduation", clamped, None), ("review", "2024-02-01T12:00:00+00:00", clamped)}
    # A later ordinary commit: the track is read back from the cache and the history derived again.
    write_level(repo, "alpha", "P01.1", 2, title="Alpha", status="paused",
                reviews={"2024-02-01-level-1.md": review(1, "2024-02-01", "graduate", 2)})
    repo.commit({}, "2024-12-01", "Pause alpha")
    portfolio = load_portfolio(repo.path, Settings())
    later = load_history(portfolio, cache_dir=cache, now=NOW)
    assert his009(later) == his009(cold)
    assert [e.kind for e in later.projects["alpha"].events][-1] == "status"


def test_strict_site_build_names_the_finding(crafted):
    repo, sha, stored, clamped = crafted
    result = build(repo.path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "could not read the content" not in output, output[-3000:]
    assert re.search(rf"{re.escape(CARD)}:\d+:\d+: .*HIS009", output) or "HIS009" in output, output[-3000:]
    # HIS009 is a warning, and --strict stops on warnings: the build fails for that reason only.
    assert result.returncode == 1
    assert "Aborted with" in output and "warnings in strict mode" in output, output[-3000:]
    relaxed = build(repo.path, strict=False)
    assert relaxed.returncode == 0, relaxed.stderr[-3000:]
    assert "Traceback" not in relaxed.stdout + relaxed.stderr
    page = next((repo.path / "site").rglob("alpha*/index.html"), None) or next((repo.path / "site").rglob("*alpha*"))
    assert page.exists()


@pytest.mark.parametrize(("stored", "iso", "problem"), [
    ("1709290800 +0100", "2024-03-01T12:00:00+01:00", None),
    ("1700000000 +2359", "2023-11-15T22:12:20+23:59", None),  # the widest offset a time zone can have
    ("0 -2359", "1969-12-31T00:01:00-23:59", None),  # 1970 in UTC, the day before where the committer was
    ("253402300799 -0100", "9999-12-31T22:59:59-01:00", None),
    ("253402300799 +0100", "9999-12-31T23:59:59+01:00", "after the year 9999"),  # 10000 where committed
    ("99999999999999999999 +0000", "9999-12-31T23:59:59+00:00", "after the year 9999"),
    ("-62135596801 +0000", "1970-01-01T00:00:00+00:00", "before 1970"),  # before the year 1
    ("1700000000 +0060", "2023-11-14T22:13:20+00:00", "with an offset no time zone has (read as UTC)"),
    ("1700000000 -2400", "2023-11-14T22:13:20+00:00", "with an offset no time zone has (read as UTC)"),
    ("1700000000", "2023-11-14T22:13:20+00:00", "with an offset no time zone has (read as UTC)"),
    ("", "1970-01-01T00:00:00+00:00", "git cannot print it"),  # what git 2.39 prints for a negative date
    ("%ct", "1970-01-01T00:00:00+00:00", "not a number of seconds"),
])
def test_read_date_clamps_and_says_why(stored, iso, problem):
    from mltrl_docs.gitio import read_date

    text, when, found = read_date(stored)
    assert text == iso == when.isoformat()
    assert dt.datetime.fromisoformat(text) == when
    if problem is None:
        assert found is None
    else:
        assert problem in found
        assert found.startswith(f"stored as '{stored}'") or not stored
