"""Gated reviews: who sits on each level's panel, and the record ``mltrl review`` starts for a level change."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import ScaffoldError
from .loader import REVIEWS, Technology
from .models import LEVEL_NAMES
from .rules import Rule, RuleResult

REVIEW_PANELS: dict[int, str] = {
    0: "the research lead alone.",
    1: "peers from the research team.",
    2: "research reviewers, who confirm that the research claims hold and that every analysis can be "
       "reproduced.",
    3: "research reviewers joined by applied AI and engineering: software practice, interfaces, and the "
       "versioning of code, models and data.",
    4: "research, engineering and now product: usefulness in a real application, data readiness, and "
       "security and privacy written into the requirements with their risk.",
    5: "an interdisciplinary working group of research and product: every research verification and "
       "validation done, product requirements with theirs drafted, and the stakeholders agreed. This "
       "gate should be hard to pass.",
    6: "product and engineering reviewers: code quality, the product requirements, SLA and SLO, the "
       "data pipeline specification, and the mandatory ethics revisit with regulatory compliance.",
    7: "reviewers of the data pipelines and test suites (an ML test scorecard), quality assurance, "
       "and ethics.",
    8: "the full slate of stakeholders, walking through every technical and product requirement with "
       "its validation before the go / no-go decision.",
    9: "the deployment's panel, meeting again at the review cadence; it may send the technology back "
       "to an earlier level.",
}
"""Who reviews the gate at the end of each level: the panel grows from research to product as the
technology matures (the review-panel column of the MLTRL level table)."""

DEBRIEF_QUESTIONS: dict[str, str] = {
    "accomplished": "What was accomplished, and by whom?",
    "punted": "What was punted or de-scoped?",
    "learned": "What was learned?",
    "tech_debt": "What technical debt was gained or paid off?",
}
"""The four questions of the stage debrief, by their field in a review record."""

_LEVEL_LINE = re.compile(rb"^(level[ \t]*:[ \t]*)([0-9])([ \t]*(?:#[^\r\n]*)?)(\r?\n|\r)?$")
"""A card's top-level ``level:`` line as ``mltrl review --apply`` can edit it: a plain digit,
perhaps a comment, the line's own ending."""


@dataclass(frozen=True)
class ReviewPlan:
    """A review record to write, and the card's new text when the level is applied too."""

    review_path: Path
    review_text: str
    card_path: Path
    card_bytes: bytes | None
    """The card with its new ``level:``, byte for byte the same otherwise; ``None`` without ``--apply``."""


def review_kind(level: int, to_level: int) -> str:
    """``graduate`` or ``switchback`` for a change from ``level`` to ``to_level``; refuses any other."""
    if to_level == level + 1:
        return "graduate"
    if to_level < level:
        return "switchback"
    if to_level == level:
        raise ScaffoldError(f"the technology is at level {to_level} already: a review for a level change "
                            "needs another level")
    raise ScaffoldError(f"level {to_level} would skip a level: from level {level} a graduation goes to "
                        f"level {level + 1}")


def plan_review(base_dir: Path, tech: Technology, settings: Settings, rules: list[Rule], to_level: int,
                date: dt.date, apply: bool = False) -> ReviewPlan:
    """The review record for moving ``tech`` to ``to_level`` on ``date``; nothing is written.

    Raises :class:`ScaffoldError` when the card is not valid, the change means nothing (same
    level, a skip), the record exists, or the reviews folder leads out of the technology's folder.
    """
    card = tech.model
    if card is None:
        raise ScaffoldError(f"the card of '{tech.slug}' is not valid: run 'mltrl check {tech.folder}' and "
                            "fix its errors first")
    kind = review_kind(card.level, to_level)
    own = base_dir / tech.folder
    folder = own.resolve()
    if own.is_symlink() or not folder.is_relative_to(base_dir.resolve()):
        raise ScaffoldError(f"{tech.folder} is a link, not a folder of the repository: refusing to write there")
    reviews = base_dir / tech.folder / REVIEWS
    # Folders come from pull requests: a 'reviews' link could point anywhere on the disk.
    if reviews.is_symlink() or (reviews.exists() and not reviews.is_dir()):
        raise ScaffoldError(f"{tech.folder}/{REVIEWS} is not a folder of the technology: refusing to write there")
    name = f"{date.isoformat()}-level-{card.level}.md"
    path = reviews / name
    if path.exists() or path.is_symlink():
        raise ScaffoldError(f"refusing to overwrite {tech.folder}/{REVIEWS}/{name}")
    card_path = base_dir / tech.card.path
    if card_path.is_symlink() or card_path.resolve().parent != folder:
        raise ScaffoldError(f"{tech.card.path} is not a file of the technology's folder")
    card_bytes = None
    if apply:
        line = tech.card.parsed.key_position(("level",)).line
        card_bytes = set_level_line(card_path.read_bytes(), line, to_level)
    gaps = [(result.rule, result.misses) for result in _results(tech, settings, rules, to_level) if result.misses]
    text = review_text(tech, card.level, to_level, kind, date, gaps)
    return ReviewPlan(path, text, card_path, card_bytes)


def _results(tech: Technology, settings: Settings, rules: list[Rule], to_level: int) -> list[RuleResult]:
    """Every level rule up to ``to_level`` with what the technology still misses of it."""
    return [RuleResult(rule, rule.check(tech, settings)) for rule in rules
            if rule.level is not None and rule.check is not None and rule.level <= to_level]


def set_level_line(data: bytes, line: int, to_level: int) -> bytes:
    """``data`` (a card) with the ``level:`` value on 1-based ``line`` set to ``to_level``, nothing else changed."""
    lines = data.splitlines(keepends=True)
    match = _LEVEL_LINE.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if match is None:
        raise ScaffoldError(f"line {line} of the card is not a plain 'level: N' line; set 'level: {to_level}' "
                            "by hand")
    lines[line - 1] = match.group(1) + str(to_level).encode() + match.group(3) + (match.group(4) or b"")
    return b"".join(lines)


def _one_line(text: str) -> str:
    """Text from a card on one line, HTML escaped: a title or a finding cannot start a heading, a list,
    front matter or a tag in the record it is copied into."""
    return html.escape(" ".join(text.split()), quote=False)


def review_text(tech: Technology, level: int, to_level: int, kind: str, date: dt.date,
                gaps: list[tuple[Rule, list]]) -> str:
    """The Markdown of a new review record: front matter with the open decision, then the panel,
    the readiness gaps and the debrief questions."""
    card = tech.model
    names = [*card.reviewers.research, *card.reviewers.product]
    reviewers = [json.dumps(n) for n in names] or ['"[[fill in: a reviewer of the panel below]]"']
    if kind == "graduate":
        choice = f"graduate (to level {to_level}), or tasks, pause or stop"
        decision_note = (f"# The panel decides: graduate (to level {to_level}); tasks (list them, remove to_level); "
                         "pause; or stop.")
    else:
        choice = f"switchback (to level {to_level}), or tasks, pause or stop"
        decision_note = (f"# The panel decides: switchback (to level {to_level}); tasks (list them, remove "
                         "to_level); pause; or stop.")
    front = [
        "---",
        f"level: {level}",
        f"date: {date.isoformat()}",
        "reviewers:",
        *(f"  - {r}" for r in reviewers),
        decision_note,
        f'decision: "[[fill in: {choice}]]"',
        f"to_level: {to_level}",
        "tasks: []",
        "debrief:",
        *(f'  {key}: "[[fill in: {question}]]"' for key, question in DEBRIEF_QUESTIONS.items()),
        "---",
    ]
    verb = "graduation" if kind == "graduate" else "switchback"
    body = [
        "",
        f"# Level {level} gate: {verb} of {_one_line(card.title)} to level {to_level}",
        "",
        f"From level {level} ({LEVEL_NAMES[level]}) to level {to_level} ({LEVEL_NAMES[to_level]}).",
        "",
        "## The panel",
        "",
        f"The gate of level {level} is reviewed by {REVIEW_PANELS[level]}",
        "",
        f"## Readiness for level {to_level}",
        "",
    ]
    if gaps:
        body.append(f"What the rules up to level {to_level} still miss, as found on {date.isoformat()}:")
        body.append("")
        for rule, misses in gaps:
            for miss in misses:
                body.append(f"- **{rule.code}** {_one_line(rule.title)} Missing: {_one_line(miss.message)} "
                            f"(`{miss.path}:{miss.line}`)")
    else:
        body.append(f"Every rule up to level {to_level} was met on {date.isoformat()}.")
    body += [
        "",
        "## Stage debrief",
        "",
        "Answer each question under `debrief` above, in a paragraph:",
        "",
        *(f"- {question}" for question in DEBRIEF_QUESTIONS.values()),
        "",
    ]
    return "\n".join(front + body)


def write_review(plan: ReviewPlan) -> None:
    """Write the review record (never over a file), then the card's new level when there is one."""
    plan.review_path.parent.mkdir(exist_ok=True)
    with plan.review_path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(plan.review_text)
    if plan.card_bytes is not None:
        plan.card_path.write_bytes(plan.card_bytes)

