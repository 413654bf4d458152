"""``mltrl init``: the files of a new content repository, planned in full before any is written."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from . import __version__
from .errors import ScaffoldError
from .ethics import CONVENTIONAL, default_checklist_text
from .scaffold import plan_scaffold, write_new_files

STARTER_FILES: tuple[tuple[str, str], ...] = (
    ("mkdocs.yml", "mkdocs.yml"),
    ("docs/index.md", "docs/index.md"),
    (".gitignore", "gitignore"),
    ("requirements.txt", "requirements.txt"),
    (".pre-commit-config.yaml", "pre-commit-config.yaml"),
    (".github/dependabot.yml", "github/dependabot.yml"),
    (".github/workflows/pr-check.yml", "github/workflows/pr-check.yml"),
    (".github/workflows/pr-comment.yml", "github/workflows/pr-comment.yml"),
    (".github/workflows/publish.yml", "github/workflows/publish.yml"),
)
"""Each file ``mltrl init`` writes, and its template under ``templates/starter/``.

The templates have no leading dots in their names: package data globs skip hidden files.
"""

FILLED_IN = frozenset({"mkdocs.yml", "docs/index.md", "requirements.txt"})
"""The templates with ``$name`` values; the others (workflows hold ``${{ }}``) are copied as they are."""

CARD_ROOT = "projects"
"""The content root a first card goes in: the first root of the written ``mkdocs.yml``."""

SITE_URL_COMMENT = ("# site_url: https://example.org/portfolio/  # SET ME: the address the site is published at "
                    "(sitemap, canonical links)")
"""The line ``mkdocs.yml`` gets when no ``--site-url`` is given."""

_SITE_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")


@dataclass(frozen=True)
class FirstCard:
    """The technology ``mltrl init --card`` scaffolds, as ``mltrl new`` would."""

    slug: str
    project_id: str
    title: str
    level: int = 0
    owner: str | None = None


def starter_template(name: str) -> str:
    """Text of a template of the new repository shipped with the package."""
    return resources.files("mltrl_docs").joinpath("templates", "starter", name).read_text(encoding="utf-8")


def plan_starter(folder: Path, site_name: str = "MLTRL portfolio", site_url: str | None = None,
                 card: FirstCard | None = None) -> dict[Path, str]:
    """Every file of a new content repository in ``folder``, with its text; nothing is written.

    Raises :class:`ScaffoldError` when an argument is invalid or when any of the files, or a
    folder it needs, is already there: the message lists every one of them.
    """
    if not site_name.strip() or "\n" in site_name or "\r" in site_name:
        raise ScaffoldError("the site name must be one non-empty line")
    if site_url is not None and not _SITE_URL.match(site_url):
        raise ScaffoldError(f"'{site_url}' is not an http:// or https:// address")
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file, not a folder")
    values = {
        "site_name": site_name.strip(),
        "site_url_line": f"site_url: {json.dumps(site_url)}" if site_url else SITE_URL_COMMENT,
        "version": __version__,
    }
    # The name is YAML in mkdocs.yml and a heading in docs/index.md: each gets its own form.
    yaml_values = {**values, "site_name": json.dumps(site_name.strip())}
    planned: dict[Path, str] = {}
    for target, name in STARTER_FILES:
        text = starter_template(name)
        if target in FILLED_IN:
            text = Template(text).substitute(yaml_values if target == "mkdocs.yml" else values)
        planned[folder / target] = text
    # The organisation's own checklist, to answer its guiding questions in (level 4 asks for them).
    planned[folder / CONVENTIONAL] = default_checklist_text()
    if card is not None:
        planned.update(plan_scaffold(folder / CARD_ROOT, card.slug, card.project_id, card.title, card.level,
                                     card.owner, refuse_existing=False))
    in_the_way = {p for p in planned if os.path.lexists(p)}
    in_the_way |= {parent for p in planned for parent in _parents(p, folder)
                   if os.path.lexists(parent) and not parent.is_dir()}
    if in_the_way:
        names = sorted(Path(os.path.relpath(p, folder)).as_posix() for p in in_the_way)
        raise ScaffoldError(f"refusing to overwrite what is already in {folder}: " + ", ".join(names)
                            + "; nothing was written")
    return planned


def _parents(path: Path, top: Path) -> list[Path]:
    """The folders between ``top`` (excluded) and ``path``."""
    out = []
    parent = path.parent
    while parent != top and top in parent.parents:
        out.append(parent)
        parent = parent.parent
    return out


def write_starter(folder: Path, site_name: str = "MLTRL portfolio", site_url: str | None = None,
                  card: FirstCard | None = None) -> list[Path]:
    """Write a new content repository into ``folder`` (made if missing); return the files written."""
    return write_new_files(plan_starter(folder, site_name, site_url, card))
