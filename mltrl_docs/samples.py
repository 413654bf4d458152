"""A technology's documents as data, to be filled by the level rules' minimal content and written out.

Each level rule in :data:`mltrl_docs.rules.LEVEL_RULES` knows the least a technology must hold to meet
it (its ``minimal``); :func:`mltrl_docs.rules.meet` applies them to a :class:`Sample`, so the demo,
the tests and the guide build a technology that meets every rule of its level from the rules
themselves, and a new rule brings its own example along. A sample may start with content of its own
(the demo's story, a test's names): the rules add only what that content still lacks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .ethics import (
    CONVENTIONAL,
    ORGANISATION,
    Checklist,
    answer_guiding_questions,
    default_checklist,
    default_checklist_text,
)
from .sections import CARD_SECTIONS

KINDS = ("research", "product")
"""Requirement kinds, each numbered from 1 on its own, in the order a card lists them."""


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
    """The card's front matter; ``id``, ``title``, ``level`` and empty ``owners`` are added where missing."""
    sections: dict[str, str] = field(default_factory=dict)
    """The card's section texts, by section key; every section is written, empty unless given here."""
    requirements: list[dict] = field(default_factory=list)
    ethics: dict = field(default_factory=dict)
    organisation: bool = False
    """Whether the organisation must have answered its guiding questions (a repository file, not this one's)."""

    def __post_init__(self) -> None:
        base = {"id": self.project_id, "title": self.title, "level": self.level}
        self.card = {**base, **self.card}
        owners = self.card.setdefault("owners", {})
        for role in KINDS:
            owners.setdefault(role, [])

    def body(self) -> str:
        """The card's Markdown body: the title, then every required section with its text.

        The top-level requirements section ends with the list of the requirements' first numbers,
        each shown with the statement of its first requirement; when both kinds are written, each
        kind's list stands under its own sub-heading, since both are numbered from 1.
        """
        lines = [f"# {self.title}", ""]
        for spec in CARD_SECTIONS:
            if not spec.required:
                continue
            text = self.sections.get(spec.key, "")
            if spec.key == "requirements":
                text = "\n".join([text, *self._listed()]).strip()
            lines += [f"## {spec.title}", "", text, ""]
        return "\n".join(lines)

    def _listed(self) -> list[str]:
        tops: dict[str, dict[int, str]] = {kind: {} for kind in KINDS}
        for r in self.requirements:
            top = str(r.get("id", "")).split(".")[0]
            if r.get("kind") in tops and top.isdigit():
                tops[r["kind"]].setdefault(int(top), str(r.get("statement", f"Requirement {top}.")))
        written = [kind for kind in KINDS if tops[kind]]
        lines: list[str] = []
        for kind in written:
            if len(written) > 1:
                lines += ["", f"### {kind.capitalize()} requirements"]
            lines.append("")
            lines += [f"{n}. {statement}" for n, statement in sorted(tops[kind].items())]
        return lines

    def files(self) -> dict[str, str]:
        """``card.md``, ``requirements.md`` (when requirements are written) and ``ethics.md``, by file name."""
        files = {"card.md": document(self.card, self.body())}
        if self.requirements:
            files["requirements.md"] = document({"requirements": self.requirements}, "")
        files["ethics.md"] = document(self.ethics, "")
        return files

    def organisation_files(self) -> dict[str, str]:
        """The repository's files the sample needs beside its own: the organisation's answered checklist."""
        if not self.organisation or self.checklist.part(ORGANISATION) is None:
            return {}
        answers = {q.key: "Answered once by the organisation." for q in self.checklist.part(ORGANISATION).questions}
        return {CONVENTIONAL: answer_guiding_questions(default_checklist_text(), answers)}


def document(meta: dict, body: str) -> str:
    """A document with ``meta`` as its front matter and ``body`` after it."""
    return f"---\n{dump(meta)}\n---\n{body}\n"


def dump(value: object) -> str:
    """Plain data (mappings, lists, text, numbers, booleans) as block YAML.

    Scalars are written as JSON, which YAML 1.2 reads as the same values, with every character outside
    ASCII escaped (so no line break a YAML reader honours can hide in a value). This is many times
    faster than a YAML library's emitter, which matters to a demo writing thousands of versions of cards.
    """
    if not isinstance(value, (dict, list)) or not value:
        return _scalar(value)
    out: list[str] = []
    _block(value, "", out)
    return "\n".join(out)


def _block(value: dict | list, pad: str, out: list[str]) -> None:
    """Append the lines of a non-empty mapping or list, indented by ``pad``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if type(item) is str:
                out.append(f"{pad}{key}: {_text(item)}")  # most values: the common case first
            elif item and isinstance(item, (dict, list)):
                out.append(f"{pad}{key}:")
                _block(item, pad + "  ", out)
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
        return
    for item in value:
        if item and isinstance(item, (dict, list)):
            first = len(out)
            _block(item, pad + "  ", out)
            out[first] = f"{pad}- {out[first][len(pad) + 2:]}"  # the item's first line carries the dash
        else:
            out.append(f"{pad}- {_scalar(item)}")


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _text(value)
    if value is True or value is False or value is None:
        return _CONSTANTS[value]
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"  # only empty ones reach here
    if type(value) is int:
        return str(value)
    return json.dumps(value)


_CONSTANTS = {True: "true", False: "false", None: "null"}
_text = json.encoder.encode_basestring_ascii
"""A string as JSON text, every character outside ASCII escaped (the C speedup where Python has it)."""
