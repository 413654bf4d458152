"""Untrusted content: script planted in every part of a card never becomes live script on the built site.

A card, its requirements, ethics checklist, review record, recorded history
and even the commit messages carry script in every form we know of. The site
is built with ``--strict`` (the planted values are all valid documents), then
every file of it is parsed: the only scripts are the site's own assets, no
element has an event handler, and no address runs script.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from browserkit import browser_page, chromium  # noqa: F401 - fixtures
from factories import (
    card_body,
    card_meta,
    ethics_meta,
    front_matter,
    requirements_meta,
    section_text,
    write_checklist,
)
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, review

SCRIPTS = [
    "<script>alert('raw')</script>",
    "<img src=x onerror=alert('img')>",
    "<svg onload=alert('svg')><circle r=1></circle></svg>",
    "<a href=\"javascript:alert('href')\">click</a>",
    "<a href=\" javascript:alert('spaced')\">spaced</a>",
    "<a href=\"java&#x09;script:alert('tab')\">tab</a>",
    "<a href=\"data:text/html,<script>alert('data')</script>\">data</a>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<object data=\"javascript:alert('object')\"></object><embed src=\"javascript:alert('embed')\">",
    "<form action=\"javascript:alert('form')\"><button formaction=\"javascript:alert('btn')\">go</button></form>",
    "<math><a xlink:href=\"javascript:alert('math')\">m</a></math>",
    "<div style=\"background:url(javascript:alert('style'))\" onmouseover=\"alert('over')\">styled</div>",
    "<style>@import 'javascript:alert(\"css\")';</style>",
    "<base href=\"javascript:alert('base')//\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('meta')\">",
    "<details open ontoggle=alert('toggle')><summary>s</summary></details>",
    "<svg><animate attributeName=href to=javascript:alert('animate') /><a><text>x</text></a></svg>",
]
"""Ways to run script from HTML; every one calls ``alert``."""

MARKDOWN = [
    "[markdown link](javascript:alert('md'))",
    "[entity link](&#106;avascript:alert('md2'))",
    "![image](javascript:alert('mdimg'))",
    "<javascript:alert('autolink')>",
    "[escape](../../../../../etc/passwd) ![outside](../../../../../etc/hostname)",
    "![linked out](figures/leak.png) ![svg](figures/evil.svg) [page](figures/evil.html)",
    "--8<-- \"/etc/passwd\"",
    "{{ config.site_name }} {% include 'main.html' %}",
]
"""Markdown that would make script or read files if it were trusted."""

HEADINGS = [
    "<h2 id='t\" onfocus=\"alert(1)\" autofocus tabindex=\"1\" data-x=\"'>Raw heading</h2>",
    "<h2 id=\"t&quot; onfocus=&quot;alert('id2')&quot; autofocus tabindex=&quot;1\">Entity heading</h2>",
    "<h3 id='u&#34; onmouseover=&#34;alert(`id3`)'>Decimal entity heading</h3>",
    "<h2 id=\"v' onfocus='alert(4)' autofocus tabindex='1' x='\">Single-quote heading</h2>",
    "<h2 id=\"w&#x22;&#x3E;&#x3C;img src=x onerror=alert(5)&#x3E;\">Hex entity heading</h2>",
    "<h3 id=\"a b\tc\nd\" title=\"&lt;/title&gt;&lt;script&gt;alert(6)&lt;/script&gt;\">Spaced id</h3>",
    "## Markdown &quot; onfocus=&quot;alert(7) \"quoted\" <b onmouseover=alert(8)>bold</b>",
]
"""Headings whose ``id`` or text tries to break out of the attribute a theme prints it into raw."""

FEATURES = [
    "[^x\" onmouseover=\"alert('fn1')]: a label that breaks out of an id",
    "Note[^evil] and [^2].\n\n[^evil]: <script>alert('fn2')</script><img src=x onerror=alert('fn3')>\n"
    "[^2]: \" onmouseover=\"alert('fn4')\" x=\"",
    "!!! note \"<img src=x onerror=alert('adm')>\\\" onclick=\\\"alert('adm2')\"\n    Body <script>alert('adm3')</script>",
    "??? danger \"</summary><script>alert('det')</script>\"\n    Folded <b onmouseover=alert('det2')>b</b>",
    "!!! md-header\" onclick=\"alert('cls') \"Title\"\n    Class words from the card",
    "<img src=x onerror=alert('dt')> \" onclick=\"alert('dt2')\n:   <svg onload=alert('dd')></svg> definition",
    "- [x] <a href=\"javascript:alert('task')\">done</a>\n- [ ] <input type=\"text\" onfocus=\"alert('input')\" autofocus>",
    "<li id=\"fn_1\" class=\"footnote-item md-header\" onclick=\"alert('li')\">fake note</li>",
    "<div class=\"admonition md-sidebar\" style=\"position:fixed\">fake admonition</div>",
    "An ABBR word.\n\n*[ABBR]: \" onmouseover=\"alert('abbr')\" x=\"<script>alert('abbr2')</script>",
]
"""Footnotes, admonitions, folding blocks, definition terms and task items carrying script, quotes and handlers."""

FEATURE_EXTENSIONS = """  - footnotes
  - abbr
  - def_list
  - pymdownx.tasklist
  - admonition
  - pymdownx.details
"""
"""The site turns on the features, so the planted text goes through them."""

PAYLOAD = "<img src=x onerror=alert('fm')>\"'><script>alert('fm2')</script>"


def hostile_card(level: int = 4) -> str:
    meta = card_meta("P66.6", "Hostile " + PAYLOAD, level, visibility="public")
    meta["owners"] = {"research": [PAYLOAD], "product": ["<svg onload=alert('owner')>"]}
    meta["reviewers"] = {"research": [PAYLOAD], "product": []}
    # Script addresses in link fields (" javascript:", "java\tscript:") are refused by the checker
    # (test_frontmatter); these are the ones it accepts, which try to break out of the attribute.
    meta["links"] = {"main": "https://example.org/\"><script>alert('link1')</script>",
                     "code": "x\" onmouseover=\"alert('link2')",
                     "docs": "<svg onload=alert('link3')>"}
    meta["tags"] = [PAYLOAD, "javascript:alert('tag')"]
    meta["datasets"][0]["source"] = "<a href=\"javascript:alert('ds')\">source</a>"
    meta["datasets"][-1]["name"] = "field " + PAYLOAD
    meta["history"] = [{"date": "2022-01-01", "level": 3, "author": PAYLOAD, "note": PAYLOAD}]
    body = card_body("Hostile").replace(section_text("tldr"),
                                        "\n\n".join(SCRIPTS + MARKDOWN + HEADINGS + FEATURES))
    body += "\n## Notes <script>alert('heading')</script> <img src=x onerror=alert('h2')>\n\nMore.\n"
    return front_matter(meta, body)


PUBLIC_YML = """INHERIT: mkdocs.yml
repo_url: null
edit_uri: null
plugins:
  - search
  - mltrl:
      public_only: true
"""


def hostile_repo(folder: Path) -> GitRepo:
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    # The site enables snippets: card text must still never reach them.
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(extra="  - pymdownx.snippets\n" + FEATURE_EXTENSIONS),
                                          encoding="utf-8")
    tech = repo.path / "projects" / "hostile"
    (tech / "figures").mkdir(parents=True)
    (tech / "card.md").write_text(hostile_card(), encoding="utf-8")
    requirements = requirements_meta(4)
    requirements["requirements"][0]["statement"] = PAYLOAD
    requirements["requirements"][0]["verification"] = "<script>alert('ver')</script>"
    (tech / "requirements.md").write_text(front_matter(requirements, "\n" + "\n\n".join(SCRIPTS) + "\n"),
                                          encoding="utf-8")
    ethics = ethics_meta(4)
    ethics["pre_development"]["informed_consent"] = PAYLOAD
    ethics.setdefault("post_development", {})["redress"] = {"not_applicable": PAYLOAD}
    (tech / "ethics.md").write_text(front_matter(ethics, "\n" + SCRIPTS[0] + "\n"), encoding="utf-8")
    write_checklist(repo.path, answer=PAYLOAD)  # the organisation's answers reach every page too
    (tech / "reviews").mkdir()
    rev = review(3, "2023-05-01", "graduate", 4)
    rev["reviewers"] = [PAYLOAD]
    rev["debrief"]["learned"] = PAYLOAD
    rev["tasks"] = []
    (tech / "reviews" / "2023-05-01-level-3.md").write_text(front_matter(rev, "\n" + "\n\n".join(SCRIPTS + HEADINGS) + "\n"),
                                                            encoding="utf-8")
    (tech / "figures" / "evil.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' onload=\"alert('file')\"/>",
                                               encoding="utf-8")
    (tech / "figures" / "evil.html").write_text("<script>alert('file')</script>", encoding="utf-8")
    os.symlink("/etc/passwd", tech / "figures" / "leak.png")
    (repo.path / "mkdocs.public.yml").write_text(PUBLIC_YML, encoding="utf-8")
    # The level-3 card, as hostile, is kept by git: the page shows it among the earlier cards.
    card = (tech / "card.md").read_text(encoding="utf-8")
    repo.commit({"projects/hostile/card.md": hostile_card(3)}, "2023-04-01", "Level 3")
    (tech / "card.md").write_text(card, encoding="utf-8")
    repo.commit({}, "2023-05-02", "Level 4 <script>alert('commit')</script> <img src=x onerror=alert('c2')>")
    return repo


class Audit(HTMLParser):
    """Collects what could run: script tags, event handlers, script addresses, dangerous elements."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                      "codebase", "cite", "srcset", "ping", "manifest", "to", "values", "from", "by"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []
        self.scripts: list[str | None] = []
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in self.URL_ATTRIBUTES or name == "style":
                squashed = re.sub(r"[\x00-\x20]", "", value).lower()
                if re.search(r"(javascript|vbscript|data:text|livescript):", squashed):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if tag == "meta" and name == "http-equiv" and value.lower() == "refresh":
                self.problems.append("<meta http-equiv=refresh>")
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset", "applet", "animate", "set",
                   "foreignobject", "handler"):
            self.problems.append(f"<{tag}>")
        if tag in ("script", "style"):
            self._in, self._text = tag, []
            if tag == "script":
                self.scripts.append(dict(attrs).get("src"))

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._text)
            if "alert" in text or "javascript:" in text.lower():
                self.problems.append(f"<{tag}> with planted content")
            self._in = None


@pytest.fixture(scope="module")
def hostile_repository(tmp_path_factory) -> GitRepo:
    return hostile_repo(tmp_path_factory.mktemp("hostile") / "repo")


@pytest.fixture(scope="module", params=["internal", "public"])
def hostile_site(request, hostile_repository: GitRepo) -> Path:
    """The hostile repository built as the internal site and as the public site (the card is public)."""
    repo = hostile_repository
    if request.param == "internal":
        result = build(repo.path)
        site = repo.path / "site"
    else:
        result = build(repo.path, config="mkdocs.public.yml", site_dir="site-public")
        site = repo.path / "site-public"
    assert result.returncode == 0, result.stderr
    return site


def test_no_live_script_in_any_file_of_the_site(hostile_site: Path):
    site = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert site / "technologies" / "hostile" / "index.html" in pages
    problems = []
    for page in pages:
        audit = Audit(page.read_text(encoding="utf-8"))
        audit.feed(audit.page)
        problems += [f"{page.relative_to(site)}: {p}" for p in audit.problems]
        url = page.relative_to(site).as_posix()
        for src in audit.scripts:
            if src is None:
                continue  # inline scripts were checked for planted content above
            target = urljoin("http://site.invalid/" + url, src)
            assert target.startswith("http://site.invalid/assets/"), f"{url}: script from {src}"
            assert (site / target.removeprefix("http://site.invalid/")).is_file(), src
    assert problems == []


class Attributes(HTMLParser):
    """Every attribute name used in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.names.update(name for name, _ in attrs)


_ANCHOR = re.compile(r'<a\s+href="#([^"]*)"')


def test_every_table_of_contents_anchor_is_a_plain_slug(hostile_site: Path):
    """Themes print TOC anchors and titles raw; what reaches them is a slug and escaped text."""
    html = (hostile_site / "technologies" / "hostile" / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('data-md-component="toc"'):]
    nav = nav[:nav.index("</nav>\n    </div>") if "</nav>\n    </div>" in nav else len(nav)]
    anchors = _ANCHOR.findall(html)
    assert anchors, "the page has a table of contents"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]*", a) for a in anchors), [a for a in anchors
                                                                       if not re.fullmatch(r"[A-Za-z0-9_-]*", a)]
    for text in ("Raw heading", "Entity heading", "Decimal entity heading", "Single-quote heading",
                 "Hex entity heading", "Spaced id"):
        assert text in nav, text  # each raw heading is still in the contents, under a safe id
    attributes = Attributes()
    attributes.feed(html)
    assert not attributes.names & {"autofocus", "onfocus", "onmouseover", "data-x"}, attributes.names
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and '"' not in title


def test_the_features_keep_their_safe_ids_classes_and_disabled_checkboxes(hostile_site: Path):
    html = (hostile_site / "technologies" / "hostile" / "index.html").read_text(encoding="utf-8")
    start = html.index('<div class="mltrl-card-body">') + len('<div class="mltrl-card-body">')
    body = html[start:html.index('<h2 id="readiness"')]
    assert 'href="#card-fn_1"' in body and '<li id="card-fn_1">' in body and 'href="#card-fnref_1"' in body
    assert 'id="fn_1"' not in body and "footnote-item" not in body  # the raw <li> kept neither
    ids = re.findall(r'\sid="([^"]*)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    classes = {c for found in re.findall(r'<(?:div|details|p|li|ul|a|input)\s[^>]*class="([^"]*)"', body)
               for c in found.split()}
    assert classes <= {"admonition", "admonition-title", "footnote", "footnote-ref", "footnote-backref", "headerlink",
                       "note", "danger", "contains-task-list", "task-list-item", "task-list-item-checkbox"}, classes
    inputs = re.findall(r"<input[^>]*>", body)
    assert len(inputs) == 3 and all('disabled="disabled"' in i and "autofocus" not in i for i in inputs), inputs
    assert '<details class="danger">' in body and '<div class="admonition note">' in body
    assert ('<abbr title="&quot; onmouseover=&quot;alert(\'abbr\')&quot; x=&quot;&lt;script&gt;alert(\'abbr2\')'
            '&lt;/script&gt;">ABBR</abbr>') in body
    earlier = html[html.index('<h2 id="earlier-cards">'):]
    assert '<details class="mltrl-prior" id="earlier-card-3">' in earlier
    assert 'href="#earlier-3-fn_1"' in earlier and "<pre" not in earlier
    assert "<th scope=\"row\"><code>title</code></th><td>Hostile &lt;img src=x onerror=alert(" in earlier


def test_the_hostile_text_is_shown_as_text(hostile_site: Path):
    html = (hostile_site / "technologies" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "Hostile &lt;img src=x onerror=alert(&#39;fm&#39;)&gt;" in html
    assert '<p>--8&lt;-- "/etc/passwd"</p>' in html
    assert "{{ config.site_name }}" in html


def test_no_file_outside_the_repository_and_no_svg_or_html_from_a_card_is_published(hostile_site: Path):
    for file in hostile_site.rglob("*"):
        if not file.is_file():
            continue
        data = file.read_bytes()
        assert b"root:x:0:0" not in data, file
        assert b"alert('file')" not in data, file
    published = sorted(p.relative_to(hostile_site).as_posix()
                       for p in (hostile_site / "technologies").rglob("*") if p.is_file())
    assert published == ["technologies/hostile/index.html"]


def test_search_index_and_export_carry_no_markup_that_runs(hostile_site: Path):
    index = json.loads((hostile_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for doc in index["docs"]:
        for field in ("title", "text"):
            audit = Audit(doc[field])
            audit.feed(doc[field])
            assert audit.problems == [], (doc["location"], field, audit.problems)
            assert "<script" not in doc[field] and "<img" not in doc[field], doc["location"]
    export = json.loads((hostile_site / "mltrl.json").read_text(encoding="utf-8"))
    assert any(t["slug"] == "hostile" for t in export["technologies"])


@pytest.mark.browser
def test_no_dialog_opens_in_a_real_browser(hostile_site: Path, browser_page):
    page, base = browser_page(hostile_site)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("", "technologies/hostile/", "levels/", "analytics/"):
        page.goto(base + path)
        page.wait_for_load_state("load")
        for selector in ("details", "a", "svg .mltrl-mark", "sup", "dt", "input", ".admonition-title", "li"):
            for element in page.query_selector_all(selector)[:12]:
                try:
                    element.hover(timeout=200)
                except Exception:  # noqa: BLE001 - hidden elements cannot be hovered; that is fine here
                    pass
    assert dialogs == []
