"""``mltrl prepare``: the generated part of the site written as files, for engines that run no MkDocs plugin.

Zensical reads ``mkdocs.yml`` but runs no third-party plugin. ``mltrl prepare``
renders what the plugin would generate, with the same :class:`~mltrl_docs.build.Build`
and the same :class:`~mltrl_docs.site.pages.Site`, and writes it into a folder of
the docs folder (the ``prepare_dir`` option, ``mltrl`` by default)::

    docs/mltrl/
    ├── .gitignore              # "*": nothing in the folder is ever committed
    ├── .mltrl-prepared         # the marker: this folder is the command's to replace
    ├── index.md                # the portfolio
    ├── levels.md, analytics.md
    ├── technologies/<slug>.md  # one page per technology the site shows
    ├── technologies/<slug>/... # the images its documents show
    ├── reference/rules.md, reference/configuration.md
    ├── assets/mltrl/mltrl.css, assets/mltrl/mltrl.js
    ├── mltrl.json
    └── schemas/*.json

Every page but the two references is a Markdown file holding the core's finished, sanitised HTML:
its front matter gives the title and the theme parts to hide, and its body is one raw HTML block
on a single line. Python-Markdown passes a raw HTML block through untouched, and on one line no
line-based preprocessor (fenced code, snippets) can find a line of its own in card text. The
references are the same Markdown the plugin hands MkDocs.

The folder is replaced whole on every run: written beside it under a fresh name, then renamed into
place, the earlier folder removed only when it holds the marker. It is refused when it or a folder
on its way is a symbolic link, or when the docs folder lies outside the repository, so the
configuration of a pull request cannot make the command write or delete anything elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from .build import Build, build_now
from .cachedir import existing_steps
from .cachekey import load_or_create_key, user_key_file
from .diagnostics import Diagnostic, Severity, printable
from .errors import PrepareError, PrepareFindings
from .progress import SILENT, Progress
from .site.cache import PageCache
from .site.kinds import PageSpec
from .site.pages import Site
from .site.templating import PACKAGE_TEMPLATES
from .workspace import Workspace

MARKER = ".mltrl-prepared"
"""The file that marks a folder as written by ``mltrl prepare``: only such a folder is ever replaced."""
MARKER_TEXT = "Written by 'mltrl prepare', which replaces this whole folder on every run. Do not edit.\n"
IGNORE_TEXT = "# Written by 'mltrl prepare': nothing here is committed.\n*\n"
ASSETS = ("assets/mltrl/mltrl.css", "assets/mltrl/mltrl.js")
"""Stylesheet and script of the generated pages, linked from each page (an engine adds no plugin's assets)."""
_STASH = re.compile("[\x02\x03]")
"""Python-Markdown's placeholder delimiters: text holding them could name another stashed block."""
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare_site` wrote."""

    folder: Path
    """The prepared folder."""
    pages: list[str]
    """Pages written, relative to the folder."""
    files: list[str]
    """Other files written (assets, images, ``mltrl.json``, schemas), relative to the folder."""
    findings: list[Diagnostic]
    """Every finding of the content (none at error severity: those stop the command)."""


def docs_folder(workspace: Workspace) -> Path:
    """The real path of the configuration's ``docs_dir``; refused unless it is a folder inside the repository."""
    value = workspace.raw_config.get("docs_dir", "docs")
    if not isinstance(value, str) or not value.strip():
        raise PrepareError("docs_dir must name a folder")
    base = workspace.base_dir.resolve()
    docs = Path(os.path.normpath(base / value))
    try:
        real = docs.resolve(strict=True)
    except (OSError, RuntimeError):
        raise PrepareError(f"the docs folder {printable(value)} does not exist") from None
    if not real.is_dir():
        raise PrepareError(f"the docs folder {printable(value)} is not a folder")
    if real != base and base not in real.parents:
        raise PrepareError(f"the docs folder {printable(value)} leads out of the repository ({base}); "
                           "mltrl prepare writes only inside it")
    return real


def prepared_folder(workspace: Workspace) -> Path:
    """Where ``mltrl prepare`` writes: ``prepare_dir`` inside the docs folder, checked as :func:`check_folder` does."""
    docs = docs_folder(workspace)
    folder = docs.joinpath(*workspace.settings.prepare_dir.split("/"))
    check_folder(docs, folder)
    return folder


def check_folder(docs: Path, folder: Path) -> None:
    """Refuse ``folder`` (below ``docs``) when anything on its way is not a real folder, or it is not ours.

    No part of the way from the docs folder may be a symbolic link (the folder would be elsewhere) or
    a file; the folder itself, if it is there, must hold the marker as a plain file.
    """
    reached = docs
    for reached, info in existing_steps(docs, folder):
        if stat.S_ISLNK(info.st_mode):
            raise PrepareError(f"{_shown(docs, reached)} is a symbolic link; mltrl prepare never writes through "
                               "one (remove it, or choose another prepare_dir)")
        if not stat.S_ISDIR(info.st_mode):
            raise PrepareError(f"{_shown(docs, reached)} is not a folder; remove it or choose another prepare_dir")
    if reached != folder:
        return  # nothing there yet: it will be made, as real folders
    try:
        marker = os.lstat(folder / MARKER)
    except FileNotFoundError:
        marker = None
    if marker is None or not stat.S_ISREG(marker.st_mode):
        raise PrepareError(f"{_shown(docs, folder)} is there but was not made by mltrl prepare (it has no {MARKER} "
                           "file); it is left as it is: move it away or choose another prepare_dir")


def _shown(docs: Path, path: Path) -> str:
    return printable(f"{docs.name}/{path.relative_to(docs).as_posix()}")


def prepare_site(workspace: Workspace, *, now: dt.datetime | None = None, progress: Progress = SILENT) -> Prepared:
    """Render the generated pages and files of ``workspace``'s site into its prepared folder.

    "Today" is ``now``, else ``SOURCE_DATE_EPOCH`` as for the plugin, else the clock. Raises
    :class:`PrepareFindings` (writing nothing) when the content has errors, and :class:`PrepareError`
    when the folder may not be written.
    """
    folder = prepared_folder(workspace)  # refused before any work is done
    settings = workspace.settings
    with Build.of(workspace, now=now or build_now(), progress=progress) as build:
        findings = build.findings
    errors = [d for d in findings if d.severity == Severity.ERROR]
    if errors:
        raise PrepareFindings(findings)
    docs = docs_folder(workspace)
    root = folder.relative_to(docs).as_posix()
    raw = workspace.raw_config
    location = build.cache
    cache = None
    if location.folder is not None:
        cache = PageCache(location.folder / ("prepared-public" if settings.public_only else "prepared"),
                          load_or_create_key(user_key_file()))
    site = Site(build.view, template_dirs=_template_dirs(workspace), use_directory_urls=raw.get("use_directory_urls",
                                                                                                  True) is not False,
                cache=cache, markdown=workspace.markdown.features, root=root)
    site.export = build.export()
    if cache is not None:
        cache.prune({t.slug for t in build.view.technologies})
    out: dict[str, bytes | Path] = {MARKER: MARKER_TEXT.encode(), ".gitignore": IGNORE_TEXT.encode()}
    pages = []
    for spec in site.pages():
        rendered = spec.kind.render(site, spec)
        out[_inside(root, spec.src_uri)] = page_markdown(site, spec, rendered.html).encode("utf-8")
        pages.append(_inside(root, spec.src_uri))
    for src_uri, text in site.markdown_pages().items():
        out[_inside(root, src_uri)] = text.encode("utf-8")
        pages.append(_inside(root, src_uri))
    files = []
    for site_path, text in site.files().items():
        out[_inside(root, site_path)] = text.encode("utf-8")
        files.append(_inside(root, site_path))
    for site_path, source in site.assets().items():
        out[_inside(root, site_path)] = source
        files.append(_inside(root, site_path))
    for asset in ASSETS:
        out[asset] = PACKAGE_TEMPLATES / asset
        files.append(asset)
    _replace_folder(docs, folder, out)
    return Prepared(folder, sorted(pages), sorted(files), findings)


def page_markdown(site: Site, spec: PageSpec, html: str) -> str:
    """A generated page as the engine reads it: front matter, then the page's HTML as one raw HTML block.

    The stylesheet and script of the pages are linked from the block, since an engine that runs no
    plugin does not add them to its pages.
    """
    link = site.layout.linker(spec.src_uri)
    head = (f'<link rel="stylesheet" href="{link.file(site.layout.place(ASSETS[0]))}">'
            f'<script src="{link.file(site.layout.place(ASSETS[1]))}" defer></script>')
    front = yaml.safe_dump(spec.meta(), allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n\n<div class=\"mltrl-prepared\">{head}{one_line(html)}</div>\n"


def one_line(html: str) -> str:
    """``html`` on a single line, meaning the same: line breaks in text as character references, in tags as spaces.

    The generated HTML holds no ``script``, ``style`` or comment, whose text a reference would change.
    """
    html = _STASH.sub("\ufffd", html)
    parts = []
    at = 0
    for match in _TAG.finditer(html):
        parts.append(html[at:match.start()].replace("\r", "&#13;").replace("\n", "&#10;"))
        parts.append(match.group(0).replace("\r", " ").replace("\n", " "))
        at = match.end()
    parts.append(html[at:].replace("\r", "&#13;").replace("\n", "&#10;"))
    return "".join(parts)


def _inside(root: str, site_path: str) -> str:
    """``site_path`` (under ``root``) relative to the prepared folder."""
    return site_path[len(root) + 1:] if site_path.startswith(root + "/") else site_path


def _template_dirs(workspace: Workspace) -> list[str]:
    """Where page templates are looked up, as the plugin does: the site's ``custom_dir`` first, the package's last."""
    dirs = []
    theme = workspace.raw_config.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if isinstance(custom, str) and custom:
        folder = workspace.base_dir / custom
        if folder.is_dir():
            dirs.append(str(folder))
    dirs.append(str(PACKAGE_TEMPLATES))
    return dirs


def _replace_folder(docs: Path, folder: Path, out: dict[str, bytes | Path]) -> None:
    """Write ``out`` as the whole new content of ``folder``: beside it first, then renamed into place."""
    parent = folder.parent
    current = docs
    for part in parent.relative_to(docs).parts:
        current = current / part
        if not current.exists():
            current.mkdir()
    check_folder(docs, folder)  # again: nothing on the way may have changed into a link meanwhile
    fresh = parent / f".{folder.name}.new-{secrets.token_hex(8)}"
    fresh.mkdir()
    try:
        for name, content in sorted(out.items()):
            target = fresh.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.read_bytes() if isinstance(content, Path) else content
            with open(target, "xb") as handle:  # a new file in a new folder: never through a link
                handle.write(data)
        old = None
        if os.path.lexists(folder):
            old = parent / f".{folder.name}.old-{secrets.token_hex(8)}"
            os.rename(folder, old)
        os.rename(fresh, folder)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old)
