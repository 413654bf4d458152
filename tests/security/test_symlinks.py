"""Symbolic links in a pull request: no technology shows another's documents, and a link that loops is a finding.

A public card's folder may hold links into an internal technology's folder
(its requirements, a review record, the whole folder). Each such document is
refused with ``SEC002``, like a link out of the repository (``SEC001``), on disk
and when a base revision is read from git. A link that loops (a document or an
image linked to itself) is ``SEC003`` with its path, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import card_meta, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, mltrl, review

from mltrl_docs.change.base import read_tree
from mltrl_docs.config import Settings
from mltrl_docs.doccache import DocumentCache
from mltrl_docs.loader import load_portfolio, load_portfolio_from_files
from mltrl_docs.rules import check_portfolio

SECRET = "SECRET-FALCON-REQUIREMENT"
PUBLIC_YML = "INHERIT: mkdocs.yml\nrepo_url: null\nedit_uri: null\nplugins:\n  - search\n  - mltrl:\n      public_only: true\n"


def two_technologies(folder: Path) -> GitRepo:
    """``projects/secret-falcon`` (internal, level 4) and ``cards/open-heron`` (public, level 4)."""
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None), encoding="utf-8")
    (repo.path / "mkdocs.public.yml").write_text(PUBLIC_YML, encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\nsite-public/\n", encoding="utf-8")
    secret = write_technology(repo.path / "projects", "secret-falcon", "P66.1", 4, title="Secret Falcon",
                              reviews={"2024-01-10-level-3.md": review(3, "2024-01-10", "graduate", 4)})
    text = (secret / "requirements.md").read_text(encoding="utf-8")
    (secret / "requirements.md").write_text(text.replace("Requirements.", SECRET), encoding="utf-8")
    write_technology(repo.path / "cards", "open-heron", "O01.1", 4, title="Open Heron",
                     card=card_meta("O01.1", "Open Heron", 4, visibility="public"),
                     reviews={"2024-02-10-level-3.md": review(3, "2024-02-10", "graduate", 4)})
    repo.commit({}, "2024-03-01", "Two technologies")
    return repo


def link(path: Path, target: str) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    os.symlink(target, path)


def sec(diagnostics) -> list[tuple[str, int, int, str]]:
    return sorted((d.path, d.line, d.column, d.code) for d in diagnostics if d.code.startswith("SEC"))


LINKED = [
    ("cards/open-heron/requirements.md", "../../projects/secret-falcon/requirements.md"),
    ("cards/open-heron/reviews/2024-02-10-level-3.md", "../../../projects/secret-falcon/reviews/2024-01-10-level-3.md"),
    ("cards/open-heron/ethics.md", "../../projects/secret-falcon/ethics.md"),
]


def test_documents_linked_into_another_technology_are_refused_everywhere(tmp_path):
    repo = two_technologies(tmp_path / "repo")
    for name, target in LINKED:
        link(repo.path / name, target)
    repo.commit({}, "2024-04-01", "Share the requirements")
    expected = sorted((name, 1, 1, "SEC002") for name, _ in LINKED)
    # On disk: the checker, the command, the public and the internal build.
    assert sec(check_portfolio(load_portfolio(repo.path, Settings()))) == expected
    checked = mltrl("check", "--format", "text", cwd=repo.path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "cards/open-heron/requirements.md:1:1: error SEC002" in checked.stdout
    assert SECRET not in checked.stdout and "Traceback" not in checked.stderr
    for config, site in (("mkdocs.public.yml", "site-public"), ("mkdocs.yml", "site")):
        result = build(repo.path, config=config, site_dir=site)
        assert result.returncode == 1 and "SEC002" in result.stderr, result.stderr
        assert not (repo.path / site).exists() or SECRET not in "".join(
            p.read_text(encoding="utf-8", errors="replace") for p in (repo.path / site).rglob("*.html"))
    # From git, as a pull request's base revision is read.
    files = read_tree(repo.path, "HEAD", ["projects", "cards"])
    assert sec(check_portfolio(load_portfolio_from_files(repo.path, Settings(), files))) == expected


def test_a_technology_folder_that_is_a_link_to_another_is_refused(tmp_path):
    repo = two_technologies(tmp_path / "repo")
    os.symlink("../projects/secret-falcon", repo.path / "cards" / "open-alias")
    repo.commit({}, "2024-04-01", "An alias")
    findings = sec(check_portfolio(load_portfolio(repo.path, Settings())))
    assert ("cards/open-alias/card.md", 1, 1, "SEC002") in findings
    assert ("cards/open-alias/requirements.md", 1, 1, "SEC002") in findings
    assert ("cards/open-alias/reviews/2024-01-10-level-3.md", 1, 1, "SEC002") in findings


def test_a_reviews_folder_that_is_a_link_to_another_technologys_is_refused(tmp_path):
    """The documents in it are no links themselves: the link on the way, the folder, is what refuses them."""
    repo = two_technologies(tmp_path / "repo")
    reviews = repo.path / "cards" / "open-heron" / "reviews"
    for file in reviews.iterdir():
        file.unlink()
    reviews.rmdir()
    os.symlink("../../projects/secret-falcon/reviews", reviews)
    repo.commit({}, "2024-04-01", "Share the reviews")
    for cache in (None, DocumentCache.for_folder(tmp_path / "cache")):
        portfolio = load_portfolio(repo.path, Settings(), cache=cache)
        assert sec(check_portfolio(portfolio)) == [("cards/open-heron/reviews/2024-01-10-level-3.md", 1, 1, "SEC002")]
        assert all(doc.model is None for doc in portfolio.technologies["open-heron"].reviews)
        if cache is not None:
            cache.save()


def test_a_link_inside_the_technologys_own_folder_is_read(tmp_path):
    repo = two_technologies(tmp_path / "repo")
    folder = repo.path / "cards" / "open-heron"
    (folder / "drafts").mkdir()
    (folder / "requirements.md").rename(folder / "drafts" / "requirements.md")
    link(folder / "requirements.md", "drafts/requirements.md")
    repo.commit({}, "2024-04-01", "Requirements in a drafts folder")
    portfolio = load_portfolio(repo.path, Settings())
    assert sec(check_portfolio(portfolio)) == []
    assert portfolio.technologies["open-heron"].requirements.model is not None
    files = read_tree(repo.path, "HEAD", ["projects", "cards"])
    assert sec(check_portfolio(load_portfolio_from_files(repo.path, Settings(), files))) == []


@pytest.mark.parametrize("name", ["reviews/2024-02-10-level-3.md", "card.md", "ethics.md", "figures/chart.png"])
def test_a_link_that_loops_is_a_finding_with_its_position(tmp_path, name):
    repo = two_technologies(tmp_path / "repo")
    path = repo.path / "cards" / "open-heron" / name
    path.parent.mkdir(exist_ok=True)
    link(path, path.name)  # linked to itself
    if name.endswith(".png"):
        card = path.parent.parent / "card.md"
        card.write_text(card.read_text(encoding="utf-8") + "\n![chart](figures/chart.png)\n", encoding="utf-8")
    repo.commit({}, "2024-04-01", "A link that loops")
    expected = [(f"cards/open-heron/{name}", 1, 1, "SEC003")]
    assert sec(check_portfolio(load_portfolio(repo.path, Settings()))) == expected
    checked = mltrl("check", cwd=repo.path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"cards/open-heron/{name}:1:1: error SEC003" in checked.stdout
    assert "Traceback" not in checked.stderr and "RuntimeError" not in checked.stdout + checked.stderr
    result = build(repo.path)
    assert result.returncode == 1 and "SEC003" in result.stderr and "Traceback" not in result.stderr
    bundle = mltrl("export", "-f", "mkdocs.public.yml", "--bundle", str(tmp_path / "bundle"), cwd=repo.path)
    assert bundle.returncode in (0, 1) and "Traceback" not in bundle.stderr, bundle.stderr  # 0: no public card left
    if not name.endswith(".png"):  # a document: read from git (the pull request's base) the same way
        files = read_tree(repo.path, "HEAD", ["projects", "cards"])
        assert sec(check_portfolio(load_portfolio_from_files(repo.path, Settings(), files))) == expected
