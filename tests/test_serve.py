"""``mkdocs serve`` keeps answering while the content has errors, and shows them on the pages.

Each test starts the real ``mkdocs serve`` on a free port in a repository in
``tmp_path``, breaks a card the way a user would (by saving the file), and reads
the pages over HTTP (and in Chromium) as a browser would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browserkit import chromium  # noqa: F401 - fixture
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, stop, user_cache, write_level

ANSWER_WITHIN = 5.0
"""Seconds a page may take once the server has rebuilt: it must never hold a request until a fix."""
CARD = "projects/ranker/card.md"
TITLE_LINE = 'title: "Candidate ranker"'

FM004 = ('<li class="mltrl-finding mltrl-error"><code>projects/ranker/card.md:6:10</code> <strong>FM004</strong> '
         'YAML syntax error: did not find expected key <span class="mltrl-hint">— check indentation and '
         'quoting</span></li>')
SCH005 = ('<li class="mltrl-finding mltrl-error"><code>projects/ranker/card.md:4:8</code> <strong>SCH005</strong> '
          '&#39;level&#39;: input should be less than or equal to 9 (got 11)</li>')
SCH002_ATTACK = ('<code>projects/ranker/card.md:5:1</code> <strong>SCH002</strong> unknown field '
                 '&#39;&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt;&#39;')


def make_site(folder: Path, config: str | None = None) -> GitRepo:
    """A repository with one technology (``ranker``, level 1) and a site configuration."""
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(config or mkdocs_yml(repo_url=None), encoding="utf-8")
    write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker")
    repo.commit({}, "2024-01-01", "Add the ranker")
    return repo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running ``mkdocs serve`` and the pages it answers."""

    def __init__(self, base: str, log: Path) -> None:
        self.base = base
        self.log = log

    def get(self, path: str, timeout: float = 60) -> tuple[int, str, float]:
        """``(status, body, seconds)`` of one request; a request held past ``timeout`` fails the test."""
        began = time.monotonic()
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:
                status, body = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode("utf-8")
        except TimeoutError:
            pytest.fail(f"{path} held for {timeout} s:\n{self.log.read_text(encoding='utf-8')}")
        return status, body, time.monotonic() - began

    def wait_for(self, path: str, test, seconds: float = 90) -> str:
        """Poll ``path`` until ``test(body)`` holds (a rebuild takes a moment); return that body."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                _, body, _ = self.get(path)
            except urllib.error.URLError:  # not listening yet
                body = ""
            if test(body):
                return body
            time.sleep(0.3)
        pytest.fail(f"{path} never changed as expected:\n{self.log.read_text(encoding='utf-8')}")

    def answers_at_once(self, path: str) -> tuple[int, str]:
        """``(status, body)`` of a request that must be answered within :data:`ANSWER_WITHIN` seconds."""
        status, body, seconds = self.get(path)
        assert seconds < ANSWER_WITHIN, f"{path} took {seconds:.1f} s"
        return status, body


@contextmanager
def serving(repo: GitRepo, *args: str) -> Iterator[Server]:
    """``mkdocs serve`` in ``repo`` on a free port; the server is stopped however the test ends."""
    port = free_port()
    log_path = repo.path.parent / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GIT_CONFIG_NOSYSTEM": "1",
           "XDG_CACHE_HOME": str(user_cache(repo.path))}
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", *args],
                                   cwd=repo.path, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            yield Server(f"http://127.0.0.1:{port}/", log_path)
        finally:
            stop(process)


def edit_card(repo: GitRepo, old: str, new: str) -> str:
    """Save the card with ``old`` replaced by ``new``; return the text it had."""
    card = repo.path / CARD
    text = card.read_text(encoding="utf-8")
    assert old in text
    card.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def test_a_yaml_error_shows_on_every_page_and_the_fix_brings_the_site_back(tmp_path):
    repo = make_site(tmp_path / "repo")
    with serving(repo) as server:
        server.wait_for("technologies/ranker/", lambda body: "Candidate ranker" in body)
        original = edit_card(repo, TITLE_LINE, 'title: "Candidate ranker\nbroken: [')
        server.wait_for("", lambda body: "mltrl-build-errors" in body)
        for path in ("", "technologies/ranker/", "levels/", "no-such-page/"):
            status, body = server.answers_at_once(path)
            assert FM004 in body, path
            assert body.count('id="mltrl-build-errors"') == 1, path
            assert status == (404 if path == "no-such-page/" else 200)
            assert body.index("<article") < body.index('id="mltrl-build-errors"'), path  # inside the content
        assert "1 error in the content" in server.answers_at_once("")[1]
        log = server.log.read_text(encoding="utf-8")
        assert ("projects/ranker/card.md:6:10: error FM004 YAML syntax error: did not find expected key "
                "(hint: check indentation and quoting)") in log
        assert "The server will appear stuck" not in log

        (repo.path / CARD).write_text(original, encoding="utf-8")
        body = server.wait_for("technologies/ranker/", lambda body: "mltrl-build-errors" not in body)
        assert "<h1" in body and "Candidate ranker" in body and "Not built" not in body
        assert "mltrl-build-errors" not in server.answers_at_once("")[1]


def test_a_preview_starts_with_errors_and_escapes_what_the_card_wrote(tmp_path, chromium):  # noqa: F811
    repo = make_site(tmp_path / "repo")
    edit_card(repo, "level: 1\n", 'level: 11\n"<img src=x onerror=\\"window.pwned=1\\">": 1\n')
    with serving(repo) as server:
        body = server.wait_for("technologies/ranker/", lambda body: "mltrl-build-errors" in body)
        assert SCH005 in body and SCH002_ATTACK in body
        assert "<img src=x" not in body
        assert "2 errors in the content" in body
        assert "Not built: the card has errors" in body  # the card could not be read: the page stands in for it

        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(server.base + "technologies/ranker/")
            box = page.locator("#mltrl-build-errors")
            assert box.is_visible()
            items = box.locator("li").all_inner_texts()
            assert items[0].startswith("projects/ranker/card.md:4:8 SCH005 'level': input should be less than")
            assert items[1].startswith('projects/ranker/card.md:5:1 SCH002 unknown field '
                                       '\'<img src=x onerror="window.pwned=1">\'')
            assert page.evaluate("window.pwned") is None
            page.goto(server.base)
            assert page.locator("#mltrl-build-errors li").count() == 2
        finally:
            context.close()

        edit_card(repo, 'level: 11\n"<img src=x onerror=\\"window.pwned=1\\">": 1\n', "level: 1\n")
        body = server.wait_for("technologies/ranker/", lambda body: "mltrl-build-errors" not in body)
        assert "Candidate ranker" in body


def test_a_public_preview_names_no_technology_it_does_not_publish(tmp_path):
    config = mkdocs_yml(repo_url=None, options={"public_only": True})
    repo = make_site(tmp_path / "repo", config)
    edit_card(repo, "level: 1\n", "level: 11\n")
    with serving(repo) as server:
        server.wait_for("", lambda body: "mltrl-build-errors" in body)
        status, body = server.answers_at_once("technologies/ranker/")
        assert status == 404 and SCH005 in body  # the "not found" page has the list, no page stands in


def test_a_build_still_stops_on_the_errors_a_preview_shows(tmp_path):
    repo = make_site(tmp_path / "repo")
    edit_card(repo, "level: 1\n", "level: 11\n")
    for strict in (True, False):
        result = build(repo.path, strict=strict)
        assert result.returncode == 1
        assert "projects/ranker/card.md:4:8: error SCH005" in result.stderr
        assert not (repo.path / "site" / "index.html").exists()
