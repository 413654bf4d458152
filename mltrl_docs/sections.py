"""Sections of a card body, found by heading with markdown-it-py, and placeholder text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

# Only block structure is needed to find headings: skipping inline parsing halves the cost.
_md = MarkdownIt("commonmark").disable(["inline", "text_join"])


@dataclass(frozen=True)
class SectionSpec:
    """A section every TRL card has."""

    key: str
    """Stable identifier."""
    title: str
    """Heading as written in the template."""
    aliases: tuple[str, ...]
    """Other accepted headings (compared case- and punctuation-insensitively)."""
    content_from: int | None
    """Level from which the section must have content (``None``: never required)."""
    purpose: str
    """What goes in it, shown in templates and the rule reference."""
    required: bool = True
    """Whether every card must have the section (``DOC001`` reports a missing one)."""


CARD_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("tldr", "TL;DR", ("Summary", "TLDR"), 0,
                "What the technology is and where it stands, in two or three sentences."),
    SectionSpec("requirements", "Top-level requirements", ("Requirements",), 2,
                "The numbered top-level requirements, linking to requirements.md."),
    SectionSpec("model", "Model and algorithm", ("Model info", "Algorithm info", "Model / algorithm",
                                                  "Model/algorithm info", "Model", "Model and algorithm info"), 1,
                "An elevator pitch of the method for a reviewer who does not work in ML."),
    SectionSpec("intended_use", "Intended use", ("Intended and unacceptable use",), 4,
                "What it is for, and uses that are not acceptable."),
    SectionSpec("testing", "Testing status", ("Testing", "Tests"), 3,
                "What is tested and how: unit, integration, robustness, scenarios."),
    SectionSpec("data", "Data considerations", ("Data",), 1,
                "Datasets with versions, biases, gaps, acquisition assumptions, privacy."),
    SectionSpec("ethics", "Ethics", ("Ethics considerations",), 4,
                "Summary of the ethics checklist and open questions."),
    SectionSpec("caveats", "Caveats and edge cases", ("Caveats", "Caveats, edge cases and recommendations",
                                                      "Caveats, known edge cases, recommendations",
                                                      "Known edge cases"), 5,
                "Known failure modes, edge cases and recommendations."),
    SectionSpec("assumptions", "Key assumptions", ("Assumptions",), 0,
                "Assumptions the work rests on."),
    SectionSpec("metrics", "Metrics and results", ("Metrics", "Results"), 2,
                "How success is measured and the latest numbers."),
    SectionSpec("debrief", "Stage debrief", ("MLTRL stage debrief", "Debrief"), None,
                "The four debrief questions of the last gate, answered (the review records keep each gate's).",
                required=False),
)
"""The card's sections, in template order."""


def normalise_heading(text: str) -> str:
    """Lower-case words only, so ``TL;DR`` and ``tl dr`` compare equal."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


_BY_HEADING = {normalise_heading(alias): spec for spec in CARD_SECTIONS for alias in (spec.title, *spec.aliases)}


@dataclass
class Section:
    """A heading and the text under it, up to the next heading of the same or higher rank."""

    title: str
    rank: int
    """Heading rank: 1 for ``#``, 2 for ``##``...; 0 for a section opened by a bold label (``**TL;DR** —``)."""
    line: int
    """1-based line of the heading in the file."""
    content: str
    """Markdown under the heading."""

    @property
    def spec(self) -> SectionSpec | None:
        """The card section this heading stands for, if any."""
        return _BY_HEADING.get(normalise_heading(self.title))

    @property
    def filled(self) -> bool:
        """Whether the section holds content: not only whitespace, comments or placeholder text."""
        return self.emptiness is None

    @property
    def emptiness(self) -> str | None:
        """Why the section does not count as written (``"empty"`` or the placeholder it holds), or ``None``."""
        return emptiness(self.content)


def near_miss(title: str, specs: tuple[SectionSpec, ...] | None = None) -> SectionSpec | None:
    """The card section a heading that names none nearly names (a typo, a shortened title), if any."""
    words = normalise_heading(title)
    if not words or words in _BY_HEADING:
        return None
    wanted = specs if specs is not None else CARD_SECTIONS
    names = {normalise_heading(alias): spec for spec in wanted for alias in (spec.title, *spec.aliases)}
    close = difflib.get_close_matches(words, list(names), n=1, cutoff=0.75)
    if close:
        return names[close[0]]
    # A heading that keeps every word of a section's title and adds some ("Data considerations and
    # sources") is that section named at more length.
    heading = set(words.split())
    for name, spec in names.items():
        if len(name.split()) > 1 and set(name.split()) <= heading:
            return spec
    return None


def parse_sections(body: str, first_line: int = 1) -> list[Section]:
    """Every heading of ``body`` with its content; ``first_line`` is the body's line in the file."""
    tokens = _md.parse(body)
    lines = body.split("\n")
    heads = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            title = tokens[i + 1].content if i + 1 < len(tokens) else ""
            heads.append((int(tok.tag[1]), tok.map[0], tok.map[1], title))
    sections = []
    sections.extend(_labelled_paragraphs(lines, tokens, first_line))
    for n, (rank, start, end, title) in enumerate(heads):
        stop = len(lines)
        for later_rank, later_start, _, _ in heads[n + 1:]:
            if later_rank <= rank:
                stop = later_start
                break
        content = "\n".join(lines[end:stop])
        sections.append(Section(title=title, rank=rank, line=first_line + start, content=content))
    return sections


_LABEL = re.compile(r"^ {0,3}(?:\*\*|__)\s*(TL;?\s?DR|TLDR|Summary)\s*[:.]?\s*(?:\*\*|__)\s*[:.\u2014\u2013-]*\s*",
                    re.IGNORECASE)
"""A paragraph that opens with a bold section label, as the MLTRL template writes its TL;DR."""


def _labelled_paragraphs(lines: list[str], tokens: list, first_line: int) -> list[Section]:
    """Sections opened by a bold label at the start of a top-level paragraph (``**TL;DR** — text``)."""
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or tok.level != 0 or not tok.map:
            continue
        start, end = tok.map
        match = _LABEL.match(lines[start])
        if match is None:
            continue
        text = "\n".join([lines[start][match.end():], *lines[start + 1:end]])
        found.append(Section(title=match.group(1), rank=0, line=first_line + start, content=text))
    return found


PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|WIP)\b|\[\[(?i:fill in)[^\]]*\]\]"
                         r"|(?<![\w\]])[(*_]+ ?(?i:links? to)\b[^)*\n]*[)*_]*")
"""Text left from a template: ``TODO``, ``TBD``, ``FIXME``, ``WIP``, the scaffold's ``[[fill in ...]]``,
or a template's reminder to add a link, written in italics or brackets (``*link to the wiki page*``)."""

_DECORATION = re.compile(r"<!--.*?-->|^\s*(?:[-*+]|\d+[.)])(?=\s|$)|^\s*(?:#+|>|\|)|[*_`~|:;,.!?()\[\]{}<>\u2014\u2013-]",
                         re.MULTILINE | re.DOTALL)


def emptiness(text: str) -> str | None:
    """``"empty"`` when ``text`` says nothing, the first placeholder when it holds only placeholders, else ``None``.

    Only what Markdown draws around words is set aside (list markers, emphasis, brackets, table
    rules, comments), so a section of empty bullets, or of ``TBD`` under a list marker, is unwritten.
    """
    uncommented = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    placeholders = [m.group(0) for m in PLACEHOLDER.finditer(uncommented)]
    rest = _DECORATION.sub(" ", PLACEHOLDER.sub(" ", uncommented))
    if re.search(r"\w", rest):
        return None
    return placeholders[0].strip() if placeholders else "empty"


def find_placeholders(text: str, first_line: int = 1) -> list[tuple[int, int, str]]:
    """``(line, column, text)`` of every placeholder outside fenced code blocks."""
    found = []
    fence: str | None = None
    for offset, line in enumerate(text.split("\n")):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker:
            if fence is None:
                fence = marker.group(1)[0] * len(marker.group(1))
            elif stripped.startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        for match in PLACEHOLDER.finditer(line):
            found.append((first_line + offset, match.start() + 1, match.group(0)))
    return found


def value_emptiness(value: object) -> str | None:
    """:func:`emptiness` for a front-matter value: text, or a list of texts, that says nothing yet.

    ``None`` and empty collections are ``"empty"``; a list is unwritten when every entry is; other
    values (numbers, booleans, mappings with content) count as written.
    """
    if value is None or value == "" or value == [] or value == {}:
        return "empty"
    if isinstance(value, str):
        return emptiness(value)
    if isinstance(value, (list, tuple)):
        reasons = [value_emptiness(item) for item in value]
        if all(reasons):
            return next((r for r in reasons if r != "empty"), "empty")
    return None


def dedent_block(lines: list[str]) -> str:
    """``lines`` without the blank lines around them and without the indent they all share (an indented answer)."""
    text = list(lines)
    while text and not text[0].strip():
        text.pop(0)
    while text and not text[-1].strip():
        text.pop()
    indent = min((len(line) - len(line.lstrip()) for line in text if line.strip()), default=0)
    return "\n".join(line[indent:] for line in text)
