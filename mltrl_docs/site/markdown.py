"""Render the Markdown people write in cards into HTML that is safe to publish.

Card bodies arrive through pull requests from many people, so they are
rendered here, by markdown-it-py with a fixed set of features (no include or
snippet directive exists in it), and the HTML is then cleaned by nh3 with an
allow-list. The site engine never sees card text as Markdown, so no extension
or plugin of the site (snippets, macros) can act on it.

Relative links are resolved inside the technology's folder: links to the
technology's own documents become anchors on its page, links to other
technologies become links to their pages, images in the folder are published
next to the page, and anything that would leave the repository is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .urls import is_relative_reference

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
"""Files a card may show from its folder. SVG is left out on purpose: opened on its own, an SVG runs its scripts."""

_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map", "center", "acronym", "tt", "strike"}
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "time": {"datetime"},
    "details": {"open"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
_SCHEMES = {"http", "https", "mailto"}

SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")
"""The alphabet of every ``id`` on a generated page. Themes print table-of-contents anchors raw
(``href="#{{ id }}"``), so an id must never hold a quote, a space or an entity."""


def safe_id(value: str) -> str | None:
    """``value`` reduced to :data:`SAFE_ID`'s alphabet (runs of other characters become one ``-``)."""
    if SAFE_ID.fullmatch(value):
        return value
    return "-".join(SAFE_ID.findall(value.replace("-", " "))) or None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Keep raw-HTML heading ids (already prefixed by nh3) only in the safe alphabet."""
    return safe_id(value) if attribute == "id" else value


@dataclass
class Heading:
    """A heading of rendered Markdown, for the page's table of contents."""

    rank: int
    """Rank after shifting: 2 for ``<h2>``..."""
    id: str
    """The ``id`` attribute, prefix included."""
    text: str
    """Plain text of the heading (not escaped)."""


@dataclass
class Rendered:
    """HTML rendered from Markdown, with what the page needs to know about it."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)
    """Images to publish, as paths relative to the technology's folder."""


LinkResolver = Callable[[str], "str | None"]
"""Maps a relative reference found in a card to the URL to write, or ``None`` to drop it."""


def slugify(text: str) -> str:
    """An anchor from heading text: lower-case words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "section"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


_MD = _parser()


def _heading_tokens(tokens: list[Token], shift: int, drop_title: bool, prefix: str) -> list[Heading]:
    """Shift heading ranks, give each heading a unique id, and drop a leading title heading."""
    headings: list[Heading] = []
    used: dict[str, int] = {}
    if drop_title and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        for tok in tokens[:3]:
            tok.hidden = True
            tok.type = "mltrl_hidden"
            tok.children = []
            tok.content = ""
    for index, tok in enumerate(tokens):
        if tok.type not in ("heading_open", "heading_close"):
            continue
        rank = min(int(tok.tag[1]) + shift, 6)
        tok.tag = f"h{rank}"
        if tok.type == "heading_open":
            inline = tokens[index + 1]
            text = "".join(child.content for child in (inline.children or [])
                           if child.type in ("text", "code_inline"))
            base = slugify(text)
            count = used.get(base, 0)
            used[base] = count + 1
            anchor = base if count == 0 else f"{base}-{count}"
            tok.attrSet("id", anchor)
            headings.append(Heading(rank, prefix + anchor, text.strip()))
    return headings


_PLAIN_LINE = re.compile(r"[A-Za-z\"'(][^\\`*_\[\]<>#!|~&=+{}$^:]*")
"""A line that Markdown renders as nothing but its own (escaped) text: no markup character at all, not
starting like a list, a heading, a quote or code, and no trailing spaces (a hard break)."""


def _plain_paragraphs(text: str) -> str | None:
    """The HTML of ``text`` when it is only paragraphs of plain text (most review notes), else ``None``.

    Markdown would produce exactly ``<p>`` elements around the escaped lines; skipping the parser
    for such text keeps hundreds of short records cheap.
    """
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = block.split("\n")
        if not all(_PLAIN_LINE.fullmatch(line) and not line.endswith(" ") for line in lines):
            return None
        paragraphs.append("<p>" + escape("\n".join(lines), quote=False) + "</p>\n")
    return "".join(paragraphs)


_TITLE = re.compile(r"(?:[ \t]*\n)*[ ]{0,3}#(?:[ \t][^\n]*)?(?:\n|\Z)")
"""A leading level-1 ATX heading (``# Title``) on a line of its own, after any blank lines."""


def _shortcut(text: str, drop_title: bool) -> str | None:
    """The HTML of ``text`` without running the parser, when it is that simple; else ``None``.

    That is plain paragraphs, optionally after a title heading that ``drop_title`` removes anyway
    (most review records are a title and a few plain lines, or the title alone).
    """
    if drop_title:
        title = _TITLE.match(text)
        if title is not None:
            text = text[title.end():]
            if not text.strip():
                return ""
    return _plain_paragraphs(text)


def render_markdown(text: str, *, resolve: LinkResolver | None = None, shift: int = 0,
                    drop_title: bool = False, id_prefix: str = "md-") -> Rendered:
    """Render ``text`` and clean the HTML with nh3.

    ``shift`` lowers every heading by that many ranks (a card's ``##`` becomes
    ``<h3>`` under the page's own ``<h2>``); ``drop_title`` removes a first
    ``#`` heading, which repeats the page title. Heading ids get ``id_prefix``
    so they cannot clash with the page's own anchors. ``resolve`` decides what
    each relative link or image source becomes; without it they are dropped.
    """
    plain = _shortcut(text, drop_title)
    if plain is not None:
        return Rendered(plain)
    return _render(text, resolve, shift, drop_title, id_prefix)


def _render(text: str, resolve: LinkResolver | None, shift: int, drop_title: bool, id_prefix: str) -> Rendered:
    """:func:`render_markdown` through the parser and the sanitiser, for any text."""
    tokens = _MD.parse(text)
    headings = _heading_tokens(tokens, shift, drop_title, id_prefix)
    tokens = [t for t in tokens if t.type != "mltrl_hidden"]
    html = _MD.renderer.render(tokens, _MD.options, {})
    rendered = Rendered("", headings)

    def relative(url: str) -> str | None:
        if url.startswith("#"):
            anchor = safe_id(id_prefix + url[1:]) if len(url) > 1 else None
            return f"#{anchor}" if anchor else None
        if not is_relative_reference(url) or resolve is None:
            return None
        target = resolve(url)
        return target

    rendered.html = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                              url_relative=relative, id_prefix=id_prefix, attribute_filter=_attribute_filter,
                              filter_style_properties={"text-align"}, strip_comments=True)
    return rendered
