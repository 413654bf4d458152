"""The public bundle: the public technologies as a folder to push to an open-source repository.

``mltrl export --bundle DIR`` writes:

- each public technology's folder, at the same path as in the portfolio
  (``cards/solar-bo/card.md``...): its card, requirements, ethics checklist,
  review records and the images its documents show, copied byte for byte;
- ``mltrl.json``, the public export (:func:`mltrl_docs.export.export_document`),
  which keeps the history derived up to the export;
- ``schemas/``, the JSON Schemas of the documents;
- ``README.md``, ``mkdocs.yml`` and ``docs/index.md``, so the bundle checks
  with ``mltrl check`` and builds its own site with ``mkdocs build --strict``;
- ``.mltrl-bundle.json``, the manifest: every file written, with the SHA-256 of what was written.

Nothing of an internal technology is written, and a bundle is refused while
a public technology has an error finding (a link to an internal technology,
``XR008``, is one).

Writing into a folder that is not empty
---------------------------------------

A folder that is not empty is written into only when the caller asks (``force``): to refresh an
earlier bundle, typically in a clone of the open-source repository. The earlier bundle's manifest
says what it wrote::

    {"version": 2, "files": {".mltrl-bundle.json": null,
                             "cards/solar-bo/card.md": "sha256:9f86d081884c7d65...", ...}}

The manifest's own entry has no hash: it is rewritten each time. The manifest lies in the folder
it describes, so anyone who can change the folder or send changes to its repository can edit it:
it is read as a claim to check, never as a list of files to delete. With ``force``:

- a file the new bundle writes is replaced only when the manifest lists it and it still holds
  what the manifest says was written (a listed file that already holds what the bundle writes now
  is left as it is); a file there that the manifest does not list is never replaced;
- a file the manifest lists and the new bundle no longer has is removed only when it still holds
  what was written and its path is one a bundle writes (a technology's card, requirements, ethics
  checklist, review record or image under a content root, a schema, or one of the bundle's fixed
  files); otherwise it is left in place and reported in :attr:`BundleResult.kept`;
- a listed file that no longer holds what was written (edited by hand, replaced by a folder or a
  link, or the manifest was edited) is neither replaced nor removed: the bundle stops and names it,
  to be moved away;
- a manifest entry that no bundle can have written stops the bundle too, as an edited manifest:
  anything but a plain relative path inside the folder (absolute, with ``..``, ``.`` or empty
  parts, backslashes, ``:``, control characters), anything in a ``.git`` folder (in any letter
  case, and the spellings that file systems fold to ``.git``), and any path through a symbolic link.

The bundle's own paths are held to the same rules: it never writes through a symbolic link.

Manifests of version 1, written before the hashes were recorded, list names only and prove nothing
about what a file holds now. A file a version-1 manifest lists is replaced only when it already holds
what the new bundle writes there, byte for byte (for ``mltrl.json``: everything but the time of the
export), so replacing it loses nothing; one that differs stops the bundle, naming it, to be moved
away. Files a version-1 manifest lists that the new bundle no longer has are never removed: they are
left in place and reported in :attr:`BundleResult.kept`. The bundle then writes a version-2 manifest.

Every check is made before the first file is written: a refused bundle leaves the folder as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .build import Build
from .diagnostics import Severity, printable, sort_diagnostics
from .errors import BundleError, BundleFindings
from .ethics import CONVENTIONAL, ORGANISATION, Checklist
from .ethics import DEFAULT as DEFAULT_CHECKLIST
from .loader import CARD, ETHICS, REQUIREMENTS, REVIEWS, SLUG, Portfolio, Technology
from .models import LEVEL_NAMES
from .public import InternalNames
from .schema import all_schemas
from .site.markdown import IMAGE_SUFFIXES
from .site.view import natural_key

MANIFEST = ".mltrl-bundle.json"
"""File of the bundle listing every file it wrote, with the SHA-256 of each."""
MANIFEST_VERSION = 2
FIXED_FILES = ("mltrl.json", "README.md", "mkdocs.yml", "docs/index.md", CONVENTIONAL)
"""Files a bundle writes besides the technologies, the schemas and the manifest (the ethics checklist only
when the organisation has its own)."""
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_LINKED = "a symbolic link on the way"
DEFAULT_NAME = "Open MLTRL technologies"
"""Site name of a bundle made with a configuration that is not a public one."""


@dataclass
class BundleResult:
    """What :func:`write_bundle` wrote."""

    path: Path
    """The bundle's folder."""
    technologies: list[str]
    """Folder names of the technologies in it."""
    files: list[str]
    """Every file of the bundle, relative to ``path`` (one that already held its content is left untouched)."""
    removed: list[str]
    """Files of an earlier bundle that the new one no longer has, removed."""
    kept: list[str] = field(default_factory=list)
    """Files the earlier manifest lists that the new bundle no longer has, left in place because
    nothing shows the bundle wrote them: listed by a version-1 manifest, or at a path no bundle writes."""


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
            except (OSError, RuntimeError):  # missing, or a link that loops
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
        # The extensions card bodies are rendered with on the site the cards come from (extensions.py).
        "markdown_extensions": ["tables", "admonition", "attr_list", "footnotes", "def_list",
                                {"pymdownx.tasklist": {"custom_checkbox": True}}, {"toc": {"permalink": True}},
                                "pymdownx.details", "pymdownx.superfences"],
    }
    return ("# The site of these technologies: mkdocs build --strict (written by mltrl export --bundle).\n"
            + yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def _home(name: str) -> str:
    return (f"# {_escape_md(name)}\n\nWhere each technology stands on the Machine Learning Technology Readiness "
            "Levels, and how it got there. Every page is built from the technology's Markdown files in this "
            "repository.\n")


def bundle_files(build: Build, *, name: str = DEFAULT_NAME) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the bundle by relative path, and the technologies in it.

    Raises :class:`~mltrl_docs.errors.BundleFindings` when a public technology has a finding
    (of ``mltrl check`` on the whole portfolio) at error severity.
    """
    portfolio, diagnostics = build.portfolio, build.findings
    techs = sorted(build.public.portfolio.technologies.values(),
                   key=lambda t: (-t.model.level, natural_key(t.model.id)))
    paths = {printable(doc.path) for tech in techs for doc in tech.documents}  # as findings show paths
    slugs = {tech.slug for tech in techs}
    blocking = [d for d in diagnostics if d.severity == Severity.ERROR and (d.project in slugs or d.path in paths)]
    if blocking:
        raise BundleFindings(sort_diagnostics(blocking))
    roots = [root for root in portfolio.settings.roots if any(t.root == root for t in techs)]
    files: dict[str, bytes] = {}
    for tech in techs:
        files.update(_technology_files(portfolio, tech))
    document = build.export(public_only=True)
    files["mltrl.json"] = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    checklist = portfolio.checklist
    for schema_name, text in all_schemas(checklist).items():
        files[f"schemas/{schema_name}"] = text.encode("utf-8")
    if checklist.path != DEFAULT_CHECKLIST:
        files[CONVENTIONAL] = _checklist_file(build, checklist)
    files["README.md"] = _readme(name, techs, roots).encode("utf-8")
    files["mkdocs.yml"] = _mkdocs_yml(name, roots or ["cards"]).encode("utf-8")
    files["docs/index.md"] = _home(name).encode("utf-8")
    hashes: dict[str, str | None] = {rel: _digest(data) for rel, data in files.items()}
    hashes[MANIFEST] = None  # rewritten each time
    manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(hashes.items()))}
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return files, [t.slug for t in techs]


def _checklist_file(build: Build, checklist: Checklist) -> bytes:
    """The organisation's checklist, copied so that the bundle's technologies answer the same questions."""
    data = (build.base_dir / checklist.path).read_bytes()
    guiding = checklist.part(ORGANISATION)
    names = InternalNames(build.portfolio)
    named = [q.key for q in (guiding.questions if guiding else ()) if names.found_in(q.answer)]
    if named or names.found_in(data.decode("utf-8", "replace")):
        raise BundleError(f"the ethics checklist {checklist.path} names an internal technology "
                          f"({', '.join(named) or 'outside the guiding answers'}); a bundle would publish it. "
                          "Reword it, or keep that technology out of the checklist")
    return data


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _show(rel: str) -> str:
    """``rel`` for a message: as it is when printable, else escaped, so that no control character reaches a terminal."""
    return rel if rel and rel.isprintable() and rel.strip() == rel else ascii(rel)


def _shown(names: list[str], limit: int = 5) -> str:
    names = sorted(names)
    return ", ".join(_show(n) for n in names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _is_git(part: str) -> bool:
    """Whether a path component names a ``.git`` folder on some file system.

    Letter case is folded (macOS, Windows), the characters HFS+ ignores are dropped, trailing dots and
    spaces are stripped (Windows), and ``git~1`` is the short name Windows may give ``.git``.
    """
    folded = "".join(c for c in part if unicodedata.category(c) != "Cf").rstrip(". ").casefold()
    return folded in (".git", "git~1")


def _name_problem(rel: object) -> str | None:
    """Why ``rel`` is not a path a bundle may write, relative to its folder; ``None`` when it is one."""
    if not isinstance(rel, str) or not rel:
        return "not a file name"
    if any(unicodedata.category(c) == "Cc" for c in rel):
        return "a control character"
    if "\\" in rel:
        return "a backslash"
    if ":" in rel:
        return "a drive letter or a colon"
    if rel.startswith("/"):
        return "an absolute path"
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "an empty, '.' or '..' part"
    if any(_is_git(part) for part in parts):
        return "inside a .git folder"
    return None


def _earlier_files(out: Path) -> tuple[int, dict[str, str | None]]:
    """The version of the manifest an earlier bundle left in ``out``, and the files it lists.

    Each file comes with the hash of what was written (``None`` in a version-1 manifest); the
    manifest's own entry is left out. ``(0, {})`` without a manifest. Raises :class:`BundleError`
    for a manifest that cannot be read, or that lists a path no bundle writes.
    """
    manifest = out / MANIFEST
    try:
        mode = os.lstat(manifest).st_mode
    except FileNotFoundError:
        return 0, {}
    if not stat.S_ISREG(mode):
        raise BundleError(f"{manifest} is not a file (a link or a folder); move it away to write the bundle")
    try:
        data = json.loads(manifest.read_bytes())
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"cannot read {manifest}: {exc}; move it away to write the bundle anyway "
                          "(the files already in the folder are then replaced by none)") from None
    version = data.get("version") if isinstance(data, dict) else None
    files = data.get("files") if isinstance(data, dict) else None
    listed: dict[str, str | None] | None = None
    if version == 1 and isinstance(files, list) and all(isinstance(f, str) for f in files):
        listed = dict.fromkeys(files)
    elif version == 2 and isinstance(files, dict) and all(
            isinstance(h, str) and _DIGEST.fullmatch(h) or (rel == MANIFEST and h is None)
            for rel, h in files.items()):
        listed = files
    if listed is None:
        raise BundleError(f"{manifest} is not a bundle manifest this version of mltrl-docs reads; move it away "
                          "to write the bundle anyway (the files already in the folder are then replaced by none)")
    listed.pop(MANIFEST, None)
    unsafe = {rel: problem for rel in listed if (problem := _name_problem(rel))}
    linked = {rel: _LINKED for rel in listed if rel not in unsafe and _where(out, rel)[1] == "link"}
    if unsafe or linked:
        shown = [f"{_show(rel)} ({problem})" for rel, problem in sorted({**unsafe, **linked}.items())]
        raise BundleError(f"{manifest} lists paths no bundle writes: " + ", ".join(shown[:20])
                          + (f", ... ({len(shown)} in all)" if len(shown) > 20 else "")
                          + "; the manifest was edited, or was not written by mltrl-docs: remove those entries"
                          + (" (or the links)" if linked else "") + " and run the export again; nothing was written")
    return version, listed


def _where(out: Path, rel: str) -> tuple[Path, str]:
    """``out / rel`` and what is there, without following any link.

    ``missing``; ``file``, a regular file; ``link``, the path ends in or goes through a symbolic link;
    ``blocked``, a part of it before the last is not a folder; ``other``, a folder or a special file.
    """
    parts = rel.split("/")
    target = out.joinpath(*parts)
    current = out
    for i, part in enumerate(parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return target, "missing"
        except NotADirectoryError:
            return target, "blocked"
        if stat.S_ISLNK(mode):
            return target, "link"
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            return target, "blocked"
    return target, "file" if stat.S_ISREG(mode) else "other"


def _inside(out: Path, rel: str) -> Path:
    """``out / rel``, refusing a path that would leave ``out``, enter a ``.git`` folder or go through a link."""
    problem = _name_problem(rel)
    if problem:
        raise BundleError(f"refusing the path {_show(rel)} in {out}: {problem}")
    target, state = _where(out, rel)
    if state == "link":
        raise BundleError(f"{out}: {_show(rel)} is or goes through a symbolic link; the bundle does not write "
                          "through links")
    return target


def _bundle_path(rel: str, roots: list[str]) -> bool:
    """Whether a bundle writes files at ``rel``: a file the manifest lists is removed only then."""
    parts = rel.split("/")
    if rel in FIXED_FILES or (len(parts) == 2 and parts[0] == "schemas" and parts[1].endswith(".schema.json")):
        return True
    for root in roots:
        prefix = posixpath.normpath(root).split("/")
        n = len(prefix)
        if parts[:n] != prefix or len(parts) < n + 2 or not SLUG.match(parts[n]):
            continue
        rest = parts[n + 1:]
        if any(p.startswith((".", "_")) for p in rest[:-1]) or rest[-1].startswith("."):
            continue
        if rest in ([CARD], [REQUIREMENTS], [ETHICS]) or (len(rest) == 2 and rest[0] == REVIEWS
                                                          and rest[1].endswith(".md")):
            return True
        if rest[-1].lower().endswith(IMAGE_SUFFIXES):
            return True
    return False


def _loses_nothing(rel: str, current: bytes, new: bytes) -> bool:
    """Whether writing ``new`` over ``current`` loses nothing: the same bytes, or, for ``mltrl.json``,
    the same document but for the time of the export."""
    if current == new:
        return True
    if rel != "mltrl.json":
        return False
    try:
        before, after = json.loads(current), json.loads(new)
    except (UnicodeDecodeError, ValueError):
        return False
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    before.pop("generated", None)
    after.pop("generated", None)
    return before == after


@dataclass
class _Plan:
    writes: dict[str, bytes]
    """Files to write, the manifest last; files already holding their content are not written."""
    removes: dict[str, str]
    """Files to remove, with the hash they must still have."""
    kept: list[str]


def _plan(out: Path, files: dict[str, bytes], roots: list[str]) -> _Plan:
    """Decide every write and removal (see the module's description); raises :class:`BundleError` instead."""
    for rel in files:
        problem = _name_problem(rel)
        if problem:
            raise BundleError(f"the bundle cannot hold the file {_show(rel)} ({problem}): rename it in the "
                              "portfolio")
    version, earlier = _earlier_files(out)
    where = {rel: _where(out, rel) for rel in {*files, *earlier} - {MANIFEST}}
    plan = _Plan({}, {}, [])
    changed: list[str] = []
    unproven: list[str] = []
    unlisted: list[str] = []
    in_the_way: list[str] = []
    for rel, data in sorted(files.items()):
        if rel == MANIFEST:
            continue
        target, state = where[rel]
        if state == "missing":
            plan.writes[rel] = data
            continue
        if state != "file":
            in_the_way.append(rel)
            continue
        current = target.read_bytes()
        if rel not in earlier:
            unlisted.append(rel)  # even with the same content: the bundle does not claim what it did not write
        elif current == data:
            continue  # already holds what the bundle writes: left untouched
        elif version == 1 and not _loses_nothing(rel, current, data):
            unproven.append(rel)
        elif version == 1 or _digest(current) == earlier[rel]:
            plan.writes[rel] = data
        else:
            changed.append(rel)
    for rel in sorted(set(earlier) - set(files)):
        target, state = where[rel]
        if state in ("missing", "blocked"):
            continue  # gone already
        if version == 1:
            plan.kept.append(rel)
        elif state != "file" or _digest(target.read_bytes()) != earlier[rel]:
            changed.append(rel)
        elif _bundle_path(rel, roots):
            plan.removes[rel] = earlier[rel]
        else:
            plan.kept.append(rel)
    problems = []
    if changed:
        problems.append(f"changed since the bundle wrote them: {_shown(changed)}")
    if unproven:
        problems.append("different from what the bundle writes now, and listed by a manifest of version 1, which "
                        f"does not record what the bundle wrote: {_shown(unproven)}")
    if unlisted:
        problems.append(f"not written by the bundle: {_shown(unlisted)}")
    if in_the_way:
        problems.append(f"folders, links or other files where the bundle writes a file: {_shown(in_the_way)}")
    if problems:
        raise BundleError(f"{out} holds files the bundle neither replaces nor removes: " + "; ".join(problems)
                          + ". Move them out of the folder (keeping what you need) and run the export again; "
                          "nothing was written")
    plan.writes[MANIFEST] = files[MANIFEST]
    return plan


def _write(out: Path, rel: str, data: bytes) -> None:
    target = _inside(out, rel)
    folder = out
    for part in rel.split("/")[:-1]:
        folder = folder / part
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        if folder.is_symlink() or not folder.is_dir():
            raise BundleError(f"{folder} is not a folder; the bundle was only partly written")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(target, flags, 0o666), "wb") as handle:
        handle.write(data)


def _remove(out: Path, rel: str, digest: str) -> None:
    target, state = _where(out, rel)
    if state != "file" or _digest(target.read_bytes()) != digest:
        raise BundleError(f"{_show(rel)} in {out} changed while the bundle was written; it was left in place")
    target.unlink()
    parent = target.parent
    while parent != out and not parent.is_symlink() and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def write_bundle(build: Build, out: Path, *, force: bool = False, name: str = DEFAULT_NAME) -> BundleResult:
    """Write the bundle into ``out`` (see the module's description).

    ``out`` must be missing or empty unless ``force`` is set; with ``force``, files an earlier bundle
    wrote, as its manifest shows, are replaced or removed, and anything else that stands in the way
    stops the bundle, with every such file named, before anything is written.
    """
    files, slugs = bundle_files(build, name=name)
    if out.is_symlink():
        raise BundleError(f"{out} is a symbolic link; give the folder itself")
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BundleError(f"{out} is not empty; give an empty or new folder, or add --force to replace "
                          "an earlier bundle there (only the files it wrote are replaced)")
    plan = _plan(out, files, build.settings.roots)
    out.mkdir(parents=True, exist_ok=True)
    for rel, digest in plan.removes.items():
        _remove(out, rel, digest)
    for rel, data in plan.writes.items():
        _write(out, rel, data)
    return BundleResult(out, slugs, sorted(files), sorted(plan.removes), sorted(plan.kept))
