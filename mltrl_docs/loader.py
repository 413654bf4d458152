"""Find technologies under the content roots and read their documents into models.

A technology is a folder ``<root>/<slug>/`` holding ``card.md`` and optionally
``requirements.md``, ``ethics.md`` and ``reviews/<yyyy-mm-dd>-level-<n>.md``.
Reading never raises on bad content: every problem becomes a diagnostic.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import errno
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .cachedir import CacheLocation, cache_location
from .codeid import code_digest
from .config import Settings
from .diagnostics import Diagnostic, Severity
from .doccache import DocumentCache, document_digest
from .ethics import Checklist, default_checklist, document_models, load_checklist
from .frontmatter import MAX_BYTES, ParsedDocument, parse_document
from .models import Card, Review, Strict
from .sections import Section, parse_sections

CARD = "card.md"
REQUIREMENTS = "requirements.md"
ETHICS = "ethics.md"
REVIEWS = "reviews"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
DOCUMENT_MODELS = document_models()
"""The model of each document kind under the default ethics checklist."""


@dataclass
class Document:
    """One file of a technology, parsed and (when valid) validated."""

    kind: str
    """``card``, ``requirements``, ``ethics`` or ``review``."""
    path: str
    """Path relative to the base folder, with ``/`` separators."""
    parsed: ParsedDocument
    model: Any = None
    """The validated model, or ``None`` when the document has errors."""
    digest: str | None = None
    """Its path and bytes as the caches name them (:func:`~mltrl_docs.doccache.document_digest`); ``None`` when
    it could not be read."""

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Findings from reading and validating this file."""
        return self.parsed.diagnostics

    @cached_property
    def sections(self) -> list[Section]:
        """The body's sections, parsed once (several rules read a card's)."""
        return parse_sections(self.parsed.body, self.parsed.body_line)

    @cached_property
    def card_sections(self) -> dict[str, Section]:
        """The sections that are TRL card sections, by key (the first one of each)."""
        found: dict[str, Section] = {}
        for section in self.sections:
            if section.spec and section.spec.key not in found:
                found[section.spec.key] = section
        return found


@dataclass
class Technology:
    """A tracked technology: its folder and documents."""

    slug: str
    root: str
    """Content root the folder is in (``projects`` or ``cards``)."""
    folder: str
    """Folder relative to the base folder."""
    card: Document | None = None
    requirements: Document | None = None
    ethics: Document | None = None
    reviews: list[Document] = field(default_factory=list)
    checklist: Checklist = field(default_factory=default_checklist)
    """The ethics checklist its ``ethics.md`` answers."""

    @property
    def documents(self) -> list[Document]:
        """All documents that exist."""
        docs = [d for d in (self.card, self.requirements, self.ethics) if d is not None]
        return docs + self.reviews

    @property
    def model(self) -> Card | None:
        """The card's front matter, when valid."""
        return self.card.model if self.card else None

    @property
    def requirement_list(self) -> list:
        """Valid requirements, or an empty list."""
        doc = self.requirements
        return list(doc.model.requirements) if doc and doc.model else []

    @property
    def ethics_model(self) -> Strict | None:
        """The ethics checklist, when present and valid."""
        return self.ethics.model if self.ethics else None

    @property
    def review_models(self) -> list[Review]:
        """Valid reviews, oldest first."""
        return sorted((d.model for d in self.reviews if d.model), key=lambda r: (r.date, r.level))


@dataclass
class Portfolio:
    """Everything found under the content roots."""

    base_dir: Path
    settings: Settings
    technologies: dict[str, Technology] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Findings not tied to one document (e.g. an unreadable folder)."""
    checklist: Checklist = field(default_factory=default_checklist)
    """The ethics checklist (the ``ethics_checklist`` option's, or the default one)."""

    @property
    def by_id(self) -> dict[str, Technology]:
        """Technologies with a valid card, by project ID (first one wins on duplicates)."""
        result: dict[str, Technology] = {}
        for tech in self.technologies.values():
            if tech.model and tech.model.id not in result:
                result[tech.model.id] = tech
        return result


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` with ``/`` separators, or absolute when outside."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_document(kind: str, file: Path | str, display: str, base_dir: Path | None = None,
                  cache: DocumentCache | None = None, folder: Path | None = None,
                  models: Mapping[str, type[Strict]] = DOCUMENT_MODELS, *, plain: str | None = None,
                  no_link: bool = False, tokens: Mapping[str, str] | None = None) -> Document:
    """Read and validate one document; problems become diagnostics, never exceptions.

    With ``base_dir``, a file that resolves outside it (through a symbolic
    link) is refused rather than read, so a card cannot pull in other files;
    with ``folder`` (the technology's folder) too, a file that resolves outside
    that folder is refused, so one technology cannot show another's documents.
    ``plain`` is a folder on the way known to be reached from ``base_dir``
    through no link (:func:`plain_folder`), where the search for one stops;
    ``no_link`` says that the caller has seen the whole way, the file
    included, to be free of links, so none is looked for.
    With ``cache``, an unchanged file is not parsed again (nor, with ``tokens``, validated before its model
    is read: see :func:`parse_and_validate`).
    """
    if base_dir is not None and not no_link:
        refused = _link_problem(file, base_dir, folder, plain)
        if refused is not None:
            return _refused_link(kind, display, refused)
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        parsed = ParsedDocument(path=display)
        parsed.error("IO001", 1, 1, f"cannot read file: {exc.strerror or exc}", "check the file's permissions")
        return Document(kind, display, parsed)
    return parse_and_validate(kind, data, display, cache, models, tokens)


class Refused(enum.Enum):
    """Why a document reached through a symbolic link is not read; the value is its finding's code."""

    OUTSIDE_REPOSITORY = "SEC001"
    OUTSIDE_TECHNOLOGY = "SEC002"
    LOOP = "SEC003"


_REFUSED = {
    Refused.OUTSIDE_REPOSITORY: "file is a link to a place outside the repository; it was not read",
    Refused.OUTSIDE_TECHNOLOGY: "file is a link to a file outside this technology's folder; it was not read (a "
                                "technology shows only its own documents)",
    Refused.LOOP: "file is a symbolic link that never reaches a file (it loops); it was not read",
}


def _refused_link(kind: str, display: str, reason: Refused = Refused.OUTSIDE_REPOSITORY) -> Document:
    parsed = ParsedDocument(path=display)
    parsed.error(reason.value, 1, 1, _REFUSED[reason], "replace the link with the file itself")
    return Document(kind, display, parsed)


def parse_and_validate(kind: str, data: bytes | str, display: str, cache: DocumentCache | None = None,
                       models: Mapping[str, type[Strict]] = DOCUMENT_MODELS,
                       tokens: Mapping[str, str] | None = None) -> Document:
    """Parse ``data`` as a document of ``kind`` and validate its front matter against ``models[kind]``.

    With ``cache`` and ``tokens`` (:func:`validation_tokens` of ``models``), a document the cache holds as
    valid under ``tokens[kind]`` is validated only when its model is first read.
    """
    digest = document_digest(display, data) if isinstance(data, bytes) else None
    cached = cache is not None and digest is not None
    parsed = cache.get(display, data, digest) if cached else None
    fresh = parsed is None
    if fresh:
        parsed = parse_document(data, display)
    token = tokens.get(kind) if cached and tokens is not None else None
    if not fresh and token is not None and cache.valid.get(digest) == token:  # so it has front matter
        doc = _Deferred(kind, display, parsed, digest=digest)
        doc.__dict__["_pending"] = models[kind]
        return doc
    if parsed.meta is None:
        if fresh and cached:
            cache.put(display, data, parsed, digest)
        return Document(kind, display, parsed, digest=digest)
    doc = Document(kind, display, parsed, digest=digest)
    reading = list(parsed.diagnostics)  # the entry keeps the reading findings, not those validation adds
    doc.model = validate(models[kind], parsed)
    valid = token if doc.model is not None else None
    if cached and (fresh or (valid is not None and cache.valid.get(digest) != valid)):
        cache.put(display, data, parsed, digest, diagnostics=reading, valid=valid)
    return doc


class _Deferred(Document):
    """A document the cache holds as valid under this run's models, validated when its model is first read (a
    warm ``mltrl check`` reads the cards', not those of unchanged reviews, requirements or ethics answers)."""

    @property
    def model(self) -> Any:
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            self.__dict__["_model"] = validate(pending, self.parsed)
        return self.__dict__.get("_model")

    @model.setter
    def model(self, value: Any) -> None:
        self.__dict__.pop("_pending", None)
        self.__dict__["_model"] = value

    def __getstate__(self) -> dict:
        self.model  # noqa: B018 - a copy (or a pickle) holds the model, not the class that makes it
        return dict(self.__dict__)


def validation_tokens(checklist: Checklist) -> dict[str, str]:
    """What names the model of each document kind in the document cache: a hash of the package's code
    (:func:`~mltrl_docs.codeid.code_digest`, which covers the models) and of ``checklist``, which the
    ethics model is made from."""
    base = hashlib.blake2b(code_digest() + b"\0" + repr(checklist).encode(), digest_size=16).digest()
    return {kind: hashlib.blake2b(base + kind.encode(), digest_size=8).hexdigest() for kind in DOCUMENT_MODELS}


def validate(model: type[Strict], parsed: ParsedDocument) -> Strict | None:
    """Validate front matter against ``model``; map every error to a positioned diagnostic."""
    try:
        return model.model_validate(parsed.meta)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            parsed.diagnostics.append(_diagnostic(model, parsed, err))
        return None


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside ``list[X]``, ``X | None`` and similar annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


def _diagnostic(model: type[Strict], parsed: ParsedDocument, err: dict) -> Diagnostic:
    loc = _document_path(parsed.meta, err["loc"], err["type"])
    where = ".".join(str(p) for p in loc) if loc else "front matter"
    kind = err["type"]
    hint = ""
    severity = Severity.ERROR
    if kind == "missing":
        code = "SCH001"
        pos = parsed.position(loc[:-1])
        if not loc[:-1]:
            pos = type(pos)(parsed.front_matter_end, 1)
        message = f"missing required field '{where}'"
        info = (_model_at(model, loc) or model).model_fields.get(loc[-1]) if loc else None
        hint = f"add '{loc[-1]}:' ({info.description})" if info and info.description else f"add '{loc[-1]}:'"
    elif kind == "extra_forbidden":
        code = "SCH002"
        pos = parsed.key_position(loc)
        message = f"unknown field '{where}'"
        owner = _model_at(model, loc)
        names = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        if loc == ("organisation",) and model.__name__ == "EthicsDoc":
            hint = ("the organisation answers its guiding questions once, in its ethics checklist "
                    "(ethics-checklist.md, or the file the 'ethics_checklist' option names)")
        elif close:
            hint = f"did you mean '{close[0]}'?"
        elif names:
            hint = "allowed fields: " + ", ".join(names)
    elif kind in ("literal_error", "enum"):
        code = "SCH003"
        pos = parsed.position(loc)
        message = f"'{where}' must be one of {err['ctx']['expected']}, not {_show(err['input'])}"
        close = difflib.get_close_matches(str(err["input"]), re.findall(r"'([^']*)'", err["ctx"]["expected"]), n=1)
        hint = f"did you mean '{close[0]}'?" if close else ""
    elif kind.endswith("_type") or kind.endswith("_parsing") or kind in ("model_attributes_type",):
        code = "SCH004"
        pos = parsed.position(loc)
        expected = err["msg"].replace("Input should be ", "")
        message = f"'{where}' should be {expected}, not {_show(err['input'])}"
        source = parsed.sources.get(loc)
        if kind == "bool_type" and isinstance(err["input"], str) and err["input"].lower() in _YAML11_BOOLS:
            hint = "YAML 1.2 reads only true and false as booleans: write true or false"
        elif kind == "string_type" and source is not None:
            hint = f"quote it to keep it as text: \"{source}\""
        elif kind == "int_type" and isinstance(err["input"], float):
            hint = "write a whole number, e.g. 4"
        elif kind == "int_type" and isinstance(err["input"], str):
            hint = "write the number without quotes"
        elif kind.startswith("date"):
            hint = "write the date as YYYY-MM-DD"
    elif kind in ("value_error", "assertion_error"):
        code = "SCH006"
        pos = parsed.position(loc)
        message = f"'{where}': {err['msg'].removeprefix('Value error, ')}"
    else:
        code = "SCH005"
        pos = parsed.position(loc)
        message = f"'{where}': {err['msg'].lower()} (got {_show(err['input'])})"
        if kind == "string_pattern_mismatch":
            info = (_model_at(model, loc) or model).model_fields.get(loc[-1]) if loc else None
            if info and info.description:
                hint = info.description
    return Diagnostic(parsed.path, pos.line, pos.column, severity, code, message, hint)


def _document_path(meta: Any, loc: tuple, kind: str) -> tuple:
    """The part of a pydantic error location that exists in the document.

    Locations also hold union members and discriminator tags (``answer-text``);
    they are dropped by walking the location through the actual data. The last
    element is kept for ``missing`` errors, where it names the absent field.
    """
    path: list = []
    current = meta
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            current = current[part]
            path.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif kind == "missing" and index == len(loc) - 1:
            path.append(part)
    return tuple(path)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value) if not isinstance(value, (dict, list)) \
        else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def load_portfolio(base_dir: Path, settings: Settings, only: list[Path] | None = None, *,
                   cache: DocumentCache | None = None) -> Portfolio:
    """Read every technology under the configured roots of ``base_dir``.

    ``only``, when given, restricts reading to technologies whose folder holds
    or lies under one of those paths. ``cache`` keeps parsed documents between
    runs (the caller saves it).
    """
    checklist, problems = load_checklist(base_dir, settings.ethics_checklist)
    portfolio = Portfolio(base_dir=base_dir, settings=settings, diagnostics=problems, checklist=checklist)
    models = document_models(checklist)
    tokens = validation_tokens(checklist) if cache is not None and cache.file is not None else None
    for root in settings.roots:
        root_dir = base_dir / root
        if not root_dir.is_dir():
            continue
        try:
            entries = _listing(root_dir, strict=True)
        except OSError as exc:
            portfolio.diagnostics.append(Diagnostic(relative(root_dir, base_dir), 1, 1, Severity.ERROR,
                                                    "IO001", f"cannot list folder: {exc.strerror}"))
            continue
        root_plain = plain_folder(root_dir, base_dir)  # looked for once, not again for each technology
        for name in sorted(entries):
            if name.startswith((".", "_")) or not entries[name].is_dir():
                continue
            entry = root_dir / name
            if only is not None and not any(_related(entry, p) for p in only):
                continue
            # The folder is reached through no link when its root is not, and the listing shows it is none.
            plain = os.path.join(root_plain, name) if root_plain is not None and not entries[name].is_symlink() \
                else plain_folder(entry, base_dir)
            listings = {os.fspath(entry): _listing(entry)}
            tech = _load_technology(entry, root, base_dir, cache, models, checklist, listings, plain, tokens)
            _add_technology(portfolio, tech)
            if tech is not None:
                portfolio.diagnostics.extend(link_loops(entry, tech.folder, tech.slug, listings))
    return portfolio


def _listing(folder: Path | str, *, strict: bool = False) -> dict[str, os.DirEntry]:
    """The entries of ``folder`` by name (none when it cannot be listed, unless ``strict``): one system call
    for a folder, where asking of each name whether it is there, a file or a link costs one each."""
    try:
        with os.scandir(folder) as found:
            return {entry.name: entry for entry in found}
    except OSError:
        if strict:
            raise
        return {}


def _add_technology(portfolio: Portfolio, tech: Technology | None) -> None:
    if tech is None:
        return
    if tech.slug in portfolio.technologies:
        other = portfolio.technologies[tech.slug]
        portfolio.diagnostics.append(Diagnostic(
            tech.card.path if tech.card else tech.folder, 1, 1, Severity.ERROR, "XR004",
            f"technology folder name '{tech.slug}' is also used in {other.folder}",
            "rename one of the two folders; slugs are the technologies' web addresses"))
        return
    portfolio.technologies[tech.slug] = tech


def load_portfolio_from_files(base_dir: Path, settings: Settings,
                              files: Mapping[str, bytes | Refused | None]) -> Portfolio:
    """Build a portfolio from in-memory files, read exactly as :func:`load_portfolio` reads folders.

    ``files`` maps paths relative to ``base_dir`` (``/`` separators) to contents, e.g. the
    blobs of a git commit, so another revision can be checked without a checkout. A
    :class:`Refused` value stands for a link that is refused as on disk (``None``: one leading
    outside the repository). Only technology documents are parsed; other entries only tell
    which folders exist.
    """
    checklist, _ = load_checklist(base_dir, settings.ethics_checklist)  # the working tree's findings report it
    portfolio = Portfolio(base_dir=base_dir, settings=settings, checklist=checklist)
    models = document_models(checklist)
    for root in settings.roots:
        prefix = posixpath.normpath(root) + "/"
        folders: dict[str, dict[str, bytes | Refused | None]] = {}
        for path, data in files.items():
            slug, sep, name = path[len(prefix):].partition("/")
            if path.startswith(prefix) and sep and name:
                folders.setdefault(slug, {})[name] = data
        for slug in sorted(folders):
            if not slug.startswith((".", "_")):
                _add_technology(portfolio, _technology_from_files(slug, root, prefix + slug, folders[slug], models,
                                                                  checklist))
    return portfolio


def _technology_from_files(slug: str, root: str, rel: str, content: dict[str, bytes | Refused | None],
                           models: Mapping[str, type[Strict]], checklist: Checklist) -> Technology | None:
    def read(kind: str, name: str) -> Document:
        data = content[name]
        if data is None or isinstance(data, Refused):
            return _refused_link(kind, f"{rel}/{name}", data or Refused.OUTSIDE_REPOSITORY)
        return parse_and_validate(kind, data[:MAX_BYTES + 1], f"{rel}/{name}", models=models)

    tech = Technology(slug=slug, root=root, folder=rel, checklist=checklist)
    has_reviews = any(name.startswith(REVIEWS + "/") for name in content)
    if CARD not in content:
        if not any(name.endswith(".md") and "/" not in name for name in content) and not has_reviews:
            return None
        return _missing_card(tech)
    tech.card = read("card", CARD)
    _check_slug(tech)
    for kind, name in (("requirements", REQUIREMENTS), ("ethics", ETHICS)):
        if name in content:
            setattr(tech, kind, read(kind, name))
    for name in sorted(n for n in content if n.startswith(REVIEWS + "/") and n.endswith(".md")
                       and n.count("/") == 1):
        tech.reviews.append(read("review", name))
    return tech


def _missing_card(tech: Technology) -> Technology:
    rel = tech.folder
    tech.card = Document("card", f"{rel}/{CARD}", ParsedDocument(path=f"{rel}/{CARD}"))
    tech.card.parsed.error("XR005", 1, 1, f"technology folder '{rel}' has no {CARD}",
                           f"add {CARD} (mltrl new {tech.slug} --id ID --title TITLE) or move the files")
    return tech


def _check_slug(tech: Technology) -> None:
    if not SLUG.match(tech.slug):
        tech.card.parsed.error("XR006", 1, 1, f"folder name '{tech.slug}' is not a valid slug",
                               "use lower-case letters, digits and hyphens, e.g. 'solar-bo'")


def plain_folder(folder: Path, base: Path) -> str | None:
    """``folder`` as an absolute path when it lies plainly below ``base`` (no ``..``) and neither it nor any
    folder between them is a symbolic link, else ``None``: a file in it is then reached through a link only
    if the file, or a folder between it and ``folder``, is one (see :func:`read_document`)."""
    raw = os.fspath(folder)
    top, current = os.path.abspath(base).rstrip(os.sep), os.path.abspath(raw)
    if f"{os.sep}{os.pardir}{os.sep}" in f"{os.sep}{raw}{os.sep}" or not current.startswith(top + os.sep):
        return None
    found = current
    while len(current) > max(len(top), 1):
        if os.path.islink(current):
            return None
        current = os.path.dirname(current)
    return found


def _link_problem(path: Path, base: Path, folder: Path | None = None, known: str | None = None) -> Refused | None:
    """Why ``path``, read through links, may not be read: it leaves ``base``, leaves ``folder``, or loops.

    Only a link can lead elsewhere, so the costly resolution runs only when the
    file or a folder between it and ``base`` is one; the search for one stops
    at ``known``, a folder reached through none (:func:`plain_folder`).
    """
    raw = os.fspath(path)
    top, current = os.path.abspath(base).rstrip(os.sep), os.path.abspath(raw)
    plain = f"{os.sep}{os.pardir}{os.sep}" not in f"{os.sep}{raw}{os.sep}" and current.startswith(top + os.sep)
    if plain:  # no '..' and plainly below base: only a link on the way can lead elsewhere
        while len(current) > max(len(top), 1):  # strings, not paths: this runs for every document
            if current == known:
                return None
            if os.path.islink(current):
                break
            current = os.path.dirname(current)
        else:
            return None
    try:
        real = os.path.realpath(raw, strict=True)
    except OSError as exc:
        return Refused.LOOP if exc.errno == errno.ELOOP else None  # a missing file is reported when read
    real_base = os.path.realpath(base)
    if not _below(real, real_base):
        return Refused.OUTSIDE_REPOSITORY
    if folder is not None:
        # The folder as it is written under the (resolved) base: a technology folder that is itself a
        # link to another technology's folder does not make that folder its own.
        own = os.path.join(real_base, os.path.relpath(os.path.abspath(folder), os.path.abspath(base)))
        if not _below(real, own):
            return Refused.OUTSIDE_TECHNOLOGY
    return None


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def link_loops(folder: Path, display: str, slug: str,
               listings: Mapping[str, dict[str, os.DirEntry]] | None = None) -> list[Diagnostic]:
    """Findings for the symbolic links in a technology's folder that loop (its images, say).

    Documents that loop are reported when read; any other file that does is reported here,
    since the site would otherwise stumble on it when it publishes the folder's images.
    ``listings`` are the entries of folders the caller has listed already (:func:`_listing`), by path.
    """
    found: list[Diagnostic] = []
    pending = [(os.fspath(folder), display)]
    while pending:
        current, shown = pending.pop()
        listing = listings.get(current) if listings is not None else None
        if listing is not None:
            entries = [listing[name] for name in sorted(listing)]
        else:
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_symlink():
                try:
                    os.stat(entry.path)
                except OSError as exc:
                    if exc.errno == errno.ELOOP and not entry.name.endswith(".md"):
                        found.append(Diagnostic(f"{shown}/{entry.name}", 1, 1, Severity.ERROR, "SEC003",
                                                "file is a symbolic link that never reaches a file (it loops); "
                                                "it is not published", "replace the link with the file itself",
                                                slug))
            elif entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{shown}/{entry.name}"))
    return found


def _related(folder: Path, target: Path) -> bool:
    folder, target = Path(os.path.realpath(folder)), Path(os.path.realpath(target))  # never raises on a loop
    return folder == target or folder in target.parents or target in folder.parents


def _load_technology(folder: Path, root: str, base_dir: Path, cache: DocumentCache | None,
                     models: Mapping[str, type[Strict]], checklist: Checklist,
                     listings: dict[str, dict[str, os.DirEntry]], plain: str | None,
                     tokens: Mapping[str, str] | None = None) -> Technology | None:
    """``listings`` holds the folder's entries (:func:`_listing`), and gets those of its reviews; ``plain`` is the
    folder when it is reached through no link (:func:`plain_folder`)."""
    listing = listings[os.fspath(folder)]
    # The folder as written (a folder that is a link keeps its own name, to be judged by it).
    rel = f"{posixpath.normpath(root)}/{folder.name}" if folder.parent == base_dir / root else relative(folder, base_dir)
    tech = Technology(slug=folder.name, root=root, folder=rel, checklist=checklist)
    card = listing.get(CARD)
    if card is None or not (card.is_symlink() or card.is_file()):
        if not any(name.endswith(".md") for name in listing) and not (folder / REVIEWS).is_dir():
            return None  # not a technology folder (e.g. assets)
        return _missing_card(tech)

    def read(kind: str, entry: os.DirEntry, display: str, *, way_plain: bool = True) -> Document:
        # A file the listing shows is no link, in a folder reached through none, needs no search for one.
        return read_document(kind, entry.path, display, base_dir, cache, folder, models, plain=plain,
                             no_link=plain is not None and way_plain and not entry.is_symlink(), tokens=tokens)

    tech.card = read("card", card, f"{rel}/{CARD}")
    _check_slug(tech)
    for kind, name in (("requirements", REQUIREMENTS), ("ethics", ETHICS)):
        if name in listing:  # a link that loops is reported, not skipped
            setattr(tech, kind, read(kind, listing[name], f"{rel}/{name}"))
    reviews = listing.get(REVIEWS)
    if reviews is not None and reviews.is_dir():
        found = listings[reviews.path] = _listing(reviews.path)
        for name in sorted(name for name in found if name.endswith(".md")):
            tech.reviews.append(read("review", found[name], f"{rel}/{REVIEWS}/{name}",
                                     way_plain=not reviews.is_symlink()))
    return tech


def load_portfolio_cached(base_dir: Path, settings: Settings, cache: CacheLocation | None = None) -> Portfolio:
    """:func:`load_portfolio` with parsed documents kept in the cache folder between runs.

    ``cache`` defaults to the configured folder (:func:`mltrl_docs.cachedir.cache_location`); without
    a usable folder, documents are parsed without a cache.
    """
    folder = (cache or cache_location(base_dir, settings.cache_dir)).folder
    if folder is None:
        return load_portfolio(base_dir, settings)
    documents = DocumentCache.for_folder(folder)
    portfolio = load_portfolio(base_dir, settings, cache=documents)
    documents.save()
    return portfolio
