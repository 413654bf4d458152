"""The numbered list of top-level requirements on a card, read with markdown-it-py.

The card's "Top-level requirements" section shows the requirements of
``requirements.md`` by their first number. Research and product requirements
are numbered apart, so a card may say which kind a list is with a sub-heading
of the section whose title begins with "Research" or "Product"
(``### Research requirements``); a list before any such sub-heading stands for
both kinds, as when a card numbers them in one sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

from .models import RequirementKind
from .sections import Section, normalise_heading

# Block structure is all a list's numbers need: inline parsing is skipped.
_md = MarkdownIt("commonmark").disable(["inline", "text_join"])


@dataclass(frozen=True)
class ListedRequirement:
    """One item of a top-level numbered list in the section."""

    number: int
    """The number the item shows (the list's start plus its place: a list written ``1. 1. 1.`` shows 1, 2, 3)."""
    kind: RequirementKind | None
    """``research`` or ``product`` under a sub-heading naming the kind; ``None`` for a list that names none."""
    line: int
    """1-based line of the item in the card."""
    column: int
    """1-based column of the item's number."""


def _kind_of(title: str) -> RequirementKind | None:
    words = normalise_heading(title).split()
    if words and words[0] in ("research", "product"):
        return words[0]  # type: ignore[return-value]
    return None


def listed_requirements(body: str, body_line: int, section: Section) -> list[ListedRequirement]:
    """The items of the numbered lists directly in ``section`` of a card whose body is ``body``.

    ``body_line`` is the body's first line in the file. Lists nested in another block (a quote, a
    bullet item) are not the top-level list and are left out.
    """
    tokens = _md.parse(body)
    lines = body.split("\n")
    found: list[ListedRequirement] = []
    inside = False
    kind: RequirementKind | None = None
    number: int | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            rank = int(token.tag[1])
            if body_line + token.map[0] == section.line:
                inside, kind = True, None
            elif inside and rank <= section.rank:
                break
            elif inside:
                title = tokens[index + 1].content if index + 1 < len(tokens) else ""
                kind = _kind_of(title)
            continue
        if not inside:
            continue
        if token.type == "ordered_list_open" and token.level == 0:
            start = token.attrGet("start")
            number = int(start) if start is not None else 1
        elif token.type == "ordered_list_close" and token.level == 0:
            number = None
        elif token.type == "list_item_open" and token.level == 1 and number is not None and token.map:
            text = lines[token.map[0]]
            found.append(ListedRequirement(number, kind, body_line + token.map[0],
                                           len(text) - len(text.lstrip()) + 1))
            number += 1
    return found
