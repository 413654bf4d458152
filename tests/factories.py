"""Builders of technology folders for tests: complete for a level, or deliberately broken.

``write_technology`` writes a folder that meets every level rule up to the given level, made from the
rules' own minimal content (:func:`mltrl_docs.rules.meet`), so a new rule needs no change here; a test
removes one piece of evidence and asserts the exact finding.
"""

from __future__ import annotations

from pathlib import Path

from mltrl_docs.ethics import CONVENTIONAL, answer_guiding_questions, default_checklist, default_checklist_text
from mltrl_docs.rules import meet
from mltrl_docs.samples import Sample, dump
from mltrl_docs.sections import CARD_SECTIONS


def front_matter(meta: dict, body: str = "") -> str:
    """A document with ``meta`` as front matter and ``body`` after it."""
    return f"---\n{dump(meta)}\n---\n{body}"


def sample(project_id: str, title: str, level: int) -> Sample:
    """A technology meeting every level rule up to ``level``, with the fields no rule asks for that tests use
    (a status, a research review panel, empty components and coupled lists) written first."""
    base = {"status": "active", "owners": {"research": [], "product": []},
            "reviewers": {"research": ["research-peers"], "product": []}, "components": [], "coupled": []}
    return meet(Sample(project_id, title, level, card=base))


def card_meta(project_id: str, title: str, level: int, **changes) -> dict:
    """Card front matter meeting every level rule up to ``level``, with ``changes`` applied."""
    return {**sample(project_id, title, level).card, **changes}


def requirements_meta(level: int) -> dict:
    """Requirements meeting every level rule up to ``level`` (none below level 2, where none are asked for)."""
    return {"requirements": sample("P1.0", "Tech", level).requirements}


def ethics_meta(level: int) -> dict:
    """An ethics checklist meeting every level rule up to ``level``."""
    return sample("P1.0", "Tech", level).ethics


def section_text(key: str) -> str:
    """What the level rules write in the card section ``key`` (a section key of ``CARD_SECTIONS``)."""
    return sample("P1.0", "Tech", 9).sections[key]


RESEARCH_ONE = {"requirements": [{"id": "1.0.0", "kind": "research", "statement": "The research need shall be met."}]}
"""Research requirement 1 only: what every level from 2 has, and what :func:`card_body` lists by default."""


def card_body(title: str, skip: tuple[str, ...] = (), requirements: dict | None = None) -> str:
    """A card body with every section written as the level rules write it, except the section keys in
    ``skip``; the top-level requirements section lists the first numbers of ``requirements`` (front matter
    of requirements.md; by default research requirement 1), each kind under its own sub-heading when both
    are there."""
    full = sample("P1.0", title, 9)
    listed = (requirements if requirements is not None else RESEARCH_ONE).get("requirements", [])
    kept = {key: text for key, text in full.sections.items() if key not in skip}
    shown = Sample("P1.0", title, 9, sections=kept, requirements=[r for r in listed if isinstance(r, dict)])
    body = shown.body()
    for key in skip:  # a skipped section is left out, heading and all
        body = _without_section(body, key)
    return "\n" + body


def _without_section(body: str, key: str) -> str:
    title = next(s.title for s in CARD_SECTIONS if s.key == key)
    lines = body.split("\n")
    start = lines.index(f"## {title}")
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return "\n".join(lines[:start] + lines[end:])


def write_checklist(base: Path, answer: str = "The organisation's ethics board answered this once.") -> Path:
    """Write ``base/ethics-checklist.md``: the default checklist with every guiding question answered."""
    keys = [q.key for q in default_checklist().part("organisation").questions]
    path = base / CONVENTIONAL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(answer_guiding_questions(default_checklist_text(), dict.fromkeys(keys, answer)), encoding="utf-8")
    return path


def write_technology(root: Path, slug: str, project_id: str, level: int, *, title: str | None = None,
                     card: dict | None = None, body: str | None = None, requirements: dict | None = None,
                     ethics: dict | None = None, reviews: dict[str, dict] | None = None) -> Path:
    """Write ``root/slug`` complete for ``level``; keyword arguments replace one document's content.

    When the level rules ask for the organisation's answers to its guiding questions (from level 4), the
    organisation's checklist with every one answered is written next to ``root`` too
    (``ethics-checklist.md``, unless one is there).
    """
    title = title or slug.replace("-", " ").title()
    made = sample(project_id, title, level)
    if made.organisation and not (root.parent / CONVENTIONAL).exists():
        write_checklist(root.parent)
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    meta = card if card is not None else made.card
    reqs = requirements if requirements is not None else {"requirements": made.requirements}
    written = bool(reqs["requirements"]) if requirements is None else True
    text = body if body is not None else card_body(title, requirements=reqs if written else {"requirements": []})
    (folder / "card.md").write_text(front_matter(meta, text), encoding="utf-8")
    if written:
        (folder / "requirements.md").write_text(front_matter(reqs, "\nRequirements.\n"), encoding="utf-8")
    (folder / "ethics.md").write_text(front_matter(ethics if ethics is not None else made.ethics, "\nEthics.\n"),
                                      encoding="utf-8")
    for name, review in (reviews or {}).items():
        (folder / "reviews").mkdir(exist_ok=True)
        (folder / "reviews" / name).write_text(front_matter(review, "\nNotes.\n"), encoding="utf-8")
    return folder
