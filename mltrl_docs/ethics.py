"""The ethics checklist as data: its parts, topics and questions, read from a Markdown file.

MLTRL's checklist has three parts: questions every project answers before
development (grouped by topic), questions it answers once the technology works
(one paragraph each), and guiding questions the organisation answers once for
all its projects. An organisation writes its checklist as a Markdown file in the
layout of the MLTRL repository's ``ethics_checklist.md``:

- a ``##`` heading per part, recognised by its words ("Pre-development ...",
  "Post-development ...", "High-level questions" or "Guiding questions ...");
- in a part, optionally ``###`` topic headings, and a numbered list of questions;
- under a guiding question, the organisation's answer as a nested list.

A question may end with its key in braces, ``{#data_security}``; without one it
gets a key from its place (``legal_2`` for the second question of topic "Legal",
``q5`` for the fifth of a part without topics). A project's ``ethics.md``
answers the questions of the first two parts by key; the schema of that file is
made from the checklist (:func:`ethics_models`), so ``mltrl schema``, the rules,
the scaffold and the site all follow it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import ConfigDict, Field, create_model

from .diagnostics import Diagnostic, Severity
from .models import (
    Answer,
    Card,
    EthicsRevisit,
    RequirementsDoc,
    Review,
    Strict,
    Url,
    answered,
)
from .sections import dedent_block

PRE = "pre_development"
POST = "post_development"
ORGANISATION = "organisation"
PROJECT_PARTS = (PRE, POST)
"""The parts every project answers in its ``ethics.md``."""
IN_PROGRESS = "in_progress"
"""The key that marks a project's part as under way, with a link to where the work is."""

_PART_WORDS = (
    (PRE, re.compile(r"\bpre\b|\bpre-?dev", re.IGNORECASE)),
    (POST, re.compile(r"\bpost\b|\bpost-?dev", re.IGNORECASE)),
    (ORGANISATION, re.compile(r"high-?level|guiding|organi[sz]ation|\borg\b", re.IGNORECASE)),
)
_KEY = re.compile(r"\s*\{#([^}]*)\}\s*$")
VALID_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_md = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Question:
    """One question of the checklist."""

    key: str
    """Stable key: what a project's ``ethics.md`` answers it under."""
    text: str
    """The question, as the checklist writes it (Markdown)."""
    topic: str
    """Title of the topic it belongs to (empty in a part without topics)."""
    line: int
    """Line of the question in the checklist file."""
    answer: str = ""
    """The organisation's answer (guiding questions only): the Markdown written under the question."""


@dataclass(frozen=True)
class Part:
    """One part of the checklist."""

    key: str
    """``pre_development``, ``post_development`` or ``organisation``."""
    title: str
    """The part's heading."""
    note: str
    """What the checklist says about the part (the paragraph under its heading)."""
    questions: tuple[Question, ...]

    @property
    def topics(self) -> list[tuple[str, list[Question]]]:
        """The questions grouped by topic, in order."""
        groups: list[tuple[str, list[Question]]] = []
        for q in self.questions:
            if not groups or groups[-1][0] != q.topic:
                groups.append((q.topic, []))
            groups[-1][1].append(q)
        return groups


@dataclass(frozen=True)
class Checklist:
    """An ethics checklist: its parts in order."""

    path: str
    """Where it was read from (relative to the repository), or ``(default)``."""
    title: str
    parts: tuple[Part, ...]

    def part(self, key: str) -> Part | None:
        """The part with ``key``, if the checklist has it."""
        return next((p for p in self.parts if p.key == key), None)


def _snake(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "_".join(words)[:48].strip("_") or "topic"


def _part_of(title: str) -> str | None:
    for key, words in _PART_WORDS:
        if words.search(title):
            return key
    return None


def parse_checklist(text: str, path: str) -> tuple[Checklist, list[Diagnostic]]:
    """Read a checklist in the MLTRL layout; problems become findings (``ETH…``) at their lines."""
    found: list[Diagnostic] = []
    lines = text.split("\n")
    tokens = _md.parse(text)
    title = ""
    parts: list[dict] = []
    part: dict | None = None
    topic = ""
    lists: list[str] = []  # the open lists, outermost first: questions are the items of an outermost numbered list
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            heading = tokens[i + 1].content.strip()
            line = tok.map[0] + 1 if tok.map else 1
            if tok.tag == "h1" and not title:
                title = heading
            elif tok.tag == "h2":
                key = _part_of(heading)
                if key is None:
                    part = None
                    found.append(Diagnostic(path, line, 1, Severity.WARNING, "ETH002",
                                            f"the heading '{heading}' names no part of the ethics checklist; "
                                            "its questions are not asked",
                                            "name parts 'Pre-development ...', 'Post-development ...' or "
                                            "'Guiding questions ...' (or 'High-level questions')"))
                elif any(p["key"] == key for p in parts):
                    part = None
                    found.append(Diagnostic(path, line, 1, Severity.ERROR, "ETH003",
                                            f"the heading '{heading}' repeats the {key.replace('_', '-')} part",
                                            "keep one heading per part"))
                else:
                    part = {"key": key, "title": heading, "note": "", "questions": [], "line": line}
                    parts.append(part)
                topic = ""
            elif tok.tag == "h3" and part is not None:
                topic = heading
            i += 3
            continue
        if tok.type == "paragraph_open" and part is not None and not lists and not part["questions"] \
                and not part["note"] and not topic:
            part["note"] = tokens[i + 1].content.strip()
        if tok.type in ("ordered_list_open", "bullet_list_open"):
            lists.append(tok.type)
        elif tok.type in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif tok.type == "list_item_open" and lists == ["ordered_list_open"] and part is not None and tok.map:
            _question(tokens, i, lines, part, topic, path, found)
        i += 1
    checklist = Checklist(path, title, tuple(
        Part(p["key"], p["title"], p["note"], tuple(p["questions"])) for p in parts))
    for p in parts:
        if not p["questions"]:
            found.append(Diagnostic(path, p["line"], 1, Severity.WARNING, "ETH005",
                                    f"the part '{p['title']}' asks no question",
                                    "write its questions as a numbered list under the heading"))
    return checklist, found


def _question(tokens: list, index: int, lines: list[str], part: dict, topic: str, path: str,
              found: list[Diagnostic]) -> None:
    item = tokens[index]
    start, end = item.map
    inline = next((t for t in tokens[index:] if t.type == "inline"), None)
    text = inline.content.strip() if inline is not None else ""
    first = inline.map[1] if inline is not None and inline.map else start + 1
    line = start + 1
    match = _KEY.search(text)
    number = len([q for q in part["questions"] if q.topic == topic]) + 1
    if match:
        key, text = match.group(1), text[:match.start()].rstrip()
        if not VALID_KEY.match(key):
            column = lines[start].find("{#") + 1 or 1
            found.append(Diagnostic(path, line, column, Severity.ERROR, "ETH004",
                                    f"'{key}' is not a valid question key",
                                    "use lower-case letters, digits and '_', starting with a letter, e.g. {#data_use}"))
            key = f"{_snake(topic)}_{number}" if topic else f"q{number}"
    else:
        key = f"{_snake(topic)}_{number}" if topic else f"q{number}"
    if key == IN_PROGRESS or any(q.key == key for q in part["questions"]):
        found.append(Diagnostic(path, line, 1, Severity.ERROR, "ETH003",
                                f"question key '{key}' is used twice in the {part['key'].replace('_', '-')} part"
                                if key != IN_PROGRESS else f"'{IN_PROGRESS}' is reserved and cannot be a question key",
                                "give each question of a part its own key with {#key}"))
        return
    answer = dedent_block(lines[first:end]) if part["key"] == ORGANISATION else ""
    part["questions"].append(Question(key, text, topic, line, answer))


DEFAULT = "(default)"
"""The ``path`` of the checklist shipped with mltrl-docs."""


def default_checklist_text() -> str:
    """The Markdown of the checklist shipped with mltrl-docs (``templates/ethics/checklist.md``)."""
    return resources.files("mltrl_docs").joinpath("templates", "ethics", "checklist.md").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_checklist() -> Checklist:
    """The checklist shipped with mltrl-docs, in the MLTRL layout."""
    checklist, _ = parse_checklist(default_checklist_text(), DEFAULT)
    return checklist


def answer_guiding_questions(text: str, answers: dict[str, str]) -> str:
    """``text`` (a checklist) with ``answers[key]`` written as a list item under each guiding question with that key."""
    checklist, _ = parse_checklist(text, "")
    guiding = checklist.part(ORGANISATION)
    lines = text.split("\n")
    for q in sorted(guiding.questions if guiding else (), key=lambda q: q.line, reverse=True):
        if answers.get(q.key):
            lines.insert(q.line, "    - " + " ".join(answers[q.key].split()))
    return "\n".join(lines)


CONVENTIONAL = "ethics-checklist.md"
"""The organisation's checklist when the ``ethics_checklist`` option names none: this file next to ``mkdocs.yml``."""


def load_checklist(base_dir: Path, name: str | None) -> tuple[Checklist, list[Diagnostic]]:
    """The checklist named by the ``ethics_checklist`` option (a path in the repository), or the default one.

    Without the option, ``ethics-checklist.md`` next to ``mkdocs.yml`` is the organisation's
    checklist when it exists. A file that cannot be read, or that a link leads outside the
    repository, is a finding (``ETH001``) and the default checklist applies instead.
    """
    if not name:
        if not os.path.lexists(base_dir / CONVENTIONAL):
            return default_checklist(), []
        name = CONVENTIONAL
    display = name.replace(os.sep, "/")
    file = base_dir / name
    real_base = os.path.realpath(base_dir)
    real = os.path.realpath(file)
    if not (real == real_base or real.startswith(real_base.rstrip(os.sep) + os.sep)):
        return default_checklist(), [Diagnostic(display, 1, 1, Severity.ERROR, "ETH001",
                                                "the ethics checklist lies outside the repository; it was not read",
                                                "keep the checklist in the repository, as a plain file")]
    try:
        with open(file, "rb") as handle:
            data = handle.read(1_000_001)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is not UTF-8 text"
        return default_checklist(), [Diagnostic(display, 1, 1, Severity.ERROR, "ETH001",
                                                f"cannot read the ethics checklist: {why}",
                                                "check the 'ethics_checklist' option of the plugin in mkdocs.yml")]
    if len(data) > 1_000_000:
        return default_checklist(), [Diagnostic(display, 1, 1, Severity.ERROR, "ETH001",
                                                "the ethics checklist is larger than 1 MB; it was not read",
                                                "keep the checklist to its questions and the organisation's answers")]
    return parse_checklist(text, display)


class _Made(Strict):
    """Base of the models made from a checklist: their fields are described as they are made, so pydantic need
    not look for attribute docstrings (a search through the source of every calling frame, for nothing)."""

    model_config = ConfigDict(use_attribute_docstrings=False)


def _part_model(part: Part):
    fields: dict = {q.key: (Answer, Field("", description=_plain(q.text))) for q in part.questions}
    fields[IN_PROGRESS] = (Url | None, Field(None, description=(
        "Marks the part as under way: a link to where the answers are being worked out. A part in progress is "
        "not complete.")))
    name = "".join(w.capitalize() for w in part.key.split("_"))
    return create_model(name, __base__=_Made, __doc__=part.note or part.title, **fields)


def _plain(text: str) -> str:
    return re.sub(r"[*_`]", "", text)


def ethics_models(checklist: Checklist) -> tuple[type[Strict], dict[str, type[Strict]]]:
    """The model of a project's ``ethics.md`` under ``checklist``, and the model of each of its parts by key."""
    # Made from the parts a project answers alone: a checklist that differs from the shipped one only in
    # the organisation's answers (as most do) shares its models, which are slow to make.
    return _ethics_models(tuple(p for p in checklist.parts if p.key in PROJECT_PARTS))


@lru_cache(maxsize=8)
def _ethics_models(project_parts: tuple[Part, ...]) -> tuple[type[Strict], dict[str, type[Strict]]]:
    parts = {p.key: _part_model(p) for p in project_parts}
    titles = {p.key: p.title for p in project_parts}
    fields: dict = {key: (model, Field(default_factory=model, description=(
        titles[key] + ": answer each question by its key, or write {not_applicable: reason}.")))
        for key, model in parts.items()}
    fields["revisits"] = (list[EthicsRevisit], Field(default_factory=list, description=(
        "Revisits of the checklist, oldest first (mandatory at level 6).")))
    doc = create_model("EthicsDoc", __base__=_Made,
                       __doc__="Front matter of ``ethics.md``: a project's answers to the ethics checklist.", **fields)
    return doc, parts


def is_complete(answers: object, part: Part) -> tuple[bool, list[str], str | None]:
    """``(complete, open question keys, in-progress link)`` of a project's answers to ``part``."""
    link = getattr(answers, IN_PROGRESS, None)
    open_keys = [q.key for q in part.questions if not answered(getattr(answers, q.key, ""))]
    return not open_keys and link is None, open_keys, link


def document_models(checklist: Checklist | None = None) -> dict[str, type[Strict]]:
    """The model of each document kind, by kind name, with ``ethics.md`` following ``checklist`` (default: the shipped one)."""
    ethics, _ = ethics_models(checklist or default_checklist())
    return {"card": Card, "requirements": RequirementsDoc, "ethics": ethics, "review": Review}


def scaffold_text(checklist: Checklist, title: str) -> str:
    """A project's ``ethics.md`` for ``checklist`` with every question open, the questions as YAML comments."""
    lines = ["---", "# Answer each question with a paragraph, or write {not_applicable: reason}.",
             "# An empty string means the question is still open.",
             "# While a part is being worked on elsewhere, add 'in_progress: <link>' to it."]
    for part in checklist.parts:
        if part.key not in PROJECT_PARTS:
            continue
        lines.append(f"{part.key}:")
        lines.append(f"  # {_comment(part.title)}")
        for topic, questions in part.topics:
            if topic:
                lines.append(f"  # -- {_comment(topic)}")
            for q in questions:
                lines.append(f"  # {_comment(_plain(q.text))}")
                lines.append(f'  {q.key}: ""')
    lines += ["revisits: []", "---", "", f"# Ethics checklist of {title}", "",
              "The pre-development part is required from level 4 and revisited at level 6; the post-development",
              "part is required from level 7. The organisation answers its guiding questions once, in its checklist.",
              ""]
    return "\n".join(lines)


def _comment(text: str) -> str:
    return " ".join(text.split())
