"""A preview's rebuild builds only the technology pages a save changed, and serves the site a fresh preview would.

The preview runs as ``mkdocs serve`` runs it (``servesim.py``: the real MkDocs
build, the configuration loaded again for every rebuild, the plugins kept).
After every save in a series of edits, renames, deletions and additions, its
whole site folder is compared, byte for byte, with the site a freshly started
preview builds from the same files.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepo
from sitebuild import TODAY, mkdocs_yml, user_cache, write_level

SIM = Path(__file__).with_name("servesim.py")


def environment(folder: Path) -> dict:
    return {**os.environ, "SOURCE_DATE_EPOCH": str(TODAY), "NO_MKDOCS_2_WARNING": "1", "GIT_CONFIG_NOSYSTEM": "1",
            "XDG_CACHE_HOME": str(user_cache(folder))}


class Preview:
    """A running preview (``servesim.py``) of the site in ``folder``, building into ``site``."""

    def __init__(self, folder: Path, site: Path) -> None:
        self.folder = folder
        self.log = folder.parent / "preview.log"
        self._errors = self.log.open("w", encoding="utf-8")
        self.process = subprocess.Popen([sys.executable, str(SIM), str(site)], cwd=folder, env=environment(folder),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors, text=True)
        self._answer()

    def _answer(self) -> None:
        line = self.process.stdout.readline()
        assert line == "built\n", f"{line}\n{self.log.read_text(encoding='utf-8')}"

    def rebuild(self) -> str:
        """Build again, as after a save; return what the build logged."""
        start = self.log.stat().st_size
        self.process.stdin.write("save\n")
        self.process.stdin.flush()
        self._answer()
        with self.log.open(encoding="utf-8") as log:
            log.seek(start)
            return log.read()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.process.stdout.close()
        self._errors.close()


def fresh_site(folder: Path, site: Path) -> None:
    """The site a freshly started preview builds."""
    shutil.rmtree(site, ignore_errors=True)
    done = subprocess.run([sys.executable, str(SIM), str(site), "--once"], cwd=folder, env=environment(folder),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout == "built\n", done.stderr


def differences(left: Path, right: Path) -> list[str]:
    """Paths whose presence or bytes differ between two site folders."""
    found: list[str] = []

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only + compared.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in compared.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return sorted(found)


@pytest.fixture
def site(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "wiki")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None), encoding="utf-8")
    (repo.path / "docs" / "guide.md").write_text("# Guide\n\nSee [the ranker](technologies/ranker.md).\n",
                                                 encoding="utf-8")
    for number, slug in enumerate(("ranker", "forecaster", "classifier", "detector"), start=1):
        write_level(repo, slug, f"P0{number}.1", 1 + number % 3, title=slug.title())
    repo.commit({}, "2024-01-01", "Four technologies")
    return repo


def card(repo: GitRepo, slug: str) -> Path:
    return repo.path / "projects" / slug / "card.md"


def test_a_series_of_saves_serves_what_a_fresh_preview_serves(site: GitRepo, tmp_path: Path):
    served, fresh = tmp_path / "served", tmp_path / "fresh"
    preview = Preview(site.path, served)
    try:
        steps = [
            ("edit one card's body", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8") + "\nA new paragraph of results.\n",
                encoding="utf-8")),
            ("edit it again: the index pages are kept", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8") + "\nAnother paragraph.\n", encoding="utf-8")),
            ("edit a title, which other pages show", lambda: card(site, "forecaster").write_text(
                card(site, "forecaster").read_text(encoding="utf-8").replace('title: "Forecaster"',
                                                                             'title: "Demand forecaster"'),
                encoding="utf-8")),
            ("rename a technology's folder", lambda: (site.path / "projects" / "classifier").rename(
                site.path / "projects" / "image-classifier")),
            ("delete a technology", lambda: shutil.rmtree(site.path / "projects" / "detector")),
            ("add a technology", lambda: write_level(site, "detector", "P09.1", 1, title="Detector")),
            ("edit a hand-written page, which every page's navigation shows", lambda: (
                site.path / "docs" / "guide.md").write_text("# Team guide\n\nSee [the ranker](technologies/ranker.md)."
                                                            "\n", encoding="utf-8")),
            ("raise a level without its content: every page lists the errors", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8").replace("level: 2", "level: 4"), encoding="utf-8")),
            ("lower it again", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8").replace("level: 4", "level: 2"), encoding="utf-8")),
            ("break a card: it cannot be read", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8").replace("level: 2", "level: 11"), encoding="utf-8")),
            ("fix it again", lambda: card(site, "ranker").write_text(
                card(site, "ranker").read_text(encoding="utf-8").replace("level: 11", "level: 2"), encoding="utf-8")),
            ("save with no change", lambda: None),
        ]
        for name, step in steps:
            step()
            preview.rebuild()
            fresh_site(site.path, fresh)
            assert differences(served, fresh) == [], name
    finally:
        preview.close()


def test_a_save_lays_out_only_the_pages_it_changes(site: GitRepo, tmp_path: Path):
    preview = Preview(site.path, tmp_path / "served")
    try:
        def add(text: str) -> None:
            card(site, "ranker").write_text(card(site, "ranker").read_text(encoding="utf-8") + text, encoding="utf-8")

        add("\nMore results.\n")  # the index pages mark the technology as changed and not yet committed
        assert "mltrl: technology pages laid out again: 1 of 4; index pages rendered again: 3 of 3" \
            in preview.rebuild()
        add("\nEven more results.\n")  # they show nothing of a card's body
        assert "mltrl: technology pages laid out again: 1 of 4; index pages rendered again: 0 of 3" \
            in preview.rebuild()
        assert "mltrl: technology pages laid out again: 0 of 4; index pages rendered again: 0 of 3" \
            in preview.rebuild()
        # The pages left out were put back by a second name of the file the last build wrote, not written again.
        pages = sorted((tmp_path / "served" / "technologies").glob("*/index.html"))
        assert len(pages) == 4 and all(page.stat().st_nlink == 2 for page in pages)
        card(site, "ranker").write_text(card(site, "ranker").read_text(encoding="utf-8").replace(
            'title: "Ranker"', 'title: "Candidate ranker"'), encoding="utf-8")
        assert "mltrl: technology pages laid out again: 1 of 4; index pages rendered again: 3 of 3" \
            in preview.rebuild()
        # Every page shows the navigation, so a change to it lays every page out again.
        (site.path / "docs" / "guide.md").write_text("# Team guide\n", encoding="utf-8")
        assert "mltrl: technology pages laid out again: 4 of 4" in preview.rebuild()
    finally:
        preview.close()


def test_a_kept_page_rewritten_in_place_is_written_again_from_its_text(site: GitRepo, tmp_path: Path):
    """Another tool rewriting a built page in place (through the kept file's second name) never leaks into
    the next rebuild: the kept file no longer matches, and the page is written from what the build made."""
    served, fresh = tmp_path / "served", tmp_path / "fresh"
    preview = Preview(site.path, served)
    try:
        preview.rebuild()
        page = served / "technologies" / "forecaster" / "index.html"
        assert page.stat().st_nlink == 2
        with page.open("r+b") as handle:  # the same file, not a new one: the kept name sees the change
            handle.write(b"<!-- rewritten -->")
        preview.rebuild()
        assert b"rewritten" not in page.read_bytes()
        fresh_site(site.path, fresh)
        assert differences(served, fresh) == []
    finally:
        preview.close()


def test_an_edited_theme_override_is_compiled_anew_in_a_preview(site: GitRepo, tmp_path: Path):
    """The theme's compiled templates are kept between rebuilds, checked against their source."""
    served = tmp_path / "served"
    override = site.path / "overrides" / "main.html"
    override.write_text('{% extends "base.html" %}{% block footer %}<p>First footer</p>{% endblock %}\n',
                        encoding="utf-8")
    preview = Preview(site.path, served)
    try:
        preview.rebuild()
        assert "First footer" in (served / "index.html").read_text(encoding="utf-8")
        override.write_text('{% extends "base.html" %}{% block footer %}<p>Second footer</p>{% endblock %}\n',
                            encoding="utf-8")
        preview.rebuild()
        home = (served / "index.html").read_text(encoding="utf-8")
        assert "Second footer" in home and "First footer" not in home
    finally:
        preview.close()
