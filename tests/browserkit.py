"""Real headless Chromium for browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Playwright never downloads a browser here: it drives the system Chromium via
``executable_path``. The built site is served by ``http.server`` on
127.0.0.1 in a thread. When Chromium is missing, a browser test fails on CI
(the ``CI`` environment variable is set) and is skipped, with the reason,
elsewhere.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MLTRL_CHROMIUM", "/usr/bin/chromium")
"""The browser binary; Debian's package installs it here."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
"""Screenshots and other outputs of test runs (git-ignored)."""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run on CI: {reason} (install it: apt-get install -y chromium)")
    pytest.skip(f"{reason}; install Debian's chromium to run browser tests")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        """Keep test output free of one line per request."""


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def chromium():
    """A launched headless Chromium, one per test module (Playwright allows one running instance at a time)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any launch failure means no browser
        manager.stop()
        _unavailable(f"{CHROMIUM} does not start: {exc}")
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def browser_page(chromium) -> Iterator[Callable[[Path], tuple]]:
    """``open(site_dir) -> (page, base_url)``: serves ``site_dir`` on 127.0.0.1 and opens a fresh page."""
    servers = []
    contexts = []

    def open_site(site_dir: Path, *, color_scheme: str = "light", width: int = 1280):
        handler = functools.partial(_QuietHandler, directory=str(site_dir))
        server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page, f"http://127.0.0.1:{server.server_address[1]}/"

    yield open_site
    for context in contexts:
        context.close()
    for server in servers:
        server.shutdown()
        server.server_close()
