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


def scaffold(root: Path, slug: str, project_id: str, title: str, level: int = 0,
             owner: str | None = None, checklist: Checklist | None = None) -> list[Path]:
    """Create ``root/slug`` with card, requirements and ethics checklist; return the files written.

    Raises :class:`ScaffoldError` if an argument is invalid or anything already exists.
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
    if existing:
        raise ScaffoldError("refusing to overwrite " + ", ".join(str(p) for p in existing))
    owner = owner or _git_user(root if root.is_dir() else Path.cwd()) or "[[fill in: research owner]]"
    values = {"id": project_id, "title": title.strip(), "title_yaml": json.dumps(title.strip()),
              "level": str(level), "owner_yaml": json.dumps(owner)}
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / name
        if name == ETHICS:
            text = scaffold_text(checklist or default_checklist(), title.strip())
        else:
            text = Template(template(name)).safe_substitute(values)
        # 'x' mode: never clobber a file created between the check above and now.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written
