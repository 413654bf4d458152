"""Attribute lists in cards (``attr_list``): whatever a pull request writes between braces, a card keeps only an id
(in the card's own namespace), the classes the theme styles and an image's size.

An attribute list lets text name any attribute: event handlers, ``style`` with ``url()``, ``href`` and ``src``
with a script address, ids that clobber the page's globals (``__proto__``, a footnote's id, the page's own
anchors) and ``data-md-*`` or classes that Material's JavaScript looks for. The renderer drops them, and the
sanitiser, which sees raw HTML in cards too, drops them again; a strict build of a card full of them
publishes none. A list the renderer cannot read stays text, escaped like any other.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import card_body, section_text, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml

from mltrl_docs.extensions import CardMarkdown
from mltrl_docs.site.markdown import render_markdown

FEATURES = CardMarkdown(attributes=True, footnotes=True, permalink="¶")

ATTACKS = [
    'Click me {onclick="alert(1)" onmouseover=alert(2)}',
    'Styled {style="background:url(javascript:alert(1))"}',
    '[link](https://example.org){href="javascript:alert(1)" target=_blank}',
    '![img](https://example.org/a.png){src="javascript:alert(1)" onerror="alert(2)" width="10"}',
    '[link](https://example.org){: onclick="alert(1)" .md-button }',
    'Prototype {id="\\_\\_proto\\_\\_"}',
    "Page anchor {#findings}",
    "Footnote clash {#fn_1}",
    "## Heading {#fnref_1 onclick=alert(1)}",
    'Hooks {.md-search__input .md-clipboard .tabbed-set data-md-component="search" data-md-state=lock}',
    '`code`{.md-typeset #x onfocus="alert(1)" tabindex=1 autofocus=autofocus}',
    'Break out {#a"onmouseover="alert(1)}',
    'Form {formaction="javascript:alert(1)" action="javascript:alert(2)" xlink:href="javascript:alert(3)"}',
]

KEPT = {"id", "class", "href", "src", "alt", "title", "rel", "width", "height"}
"""Every attribute an attacked card may still carry: its own ids and classes, and its links' and images' own."""
CLASSES = {"md-button", "md-button--primary", "footnote", "footnote-ref", "footnote-backref", "headerlink"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Elements(HTMLParser):
    """Every start tag's attributes, in order; with ``inside``, only those within the first element with that class."""

    def __init__(self, inside: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.inside = inside
        self.depth = 0 if inside is None else -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.depth > 0 or self.inside is None:
            self.found.append((tag, found))
        elif self.depth == -1 and self.inside in (found.get("class") or "").split():
            self.depth = 0
        if self.depth >= 0 and self.inside is not None and tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.inside is not None and self.depth > 0 and tag not in VOID:
            self.depth -= 1
            if self.depth == 0:
                self.depth = -2  # past the element: nothing more is collected


def elements(html: str, inside: str | None = None) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements(inside)
    parser.feed(html)
    return parser.found


def assert_harmless(found: list[tuple[str, dict[str, str | None]]], prefix: str = "card-") -> None:
    for tag, attrs in found:
        assert set(attrs) <= KEPT, (tag, attrs)
        assert not any("alert(" in (v or "") or "javascript:" in (v or "").lower() for v in attrs.values()), attrs
        for name in ("href", "src"):
            value = (attrs.get(name) or "").lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
        if "id" in attrs:
            ident = attrs["id"] or ""
            assert ident.startswith(prefix) and re.fullmatch(r"[A-Za-z0-9_-]+", ident), (tag, attrs)
        assert set((attrs.get("class") or "").split()) <= CLASSES, (tag, attrs)


@pytest.mark.parametrize("text", ATTACKS)
def test_an_attribute_list_keeps_only_ids_allowed_classes_and_image_sizes(text):
    html = render_markdown(text + "\n\nA note[^1].\n\n[^1]: The note.\n", id_prefix="card-", features=FEATURES).html
    found = elements(html)  # a list that does not parse stays text, shown escaped: only attributes matter
    assert_harmless(found)
    # The footnote keeps its ids: no attribute list takes them, or any other footnote-shaped id.
    ids = [attrs["id"] for _, attrs in found if attrs.get("id")]
    assert ids.count("card-fn_1") == 1 and ids.count("card-fnref_1") == 1
    assert len(ids) == len(set(ids)), ids


def test_ids_stay_in_the_cards_namespace():
    html = render_markdown('Prototype {id="\\_\\_proto\\_\\_"}\n\nAnchor {#findings}\n', id_prefix="card-",
                           features=FEATURES).html
    assert html == '<p id="card-__proto__">Prototype</p>\n<p id="card-findings">Anchor</p>\n'


def test_raw_html_cannot_do_what_an_attribute_list_may_not():
    text = ('<p id="fn_1" class="md-search__input" style="background:url(javascript:alert(1))" '
            'onclick="alert(2)" data-md-component="search">raw</p>\n')
    html = render_markdown(text, id_prefix="card-", features=FEATURES).html
    assert html == '<p class="">raw</p>\n'  # nh3 leaves the emptied class attribute


def test_a_strict_build_publishes_none_of_the_attacks(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    extensions = "  - attr_list\n  - footnotes\n"
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, extra=extensions), encoding="utf-8")
    hostile = "\n\n".join(ATTACKS) + "\n\nA note[^1].\n\n[^1]: The note.\n"
    write_technology(repo.path / "projects", "ranker", "P02.1", 2,
                     body=card_body("Ranker").replace(section_text("tldr"), hostile))
    repo.commit({}, "2024-01-02", "A card full of attribute lists")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    html = (repo.path / "site" / "technologies" / "ranker" / "index.html").read_text(encoding="utf-8")
    found = elements(html, inside="mltrl-card-body")
    assert ("p", {"id": "card-findings"}) in found  # the card's own anchor, apart from the page's 'findings'
    assert_harmless(found)
    page_ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(page_ids) == len(set(page_ids)), sorted(i for i in page_ids if page_ids.count(i) > 1)
