"""What the public site shows of history: no commit subject by default, no internal name when shown, no old paths.

Commit subjects are unreviewed text: the public site leaves them out unless
``public_commit_subjects`` is on, and then withholds every subject naming an
internal technology in any case, with any separators, or inside a longer word.
A technology that moved out of an internal folder keeps that folder's name out
of every finding and event the public site and its ``mltrl.json`` show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml

LEAKS = ["Tune a ZQX77-style sampler", "Numbers from secret-falcon-v2", "Quiet Otter Array-based tuning",
         "Compare with the non-Secret Falcon Engine baseline", "Port the zqx77 loader", "Merge SECRET_FALCON fixes"]
CLEAN = "Tighten the confidence bands of the heron"
PUBLIC = "INHERIT: mkdocs.yml\nrepo_url: null\nedit_uri: null\nplugins:\n  - search\n  - mltrl:\n      public_only: true\n"


def heron(level: int, reviewer: str) -> str:
    """The public card with one more reviewer: each such commit is a ``reviewers`` event with its subject."""
    meta = card_meta("O01.1", "Open Heron", level, visibility="public",
                     reviewers={"research": ["research-peers", reviewer], "product": []})
    return front_matter(meta, card_body("Open Heron"))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("subjects") / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None), encoding="utf-8")
    (repo.path / "mkdocs.public.yml").write_text(PUBLIC, encoding="utf-8")
    (repo.path / "mkdocs.subjects.yml").write_text(PUBLIC + "      public_commit_subjects: true\n", encoding="utf-8")
    (repo.path / ".gitignore").write_text("site*/\n", encoding="utf-8")
    write_technology(repo.path / "projects", "secret-falcon", "ZQX77", 1, title="Quiet Otter Array")
    write_technology(repo.path / "cards", "open-heron", "O01.1", 1, card=card_meta("O01.1", "Open Heron", 1,
                                                                                   visibility="public"))
    repo.commit({}, "2024-01-05", "Start both technologies")
    for n, subject in enumerate([*LEAKS, CLEAN]):
        # Each commit changes only the public card.
        repo.commit({"cards/open-heron/card.md": heron(1, f"reviewer-{n}")}, f"2024-02-{n + 1:02d}", subject)
    # A technology opened by a move out of an internal folder, with an unreadable version from before.
    write_technology(repo.path / "projects", "skunk-alpha", "S01.1", 1, title="Moth")
    repo.commit({}, "2024-03-01", "Start the moth")
    repo.commit({"projects/skunk-alpha/card.md": "---\nid: S01.1\nlevel: [unclosed\n---\n"}, "2024-03-05",
                "Break the moth's card")
    write_technology(repo.path / "projects", "skunk-alpha", "S01.1", 1, title="Moth")
    repo.commit({}, "2024-03-10", "Mend the moth's card")
    repo.mv("projects/skunk-alpha", "cards/open-moth")
    repo.commit({"cards/open-moth/card.md": front_matter(card_meta("S01.1", "Moth", 1, visibility="public"),
                                                         card_body("Moth"))}, "2024-04-01", "Open the moth")
    return repo


def site_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json", ".xml", ".txt", ".js"))


def test_the_internal_site_shows_every_subject(repo):
    result = build(repo.path, site_dir="site")
    assert result.returncode == 0, result.stderr
    page = (repo.path / "site" / "technologies" / "open-heron" / "index.html").read_text(encoding="utf-8")
    assert all(subject in page for subject in [*LEAKS, CLEAN])


def test_by_default_the_public_site_shows_no_commit_subject(repo):
    result = build(repo.path, config="mkdocs.public.yml", site_dir="site-public")
    assert result.returncode == 0, result.stderr
    text = site_text(repo.path / "site-public")
    assert "Open Heron" in text
    for subject in [*LEAKS, CLEAN, "Start both technologies", "Open the moth"]:
        assert subject not in text, subject


def test_with_subjects_on_none_naming_internal_work_is_published(repo):
    result = build(repo.path, config="mkdocs.subjects.yml", site_dir="site-subjects")
    assert result.returncode == 0, result.stderr
    text = site_text(repo.path / "site-subjects")
    assert CLEAN in text
    for subject in LEAKS:
        assert subject not in text, subject
    assert "Start both technologies" not in text  # that commit also changed the internal technology


def test_paths_from_before_a_move_are_not_published(repo):
    for config, site in (("mkdocs.public.yml", "site-public"), ("mkdocs.subjects.yml", "site-subjects")):
        result = build(repo.path, config=config, site_dir=site)
        assert result.returncode == 0, result.stderr
        text = site_text(repo.path / site)
        assert "skunk" not in text.lower()
        document = json.loads((repo.path / site / "mltrl.json").read_text(encoding="utf-8"))
        moth = next(t for t in document["technologies"] if t["slug"] == "open-moth")
        assert any(f["code"] == "HIS005" for f in moth["findings"]), moth["findings"]
    internal = (repo.path / "site" / "technologies" / "open-moth" / "index.html")
    if internal.exists():
        assert "HIS005" in internal.read_text(encoding="utf-8")
