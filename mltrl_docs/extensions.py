"""Which of the site's Markdown extensions card bodies are rendered with.

A site lists Python-Markdown and pymdown extensions in ``markdown_extensions``
(``mkdocs.yml``). Card bodies never pass through Python-Markdown (see
:mod:`mltrl_docs.site.markdown`): the card renderer reads the same list and
turns each name it knows into a markdown-it-py feature, through the table
:data:`EXTENSIONS`. The list comes in as plain data, from the plugin's MkDocs
config or from ``mkdocs.yml`` read by :mod:`mltrl_docs.workspace`, so this
module needs no site engine.

Each extension falls in one of four groups:

* ``honoured``: cards get the feature (footnotes, definition lists, ...);
* ``built in``: cards have it whether or not the site lists it (tables, fenced code);
* ``left out``: cards do without it on purpose, and read well without it (it
  would reach outside the card, or only changes looks); an ``info`` note says so;
* anything else is unknown to the card renderer: text written for it shows
  as written, so a ``warning`` note says so, once per build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

PYTHON_MARKDOWN_PREFIX = "markdown.extensions."
"""Python-Markdown's own extensions may be named in full (``markdown.extensions.footnotes``)."""


@dataclass(frozen=True)
class CardMarkdown:
    """The optional Markdown features card bodies are rendered with (tables and strikethrough are always on)."""

    footnotes: bool = False
    """``[^1]`` references and ``[^1]: text`` notes, listed at the end of the card."""
    definitions: bool = False
    """Definition lists: a term on one line, ``:   its definition`` below."""
    tasks: bool = False
    """``- [ ]`` and ``- [x]`` list items, shown as disabled checkboxes."""
    admonitions: bool = False
    """``!!! note "Title"`` call-outs."""
    details: bool = False
    """``??? note "Title"`` (folded) and ``???+ note`` (open) call-outs."""
    abbreviations: bool = False
    """``*[HTML]: Hypertext Markup Language`` lines, which give every ``HTML`` in the text that title."""
    attributes: bool = False
    """Attribute lists (``attr_list``): ``{#id .class}`` at the end of a heading or a paragraph, or right after a
    link, image or code span. Only an id, a class the sanitiser allows (Material's ``md-button``) and an image's
    ``width`` and ``height`` are kept; every other attribute is dropped."""
    permalink: str | None = None
    """Text of the link each card heading gets to itself (``toc``'s ``permalink``), or ``None`` for none."""

    def key(self) -> str:
        """The features as one string, for the page cache: different features, different pages."""
        return json.dumps(asdict(self), sort_keys=True)


NOTHING = CardMarkdown()
"""Plain cards: what a site without ``markdown_extensions`` gets."""


@dataclass(frozen=True)
class ExtensionNote:
    """What the card renderer makes of one extension of the site that it does not honour."""

    name: str
    """The extension as the site names it."""
    severity: Literal["info", "warning"]
    """``warning`` when card text written for it shows as written; ``info`` when cards read well without it."""
    message: str

    def __str__(self) -> str:
        return f"markdown extension '{self.name}' {self.message}"


HONOURED: dict[str, str] = {
    "footnotes": "footnotes",
    "def_list": "definition lists",
    "pymdownx.tasklist": "task lists (checkboxes are always disabled)",
    "admonition": "admonitions (!!!)",
    "pymdownx.details": "folding admonitions (??? and ???+)",
    "toc": "heading anchors; with permalink, a link beside each heading",
    "abbr": "abbreviations",
    "attr_list": "attribute lists: ids on headings and paragraphs, Material's button classes on links, the size of "
                 "images (other attributes and classes are dropped)",
    "extra": "footnotes, definition lists and abbreviations (its tables and fenced code are built in)",
}
"""Extensions cards are rendered with, and what each gives them."""

BUILT_IN: dict[str, str] = {
    "tables": "pipe tables",
    "fenced_code": "fenced code blocks",
    "pymdownx.superfences": "fenced code blocks, also inside lists and admonitions (custom fences are not run)",
    "pymdownx.tilde": "~~strikethrough~~ (not ~subscript~)",
}
"""Extensions whose feature cards have anyway."""

LEFT_OUT: dict[str, str] = {
    "md_in_html": "is not applied to cards: Markdown inside raw HTML blocks stays as text",
    "pymdownx.snippets": "is not applied to cards: a card must not include other files",
    "meta": "is not applied to cards: their front matter is read by mltrl",
    "pymdownx.highlight": "is not applied to cards: code in cards is shown without syntax highlighting",
    "pymdownx.inlinehilite": "is not applied to cards: inline code in cards is shown without highlighting",
    "codehilite": "is not applied to cards: code in cards is shown without syntax highlighting",
    "pymdownx.smartsymbols": "is not applied to cards: (c), --> and the like stay as typed",
    "smarty": "is not applied to cards: quotes and dashes stay as typed",
    "pymdownx.magiclink": "is not applied to cards: bare addresses stay text (write [text](url) or <url>)",
    "pymdownx.emoji": "is not applied to cards: :shortcodes: stay as typed (write the character itself)",
    "pymdownx.betterem": "is not applied to cards: emphasis follows CommonMark's rules",
    "pymdownx.caret": "is not applied to cards: ^^insert^^ and ^superscript^ stay as typed",
    "pymdownx.mark": "is not applied to cards: ==mark== stays as typed",
    "pymdownx.keys": "is not applied to cards: ++ctrl+c++ stays as typed",
}
"""Extensions cards do without on purpose, and why; a card written for one still reads well."""

UNKNOWN = "is not supported in cards: card text written for it shows as written"


def _name(entry: object) -> str | None:
    """The name of an extension entry: a string, or a one-key mapping (``{toc: {permalink: true}}``)."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and len(entry) == 1:
        (key,) = entry
        return key if isinstance(key, str) else None
    return None


def extension_entries(raw: object) -> tuple[list[str], dict[str, dict]]:
    """``markdown_extensions`` as written in ``mkdocs.yml`` -> (names in order, options by name).

    Entries that name no extension are skipped: MkDocs itself reports them.
    """
    names: list[str] = []
    configs: dict[str, dict] = {}
    if isinstance(raw, Mapping):
        raw = [{key: value} for key, value in raw.items()]
    if not isinstance(raw, list):
        return names, configs
    for entry in raw:
        name = _name(entry)
        if name is None:
            continue
        names.append(name)
        if isinstance(entry, Mapping) and isinstance(entry[name], Mapping):
            configs[name] = dict(entry[name])
    return names, configs


def _permalink(options: Mapping) -> str | None:
    """``toc``'s ``permalink`` option as the link text: ``true`` is Python-Markdown's pilcrow."""
    value = options.get("permalink")
    if value is True:
        return "¶"
    if isinstance(value, str) and value:
        return value
    return None


def card_markdown(names: Iterable[str], configs: Mapping[str, Mapping] | None = None,
                  ) -> tuple[CardMarkdown, list[ExtensionNote]]:
    """The card features the site's extensions ``names`` (with their ``configs``) give, and a note per other one.

    Each extension gets at most one note, however often it is listed.
    """
    configs = configs or {}
    enabled: dict[str, object] = {}
    notes: list[ExtensionNote] = []
    seen: set[str] = set()
    for written in names:
        if written in seen:
            continue
        seen.add(written)
        name = written.removeprefix(PYTHON_MARKDOWN_PREFIX)
        options = configs.get(written) or configs.get(name) or {}
        if name in ("footnotes", "extra"):
            enabled["footnotes"] = True
        if name in ("def_list", "extra"):
            enabled["definitions"] = True
        if name in ("abbr", "extra"):
            enabled["abbreviations"] = True
        if name == "attr_list":
            enabled["attributes"] = True
        if name == "pymdownx.tasklist":
            enabled["tasks"] = True
        if name == "admonition":
            enabled["admonitions"] = True
        if name == "pymdownx.details":
            enabled["details"] = True
        if name == "toc":
            enabled["permalink"] = _permalink(options)
        if name in HONOURED or name in BUILT_IN:
            continue
        if name in LEFT_OUT:
            notes.append(ExtensionNote(written, "info", LEFT_OUT[name]))
        else:
            notes.append(ExtensionNote(written, "warning", UNKNOWN))
    return CardMarkdown(**enabled), notes  # type: ignore[arg-type]


@dataclass(frozen=True)
class SiteMarkdown:
    """The site's Markdown extensions as the card renderer sees them."""

    features: CardMarkdown = NOTHING
    notes: list[ExtensionNote] = field(default_factory=list)
    """One per extension the cards do not get (see :func:`card_markdown`)."""


def site_markdown(raw: object) -> SiteMarkdown:
    """What ``markdown_extensions`` as written in ``mkdocs.yml`` gives cards."""
    features, notes = card_markdown(*extension_entries(raw))
    return SiteMarkdown(features, notes)
