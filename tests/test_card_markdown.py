"""Card bodies with the site's Markdown extensions: the mapping, the renderer, the page cache, earlier cards, owners."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from browserkit import browser_page, chromium  # noqa: F401 - fixtures
from factories import card_body, card_meta, front_matter, section_text, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml

from mltrl_docs.config import Settings
from mltrl_docs.extensions import (
    NOTHING,
    CardMarkdown,
    ExtensionNote,
    card_markdown,
    extension_entries,
)
from mltrl_docs.history.model import (
    CardVersion,
    LevelSpan,
    PortfolioHistory,
    TechnologyHistory,
)
from mltrl_docs.loader import load_portfolio
from mltrl_docs.models import People
from mltrl_docs.site.pages import Site
from mltrl_docs.site.view import build_view
from mltrl_docs.site.cache import PageCache
from mltrl_docs.site.markdown import render_markdown
from mltrl_docs.site.view import people_by_role
from mltrl_docs.workspace import open_workspace

UTC = dt.timezone.utc
ALL = CardMarkdown(footnotes=True, definitions=True, tasks=True, admonitions=True, details=True, permalink="¶")


# --- the mapping ------------------------------------------------------------------------------------


def test_each_known_extension_turns_on_its_card_feature():
    features, notes = card_markdown(["toc", "tables", "fenced_code", "footnotes", "def_list", "pymdownx.tasklist",
                                     "admonition", "pymdownx.details", "pymdownx.superfences"],
                                    {"toc": {"permalink": True}})
    assert features == ALL
    assert notes == []


def test_full_python_markdown_names_extra_and_a_custom_permalink():
    features, notes = card_markdown(["markdown.extensions.extra", "markdown.extensions.toc"],
                                    {"markdown.extensions.toc": {"permalink": "#"}})
    assert features == CardMarkdown(footnotes=True, definitions=True, abbreviations=True, permalink="#")
    assert notes == []


def test_extensions_cards_do_without_get_one_note_each():
    features, notes = card_markdown(["md_in_html", "pymdownx.snippets", "pymdownx.tabbed", "pymdownx.arithmatex",
                                     "md_in_html",
                                     "pymdownx.tabbed", "pymdownx.emoji"])
    assert features == NOTHING
    assert notes == [
        ExtensionNote("md_in_html", "info", "is not applied to cards: Markdown inside raw HTML blocks stays as "
                                            "text"),
        ExtensionNote("pymdownx.snippets", "info", "is not applied to cards: a card must not include other files"),
        ExtensionNote("pymdownx.tabbed", "warning", "is not supported in cards: card text written for it shows as "
                                                    "written"),
        ExtensionNote("pymdownx.arithmatex", "warning", "is not supported in cards: card text written for it "
                                                        "shows as written"),
        ExtensionNote("pymdownx.emoji", "info", "is not applied to cards: :shortcodes: stay as typed (write the "
                                                "character itself)"),
    ]
    assert str(notes[2]) == ("markdown extension 'pymdownx.tabbed' is not supported in cards: card text written "
                             "for it shows as written")


def test_markdown_extensions_as_written_in_mkdocs_yml():
    names, configs = extension_entries(["tables", {"toc": {"permalink": True}}, {"admonition": None}, 7,
                                        {"a": 1, "b": 2}])
    assert names == ["tables", "toc", "admonition"]
    assert configs == {"toc": {"permalink": True}}
    assert extension_entries({"footnotes": {}, "def_list": None}) == (["footnotes", "def_list"], {"footnotes": {}})
    assert extension_entries("footnotes") == ([], {})


def test_the_workspace_reads_the_extensions_through_inherit(tmp_path: Path):
    (tmp_path / "base.yml").write_text("site_name: x\nmarkdown_extensions:\n  - footnotes\n  - pymdownx.tabbed\n",
                                       encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nplugins:\n  - mltrl\n", encoding="utf-8")
    markdown = open_workspace(tmp_path).markdown
    assert markdown.features == CardMarkdown(footnotes=True)
    assert [(n.name, n.severity) for n in markdown.notes] == [("pymdownx.tabbed", "warning")]


def test_this_repositorys_sites_need_no_warning():
    root = Path(__file__).parent.parent
    for config in ("mkdocs.yml", "mkdocs.public.yml"):
        markdown = open_workspace(root, root / config).markdown
        assert [n for n in markdown.notes if n.severity == "warning"] == [], config
        assert markdown.features.footnotes and markdown.features.admonitions and markdown.features.details


# --- the renderer -------------------------------------------------------------------------------------

FEATURES_TEXT = """# Title

## Notes

A claim[^src] and another[^2], and the first again[^src].

[^src]: Where it comes from.
[^2]: The second note.

Recall
:   The share of relevant items found.

- [ ] label the field data
- [x] train the baseline

!!! warning "Check the data"
    It drifts.

??? note "Details"
    Folded.

???+ tip
    Open.
"""


def test_footnotes_render_with_ids_of_the_safe_alphabet_and_the_document_prefix():
    html = render_markdown(FEATURES_TEXT, shift=1, drop_title=True, id_prefix="card-", features=ALL).html
    assert ('<p>A claim<sup id="card-fnref_1"><a class="footnote-ref" href="#card-fn_1" rel="noopener noreferrer">1'
            '</a></sup> and another<sup id="card-fnref_2"><a class="footnote-ref" href="#card-fn_2" '
            'rel="noopener noreferrer">2</a></sup>, and the first again<sup id="card-fnref_1-1"><a class="footnote-ref" '
            'href="#card-fn_1" rel="noopener noreferrer">1</a></sup>.</p>') in html
    notes = html[html.index('<div class="footnote">'):]
    assert notes.startswith('<div class="footnote">\n<hr>\n<ol>\n<li id="card-fn_1"><p>Where it comes from. '
                            '<a class="footnote-backref" href="#card-fnref_1" title="Back to the text" '
                            'rel="noopener noreferrer">↩︎</a> <a class="footnote-backref" href="#card-fnref_1-1" '
                            'title="Back to the text" rel="noopener noreferrer">↩︎</a></p>\n</li>\n')
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert not re.search(r"[0-9a-f]{32}", html)  # the document's nonce (see markdown._FOOTNOTE_ID) stays inside
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    # Another document of the page numbers its notes from 1 too, under its own prefix.
    review = render_markdown(FEATURES_TEXT, id_prefix="review-x-", features=ALL).html
    assert 'id="review-x-fn_1"' in review and 'href="#review-x-fn_1"' in review


def test_definition_lists_task_lists_and_admonitions_render_as_the_theme_expects():
    html = render_markdown(FEATURES_TEXT, shift=1, drop_title=True, id_prefix="card-", features=ALL).html
    assert "<dl>\n<dt>Recall</dt>\n<dd>The share of relevant items found.</dd>\n</dl>" in html
    assert ('<ul class="contains-task-list">\n<li class="task-list-item"><input class="task-list-item-checkbox" '
            'type="checkbox" disabled="disabled"> label the field data</li>\n<li class="task-list-item"><input '
            'class="task-list-item-checkbox" checked="checked" type="checkbox" disabled="disabled"> train the '
            'baseline</li>\n</ul>') in html
    assert ('<div class="admonition warning">\n<p class="admonition-title">Check the data</p>\n<p>It drifts.</p>\n'
            '</div>') in html
    assert '<details class="note">\n<summary>Details</summary>\n<p>Folded.</p>\n</details>' in html
    assert '<details class="tip" open="">\n<summary>Tip</summary>\n<p>Open.</p>\n</details>' in html
    assert ('<h3 id="card-notes">Notes<a class="headerlink" href="#card-notes" title="Permanent link" '
            'rel="noopener noreferrer">¶</a></h3>') in html


def test_abbreviations_title_whole_words_of_text_but_not_code():
    text = ("## The ML model\n\nML, MLOps and `ML`; [ML docs](https://example.org).\n\n"
            "*[ML]: Machine \"learning\" <b>x</b>\n")
    html = render_markdown(text, id_prefix="card-", features=CardMarkdown(abbreviations=True)).html
    title = 'title="Machine &quot;learning&quot; &lt;b&gt;x&lt;/b&gt;"'
    assert html == (f'<h2 id="card-the-ml-model">The <abbr {title}>ML</abbr> model</h2>\n'
                    f'<p><abbr {title}>ML</abbr>, MLOps and <code>ML</code>; <a href="https://example.org" '
                    f'rel="noopener noreferrer"><abbr {title}>ML</abbr> docs</a>.</p>\n')
    assert "*[ML]" in render_markdown(text).html


def test_attribute_lists_give_ids_button_classes_and_image_sizes():
    features, notes = card_markdown(["attr_list"])
    assert features == CardMarkdown(attributes=True) and notes == []
    text = ("## Results {#latest .wide}\n\nA paragraph with its own anchor.\n{: #anchor }\n\n"
            "[Open the dashboard](https://dash.example.org){: .md-button .md-button--primary }\n\n"
            "![Recall](https://img.example.org/recall.png){ width=\"320\" height=\"200\" }\n\n"
            "Run `mltrl check`{#the-command} first.\n")
    rendered = render_markdown(text, id_prefix="card-", features=features)
    assert rendered.html == (
        '<h2 id="card-latest">Results</h2>\n<p id="card-anchor">A paragraph with its own anchor.</p>\n'
        '<p><a href="https://dash.example.org" class="md-button md-button--primary" rel="noopener noreferrer">'
        'Open the dashboard</a></p>\n<p><img src="https://img.example.org/recall.png" alt="Recall" width="320" '
        'height="200"></p>\n<p>Run <code id="card-the-command">mltrl check</code> first.</p>\n')
    assert [(h.id, h.text) for h in rendered.headings] == [("card-latest", "Results")]
    # Without the extension, the same text shows as written.
    assert "{#latest .wide}" in render_markdown(text, id_prefix="card-").html


def test_without_the_extensions_the_syntax_stays_text():
    html = render_markdown(FEATURES_TEXT, shift=1, drop_title=True, id_prefix="card-").html
    assert "[^src]" in html and "<sup" not in html and "<dl>" not in html and "<input" not in html
    assert "!!! warning" in html and "??? note" in html and "headerlink" not in html
    assert '<h3 id="card-notes">Notes</h3>' in html


def test_each_marker_follows_its_own_extension():
    only_admonitions = render_markdown(FEATURES_TEXT, features=CardMarkdown(admonitions=True)).html
    assert '<div class="admonition warning">' in only_admonitions and "<details" not in only_admonitions
    assert "??? note" in only_admonitions
    only_details = render_markdown(FEATURES_TEXT, features=CardMarkdown(details=True)).html
    assert '<details class="note">' in only_details and "admonition" not in only_details
    assert "!!! warning" in only_details


@pytest.mark.parametrize("text, expected", [
    # An admonition type outside the theme's list keeps only "admonition"; a class word cannot be smuggled in.
    ('!!! danger md-header "T"\n    x\n', '<div class="admonition danger">\n<p class="admonition-title">T</p>\n'
                                          '<p>x</p>\n</div>'),
    ('!!! md-sidebar\n    x\n', '<div class="admonition">\n<p class="admonition-title">Md-Sidebar</p>\n<p>x</p>\n'
                                '</div>'),
    # Raw HTML cannot borrow the features' classes and ids for anything else.
    ('<div class="md-header admonition" id="x">d</div>', '<div class="admonition">d</div>'),
    ('<sup id="top">s</sup><li id="card">l</li><li id="fn_1x">m</li>', '<p><sup>s</sup></p><li>l</li><li>m</li><p></p>'),
    # A footnote's own id cannot be taken by raw HTML, before or after the note.
    ('<li id="fn_1">raw</li>\n\nRef[^1].\n\n[^1]: Note.\n\n<sup id="fnref_1">raw</sup>',
     '<li>raw</li>\n<p>Ref<sup id="card-fnref_1"><a class="footnote-ref" href="#card-fn_1" rel="noopener noreferrer">1'
     '</a></sup>.</p>\n<p><sup>raw</sup></p>\n<div class="footnote">\n<hr>\n<ol>\n<li id="card-fn_1"><p>Note. <a '
     'class="footnote-backref" href="#card-fnref_1" title="Back to the text" rel="noopener noreferrer">↩︎</a></p>\n'
     '</li>\n</ol>\n</div>'),
    ('<p class="admonition-title md-typeset">p</p>', '<p class="admonition-title">p</p>'),
    # Every input is disabled and can only be a checkbox (or, without its type, an empty box), whatever the card writes.
    ('<input type="text" name="password" value="x" onclick="alert(1)" class="md-search__input">',
     '<input class="" disabled="disabled">'),
    ('<input type="checkbox" checked="yes" disabled="">', '<input type="checkbox" disabled="disabled">'),
])
def test_the_allow_list_keeps_only_the_features_classes_ids_and_values(text, expected):
    assert render_markdown(text, id_prefix="card-", features=ALL).html.strip() == expected


@pytest.mark.parametrize("text", [
    '[^x]: <script>alert(1)</script> <img src=x onerror=alert(2)>\n\nRef[^x].\n',
    '[^" onmouseover="alert(1)]: note\n\nRef[^" onmouseover="alert(1)].\n',
    '!!! note "<script>alert(1)</script><img src=x onerror=alert(2)>"\n    body\n',
    '!!! note "\\" onclick=\\"alert(1)"\n    body\n',
    '??? note "</summary><script>alert(1)</script>"\n    body\n',
    '<script>alert(1)</script>\n:   <img src=x onerror=alert(2)>\n',
    'Term " onmouseover="alert(1)\n:   definition\n',
    '- [x] <a href="javascript:alert(1)">done</a>\n- [ ] <b onclick="alert(2)">open</b>\n',
    'ML here.\n\n*[ML]: " onmouseover="alert(1)" x="<script>alert(2)</script>\n',
    '<b>ML</b>\n\n*[ML]: \'><img src=x onerror=alert(2)>\n',
])
def test_hostile_footnotes_admonitions_and_terms_stay_text(text):
    html = render_markdown(text, id_prefix="card-", features=ALL).html
    assert "<script" not in html and "alert(2)" not in html
    tags = re.findall(r"<[a-z][^>]*>", html)
    assert [t for t in tags if re.search(r"\son\w+=|javascript:", t)] == [], tags


# --- pages: cache, earlier cards, owners ----------------------------------------------------------------


def _portfolio(tmp_path: Path, body: str = FEATURES_TEXT, **card):
    write_technology(tmp_path / "projects", "ranker", "P02.1", 2,
                     card=card_meta("P02.1", "Ranker", 2, **card), body=body + card_body("Ranker"))
    return load_portfolio(tmp_path, Settings()), Settings()


def _day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_cached_page_is_never_served_for_other_card_features(tmp_path: Path):
    portfolio, settings = _portfolio(tmp_path)
    view = build_view(portfolio, [], PortfolioHistory(False, reason="none", now=_day("2024-01-01")), settings=settings, repo_url=None)
    cache = PageCache(tmp_path / "pages", b"k" * 32)
    plain = Site(view, cache=cache)
    spec = next(s for s in plain.pages() if s.slug == "ranker")
    assert "[^src]" in plain.render(spec).html
    assert plain.is_cached(spec)
    rich = Site(view, cache=cache, markdown=ALL)
    assert rich.fingerprint(view.by_slug["ranker"]) != plain.fingerprint(view.by_slug["ranker"])
    assert not rich.is_cached(spec)
    assert 'id="card-fn_1"' in rich.render(spec).html
    again = Site(view, cache=cache, markdown=CardMarkdown(**ALL.__dict__))
    assert again.fingerprint(view.by_slug["ranker"]) == rich.fingerprint(view.by_slug["ranker"])
    assert again.is_cached(spec)


def test_earlier_cards_show_their_fields_and_their_rendered_text(tmp_path: Path):
    # A heading "Level 1" in the card must not take the id of the earlier level-1 card.
    portfolio, settings = _portfolio(tmp_path, body=FEATURES_TEXT + "\n## Level 1\n\nWhat level 1 was.\n")
    old_meta = card_meta("P02.1", "Ranker <script>alert('t')</script>", 1)
    old_meta["owners"] = {"research": ["Ada", "<img src=x onerror=alert(1)>"], "product": []}
    old = front_matter(old_meta, "\n# Ranker\n\n## Plan\n\nFirst[^a] steps, see [the card](card.md#notes).\n\n"
                                 "[^a]: A note.\n\n<script>alert('body')</script>\n")
    history = TechnologyHistory("ranker", spans=[LevelSpan(1, "active", _day("2023-01-02"), _day("2023-04-02")),
                                                 LevelSpan(2, "active", _day("2023-04-02"), None)],
                                prior_cards=[CardVersion(1, "c" * 40, _day("2023-03-01"), old, "projects/ranker/card.md")])
    view = build_view(portfolio, [], PortfolioHistory(True, projects={"ranker": history}, now=_day("2024-01-01")),
                      settings=settings, repo_url=None)
    site = Site(view, markdown=ALL)
    page = site.render(next(s for s in site.pages() if s.slug == "ranker"))
    earlier = page.html[page.html.index('<h2 id="earlier-cards">'):]
    assert '<details class="mltrl-prior" id="earlier-card-1">' in earlier
    assert '<h3 id="card-level-1">Level 1' in page.html
    assert ('<tr><th scope="row"><code>title</code></th><td>Ranker &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;'
            '</td></tr>') in earlier
    assert ('<tr><th scope="row"><code>owners.research</code></th><td>Ada, &lt;img src=x onerror=alert(1)&gt;'
            '</td></tr>') in earlier
    assert ('<tr><th scope="row"><code>datasets 1</code></th><td>name: sample · version: 1.0.0 · kind: sample'
            '</td></tr>') in earlier
    assert '<h4 id="earlier-1-plan">Plan<a class="headerlink" href="#earlier-1-plan"' in earlier
    assert ('First<sup id="earlier-1-fnref_1"><a class="footnote-ref" href="#earlier-1-fn_1" '
            'rel="noopener noreferrer">1</a></sup> steps, see <a href="#card-notes"') in earlier
    assert "<script" not in earlier and "---" not in earlier
    assert "earlier-1-plan" not in [entry.id for entry in page.toc]  # inside the section, out of the contents
    ids = re.findall(r'\sid="([^"]+)"', page.html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_people_in_both_roles_are_listed_once():
    assert people_by_role(People(research=["Ada", "Bo"], product=["Cy", "Ada"])) == [
        ("R&D and product", ["Ada"]), ("R&D", ["Bo"]), ("Product", ["Cy"])]
    assert people_by_role(People(research=["Ada"], product=["Ada"])) == [("R&D and product", ["Ada"])]
    assert people_by_role(People(research=["Ada", "Ada"], product=[])) == [("R&D", ["Ada"]), ("Product", [])]
    assert people_by_role(People()) == [("R&D", []), ("Product", [])]


def test_an_owner_of_both_sides_shows_once_on_the_pages(tmp_path: Path):
    portfolio, settings = _portfolio(tmp_path, owners={"research": ["Ada Lovelace", "Bo"],
                                                       "product": ["Ada Lovelace"]})
    view = build_view(portfolio, [], PortfolioHistory(False, reason="none", now=_day("2024-01-01")), settings=settings, repo_url=None)
    site = Site(view)
    assert view.by_slug["ranker"].owners == ["Ada Lovelace", "Bo"]
    page = site.render(next(s for s in site.pages() if s.slug == "ranker"))
    row = re.search(r'<th scope="row">Owners</th><td>(.*?)</td>', page.html).group(1)
    assert row == "R&amp;D and product: Ada Lovelace<br>R&amp;D: Bo"
    assert page.search.count("Ada Lovelace") == 1
    home = site.render(next(s for s in site.pages() if s.src_uri == "index.md")).html
    owners_cell = re.search(r'<td data-value="([^"]*)">([^<]*)</td>', home[home.index('data-text="p02.1'):])
    assert owners_cell.groups() == ("ada lovelace, bo", "Ada Lovelace, Bo")


# --- a real site -----------------------------------------------------------------------------------------

EXTENSIONS = """  - footnotes
  - def_list
  - pymdownx.tasklist:
      custom_checkbox: true
  - admonition
  - pymdownx.details
  - pymdownx.superfences
"""

IN_A_SECTION = FEATURES_TEXT.split("## Notes\n\n", 1)[1] + "\n" + "\n\n".join(
    f"Filler paragraph {n} to push the notes below the fold." for n in range(60))
"""The features without headings, to fill the TL;DR section of an otherwise complete card."""


@pytest.fixture(scope="module")
def feature_site(tmp_path_factory) -> Path:
    repo = GitRepo(tmp_path_factory.mktemp("features") / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, extra=EXTENSIONS), encoding="utf-8")
    write_technology(repo.path / "projects", "ranker", "P02.1", 2,
                     body=card_body("Ranker").replace(section_text("tldr"), IN_A_SECTION))
    repo.commit({}, "2024-01-02", "Ranker at level 2")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    assert "markdown extension" not in result.stderr  # every extension listed is one cards get
    return repo.path / "site"


def test_a_strict_build_renders_the_features_in_the_card(feature_site: Path):
    html = (feature_site / "technologies" / "ranker" / "index.html").read_text(encoding="utf-8")
    body = html[html.index('<div class="mltrl-card-body">'):]
    assert 'id="card-fn_1"' in body and 'href="#card-fn_1"' in body and 'id="card-fnref_1"' in body
    assert "<dt>Recall</dt>" in body
    assert body.count('type="checkbox" disabled="disabled"') == 2
    assert '<div class="admonition warning">' in body and '<details class="note">' in body
    assert "[^src]" not in body and "!!!" not in body


def test_an_unknown_extension_warns_once_and_stops_a_strict_build(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, extra="  - pymdownx.tabbed\n  - md_in_html\n"),
                                          encoding="utf-8")
    write_technology(repo.path / "projects", "ranker", "P02.1", 2)
    write_technology(repo.path / "projects", "solar", "P03.1", 2)
    repo.commit({}, "2024-01-02", "Two technologies")
    strict = build(repo.path)
    assert strict.returncode == 1
    lines = [line for line in strict.stderr.splitlines() if "markdown extension" in line and "WARNING" in line]
    assert lines == ["WARNING -  mltrl_docs: mltrl: markdown extension 'pymdownx.tabbed' is not supported in cards: card text written "
                     "for it shows as written"]
    loose = build(repo.path, strict=False)
    assert loose.returncode == 0
    assert sum("markdown extension 'md_in_html' is not applied to cards" in line
               for line in loose.stderr.splitlines()) == 1


@pytest.mark.browser
def test_a_footnote_link_jumps_to_its_note_and_back(feature_site: Path, browser_page):
    page, base = browser_page(feature_site)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "technologies/ranker/")
    note = page.locator("#card-fn_1")
    assert not note.evaluate("e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0 }")
    page.locator("#card-fnref_1 a").click()
    page.wait_for_function("location.hash === '#card-fn_1'")
    assert page.evaluate("location.pathname") == "/technologies/ranker/"
    page.wait_for_function("(() => { const r = document.getElementById('card-fn_1').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < innerHeight })()")
    page.locator("#card-fn_1 a.footnote-backref").first.click()
    page.wait_for_function("location.hash === '#card-fnref_1'")
    assert page.locator("input.task-list-item-checkbox").evaluate_all("els => els.map(e => e.disabled)") == [True, True]
    assert errors == []
