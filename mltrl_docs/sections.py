"""Sections of a card body, found by heading with markdown-it-py, and placeholder text."""

from __future__ import annotations

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
    content_from: int
    """Level from which the section must have content."""
    purpose: str
    """What goes in it, shown in templates and the rule reference."""


CARD_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("tldr", "TL;DR", ("Summary", "TLDR"), 0,
                "What the technology is and where it stands, in two or three sentences."),
    SectionSpec("requirements", "Top-level requirements", ("Requirements",), 2,
                "The numbered top-level requirements, linking to requirements.md."),
    SectionSpec("model", "Model and algorithm", ("Model info", "Algorithm info", "Model / algorithm",
                                                  "Model/algorithm info", "Model"), 1,
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
                                                      "Known edge cases"), 5,
                "Known failure modes, edge cases and recommendations."),
    SectionSpec("assumptions", "Key assumptions", ("Assumptions",), 0,
                "Assumptions the work rests on."),
    SectionSpec("metrics", "Metrics and results", ("Metrics", "Results"), 2,
                "How success is measured and the latest numbers."),
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
    """Heading rank: 1 for ``#``, 2 for ``##``..."""
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
        """Whether the section has any content besides whitespace and comments."""
        text = re.sub(r"<!--.*?-->", "", self.content, flags=re.S)
        return bool(text.strip())


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
    for n, (rank, start, end, title) in enumerate(heads):
        stop = len(lines)
        for later_rank, later_start, _, _ in heads[n + 1:]:
            if later_rank <= rank:
                stop = later_start
                break
        content = "\n".join(lines[end:stop])
        sections.append(Section(title=title, rank=rank, line=first_line + start, content=content))
    return sections


PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME)\b|\[\[(?i:fill in)[^\]]*\]\]")
"""Text left from a template: ``TODO``, ``TBD``, ``FIXME`` or the scaffold's ``[[fill in ...]]``."""


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
