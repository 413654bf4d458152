"""A site published under a sub-path (``https://example.org/project/``), and the dark scheme, in headless Chromium.

GitHub Pages serves a project's site at ``/<repository>/`` and answers every
missing address with the site's ``404.html``; the web server here does the same,
serving the parent folder so that the site sits at ``/project/``.
"""

from __future__ import annotations

import functools
import http.server
import re
import socketserver
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from browserkit import browser_page, chromium  # noqa: F401 - fixtures
from gitrepo import GitRepo
from sitebuild import PALETTE, build, mkdocs_yml, small_portfolio

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = "https://example.org/project/"


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, and ``/project/404.html`` with status 404 for anything missing, as GitHub Pages answers."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "project" / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, format, *args):
        """Keep test output free of one line per request."""


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The small portfolio built with ``site_url: https://example.org/project/`` into ``www/project/``."""
    folder = tmp_path_factory.mktemp("subpath")
    repo = GitRepo(folder / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, theme_extra=PALETTE,
                                                     extra=f"site_url: {SITE_URL}\n"), encoding="utf-8")
    small_portfolio(repo)
    www = folder / "www"
    result = build(repo.path, site_dir=str(www / "project"))
    assert result.returncode == 0, result.stderr
    return www / "project"


@pytest.fixture
def served(published, chromium):  # noqa: F811
    """``(page, origin)``: the parent of the site served on 127.0.0.1 and a fresh Chromium page."""
    server = _Server(("127.0.0.1", 0), functools.partial(_PagesHandler, directory=str(published.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_the_404_page_is_styled_at_any_depth_and_leads_home(served):
    page, origin = served
    for missing in ("/project/no-such-page", "/project/technologies/gone/deeper/"):
        response = page.goto(origin + missing)
        assert response.status == 404
        assert page.locator("h1").first.inner_text() == "404 - Not found"
        # Material's stylesheet applied: its header is a fixed bar in the primary colour, not a plain block.
        header = page.locator("header.md-header")
        assert header.evaluate("e => getComputedStyle(e).position") == "sticky"
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        assert page.locator('link[rel="stylesheet"][href^="/project/assets/stylesheets/main."]').count() == 1
        home = page.locator("a.md-header__button.md-logo")
        # MkDocs writes the home page's address as "/project/." (the folder itself), which the browser reads as
        # /project/; without site_url it would be "/.", the host's root rather than the project's.
        assert home.get_attribute("href").startswith("/project/")
        assert home.evaluate("a => a.href") == origin + "/project/"
    home.click()
    page.wait_for_url(origin + "/project/")
    assert page.locator("#mltrl-portfolio-table tbody tr").count() == 3


def test_the_sitemap_lists_every_page_generated_ones_included(published):
    tree = ET.parse(published / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in tree.getroot().findall("s:url/s:loc", namespace)}
    folders = [path.parent.relative_to(published).as_posix() for path in published.rglob("index.html")]
    pages = {SITE_URL + ("" if folder == "." else folder + "/") for folder in folders}
    assert listed == pages
    for generated in ("", "technologies/solar-bo/", "technologies/ranker/", "technologies/platform/", "levels/",
                      "analytics/", "reference/rules/", "reference/configuration/"):
        assert SITE_URL + generated in listed


def contrast(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """The WCAG contrast ratio of two sRGB colours (0-255 channels)."""
    def luminance(rgb):
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


CHART_TEXT = """() => {
  const page = getComputedStyle(document.body).backgroundColor;
  return [...document.querySelectorAll('svg.mltrl-chart text')].filter(t => t.getBBox().width > 0).map(t => {
    const style = getComputedStyle(t);
    // A letter on a marker (R on a review, ! on a skip) stands on the marker's own shape, not on the page.
    const mark = t.closest('.mltrl-mark');
    const shape = mark && mark.querySelector('circle, path, rect');
    return {text: t.textContent, fill: style.fill, opacity: parseFloat(style.fillOpacity) * parseFloat(style.opacity),
            bg: shape ? getComputedStyle(shape).fill : page, page};
  });
}"""


PAGE_TEXT = """() => {
  // Colours as 0-255 channels and an alpha; Chromium writes color-mix() results as color(srgb r g b / a).
  function parse(text) {
    const v = text.match(/[\\d.]+/g).map(Number);
    if (text.startsWith('color(')) return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1];
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  }
  function over(top, below) {
    return [0, 1, 2].map(i => top[3] * top[i] + (1 - top[3]) * below[i]).concat([1]);
  }
  // What shows behind an element: its own and its ancestors' backgrounds, laid over each other.
  function behind(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  }
  const out = [];
  for (const el of document.querySelectorAll('.md-content [class*=mltrl]')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length || !el.getBoundingClientRect().width) continue;
    const bg = behind(el);
    out.push({cls: String(el.className), text: own[0].textContent.trim(), fg: over(parse(getComputedStyle(el).color), bg),
              bg});
  }
  return out;
}"""


@pytest.mark.parametrize("path", ["project/technologies/solar-bo/", "project/", "project/levels/", "project/analytics/"])
def test_the_plugins_page_text_is_readable_in_the_dark_scheme(published, browser_page, path):  # noqa: F811
    """Badges, chips, tables and notes of the generated pages, each against what shows behind it."""
    page, base = browser_page(published.parent, color_scheme="dark")
    page.goto(base + path)
    page.locator("label[for=__palette_1]").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    items = page.evaluate(PAGE_TEXT)
    assert any("mltrl-level" in item["cls"] for item in items)
    poor = [(item["cls"], item["text"], round(contrast(item["fg"], item["bg"]), 2)) for item in items
            if contrast(item["fg"], item["bg"]) < 4.5]
    assert poor == []


def rgb(text: str) -> tuple[float, ...]:
    values = [float(v) for v in re.findall(r"[\d.]+", text)]
    assert len(values) >= 3, text
    return tuple(values)


@pytest.mark.parametrize("path", ["project/technologies/solar-bo/", "project/", "project/analytics/"])
def test_chart_text_is_readable_in_the_dark_scheme(published, browser_page, path):  # noqa: F811
    page, base = browser_page(published.parent, color_scheme="dark")
    page.goto(base + path)
    page.locator("label[for=__palette_1]").first.click()  # Material's toggle to the dark scheme
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    texts = page.evaluate(CHART_TEXT)
    assert len(texts) > 5
    assert contrast(rgb(texts[0]["page"]), (255, 255, 255)) > 10  # the page is dark
    for item in texts:
        background = rgb(item["bg"])
        fill = rgb(item["fill"])
        # A half-transparent fill shows blended with the page behind it.
        shown = tuple(item["opacity"] * f + (1 - item["opacity"]) * b for f, b in zip(fill[:3], background[:3]))
        assert contrast(shown, background) >= 4.5, item


def test_this_repository_publishes_with_the_address_github_pages_gives_it():
    """mkdocs.yml takes site_url from SITE_URL, which the publishing workflow sets to the repository variable
    SITE_URL (a custom domain) or else to the project site's address on GitHub Pages."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^site_url: !ENV SITE_URL$", config, re.MULTILINE)
    workflow = yaml.safe_load((ROOT / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    (built,) = [s for s in steps if s.get("name") == "Build the site"]
    assert built["env"]["SITE_URL"] == ("${{ vars.SITE_URL || format('https://{0}.github.io/{1}/', "
                                        "github.repository_owner, github.event.repository.name) }}")
