"""The site core without MkDocs: addresses, safe links, card Markdown, charts and page rendering."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import card_body, card_meta, section_text, write_technology

from mltrl_docs.config import Settings
from mltrl_docs.history.model import (
    Event,
    LevelSpan,
    PortfolioHistory,
    TechnologyHistory,
)
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import check_portfolio
from mltrl_docs.site.pages import Site
from mltrl_docs.site.view import build_view
from mltrl_docs.site.markdown import render_markdown
from mltrl_docs.site.svg import Mark, Run, timeline_svg
from mltrl_docs.site.urls import Layout, page_url, relative_url, safe_url

UTC = dt.timezone.utc


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("value, expected", [
    ("https://example.org/x", "https://example.org/x"),
    ("mailto:team@example.org", "mailto:team@example.org"),
    ("javascript:alert(1)", None),
    (" javascript:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("vbscript:msgbox", None),
    ("http:evil", None),
    ("docs/readme.md", None),
])
def test_safe_url_lets_through_only_web_and_mail_addresses(value, expected):
    assert safe_url(value) == expected


@pytest.mark.parametrize("src_uri, directory_urls, expected", [
    ("index.md", True, "./"),
    ("index.md", False, "index.html"),
    ("levels.md", True, "levels/"),
    ("levels.md", False, "levels.html"),
    ("technologies/solar-bo.md", True, "technologies/solar-bo/"),
    ("mltrl.json", True, "mltrl.json"),
])
def test_page_url_follows_the_engine(src_uri, directory_urls, expected):
    assert page_url(src_uri, directory_urls) == expected


@pytest.mark.parametrize("target, here, expected", [
    ("technologies/a/", "./", "technologies/a/"),
    ("./", "technologies/a/", "../../"),
    ("levels/#level-3", "technologies/a/", "../../levels/#level-3"),
    ("technologies/b/", "technologies/a/", "../b/"),
    ("levels.html", "technologies/a.html", "../levels.html"),
    ("mltrl.json", "technologies/a/", "../../mltrl.json"),
])
def test_relative_url(target, here, expected):
    assert relative_url(target, here) == expected


def test_card_markdown_is_sanitised_and_keeps_ordinary_markdown():
    text = "\n".join([
        "# Title that the page already shows",
        "## Section",
        "A [link](https://example.org) and [bad](javascript:alert(1)) and <b onclick=\"x()\">bold</b>.",
        "<script>alert(1)</script>",
        "<img src=\"x.png\" onerror=\"alert(1)\">",
        "<svg onload=\"alert(1)\"><circle r=\"1\"/></svg>",
        "<a href=\" javascript:alert(1)\">spaced</a> <a href=\"data:text/html,x\">data</a>",
        "<style>body{}</style><iframe src=\"https://example.org\"></iframe>", "",
        "| a | b |", "|--:|---|", "| 1 | 2 |", "",
        "```python", "print('<script>')", "```",
        "![chart](https://example.org/c.png)",
    ])
    html = render_markdown(text, shift=1, drop_title=True, id_prefix="card-").html
    assert "<script" not in html and "onerror" not in html and "onclick" not in html and "onload" not in html
    assert not re.search(r"(href|src)=\"\s*(javascript|data):", html, re.I)
    assert "<iframe" not in html and "<style" not in html
    assert "<svg" not in html
    assert "Title that the page" not in html
    assert '<h3 id="card-section">Section</h3>' in html
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html
    assert "<table>" in html and 'style="text-align:right"' in html
    assert "print(&#x27;&lt;script&gt;&#x27;)" in html or "print('&lt;script&gt;')" in html
    assert '<img src="https://example.org/c.png" alt="chart">' in html


def test_relative_links_go_through_the_resolver_and_anchors_get_the_prefix():
    seen = []

    def resolve(url):
        seen.append(url)
        return "RESOLVED" if url == "requirements.md" else None

    html = render_markdown("[r](requirements.md) [x](../../../etc/passwd) [t](#section) [p](//evil.example/x)",
                           resolve=resolve, id_prefix="card-").html
    assert 'href="RESOLVED"' in html and 'href="#card-section"' in html
    assert "passwd" not in html.split(">x<")[0].rsplit("<a", 1)[-1]
    assert "evil.example" not in html
    assert seen == ["requirements.md", "../../../etc/passwd"]


def test_timeline_has_one_step_per_level_run_and_a_text_alternative():
    runs = [Run(1, day("2023-01-01"), day("2023-03-01")), Run(2, day("2023-03-01"), day("2023-06-01")),
            Run(1, day("2023-06-01"), day("2023-07-01")), Run(2, day("2023-07-01"), None)]
    marks = [Mark(day("2023-06-01"), "switchback", 1, "back <to> 1", "discovery"),
             Mark(day("2023-03-01"), "graduation", 2, "up")]
    svg = str(timeline_svg("t", "Timeline of <X>", runs, marks, [], day("2024-01-01"), "desc & more"))
    assert len(re.findall(r'class="mltrl-step ', svg)) == 4
    assert 'data-switchback="discovery"' in svg
    assert "<title id=\"t-title\">Timeline of &lt;X&gt;</title>" in svg
    assert "<desc id=\"t-desc\">desc &amp; more</desc>" in svg
    assert "back &lt;to&gt; 1" in svg and 'aria-labelledby="t-title t-desc"' in svg


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3") and dict(attrs).get("id"):
            self.ids.append(dict(attrs)["id"])


def _history(slug: str) -> TechnologyHistory:
    events = [Event(day("2023-01-02"), "created", commit="a" * 40, author="research lead", message="start",
                    to_level=1),
              Event(day("2023-04-02"), "graduation", commit="b" * 40, author="research lead", message="up",
                    from_level=1, to_level=2)]
    spans = [LevelSpan(1, "active", day("2023-01-02"), day("2023-04-02")), LevelSpan(2, "active", day("2023-04-02"),
                                                                                      None)]
    return TechnologyHistory(slug, events, spans)


def test_site_renders_every_page_from_a_portfolio_without_mkdocs(tmp_path: Path):
    write_technology(tmp_path / "projects", "solar-bo", "P07.1", 2)
    write_technology(tmp_path / "projects", "ranker", "P02.1", 2,
                     card={**card_meta("P02.1", "Ranker", 2), "visibility": "public"})
    settings = Settings(repo_url="https://code.example/org/wiki")
    portfolio = load_portfolio(tmp_path, settings)
    history = PortfolioHistory(True, projects={"solar-bo": _history("solar-bo")}, now=day("2024-01-01"))
    view = build_view(portfolio, check_portfolio(portfolio), history, settings=settings, repo_url=settings.repo_url)
    site = Site(view)
    specs = {s.src_uri: s for s in site.pages()}
    assert set(specs) == {"index.md", "levels.md", "analytics.md", "technologies/solar-bo.md",
                          "technologies/ranker.md"}
    assert specs["technologies/solar-bo.md"].source == "projects/solar-bo/card.md"
    page = site.render(specs["technologies/solar-bo.md"])
    assert len(re.findall(r'class="mltrl-step ', page.html)) == 2
    assert 'href="https://code.example/org/wiki/commit/' + "b" * 40 + '"' in page.html
    assert [e.id for e in page.toc][:3] == ["timeline", "card", "card-tl-dr"]
    parser = _Headings()
    parser.feed(page.html)
    assert len(parser.ids) == len(set(parser.ids)), "heading ids are unique"
    home = site.render(specs["index.md"]).html
    assert home.index("P07.1") > 0 and 'href="technologies/ranker/"' in home
    levels = site.render(specs["levels.md"]).html
    assert 'id="level-9"' in levels and "L402" in levels
    public = Site(build_view(portfolio, [], history, settings=settings, repo_url=None, public_only=True))
    assert [s.slug for s in public.pages() if s.kind.cached] == ["ranker"]
    assert "P07.1" not in public.render(PageSpecFor(public, "index.md")).html


def PageSpecFor(site: Site, src_uri: str):
    return next(s for s in site.pages() if s.src_uri == src_uri)


def test_the_core_imports_no_mkdocs():
    code = ("import sys, mltrl_docs.site, mltrl_docs.site.pages; "
            "print(any(m == 'mkdocs' or m.startswith('mkdocs.') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_layout_places_technology_files_beside_their_page():
    layout = Layout(use_directory_urls=False)
    assert layout.technology_file("solar-bo", "figures/a.png") == "technologies/solar-bo/figures/a.png"
    assert layout.linker("technologies/solar-bo.md").file("technologies/solar-bo/figures/a.png") == \
        "solar-bo/figures/a.png"


@pytest.mark.parametrize("text, plain", [
    ("Notes.", True), ("\nThe panel met.\n\nIt agreed, with two tasks (see below).\n", True),
    ("A line\nanother line", True), ("It's \"fine\"\tmostly", True), ("1. list", False), ("- item", False),
    ("# head", False), ("Text with *em*", False), ("x & y", False), ("trailing  ", False), ("===", False),
    ("    code", False), ("> quote", False), ("a <b>tag</b>", False), ("[link](https://example.org)", False),
])
def test_plain_text_shortcut_renders_exactly_like_markdown(text, plain):
    import nh3

    from mltrl_docs.site.markdown import _MD, _plain_paragraphs

    fast = _plain_paragraphs(text)
    assert (fast is not None) == plain
    if plain:
        assert fast == nh3.clean(_MD.render(text)) == render_markdown(text).html



@pytest.mark.parametrize("text, short", [
    ("# Level 1 review\n", True), ("# Level 1 review", True), ("\n  \n# Review\n\nThe panel met.\n", True),
    ("   # Review\nIt agreed.\n\nTwo tasks.", True), ("#\nNotes.", True), ("# Review\n\n", True),
    ("#Review", False), ("    # code", False), ("\t# code", False), ("## Review\n\nText.", False),
    ("# Review\n===", False), ("# Review\n\n- item", False), ("# Review\n\n[x]: https://example.org", False),
])
def test_title_shortcut_renders_exactly_like_markdown(text, short):
    from mltrl_docs.site.markdown import _render, _shortcut

    fast = _shortcut(text, drop_title=True)
    assert (fast is not None) == short
    full = _render(text, None, 3, True, "rv-")
    if short:
        assert fast == full.html and not full.headings
    assert render_markdown(text, shift=3, drop_title=True, id_prefix="rv-").html == full.html
    assert _shortcut(text, drop_title=False) is None


def test_page_cache_returns_only_what_this_user_signed(tmp_path: Path):
    from mltrl_docs.cachekey import load_or_create_key
    from mltrl_docs.site.cache import PageCache

    key = load_or_create_key(tmp_path / "user" / "page-cache.key")
    assert key is not None and load_or_create_key(tmp_path / "user" / "page-cache.key") == key
    assert (tmp_path / "user" / "page-cache.key").stat().st_mode & 0o077 == 0
    folder = tmp_path / "pages"
    page = {"html": "<p>Résumé</p>", "toc": [[2, "card", "TRL card"]], "search": None}
    PageCache(folder, key).put("solar-bo", "f1", page)
    assert PageCache(folder, key).get("solar-bo", "f1") == page
    assert PageCache(folder, key).get("solar-bo", "f2") is None
    # An entry written during a build carries its token: taken by that token only, fingerprint and all.
    assert PageCache(folder, key).take("solar-bo", "build-1") is None
    PageCache(folder, key).put("ranker", "f3", page, "build-1")
    assert PageCache(folder, key).take("ranker", "build-1") == ("f3", page)
    assert PageCache(folder, key).take("ranker", "build-2") is None
    assert PageCache(folder, key).get("ranker", "f3") == page
    assert PageCache(folder, key).exists("ranker") and not PageCache(folder, key).exists("other")
    assert PageCache(folder, b"x" * 32).get("solar-bo", "f1") is None
    data = (folder / "solar-bo.page").read_bytes()
    (folder / "solar-bo.page").write_bytes(data[:-5])
    assert PageCache(folder, key).get("solar-bo", "f1") is None
    assert PageCache(folder, None).folder is None
    PageCache(folder, key).put("ranker", "f1", page)
    PageCache(folder, key).prune({"solar-bo"})
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "solar-bo.page"]  # never committed


def test_links_between_documents_become_links_between_pages(tmp_path: Path):
    body = card_body("Ranker").replace(section_text("model"), " ".join([
        "[reqs](requirements.md)", "[ethics](ethics.md#part)", "[review](reviews/2024-01-01-level-1.md)",
        "[other](../solar-bo/card.md#tl-dr)", "[other folder](../solar-bo/)", "[own](card.md#key-assumptions)",
        "[readme](../../README.md)", "[hidden](../../cards/secret/card.md)", "[out](../../../etc/passwd)"]))
    write_technology(tmp_path / "projects", "ranker", "P02.1", 1, body=body)
    write_technology(tmp_path / "projects", "solar-bo", "P07.1", 1)
    settings = Settings(repo_url="https://code.example/org/wiki")
    portfolio = load_portfolio(tmp_path, settings)
    history = PortfolioHistory(False, "not a git repository", now=day("2024-01-01"))
    site = Site(build_view(portfolio, [], history, settings=settings, repo_url=settings.repo_url))
    html = site.render(PageSpecFor(site, "technologies/ranker.md")).html
    hrefs = dict(re.findall(r'<a href="([^"]*)" rel="noopener noreferrer">([^<]*)</a>', html))
    assert {text: href for href, text in hrefs.items()} == {
        "reqs": "#requirements", "ethics": "#ethics", "review": "#review-2024-01-01-level-1",
        "other": "../solar-bo/#card-tl-dr", "other folder": "../solar-bo/", "own": "#card-key-assumptions",
        "readme": "https://code.example/org/wiki/blob/HEAD/README.md"}
    assert ">hidden</a>" in html and ">out</a>" in html  # kept as text, without an address


@pytest.mark.parametrize("title", ["!ENV HOME", "!relative $config_dir", "a: b", "<b>x</b> & 'y'", "--- \n...",
                                   'P1 · "quoted" \\ back', "Résumé 😀 \u2028 end", "tab\tand\x7fdel\x85", "\ufeffbom",
                                   "# not a comment", "- not a list", "{not: a map}", "null", "true", "1.10"])
def test_page_stub_front_matter_keeps_any_title_as_text(title):
    from html import escape

    from mkdocs.utils.meta import get_data

    from mltrl_docs.site.kinds import PLACEHOLDER, PageSpec, TechnologyPage

    for hide in ((), ("navigation",), ("navigation", "toc")):
        spec = PageSpec("technologies/x.md", TechnologyPage(), title, hide=hide)
        body, meta = get_data(spec.markdown())
        assert meta == spec.meta() and meta["title"] == escape(title)
        assert meta.get("hide", []) == list(hide)
        assert body.strip() == PLACEHOLDER
        # Without front matter (the plugin sets the metadata itself), the engine finds none to read.
        assert get_data(spec.markdown(front_matter=False)) == (PLACEHOLDER + "\n", {})


class _Ids(HTMLParser):
    """Every ``id`` on a page, and every in-page link (``href`` or ``xlink:href`` starting with ``#``)."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"])
        for name in ("href", "xlink:href"):
            if (found.get(name) or "").startswith("#"):
                self.links.append(found[name][1:])


def test_research_and_product_requirements_with_one_id_keep_their_own_rows_and_anchors(tmp_path: Path):
    reqs = {"requirements": [
        {"id": "1.0.0", "kind": "product", "statement": "The service shall answer within a second.",
         "verification": "Load test.", "validation": "User study.", "p_failure": 0.1, "value": 8},
        {"id": "1.0.0", "kind": "research", "statement": "The model shall rank candidates.",
         "verification": "Unit tests.", "validation": "Expert review.", "p_failure": 0.2, "value": 5}]}
    body = card_body("Ranker", requirements={"requirements": []}).replace(
        section_text("requirements"), "### Research\n\n1. Ranking.\n\n### Product\n\n1. Latency.\n")
    write_technology(tmp_path / "projects", "ranker", "P02.1", 2, requirements=reqs, body=body)
    settings = Settings()
    portfolio = load_portfolio(tmp_path, settings)
    assert check_portfolio(portfolio) == []
    history = PortfolioHistory(True, now=day("2024-01-01"))
    site = Site(build_view(portfolio, [], history, settings=settings, repo_url=None))
    html = site.render(PageSpecFor(site, "technologies/ranker.md")).html
    page = _Ids(html)
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    rows = re.findall(r'<tr id="(req-[^"]+)">', html)
    assert rows == ["req-research-1-0-0", "req-product-1-0-0"]  # research first, each kind numbered apart
    matrix = re.search(r'<svg[^>]*class="mltrl-chart mltrl-risk-matrix".*?</svg>', html, re.DOTALL).group(0)
    assert sorted(_Ids(matrix).links) == ["req-product-1-0-0", "req-research-1-0-0"]
    assert ">R1.0.0<" in matrix and ">P1.0.0<" in matrix
    assert set(page.links) >= set(rows)
