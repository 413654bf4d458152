"""``mltrl import``: a card written in the MLTRL template becomes a technology folder in this format.

The MLTRL repository's template (``mltrl_card.md``) and its example cards write a
card as one Markdown file: a summary table (technology name and project ID,
current level, owners, reviewers, links, ethics, coupled components), a bold
``**TL;DR** —`` paragraph, ``###`` sections with **Extra notes** paragraphs,
footnotes, and the stage debrief. :func:`import_card` maps it onto this format's
documents without losing a sentence and without inventing anything:

- every table value goes in its field; each row is also kept, as written, in a
  comment at the top of the front matter, so nothing a value held is lost
  (a placeholder such as ``(*link to prior level cards*)`` has no field);
- every section keeps its heading and its text, raised from ``###`` to ``##``;
  the bold TL;DR paragraph stays as it is (it is the TL;DR section); footnotes stay footnotes;
- the numbered top-level requirements are written to ``requirements.md``, with
  their verification, validation and risk left open for ``mltrl check`` to ask for;
- the stage debrief stays on the card, as its ``MLTRL stage debrief`` section, or, given the date of
  the review (the template has none), becomes the review record of the gate to the card's level;
- sections the template lacks (ethics, key assumptions, metrics) are added with
  ``[[fill in ...]]`` placeholders, which fail their level rules until written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from .errors import ScaffoldError
from .ethics import IN_PROGRESS, PRE, Checklist, default_checklist, scaffold_text
from .loader import CARD, ETHICS, REQUIREMENTS, REVIEWS, SLUG
from .models import phase_of
from .scaffold import ID_PATTERN
from .sections import CARD_SECTIONS, dedent_block, normalise_heading

_md = MarkdownIt("commonmark").enable("table")

_ROWS = {
    "tech name project id": "name",
    "tech name": "name",
    "technology": "name",
    "current level": "level",
    "level": "level",
    "owner s": "owners",
    "owners": "owners",
    "owner": "owners",
    "reviewer s": "reviewers",
    "reviewers": "reviewers",
    "reviewer": "reviewers",
    "main project page": "main",
    "req s v v docs": "requirements",
    "requirements v v docs": "requirements",
    "code repo docs": "code",
    "code repo and docs": "code",
    "ethics checks": "ethics",
    "ethics checklist": "ethics",
    "coupled components": "coupled",
    "components": "components",
}
"""Summary-table labels of the MLTRL template (normalised), and what each one holds."""

_ADDED = (
    ("ethics", "Ethics", "a summary of the ethics checklist's answers and open questions"),
    ("assumptions", "Key assumptions", "what the work takes for granted"),
    ("metrics", "Metrics and results", "how success is measured and the latest numbers"),
)
"""Sections of this format that the MLTRL template has no heading for: added as placeholders."""

_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)[^)]*\)")
_URL = re.compile(r"https?://[^\s)>\]]+")
_ID_IN_NAME = re.compile(r"^(?P<title>.*?)\s*\((?P<id>[A-Za-z][A-Za-z0-9_.-]*)\)\s*(?P<rest>.*)$")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")


@dataclass
class Imported:
    """What :func:`import_card` read from an MLTRL card."""

    project_id: str
    title: str
    level: int
    rows: list[tuple[str, str]]
    """The summary table's rows: ``(label, value)``."""
    table: list[str] = field(default_factory=list)
    """The summary table's lines, as written."""
    heading: str = ""
    """The card's own first heading, as written."""
    owners: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    coupled: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    ethics: str = ""
    """The table's ethics value, as written."""
    requirements: list[tuple[int, str]] = field(default_factory=list)
    """The numbered top-level requirements: ``(number, statement)``."""
    debrief: list[str] = field(default_factory=list)
    """The stage debrief's answers, in the template's order (accomplished, punted, learned, tech debt)."""
    debrief_span: tuple[int, int] | None = None
    """Lines of the stage debrief section (heading included) in the source."""
    debrief_text: str = ""
    """The stage debrief section's text under its heading, as written."""
    body: str = ""
    """The card body in this format."""


def _plain(cell: str) -> str:
    """A table cell without emphasis, footnote references or surrounding space."""
    return " ".join(_FOOTNOTE_REF.sub("", cell).replace("*", "").replace("`", "").split())


def _names(cell: str) -> list[str]:
    text = _plain(cell)
    if not text or _is_placeholder(text):
        return []
    return [n.strip() for n in re.split(r",|;|\band\b|&", text) if n.strip()]


def _is_placeholder(text: str) -> bool:
    plain = text.strip().strip("()").strip()
    return not plain or bool(re.match(r"(?i)(links? to|tbd|todo|wip|n/?a)\b", plain))


def _first_link(cell: str) -> str | None:
    match = _URL.search(cell)
    if match:
        return match.group(0)
    return None


def _table(lines: list[str], tokens: list) -> tuple[list[tuple[str, str]], tuple[int, int] | None]:
    """The first table's rows ``(label, value)`` and its line span."""
    for i, tok in enumerate(tokens):
        if tok.type == "table_open" and tok.map:
            start, end = tok.map
            rows = []
            for line in lines[start:end]:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) < 2 or set("".join(cells)) <= set("-: "):
                    continue
                rows.append((cells[0], "|".join(cells[1:]).strip()))
            return rows[1:], (start, end)  # the first row is the header
    return [], None


def parse_mltrl_card(text: str, without_debrief: bool = False) -> Imported:
    """Read a card written in the MLTRL template. Raises :class:`ScaffoldError` when it is not one.

    ``without_debrief`` leaves the stage debrief out of the card's body (it goes in a review record).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    tokens = _md.parse("\n".join(lines))
    rows, span = _table(lines, tokens)
    if not rows:
        raise ScaffoldError("no summary table found: an MLTRL card starts with a table of "
                            "'Summary info | Content, links' rows")
    by_kind: dict[str, str] = {}
    for label, value in rows:
        kind = _ROWS.get(normalise_heading(label))
        if kind and kind not in by_kind:
            by_kind[kind] = value
    name = _plain(by_kind.get("name", ""))
    match = _ID_IN_NAME.match(name)
    if not match or not ID_PATTERN.match(match.group("id")):
        raise ScaffoldError("the summary table names no project ID: write the 'Tech name (project ID)' row as "
                            "'Name (R02.1)'")
    level_match = re.match(r"\s*(\d)\b", _plain(by_kind.get("level", "")))
    if level_match is None:
        raise ScaffoldError("the summary table gives no current level: write the 'Current Level' row as a "
                            "number from 0 to 9")
    result = Imported(project_id=match.group("id"), title=match.group("title").strip() or match.group("id"),
                      level=int(level_match.group(1)), rows=rows, table=lines[span[0]:span[1]])
    first = next((tok for tok in tokens if tok.type == "heading_open" and tok.tag == "h1" and tok.map
                  and tok.map[0] < span[0]), None)
    if first is not None:
        result.heading = lines[first.map[0]]
    result.owners = _names(by_kind.get("owners", ""))
    result.reviewers = _names(by_kind.get("reviewers", ""))
    result.coupled = [i for i in re.split(r"[,;\s]+", _plain(by_kind.get("coupled", ""))) if ID_PATTERN.match(i)]
    result.components = [i for i in re.split(r"[,;\s]+", _plain(by_kind.get("components", "")))
                         if ID_PATTERN.match(i)]
    for kind in ("main", "code"):
        link = _first_link(by_kind.get(kind, ""))
        if link:
            result.links[kind] = link
    result.ethics = by_kind.get("ethics", "")
    result.requirements = _top_level_requirements(lines, tokens)
    _read_debrief(lines, tokens, result)
    result.body = _body(lines, span, result, without_debrief)
    return result


_DEBRIEF_HEADINGS = {"mltrl stage debrief", "stage debrief", "debrief"}


def _read_debrief(lines: list[str], tokens: list, card: Imported) -> None:
    """The stage debrief section's span, and the answer under each of its numbered questions."""
    heads = [(i, tok) for i, tok in enumerate(tokens) if tok.type == "heading_open" and tok.map]
    for n, (i, tok) in enumerate(heads):
        if normalise_heading(tokens[i + 1].content) not in _DEBRIEF_HEADINGS:
            continue
        start = tok.map[0]
        end = next((later.map[0] for _, later in heads[n + 1:] if later.tag <= tok.tag), len(lines))
        card.debrief_span = (start, end)
        card.debrief_text = "\n".join(lines[tok.map[1]:end]).strip("\n")
        for j in range(i, len(tokens)):
            item = tokens[j]
            if item.map and item.map[0] >= end:
                break
            if item.map and item.type == "list_item_open" and item.level == 1 and tokens[j - 1].type in ("ordered_list_open",
                                                                                          "list_item_close"):
                question = next(t for t in tokens[j:] if t.type == "inline")
                answer = lines[question.map[1]:item.map[1]]
                card.debrief.append(dedent_block(answer))
        return


def _top_level_requirements(lines: list[str], tokens: list) -> list[tuple[int, str]]:
    """The items of the first numbered list under the 'Top-level requirements' heading."""
    inside = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            inside = normalise_heading(tokens[i + 1].content) in ("top level requirements", "requirements")
        elif inside and tok.type == "ordered_list_open":
            number = int(tok.attrGet("start") or 1)
            found = []
            depth = 0
            for later in tokens[i:]:
                if later.type in ("ordered_list_open", "bullet_list_open"):
                    depth += 1
                elif later.type in ("ordered_list_close", "bullet_list_close"):
                    depth -= 1
                    if depth == 0:
                        break
                elif later.type == "inline" and depth == 1 and later.level == tok.level + 3:
                    found.append((number, " ".join(later.content.split())))
                    number += 1
            return found
    return []


def _body(lines: list[str], span: tuple[int, int] | None, card: Imported, without_debrief: bool) -> str:
    """The card's Markdown in this format: title, TL;DR section, the sections as ``##``, placeholders added.

    ``without_debrief`` leaves the stage debrief out (it goes in a review record instead).
    """
    start = span[1] if span else 0
    rest = lines[start:]
    if without_debrief and card.debrief_span is not None:
        first, last = card.debrief_span
        rest = lines[start:first] + lines[last:]
    name = next((value for label, value in card.rows if _ROWS.get(normalise_heading(label)) == "name"), "")
    # The card's own heading, then the name cell as written: it may carry a footnote reference.
    out: list[str] = [card.heading or f"# {card.title}", "", name.strip(), ""]
    seen: set[str] = set()
    for line in rest:
        heading = re.match(r"^(#{2,6})\s+(.*?)\s*#*\s*$", line)
        label = re.match(r"^\s*(\*\*|__)\s*TL;?\s?DR\s*[:.]?\s*(\*\*|__)\s*[:.\u2014\u2013-]*\s*(.*)$", line,
                         re.IGNORECASE)
        if label:
            out.append(line)  # the bold TL;DR paragraph is the TL;DR section as it stands
            seen.add("tldr")
        elif heading:
            title = heading.group(2)
            rank = max(2, len(heading.group(1)) - 1)
            out.append("#" * rank + " " + title)
            spec = next((s for s in CARD_SECTIONS if normalise_heading(title) in
                         {normalise_heading(a) for a in (s.title, *s.aliases)}), None)
            if spec is not None:
                seen.add(spec.key)
        else:
            out.append(line)
    while out and out[-1].strip() in ("", "---"):
        out.pop()
    for key, title, what in _ADDED:
        if key not in seen:
            out += ["", f"## {title}", "", f"[[fill in: {what}]]"]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def review_text(card: Imported, date: dt.date) -> str:
    """The review record of the gate the card's stage debrief closes: the graduation to the card's level."""
    keys = ("accomplished", "punted", "learned", "tech_debt")
    answers = dict(zip(keys, card.debrief, strict=False))
    lines = ["---",
             "# Imported from the stage debrief of a card in the MLTRL template: the gate to its current level.",
             f"level: {card.level - 1}", f"date: {date.isoformat()}", f"reviewers: {_yaml(card.reviewers)}",
             "decision: graduate", f"to_level: {card.level}", "debrief:"]
    lines += [f"  {key}: {_yaml(answers.get(key, ''))}" for key in keys]
    lines += ["---", "", "## MLTRL stage debrief", "", card.debrief_text, ""]
    return "\n".join(lines)


def _yaml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _yaml_comment(text: str) -> str:
    return " ".join(text.split())


def card_text(card: Imported) -> str:
    """``card.md`` for an imported card: the fields it gave, the table as written, and the body."""
    owners_role = "research" if phase_of(card.level) != "product" else "product"
    meta = ["---",
            "# Imported from a card in the MLTRL template. Its summary table, as written:"]
    meta += [f"#   {_yaml_comment(line)}" for line in card.table]
    meta += [f"id: {_yaml(card.project_id)}",
             f"title: {_yaml(card.title)}",
             f"level: {card.level}",
             "status: active",
             "owners:",
             f"  {owners_role}: {_yaml(card.owners)}"]
    other = "product" if owners_role == "research" else "research"
    meta += [f"  {other}: []", "reviewers:", f"  {owners_role}: {_yaml(card.reviewers)}", f"  {other}: []",
             f"components: {_yaml(card.components)}", f"coupled: {_yaml(card.coupled)}"]
    meta.append(f"links: {_yaml(card.links)}" if card.links else "links: {}")
    meta += ["# The MLTRL template has no fields for these: fill them in for the card's level.",
             "versions: {}", "datasets: []", "visibility: internal", "---", ""]
    return "\n".join(meta) + card.body


def requirements_text(card: Imported) -> str:
    """``requirements.md`` with the card's top-level requirements, V&V and risk left for the team to write."""
    kind = "product" if phase_of(card.level) == "product" else "research"
    lines = ["---",
             "# The card's top-level requirements. The MLTRL template keeps verification, validation and risk",
             "# in a separate document: write them here (mltrl check reports what is missing).",
             "requirements:"]
    if not card.requirements:
        lines[-1] = "requirements: []"
    for number, statement in card.requirements:
        lines += [f"  - id: {_yaml(f'{number}.0.0')}", f"    kind: {kind}", f"    statement: {_yaml(statement)}",
                  '    verification: ""', '    validation: ""']
    lines += ["---", "", f"# Requirements of {card.title}", ""]
    return "\n".join(lines)


def ethics_text(card: Imported, checklist: Checklist) -> str:
    """``ethics.md``: every question open, and the pre-development part in progress when the card says so."""
    text = scaffold_text(checklist, card.title)
    link = _LINK.search(card.ethics)
    if re.match(r"\s*\W*\s*(WIP|in progress)", card.ethics, re.IGNORECASE) and link and checklist.part(PRE):
        text = text.replace(f"{PRE}:\n", f"{PRE}:\n  {IN_PROGRESS}: {_yaml(link.group(2))}\n", 1)
    if card.ethics.strip():
        text += f"\nThe MLTRL card's summary table said of its ethics checks: {card.ethics.strip()}\n"
    return text


def import_card(source: Path, root: Path, slug: str | None = None,
                checklist: Checklist | None = None, review_date: dt.date | None = None) -> list[Path]:
    """Write ``root/<slug>`` from the MLTRL card in ``source``; return the files written. Never overwrites.

    With ``review_date`` (the template gives no date), the stage debrief becomes the review record of
    the gate to the card's level, ``reviews/DATE-level-N.md``, instead of a section of the card.

    Raises :class:`ScaffoldError` when the source cannot be read or is not an MLTRL card, the slug is
    not valid, a review record cannot be made from it, or any of the files exists.
    """
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}") from None
    card = parse_mltrl_card(text, without_debrief=review_date is not None)
    slug = slug or "-".join(re.findall(r"[a-z0-9]+", card.title.lower()))[:80].strip("-")
    if not SLUG.match(slug or ""):
        raise ScaffoldError(f"'{slug}' is not a valid folder name: give --slug with lower-case letters, digits "
                            "and hyphens")
    folder = root / slug
    files = {CARD: card_text(card), REQUIREMENTS: requirements_text(card),
             ETHICS: ethics_text(card, checklist or default_checklist())}
    if review_date is not None:
        if card.level == 0 or not card.debrief or not card.reviewers:
            raise ScaffoldError("a review record needs a card above level 0 with a stage debrief and its reviewers; "
                                "import it without --review-date to keep the debrief on the card")
        files[f"{REVIEWS}/{review_date.isoformat()}-level-{card.level - 1}.md"] = review_text(card, review_date)
    existing = [folder / name for name in files if os.path.lexists(folder / name)]
    if existing:
        raise ScaffoldError("refusing to overwrite " + ", ".join(str(p) for p in existing))
    written = []
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("x", encoding="utf-8") as handle:
            handle.write(content)
        written.append(folder / name)
    return written
