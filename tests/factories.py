"""Builders of technology folders for tests: complete for a level, or deliberately broken.

``write_technology`` writes a folder that meets every level rule up to the
given level, so a test can remove one piece of evidence and assert the exact
finding.
"""

from __future__ import annotations

import json
from pathlib import Path

from mltrl_docs.ethics import (
    CONVENTIONAL,
    PROJECT_PARTS,
    answer_guiding_questions,
    default_checklist,
    default_checklist_text,
)
from mltrl_docs.sections import CARD_SECTIONS


def _yaml(value: object, indent: int = 0) -> str:
    """Tiny YAML writer for plain data (JSON scalars are valid YAML 1.2)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_yaml(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            if isinstance(item, dict) and item:
                body = _yaml(item, indent + 2)
                lines.append(f"{pad}- {body.lstrip()}")
            else:
                lines.append(f"{pad}- {_yaml(item)}")
        return "\n".join(lines)
    return json.dumps(value)


def front_matter(meta: dict, body: str = "") -> str:
    """A document with ``meta`` as front matter and ``body`` after it."""
    return f"---\n{_yaml(meta)}\n---\n{body}"


def card_meta(project_id: str, title: str, level: int, **changes) -> dict:
    """Card front matter meeting every level rule up to ``level``."""
    meta: dict = {
        "id": project_id,
        "title": title,
        "level": level,
        "status": "active",
        "owners": {"research": ["research-lead"], "product": ["product-owner"] if level >= 4 else []},
        "reviewers": {"research": ["research-peers"], "product": []},
        "components": [],
        "coupled": [],
        "datasets": [{"name": "sample", "version": "1.0.0", "kind": "sample", "source": "internal export"}],
    }
    if level >= 3:
        meta["versions"] = {"code": "1.0.0", "model": "1.0.0", "data": "1.0.0"}
        meta["testing"] = {"unit": True, "integration": True}
    if level >= 4:
        meta["datasets"].append({"name": "field", "version": "2.0.0", "kind": "real", "source": "field data"})
    if level >= 6:
        meta["deployment"] = {"audience": "internal", "hosting": "cloud", "mode": "batch"}
        meta["service_levels"] = ["99% of batches finish within one hour"]
        meta["testing"]["robustness"] = True
    if level >= 7:
        meta["testing"]["golden_dataset"] = "field"
        meta["testing"]["critical_scenarios"] = ["night-time inputs"]
    if level >= 8:
        meta["testing"]["deployment"] = ["shadow"]
        meta["monitoring"] = {"data_logging": True}
    if level >= 9:
        meta["monitoring"].update({"data_drift": True, "concept_drift": True, "feedback": "issue tracker"})
        meta["review_cadence_days"] = 90
    meta.update(changes)
    return meta


def card_body(title: str, skip: tuple[str, ...] = (), listed: tuple[int, ...] = (1,)) -> str:
    """A card body with every section filled, except the section keys in ``skip``; the top-level
    requirements section lists the numbers in ``listed`` (by default requirement 1, the one
    :func:`requirements_meta` writes below level 5)."""
    parts = [f"\n# {title}\n"]
    for spec in CARD_SECTIONS:
        if spec.required and spec.key not in skip:
            items = "".join(f"{n}. Top-level requirement {n}.\n" for n in listed) if spec.key == "requirements" else ""
            parts.append(f"## {spec.title}\n\nWritten content for {spec.key}.\n" + (f"\n{items}" if items else ""))
    return "\n".join(parts)


def top_numbers(requirements: dict) -> tuple[int, ...]:
    """The top-level numbers of a requirements document's front matter, in order, each once."""
    numbers = [int(str(r.get("id", "0")).split(".")[0]) for r in requirements.get("requirements", [])
               if isinstance(r, dict) and str(r.get("id", "")).split(".")[0].isdigit()]
    return tuple(sorted(set(numbers)))


def requirements_meta(level: int) -> dict:
    """Requirements meeting every level rule up to ``level``."""
    validated = "validated" if level >= 5 else "verified"
    reqs = [{"id": "1.0.0", "kind": "research", "statement": "The model shall rank candidates.",
             "verification": "Unit tests on the ranking function.", "validation": "Expert review of rankings.",
             "p_failure": 0.2, "value": 5, "status": validated, "tests": ["ranking scenarios"]}]
    if level >= 5:
        reqs.append({"id": "2.0.0", "kind": "product", "statement": "The service shall answer within a second.",
                     "verification": "Load test.", "validation": "User study with analysts.",
                     "p_failure": 0.1, "value": 8, "status": "validated" if level >= 8 else "proposed",
                     "tests": ["latency under load"]})
    return {"requirements": reqs}


def ethics_meta(level: int) -> dict:
    """An ethics checklist meeting every level rule up to ``level``."""
    meta: dict = {}
    for part in default_checklist().parts:
        if part.key not in PROJECT_PARTS:
            continue
        needed = part.key == "pre_development" and level >= 4 or part.key == "post_development" and level >= 7
        meta[part.key] = {q.key: f"Answer about {q.key}." if needed else "" for q in part.questions}
    meta["revisits"] = [{"level": 6, "date": "2024-06-01", "summary": "Revisited."}] if level >= 6 else []
    return meta


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

    From level 4 the organisation's checklist, with its guiding questions answered, is written next to
    ``root`` too (``ethics-checklist.md``, unless one is there), since level 4 asks for those answers.
    """
    title = title or slug.replace("-", " ").title()
    if level >= 4 and not (root.parent / CONVENTIONAL).exists():
        write_checklist(root.parent)
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    meta = card if card is not None else card_meta(project_id, title, level)
    written = level >= 2 or requirements is not None
    reqs = (requirements if requirements is not None else requirements_meta(level)) if written else None
    listed = top_numbers(reqs) if reqs is not None else ()
    (folder / "card.md").write_text(front_matter(meta, body if body is not None else card_body(title, listed=listed)),
                                    encoding="utf-8")
    if reqs is not None:
        (folder / "requirements.md").write_text(front_matter(reqs, "\nRequirements.\n"), encoding="utf-8")
    (folder / "ethics.md").write_text(front_matter(ethics if ethics is not None else ethics_meta(level),
                                                   "\nEthics.\n"), encoding="utf-8")
    for name, review in (reviews or {}).items():
        (folder / "reviews").mkdir(exist_ok=True)
        (folder / "reviews" / name).write_text(front_matter(review, "\nNotes.\n"), encoding="utf-8")
    return folder
