"""Where everything a page links to lives: other pages, the technologies' images, the code host.

Relative links written in a card are resolved inside the technology's folder:
links to its own documents become anchors on its page, links to other
technologies become links to their pages, images in the folder are published
next to the page, and anything that would leave the repository is dropped.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, unquote

from .markdown import IMAGE_SUFFIXES, slugify
from .urls import Layout, Linker
from .view import SiteView, TechnologyView

_DOC_ANCHORS = {"requirements.md": "requirements", "ethics.md": "ethics"}


def review_anchor(path: str) -> str:
    """Anchor of a review record on its technology's page."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return "review-" + re.sub(r"[^a-z0-9-]+", "-", stem.lower())


class Addresses:
    """The addresses of one site: its pages' links, its published images, its repository's files and commits."""

    def __init__(self, view: SiteView, layout: Layout) -> None:
        self.layout = layout
        self.repo_url = (view.repo_url or "").rstrip("/") or None
        """The code host's address of the repository, without a trailing ``/`` (``None``: no links to it)."""
        self._folders = {t.tech.folder: t for t in view.technologies}
        self._roots = [r.strip("/") for r in view.settings.roots]
        self._assets = self._find_assets(view)

    def commit_url(self, commit: str | None) -> str | None:
        """Link to a commit on the code host."""
        if not commit or not self.repo_url or not re.fullmatch(r"[0-9a-f]{7,64}", commit):
            return None
        return f"{self.repo_url}/commit/{commit}"

    def repo_file_url(self, path: str, commit: str = "HEAD") -> str | None:
        """Link to a file of the repository on the code host."""
        if not self.repo_url:
            return None
        return f"{self.repo_url}/blob/{commit}/{quote(path)}"

    def assets(self) -> dict[str, Path]:
        """Images published from technology folders: site path -> file in the repository."""
        return dict(self._assets)

    def _find_assets(self, view: SiteView) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for t in view.technologies:
            folder = (view.portfolio.base_dir / t.tech.folder).resolve()
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
                for name in sorted(filenames):
                    if not name.lower().endswith(IMAGE_SUFFIXES) or name.startswith("."):
                        continue
                    path = Path(dirpath) / name
                    try:
                        real = path.resolve(strict=True)
                    except (OSError, RuntimeError):  # missing, or a link that loops (reported by the loader)
                        continue
                    if not real.is_relative_to(folder) or not real.is_file():
                        continue  # a link out of the folder: never publish what it points to
                    rel = path.relative_to(folder).as_posix()
                    found[self.layout.technology_file(t.slug, rel)] = real
        return found

    def resolver(self, t: TechnologyView, link: Linker, folder: str):
        """Decides what a relative link in one of ``t``'s documents (in ``folder``) becomes."""

        def resolve(url: str) -> str | None:
            path, _, fragment = url.partition("#")
            path = unquote(path.split("?", 1)[0]).replace("\\", "/")
            if not path:
                return None
            target = posixpath.normpath(posixpath.join(folder, path))
            if target == ".." or target.startswith(("../", "/")):
                return None  # outside the repository
            owner = self.owner(target)
            if owner is None:
                if any(target == root or target.startswith(root + "/") for root in self._roots):
                    return None  # a technology this site does not publish
                return self.repo_file_url(target)
            rest = target[len(owner.tech.folder):].lstrip("/")
            anchor = None
            if rest in ("", "card.md"):
                # A heading of the card: its anchor on the page carries the card's prefix.
                anchor = f"card-{slugify(fragment)}" if fragment else None
            elif rest in _DOC_ANCHORS:
                anchor = _DOC_ANCHORS[rest]
            elif rest.startswith("reviews/") and rest.endswith(".md"):
                anchor = review_anchor(rest)
            elif rest.lower().endswith(IMAGE_SUFFIXES):
                site_path = self.layout.technology_file(owner.slug, rest)
                return link.file(site_path) if site_path in self._assets else None
            else:
                return self.repo_file_url(target)
            if owner is t:
                return f"#{anchor}" if anchor else "#top"
            return link.technology(owner.slug, anchor)

        return resolve

    def owner(self, repo_path: str) -> TechnologyView | None:
        """The technology shown on the site whose folder holds ``repo_path``, if any."""
        current = repo_path
        while current and current != ".":
            if current in self._folders:
                return self._folders[current]
            current = posixpath.dirname(current)
        return None
