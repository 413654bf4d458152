"""The public bundle: the public technologies as a folder to push to an open-source repository.

``mltrl export --bundle DIR`` writes:

- each public technology's folder, at the same path as in the portfolio
  (``cards/solar-bo/card.md``...): its card, requirements, ethics checklist,
  review records and the images its documents show, copied byte for byte;
- ``mltrl.json``, the public export (:func:`mltrl_docs.history.export.export_document`),
  which keeps the history derived up to the export;
- ``schemas/``, the JSON Schemas of the documents;
- ``README.md``, ``mkdocs.yml`` and ``docs/index.md``, so the bundle checks
  with ``mltrl check`` and builds its own site with ``mkdocs build --strict``;
- ``.mltrl-bundle.json``, the list of files written, so that the next export
  can replace exactly those files and nothing else.

Nothing of an internal technology is written, and a bundle is refused while
a public technology has an error finding (a link to an internal technology,
``XR008``, is one). A folder that is not empty is written into only when the
caller asks (``force``), and then only files an earlier bundle wrote are
replaced or removed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .diagnostics import Diagnostic, Severity, sort_diagnostics
from .history.model import PortfolioHistory
from .loader import Portfolio, Technology
from .models import LEVEL_NAMES
from .public import public_history
from .schema import all_schemas
from .site.markdown import IMAGE_SUFFIXES
from .site.view import natural_key, published_portfolio

MANIFEST = ".mltrl-bundle.json"
"""File of the bundle listing every file it wrote."""
MANIFEST_VERSION = 1
DEFAULT_NAME = "Open MLTRL technologies"
"""Site name of a bundle made with a configuration that is not a public one."""


class BundleError(Exception):
    """The bundle cannot be written; the message says why and what to do."""


class BundleFindings(BundleError):
    """Public technologies have error findings; nothing was written."""

    def __init__(self, findings: list[Diagnostic]) -> None:
        super().__init__(f"{len(findings)} error finding(s) in public technologies")
        self.findings = findings
        """The findings, as ``mltrl check`` reports them."""


@dataclass
class BundleResult:
    """What :func:`write_bundle` wrote."""

    path: Path
    """The bundle's folder."""
    technologies: list[str]
    """Folder names of the technologies in it."""
    files: list[str]
    """Every file written, relative to ``path``."""
    removed: list[str]
    """Files of an earlier bundle that the new one no longer has."""


def _technology_files(portfolio: Portfolio, tech: Technology) -> dict[str, bytes]:
    """A technology's documents and images, by path relative to the base folder.

    The same files the site publishes: hidden files and folders, and folders starting with ``_``, are
    left out, and so is anything reached through a link leading out of the technology's folder.
    """
    folder = (portfolio.base_dir / tech.folder).resolve()
    wanted = {doc.path for doc in tech.documents}
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = f"{tech.folder}/{path.relative_to(folder).as_posix()}"
            if name.startswith(".") or (rel not in wanted and not name.lower().endswith(IMAGE_SUFFIXES)):
                continue
            try:
                real = path.resolve(strict=True)
                if real.is_relative_to(folder) and real.is_file():
                    out[rel] = real.read_bytes()
            except OSError:
                continue
    return out


def _escape_md(text: str) -> str:
    """``text`` as literal Markdown inline text (a title in a table cell)."""
    out = []
    for char in text.replace("\n", " "):
        out.append("\\" + char if char in "\\`*_[]<>|&" else char)
    return "".join(out)


def _readme(name: str, techs: list[Technology], roots: list[str]) -> str:
    rows = []
    for tech in techs:
        card = tech.model
        rows.append(f"| {_escape_md(card.id)} | [{_escape_md(card.title)}]({tech.folder}/card.md) | "
                    f"{card.level} ({LEVEL_NAMES[card.level]}) | {card.status} |")
    folders = ", ".join(f"`{root}/`" for root in roots)
    return "\n".join([
        f"# {_escape_md(name)}",
        "",
        "Machine learning technologies and where they stand on the Machine Learning Technology Readiness",
        "Levels (MLTRL). Each technology is a folder of Markdown files with YAML front matter: its TRL card",
        "(`card.md`), its requirements with verification, validation and risk (`requirements.md`), its",
        "ethics checklist (`ethics.md`) and the records of its gated reviews (`reviews/`).",
        "",
        "| ID | Technology | Level | Status |",
        "|---|---|---|---|",
        *rows,
        "",
        "## What is here",
        "",
        f"- {folders}: one folder per technology.",
        "- `mltrl.json`: every technology's state, readiness, findings and history up to the export, and the",
        "  analytics over them, as one JSON document.",
        "- `schemas/`: JSON Schemas of the front matter of cards, requirements, ethics checklists and reviews,",
        "  for editors and other tools.",
        "- `mkdocs.yml` and `docs/index.md`: the configuration of this folder's own site.",
        "",
        "## Check and build",
        "",
        "```bash",
        "python -m pip install mltrl-docs",
        "mltrl check                 # every rule of each technology's level",
        "mkdocs build --strict       # the site, written to site/",
        "```",
        "",
        "The site reads the levels over time from this repository's git history, together with the events",
        "each card records under `history:`; `mltrl.json` keeps the history as it stood at the export.",
        "",
        "This folder was written by `mltrl export --bundle`. Writing it again replaces the files listed in",
        f"`{MANIFEST}` and leaves every other file alone.",
        "",
    ])


def _mkdocs_yml(name: str, roots: list[str]) -> str:
    config = {
        "site_name": name,
        "theme": {"name": "material", "font": False,
                  "features": ["navigation.tabs", "navigation.indexes", "search.suggest", "search.highlight"]},
        "plugins": ["search", {"mltrl": {"roots": roots, "public_only": True}}],
        "markdown_extensions": ["tables", "admonition", "attr_list", {"toc": {"permalink": True}}],
    }
    return ("# The site of these technologies: mkdocs build --strict (written by mltrl export --bundle).\n"
            + yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def _home(name: str) -> str:
    return (f"# {_escape_md(name)}\n\nWhere each technology stands on the Machine Learning Technology Readiness "
            "Levels, and how it got there. Every page is built from the technology's Markdown files in this "
            "repository.\n")


def bundle_files(portfolio: Portfolio, history: PortfolioHistory, diagnostics: list[Diagnostic], *,
                 name: str = DEFAULT_NAME) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the bundle by relative path, and the technologies in it.

    ``diagnostics`` are the findings of ``mltrl check`` on the whole portfolio; raises
    :class:`BundleFindings` when a public technology has one at error severity.
    """
    from .history.export import export_document

    shown = published_portfolio(portfolio, public_only=True)
    techs = sorted(shown.technologies.values(), key=lambda t: (-t.model.level, natural_key(t.model.id)))
    paths = {doc.path for tech in techs for doc in tech.documents}
    slugs = {tech.slug for tech in techs}
    blocking = [d for d in diagnostics if d.severity == Severity.ERROR and (d.project in slugs or d.path in paths)]
    if blocking:
        raise BundleFindings(sort_diagnostics(blocking))
    roots = [root for root in portfolio.settings.roots if any(t.root == root for t in techs)]
    files: dict[str, bytes] = {}
    for tech in techs:
        files.update(_technology_files(portfolio, tech))
    document = export_document(portfolio, public_history(portfolio, history), public_only=True,
                               findings=diagnostics)
    files["mltrl.json"] = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    for schema_name, text in all_schemas().items():
        files[f"schemas/{schema_name}"] = text.encode("utf-8")
    files["README.md"] = _readme(name, techs, roots).encode("utf-8")
    files["mkdocs.yml"] = _mkdocs_yml(name, roots or ["cards"]).encode("utf-8")
    files["docs/index.md"] = _home(name).encode("utf-8")
    manifest = {"version": MANIFEST_VERSION, "files": sorted([*files, MANIFEST])}
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return files, [t.slug for t in techs]


def _earlier_files(out: Path) -> set[str]:
    """Files an earlier bundle in ``out`` wrote, from its manifest (none without one)."""
    manifest = out / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        return set()
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"cannot read {manifest}: {exc}; remove it to write the bundle anyway") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise BundleError(f"{manifest} is not a bundle manifest; remove it to write the bundle anyway")
    return set(files)


def _inside(out: Path, rel: str) -> Path:
    """``out / rel``, refusing a path that would leave ``out`` or go through a symbolic link."""
    if rel.startswith("/") or ".." in rel.split("/") or "\\" in rel:
        raise BundleError(f"refusing the path {rel!r} in {out}")
    target = out
    for part in rel.split("/"):
        target = target / part
        if target.is_symlink():
            raise BundleError(f"{target} is a symbolic link; the bundle does not write through links")
    return target


def write_bundle(portfolio: Portfolio, history: PortfolioHistory, diagnostics: list[Diagnostic], out: Path, *,
                 force: bool = False, name: str = DEFAULT_NAME) -> BundleResult:
    """Write the bundle into ``out`` (see the module's description).

    ``out`` must be missing or empty unless ``force`` is set; with ``force``, the files listed in an
    earlier bundle's manifest are replaced or removed, and any other file that the bundle would
    overwrite stops it before anything is written.
    """
    files, slugs = bundle_files(portfolio, history, diagnostics, name=name)
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} is not a folder")
    if out.is_symlink():
        raise BundleError(f"{out} is a symbolic link; give the folder itself")
    earlier: set[str] = set()
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise BundleError(f"{out} is not empty; give an empty or new folder, or add --force to replace "
                              "an earlier bundle there (only the files it wrote are replaced)")
        earlier = _earlier_files(out)
        clashes = sorted(rel for rel in files if rel not in earlier and _inside(out, rel).exists())
        if clashes:
            shown = ", ".join(clashes[:5]) + (", ..." if len(clashes) > 5 else "")
            raise BundleError(f"{out} holds files the bundle would overwrite but did not write: {shown}; "
                              "move them away first")
    removed = sorted(rel for rel in earlier - set(files))
    for rel in removed:
        target = _inside(out, rel)
        if target.is_file():
            target.unlink()
            parent = target.parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    for rel, data in sorted(files.items()):
        target = _inside(out, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return BundleResult(out, slugs, sorted(files), removed)
