"""``mltrl prepare`` deletes and writes a folder named by the configuration: a pull request may set that name.

It writes only below the docs folder, inside the repository: ``..`` and absolute paths are refused
by the option, a docs folder or a folder on the way that is a symbolic link is refused before
anything is read, and a folder it did not make (no marker, or a marker that is a link) is never
replaced. Every refusal leaves every file as it was, in the repository and outside it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from factories import write_technology
from sitebuild import mkdocs_yml, mltrl


def _site(folder: Path, options: dict | None = None, docs: str | None = None) -> Path:
    """A repository with one valid technology and ``docs/index.md``; returns its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = f"docs_dir: {docs}\n" if docs else ""
    (folder / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, options=options, extra=extra), encoding="utf-8")
    (folder / "overrides").mkdir()
    if docs is None:
        (folder / "docs").mkdir()
        (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    write_technology(folder / "projects", "ranker", "P02.1", 1, title="Candidate ranker")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


def _outside(tmp_path: Path) -> Path:
    """A folder outside the repository holding a file worth keeping, and a marker that claims it was prepared."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious\n", encoding="utf-8")
    (outside / ".mltrl-prepared").write_text("planted\n", encoding="utf-8")
    return outside


@pytest.mark.parametrize("value", ["..", "../outside", "/tmp/outside", "docs/../..", ".git", "a//b", "a\\..\\b"])
def test_a_prepare_dir_that_could_leave_the_docs_folder_is_refused(tmp_path, value):
    repo = _site(tmp_path / "repo", {"prepare_dir": value})
    before = _snapshot(tmp_path)
    made = mltrl("prepare", cwd=repo)
    assert made.returncode == 2
    assert "mltrl.prepare_dir: Value error, must be a plain relative path below the docs folder" in made.stderr
    assert _snapshot(tmp_path) == before


def test_a_docs_folder_linked_out_of_the_repository_is_refused(tmp_path):
    outside = _outside(tmp_path)
    repo = _site(tmp_path / "repo", docs="docs")
    (repo / "docs").symlink_to(outside, target_is_directory=True)
    before = _snapshot(tmp_path)
    made = mltrl("prepare", cwd=repo)
    assert made.returncode == 2
    assert "the docs folder docs leads out of the repository" in made.stderr
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("prepare_dir, link", [("mltrl", "docs/mltrl"), ("generated/mltrl", "docs/generated")])
def test_a_prepared_folder_reached_through_a_link_is_refused(tmp_path, prepare_dir, link):
    outside = _outside(tmp_path)
    repo = _site(tmp_path / "repo", {"prepare_dir": prepare_dir})
    (repo / link).symlink_to(outside, target_is_directory=True)
    before = _snapshot(tmp_path)
    made = mltrl("prepare", cwd=repo)
    assert made.returncode == 2
    assert f"mltrl: error: {link} is a symbolic link; mltrl prepare never writes through one" in made.stderr
    assert _snapshot(tmp_path) == before


def test_a_folder_it_did_not_make_is_left_alone(tmp_path):
    repo = _site(tmp_path / "repo")
    (repo / "docs/mltrl").mkdir()
    (repo / "docs/mltrl/notes.md").write_text("# Someone's notes\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    made = mltrl("prepare", cwd=repo)
    assert made.returncode == 2
    assert "docs/mltrl is there but was not made by mltrl prepare (it has no .mltrl-prepared file)" in made.stderr
    assert _snapshot(tmp_path) == before


def test_a_marker_that_is_a_link_does_not_make_a_folder_ours(tmp_path):
    outside = _outside(tmp_path)
    repo = _site(tmp_path / "repo")
    (repo / "docs/mltrl").mkdir()
    (repo / "docs/mltrl/notes.md").write_text("# Someone's notes\n", encoding="utf-8")
    (repo / "docs/mltrl/.mltrl-prepared").symlink_to(outside / ".mltrl-prepared")
    before = _snapshot(tmp_path)
    assert mltrl("prepare", cwd=repo).returncode == 2
    assert _snapshot(tmp_path) == before


def test_a_new_run_replaces_the_whole_folder_and_nothing_else(tmp_path):
    repo = _site(tmp_path / "repo")
    first = mltrl("prepare", cwd=repo)
    assert first.returncode == 0, first.stderr
    (repo / "docs/mltrl/stale.md").write_text("# Left from before\n", encoding="utf-8")
    (repo / "docs/guide.md").write_text("# Guide\n", encoding="utf-8")
    again = mltrl("prepare", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert not (repo / "docs/mltrl/stale.md").exists()
    assert (repo / "docs/guide.md").read_text(encoding="utf-8") == "# Guide\n"
    assert (repo / "docs/index.md").read_text(encoding="utf-8") == "# Home\n"
    assert (repo / "docs/mltrl/.gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert sorted(p.name for p in (repo / "docs").iterdir()) == ["guide.md", "index.md", "mltrl"]


def test_content_errors_stop_it_with_the_findings_and_write_nothing(tmp_path):
    repo = _site(tmp_path / "repo")
    card = repo / "projects/ranker/card.md"
    card.write_text(card.read_text(encoding="utf-8").replace("level: 1", "level: 12", 1), encoding="utf-8")
    made = mltrl("prepare", cwd=repo)
    assert made.returncode == 1
    line = card.read_text(encoding="utf-8").split("\n").index("level: 12") + 1
    assert f"projects/ranker/card.md:{line}:8: error SCH" in made.stdout
    assert "nothing was prepared" in made.stderr
    assert not (repo / "docs/mltrl").exists()
    as_json = mltrl("prepare", "--format", "json", cwd=repo)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["summary"]["error"] >= 1
