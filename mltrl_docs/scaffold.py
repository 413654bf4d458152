"""``mltrl new``: write a technology's folder from the templates, never overwriting anything."""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path
from string import Template

from .errors import ScaffoldError
from .ethics import Checklist, default_checklist, scaffold_text
from .loader import CARD, ETHICS, REQUIREMENTS, SLUG

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")

SAMPLE_DATASET = """datasets:
  # Level 1 works on sample data: edit this entry to name the subset or synthetic data you use.
  - name: {slug}-sample
    version: "0.1.0"
    kind: sample"""
"""The dataset entry of a card scaffolded at level 1 or above (rule L101 asks for one from level 1)."""


def template(name: str) -> str:
    """Text of a scaffold template shipped with the package."""
    return resources.files("mltrl_docs").joinpath("templates", "scaffold", name).read_text(encoding="utf-8")


def _git_user(cwd: Path) -> str | None:
    try:
        result = subprocess.run(["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def plan_scaffold(root: Path, slug: str, project_id: str, title: str, level: int = 0,
                  owner: str | None = None, *, refuse_existing: bool = True,
                  checklist: Checklist | None = None) -> dict[Path, str]:
    """The files ``mltrl new`` would write under ``root/slug``, with their text; nothing is written.

    Raises :class:`ScaffoldError` if an argument is invalid or (unless ``refuse_existing`` is false:
    the caller lists them itself) any of the files already exists.
    """
    if not SLUG.match(slug):
        raise ScaffoldError(f"'{slug}' is not a valid folder name: use lower-case letters, digits and hyphens")
    if not ID_PATTERN.match(project_id):
        raise ScaffoldError(f"'{project_id}' is not a valid project ID (e.g. P13.2 or R02.1)")
    if not title.strip() or "\n" in title:
        raise ScaffoldError("the title must be one non-empty line")
    if not 0 <= level <= 9:
        raise ScaffoldError("the level must be an integer from 0 to 9")
    folder = root / slug
    names = (CARD, REQUIREMENTS, ETHICS)
    existing = [folder / n for n in names if (folder / n).exists()]
    if existing and refuse_existing:
        raise ScaffoldError("refusing to overwrite " + ", ".join(str(p) for p in existing))
    owner = owner or _git_user(root if root.is_dir() else Path.cwd()) or "[[fill in: research owner]]"
    values = {"id": project_id, "title": title.strip(), "title_yaml": json.dumps(title.strip()),
              "level": str(level), "owner_yaml": json.dumps(owner),
              "datasets_yaml": SAMPLE_DATASET.format(slug=slug) if level >= 1 else "datasets: []"}
    # The ethics checklist's questions are the organisation's: its scaffold is made from the checklist.
    return {folder / name: scaffold_text(checklist or default_checklist(), title.strip()) if name == ETHICS
            else Template(template(name)).safe_substitute(values) for name in names}


def write_new_files(files: dict[Path, str]) -> list[Path]:
    """Write each file, making its folders; refuse (:class:`ScaffoldError`) any that exists by then."""
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # 'x' mode: never clobber a file created between the check and now (a dangling link too).
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            raise ScaffoldError(f"refusing to overwrite {path}") from None
        written.append(path)
    return written


def scaffold(root: Path, slug: str, project_id: str, title: str, level: int = 0,
             owner: str | None = None, checklist: Checklist | None = None) -> list[Path]:
    """Create ``root/slug`` with card, requirements and ethics checklist; return the files written.

    Raises :class:`ScaffoldError` if an argument is invalid or anything already exists.
    """
    return write_new_files(plan_scaffold(root, slug, project_id, title, level, owner, checklist=checklist))
