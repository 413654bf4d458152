"""Render the Markdown people write in cards into HTML that is safe to publish.

Card bodies arrive through pull requests from many people, so they are
rendered here, by markdown-it-py with a fixed set of features (no include or
snippet directive exists in it), and the HTML is then cleaned by nh3 with an
allow-list. The site engine never sees card text as Markdown, so no extension
or plugin of the site (snippets, macros) can act on it. The features the site
asks for in ``markdown_extensions`` (footnotes, definition lists, task lists,
admonitions) come from mdit-py-plugins, chosen by :class:`~mltrl_docs.extensions.CardMarkdown`;
their HTML is shaped like Python-Markdown's, so the theme styles it as on any
other page, and the allow-list takes only the classes and ids they need.

Relative links are resolved inside the technology's folder: links to the
technology's own documents become anchors on its page, links to other
technologies become links to their pages, images in the folder are published
next to the page, and anything that would leave the repository is dropped.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.admon.index import admonition
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attributes
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from ..extensions import NOTHING, CardMarkdown
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
    "sup": {"id"},
    "li": {"id"},
}
for _tag in ("p", "blockquote", "ul", "ol", "dl", "table", "pre", "code", "a", "img"):
    _ATTRIBUTES.setdefault(_tag, set()).add("id")  # ids an attribute list gives (prefixed, in the safe alphabet)
_TAGS.add("input")  # task-list checkboxes only: type and state are fixed below, and every one is disabled
_SCHEMES = {"http", "https", "mailto"}

ADMONITION_TYPES = frozenset({
    "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important", "success", "check", "done",
    "question", "help", "faq", "warning", "caution", "attention", "failure", "fail", "missing", "danger", "error",
    "bug", "example", "quote", "cite",
})
"""The admonition types a card may use: the theme's own. Any other type word is dropped from the class list."""

_CLASSES: dict[str, set[str]] = {
    "div": {"admonition", "footnote", *ADMONITION_TYPES},
    "details": set(ADMONITION_TYPES),
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref", "headerlink", "md-button", "md-button--primary"},
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list"},
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
}
"""The only classes card HTML keeps: those the renderer's features write, which the theme styles."""

_FIXED_VALUES = {"input": {"type": {"checkbox"}, "checked": {"checked"}}}
"""Attributes whose value must be one of these (others are dropped with the attribute)."""
_ADDED_VALUES = {"input": {"disabled": "disabled"}}
"""Attributes set on every such element, whatever the card wrote: a checkbox in a card is never live. (One
attribute only: nh3 adds several in no fixed order, and pages must come out byte for byte the same.)"""

_FOOTNOTE_ID = re.compile(r"(fn(?:ref)?)_([0-9a-f]{32})_([0-9]+(?:-[0-9]+)?)")
"""Ids of footnotes and their references as the renderer writes them, ``fn_NONCE_1``, ``fnref_NONCE_1-2``; the
sanitiser keeps only these on ``sup`` and ``li``, as ``fn_1`` and ``fnref_1-2``. The nonce is new for every
document, so raw HTML in a card cannot write one, nor take a footnote's id. The underscore keeps the ids
apart from heading ids, which :func:`slugify` makes of lower-case letters, digits and hyphens only."""

SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")
"""The alphabet of every ``id`` on a generated page. Themes print table-of-contents anchors raw
(``href="#{{ id }}"``), so an id must never hold a quote, a space or an entity."""


def safe_id(value: str) -> str | None:
    """``value`` reduced to :data:`SAFE_ID`'s alphabet (runs of other characters become one ``-``)."""
    if SAFE_ID.fullmatch(value):
        return value
    return "-".join(SAFE_ID.findall(value.replace("-", " "))) or None


def _footnote_id(value: str, nonce: str) -> str | None:
    """``fn_1`` for the renderer's ``fn_NONCE_1`` (see :data:`_FOOTNOTE_ID`); ``None`` for any other value."""
    match = _FOOTNOTE_ID.fullmatch(value)
    if match is None or match.group(2) != nonce:
        return None
    return f"{match.group(1)}_{match.group(3)}"


_FOOTNOTE_SHAPE = re.compile(r"fn(?:ref)?_[0-9]+(?:-[0-9]+)?")
"""The ids footnotes take on the page (``fn_1``, ``fnref_1-2``): no other element may take one."""


def _attribute_filter(prefix: str, nonce: str) -> Callable[[str, str, str], str | None]:
    """Keep ids (already prefixed by nh3) only in the safe alphabet; on ``sup`` and ``li``, only the footnotes' own,
    and on no other element one shaped like a footnote's."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute != "id":
            return value
        own = _footnote_id(value[len(prefix):], nonce) if value.startswith(prefix) else None
        if tag in ("sup", "li"):
            return prefix + own if own is not None else None
        if own is not None or _FOOTNOTE_SHAPE.fullmatch(value[len(prefix):]):
            return None
        return safe_id(value)

    return keep


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


def _parser(features: CardMarkdown = NOTHING) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    if features.footnotes:
        footnote_plugin(md, inline=False)  # Python-Markdown has no inline ^[notes]: cards should not either
        for rule, render in _FOOTNOTE_RENDER.items():
            md.add_render_rule(rule, render)
    if features.definitions:
        deflist_plugin(md)
    if features.tasks:
        tasklists_plugin(md)
    if features.abbreviations:
        md.block.ruler.before("reference", "mltrl_abbr", _abbreviation, {"alt": ["paragraph"]})
        md.core.ruler.push("mltrl_abbr", _abbreviate)
    if features.attributes:
        md.core.ruler.push("mltrl_attributes", _attribute_lists)
    if features.admonitions or features.details:
        admon_plugin(md, render=_render_admonition)
        markers = ("!!!",) * features.admonitions + ("???",) * features.details
        md.block.ruler.at("admonition", _only_markers(markers),
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    return md


_ABBREVIATION = re.compile(r"\*\[([^\]\n]+)\]:[ \t]*(.*)")
"""An abbreviation's definition, as Python-Markdown's ``abbr`` reads it: ``*[HTML]: Hypertext Markup Language``."""


def _abbreviation(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A definition line: kept in the document's environment, and shown as nothing."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False  # indented code
    start = state.bMarks[start_line] + state.tShift[start_line]
    match = _ABBREVIATION.fullmatch(state.src[start:state.eMarks[start_line]])
    if match is None or not match.group(1).strip():
        return False
    if not silent:
        state.env.setdefault("mltrl_abbr", {})[match.group(1).strip()] = match.group(2).strip()
        state.line = start_line + 1
    return True


def _abbreviate(state: StateCore) -> None:
    """Wrap each defined abbreviation, as a whole word of text (never of code), in ``<abbr title>``.

    The title is an attribute of a token, which the renderer escapes like every attribute.
    """
    found: dict[str, str] = state.env.get("mltrl_abbr") or {}
    if not found:
        return
    words = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(found, key=len, reverse=True)) + r")(?!\w)")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for child in block.children:
            if child.type != "text" or words.search(child.content) is None:
                children.append(child)
                continue
            at = 0
            for match in words.finditer(child.content):
                children += [_text(child.content[at:match.start()]), Token("abbr_open", "abbr", 1,
                                                                           attrs={"title": found[match.group(1)]}),
                             _text(match.group(1)), Token("abbr_close", "abbr", -1)]
                at = match.end()
            children.append(_text(child.content[at:]))
        block.children = [c for c in children if c.type != "text" or c.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_KEPT_ATTRIBUTES = {"id", "class"}
_IMAGE_ATTRIBUTES = {"width", "height"}
_LIST_AT_END = re.compile(r"[ \t]*\{:?([^{}\n]*)\}[ \t]*\Z")
_LIST_AT_START = re.compile(r"\{:?([^{}\n]*)\}")


def _attribute_list(inside: str, image: bool) -> dict[str, str] | None:
    """The attributes of ``{inside}`` that a card keeps (id, class; an image's size), or ``None`` if it is no list.

    Python-Markdown's leading colon (``{: .class }``) is optional, as there. Anything else (``onclick``,
    ``style``, ``href``) is dropped here, and the sanitiser would drop it again.
    """
    try:
        _, found = parse_attributes("{" + inside + "}")
    except ParseError:
        return None
    kept = _KEPT_ATTRIBUTES | (_IMAGE_ATTRIBUTES if image else set())
    return {key: value for key, value in found.items() if key in kept}


def _give(token: Token, attrs: dict[str, str]) -> None:
    """Set ``attrs`` on ``token``; of the classes, only those the sanitiser keeps on its tag (see :data:`_CLASSES`)."""
    for key, value in attrs.items():
        if key == "class":
            allowed = _CLASSES.get(token.tag, set())
            value = " ".join([*str(token.attrGet("class") or "").split(), *(c for c in value.split() if c in allowed)])
            if not value:
                continue
        token.attrSet(key, value)


def _attribute_lists(state: StateCore) -> None:
    """Apply attribute lists where ``attr_list`` reads them, and take their text out.

    Right after a link, an image or a code span, a list belongs to that element; at the end of a heading or
    of a paragraph's last line, to the heading or paragraph.
    """
    tokens = state.tokens
    for index, block in enumerate(tokens):
        if block.type != "inline" or not block.children:
            continue
        children = block.children
        for at, child in enumerate(children):
            if at == 0 or child.type != "text" or children[at - 1].type not in ("link_close", "image", "code_inline"):
                continue
            match = _LIST_AT_START.match(child.content)
            before = children[at - 1]
            target = before if before.type != "link_close" else _opening(children, at - 1)
            attrs = _attribute_list(match.group(1), before.type == "image") if match else None
            if attrs is not None and target is not None:
                _give(target, attrs)
                child.content = child.content[match.end():]
        last = children[-1]
        opener = tokens[index - 1] if index else None
        if last.type == "text" and opener is not None and opener.type in ("heading_open", "paragraph_open"):
            match = _LIST_AT_END.search(last.content)
            attrs = _attribute_list(match.group(1), False) if match else None
            if attrs is not None:
                _give(opener, attrs)
                last.content = last.content[:match.start()]
                if not last.content and len(children) > 1 and children[-2].type == "softbreak":
                    children.pop()  # the list stood on a line of its own
                    children.pop()
        block.children = [c for c in children if c.type != "text" or c.content]


def _opening(children: list[Token], close: int) -> Token | None:
    """The ``link_open`` token of the ``link_close`` at ``close``."""
    depth = 0
    for index in range(close, -1, -1):
        depth += children[index].nesting
        if depth == 0:
            return children[index]
    return None


def _only_markers(markers: tuple[str, ...]) -> Callable[[StateBlock, int, int, bool], bool]:
    """The admonition block rule, for the markers the site asked for (``!!!`` admonition, ``???`` details)."""

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        start = state.bMarks[start_line] + state.tShift[start_line]
        if not state.src.startswith(markers, start):
            return False
        return admonition(state, start_line, end_line, silent)

    return rule


def _render_admonition(renderer, tokens: list[Token], idx: int, options, env) -> str:
    """An admonition as Python-Markdown writes one; a ``???`` one as pymdownx.details' ``<details>``.

    The type word goes into the class (the sanitiser keeps only :data:`ADMONITION_TYPES`); the
    title is inline Markdown the parser already turned into tokens, so it is escaped like any text.
    """
    token = tokens[idx]
    # The title's closing token carries no marker: its opening one, before the title's inline text, does.
    folding = (tokens[idx - 2] if token.type == "admonition_title_close" else token).markup.startswith("?")
    if token.type == "admonition_open":
        kind = escape(str(token.meta.get("tag", "")))
        if folding:
            return f'<details class="{kind}"{" open" if token.markup.endswith("+") else ""}>\n'
        return f'<div class="admonition {kind}">\n'
    if token.type == "admonition_close":
        return "</details>\n" if folding else "</div>\n"
    if token.type == "admonition_title_open":
        return "<summary>" if folding else '<p class="admonition-title">'
    return "</summary>\n" if folding else "</p>\n"


def _footnote_number(tokens: list[Token], idx: int) -> str:
    return str(tokens[idx].meta["id"] + 1)


def _footnote_ref(renderer, tokens: list[Token], idx: int, options, env) -> str:
    number = _footnote_number(tokens, idx)
    sub = tokens[idx].meta.get("subId", -1)
    nonce = env["mltrl_nonce"]
    ref = f"fnref_{nonce}_{number}" + (f"-{sub}" if sub > 0 else "")
    return f'<sup id="{ref}"><a class="footnote-ref" href="#fn_{nonce}_{number}">{number}</a></sup>'


def _footnote_backref(renderer, tokens: list[Token], idx: int, options, env) -> str:
    number = _footnote_number(tokens, idx)
    sub = tokens[idx].meta.get("subId", -1)
    ref = f"fnref_{env['mltrl_nonce']}_{number}" + (f"-{sub}" if sub > 0 else "")
    return f' <a class="footnote-backref" href="#{ref}" title="Back to the text">\u21a9\ufe0e</a>'


_FOOTNOTE_RENDER = {
    # Python-Markdown's shape (Material styles .footnote and its links), with ids in the safe alphabet
    # that no heading id can take (see _FOOTNOTE_ID).
    "footnote_ref": _footnote_ref,
    "footnote_anchor": _footnote_backref,
    "footnote_block_open": lambda renderer, tokens, idx, options, env: '<div class="footnote">\n<hr>\n<ol>\n',
    "footnote_block_close": lambda renderer, tokens, idx, options, env: "</ol>\n</div>\n",
    "footnote_open": lambda renderer, tokens, idx, options, env:
        f'<li id="fn_{env["mltrl_nonce"]}_{_footnote_number(tokens, idx)}">',
    "footnote_close": lambda renderer, tokens, idx, options, env: "</li>\n",
}


_PARSERS: dict[CardMarkdown, MarkdownIt] = {}


def parser(features: CardMarkdown = NOTHING) -> MarkdownIt:
    """The markdown-it parser for ``features``, made once per set of features."""
    found = _PARSERS.get(features)
    if found is None:
        found = _PARSERS[features] = _parser(features)
    return found


_MD = parser()


def _heading_tokens(tokens: list[Token], shift: int, drop_title: bool, prefix: str,
                    permalink: str | None = None) -> list[Heading]:
    """Shift heading ranks, give each heading a unique id, and drop a leading title heading.

    With ``permalink``, each heading ends with a link to itself showing that text, as the ``toc``
    extension writes it (``headerlink``: the theme shows it on hover).
    """
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
            given = tok.attrGet("id")
            base = safe_id(str(given)) if given else None  # an attribute list's {#id}
            base = base if base and not _FOOTNOTE_SHAPE.fullmatch(base) else slugify(text)
            count = used.get(base, 0)
            used[base] = count + 1
            anchor = base if count == 0 else f"{base}-{count}"
            tok.attrSet("id", anchor)
            headings.append(Heading(rank, prefix + anchor, text.strip()))
            if permalink is not None and inline.children is not None:
                link = Token("html_inline", "", 0)
                link.content = (f'<a class="headerlink" href="#{anchor}" title="Permanent link">'
                                f'{escape(permalink)}</a>')
                inline.children.append(link)
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
                    drop_title: bool = False, id_prefix: str = "md-", features: CardMarkdown = NOTHING) -> Rendered:
    """Render ``text`` and clean the HTML with nh3.

    ``shift`` lowers every heading by that many ranks (a card's ``##`` becomes
    ``<h3>`` under the page's own ``<h2>``); ``drop_title`` removes a first
    ``#`` heading, which repeats the page title. Heading ids get ``id_prefix``
    so they cannot clash with the page's own anchors. ``resolve`` decides what
    each relative link or image source becomes; without it they are dropped.
    ``features`` are the optional Markdown features (footnotes...) the site asked for.
    """
    plain = _shortcut(text, drop_title)
    if plain is not None:
        return Rendered(plain)
    return _render(text, resolve, shift, drop_title, id_prefix, features)


def _render(text: str, resolve: LinkResolver | None, shift: int, drop_title: bool, id_prefix: str,
            features: CardMarkdown = NOTHING) -> Rendered:
    """:func:`render_markdown` through the parser and the sanitiser, for any text."""
    md = parser(features)
    tokens = md.parse(text, {})
    headings = _heading_tokens(tokens, shift, drop_title, id_prefix, features.permalink)
    tokens = [t for t in tokens if t.type != "mltrl_hidden"]
    nonce = secrets.token_hex(16)
    html = md.renderer.render(tokens, md.options, {"mltrl_nonce": nonce})
    rendered = Rendered("", headings)

    def relative(url: str) -> str | None:
        if url.startswith("#"):
            anchor = safe_id(id_prefix + (_footnote_id(url[1:], nonce) or url[1:])) if len(url) > 1 else None
            return f"#{anchor}" if anchor else None
        if not is_relative_reference(url) or resolve is None:
            return None
        target = resolve(url)
        return target

    rendered.html = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                              url_relative=relative, id_prefix=id_prefix,
                              attribute_filter=_attribute_filter(id_prefix, nonce), allowed_classes=_CLASSES,
                              tag_attribute_values=_FIXED_VALUES, set_tag_attribute_values=_ADDED_VALUES,
                              filter_style_properties={"text-align"}, strip_comments=True)
    return rendered
