"""A technology's documents as data, to be filled by the level rules' minimal content and written out.

Each level rule in :data:`mltrl_docs.rules.LEVEL_RULES` knows the least a technology must hold to meet
it (its ``minimal``); :func:`mltrl_docs.rules.conforming` applies them to a :class:`Sample`, so the
demo, the tests and the guide can build a technology that meets every rule of its level from the
rules themselves, and a new rule brings its own example along.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .ethics import (
    CONVENTIONAL,
    ORGANISATION,
    Checklist,
    answer_guiding_questions,
    default_checklist,
    default_checklist_text,
)
from .sections import CARD_SECTIONS


@dataclass
class Sample:
    """The documents of one technology, as plain data."""

    project_id: str
    title: str
    level: int
    checklist: Checklist = field(default_factory=default_checklist)
    risk_threshold: float = 3.0
    """The ``risk_threshold`` option the sample is made for."""
    card: dict = field(default_factory=dict)
    """The card's front matter."""
    sections: dict[str, str] = field(default_factory=dict)
    """The card's section texts, by section key; every section is written, empty unless given here."""
    requirements: list[dict] = field(default_factory=list)
    ethics: dict = field(default_factory=dict)
    organisation: bool = False
    """Whether the organisation must have answered its guiding questions (a repository file, not this one's)."""

    def __post_init__(self) -> None:
        if not self.card:
            self.card = {"id": self.project_id, "title": self.title, "level": self.level,
                         "owners": {"research": [], "product": []}}

    def files(self) -> dict[str, str]:
        """``card.md``, ``requirements.md`` and ``ethics.md`` of the technology, by file name."""
        body = [f"# {self.title}", ""]
        tops = sorted({int(r["id"].split(".")[0]) for r in self.requirements})
        for spec in CARD_SECTIONS:
            if not spec.required:
                continue
            text = self.sections.get(spec.key, "")
            if spec.key == "requirements" and tops:
                text = "\n".join([text, ""] + [f"{n}. Top-level requirement {n}." for n in tops]).strip()
            body += [f"## {spec.title}", "", text, ""]
        files = {"card.md": _document(self.card, "\n".join(body))}
        if self.requirements:
            files["requirements.md"] = _document({"requirements": self.requirements}, "")
        files["ethics.md"] = _document(self.ethics, "")
        return files

    def organisation_files(self) -> dict[str, str]:
        """The repository's files the sample needs beside its own: the organisation's answered checklist."""
        if not self.organisation or self.checklist.part(ORGANISATION) is None:
            return {}
        answers = {q.key: "Answered once by the organisation." for q in self.checklist.part(ORGANISATION).questions}
        return {CONVENTIONAL: answer_guiding_questions(default_checklist_text(), answers)}


def _document(meta: dict, body: str) -> str:
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False) if meta else "{}\n"
    return f"---\n{text}---\n{body}\n"
