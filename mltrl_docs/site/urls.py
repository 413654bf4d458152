"""Addresses inside the generated site, and the one gate every outside address passes.

The site engine decides where a page ends up (``a/b.md`` becomes ``a/b/`` or
``a/b.html``); this module mirrors that rule so the core can write relative
links without importing the engine. Every address that comes from a card goes
through :func:`safe_url`, which refuses anything a browser could run.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote

from ..links import SAFE_SCHEMES, is_relative_reference, safe_url  # noqa: F401 - part of this module's API


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """Where the page built from ``src_uri`` (``a/b.md``) is served, relative to the site root."""
    stem, ext = posixpath.splitext(src_uri)
    if ext.lower() != ".md":
        return src_uri
    folder, name = posixpath.split(stem)
    if name in ("index", "README"):
        return f"{folder}/" if folder else "./" if use_directory_urls else "index.html"
    if use_directory_urls:
        return f"{stem}/"
    return f"{stem}.html"


def relative_url(target: str, from_url: str) -> str:
    """``target`` (a site-root-relative URL) as seen from the page served at ``from_url``.

    Follows the engine's rule: the last part of ``from_url`` is a file when it
    has a dot, otherwise a folder.
    """
    folder, _, last = from_url.rpartition("/")
    base = folder if "." in last else from_url
    base_parts = [p for p in base.split("/") if p not in ("", ".")]
    path, hash_mark, fragment = target.partition("#")
    target_parts = [p for p in path.split("/") if p not in ("", ".")]
    common = 0
    for a, b in zip(base_parts, target_parts):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(base_parts) - common) + target_parts[common:]) or "."
    if path.endswith("/") and rel != ".":
        rel += "/"
    elif path.endswith("/") or not path:
        rel = "./" if path else ""
    return rel + (hash_mark + fragment if hash_mark else "")


@dataclass(frozen=True)
class Layout:
    """Where each generated page and file lives in the site.

    The MkDocs plugin generates everything at the top of the site (``root`` empty); ``mltrl prepare``
    writes it into a folder of the docs folder, and ``root`` is that folder's path in the site.
    """

    use_directory_urls: bool = True
    root: str = ""
    """Site path of the folder holding every generated page and file (no slash at either end), or empty."""

    HOME = "index.md"
    LEVELS = "levels.md"
    ANALYTICS = "analytics.md"
    EXPORT = "mltrl.json"
    SCHEMAS = "schemas"
    TECHNOLOGIES = "technologies"

    def place(self, path: str) -> str:
        """``path`` (one of the names above, or under them) inside :attr:`root`."""
        return f"{self.root}/{path}" if self.root else path

    def technology(self, slug: str) -> str:
        """Source URI of a technology's page."""
        return self.place(f"{self.TECHNOLOGIES}/{slug}.md")

    def technology_file(self, slug: str, path: str) -> str:
        """Site path of a file published from a technology's folder (an image the card shows)."""
        base = page_url(self.technology(slug), True).rstrip("/")
        return f"{base}/{path}"

    def schema(self, name: str) -> str:
        """Site path of a JSON Schema file."""
        return self.place(f"{self.SCHEMAS}/{name}")

    def url(self, src_uri: str) -> str:
        """Site-root-relative URL of a page (``.md``) or file."""
        return quote(page_url(src_uri, self.use_directory_urls), safe="/#.-_~")

    def linker(self, src_uri: str) -> "Linker":
        """A :class:`Linker` for links written on the page built from ``src_uri``."""
        return Linker(self, self.url(src_uri))


@dataclass(frozen=True)
class Linker:
    """Relative links from one page to the rest of the site."""

    layout: Layout
    here: str
    """URL of the page the links are written on."""

    def page(self, src_uri: str, anchor: str | None = None) -> str:
        """Link to a page (by source URI), optionally to an anchor on it."""
        url = relative_url(self.layout.url(src_uri), self.here)
        return f"{url}#{anchor}" if anchor else url

    def file(self, site_path: str) -> str:
        """Link to a non-page file (e.g. ``mltrl.json``)."""
        return relative_url(quote(site_path, safe="/#.-_~"), self.here)

    def technology(self, slug: str, anchor: str | None = None) -> str:
        """Link to a technology's page."""
        return self.page(self.layout.technology(slug), anchor)

    def home(self) -> str:
        """Link to the portfolio."""
        return self.page(self.layout.place(self.layout.HOME))

    def level(self, level: int) -> str:
        """Link to a level's section of the levels page."""
        return self.page(self.layout.place(self.layout.LEVELS), f"level-{level}")
