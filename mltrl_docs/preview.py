"""What a live preview keeps from one build to the next, so that a save renders only the pages it changes.

``mkdocs serve`` rebuilds the whole site on every save: at a thousand
technologies, laying out every technology page in the theme and indexing it
for search is most of a rebuild, although a save changes one card. The
preview keeps, per technology page, the finished output of the last build,
the search entries made from it, and a key of everything the page shows;
a page whose key and whose surroundings (the *frame*: navigation, theme,
configuration, the preview's error list) are unchanged is not built again,
and its kept output and search entries take its place.

This module keeps the records; the plugin decides, with the engine's
objects, which pages are left out of a build and puts them back afterwards.
Nothing here reads input the site does not already read. The only thing kept
on disk is a second name (a hard link) of each page the preview wrote, in a
private temporary folder (:class:`KeptFiles`): the engine empties the site
folder before every build, and linking a kept page back costs far less than
writing it again. A new ``mkdocs serve`` starts with a full build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field


@dataclass
class KeptPage:
    """A page as the last build made it."""

    key: str
    """Hash of what the page shows (see :func:`page_key`)."""
    dest_uri: str
    """Where its output is, relative to the site folder."""
    output: str
    """The whole page, as written."""
    entries: list = field(default_factory=list)
    """Its search entries, in the order the search index had them."""


def digest(*parts: object) -> str:
    """A short hash of ``parts``, each written as text."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(str(part).encode("utf-8", "surrogatepass") + b"\0")
    return hasher.hexdigest()


def page_key(fingerprint: str, src_uri: str, dest_uri: str, edit_uri: str | None, meta: dict) -> str:
    """The key of a technology page: its content's ``fingerprint`` and what the engine adds around it."""
    return digest(fingerprint, src_uri, dest_uri, edit_uri, sorted(meta.items()))


class Preview:
    """The pages of the last build of a preview, and the pages the current build leaves out."""

    def __init__(self) -> None:
        self.kept: dict[str, KeptPage] = {}
        """Pages of the last finished build, by source URI."""
        self.frame: str | None = None
        """The frame of the last finished build."""
        self.keys: dict[str, str] = {}
        """This build: the key of every technology page, by source URI."""
        self.skipped: dict[str, KeptPage] = {}
        """This build: pages left out, whose kept output stands for them."""
        self.made: dict[str, KeptPage] = {}
        """This build: pages it made."""
        self.entries: dict[str, list] = {}
        """This build: the search entries each page made, by source URI."""
        self._start: dict[str, int] = {}
        self._frame: str | None = None

    def begin(self) -> None:
        """Forget what the last build planned (a new build starts)."""
        self.keys, self.skipped, self.made, self.entries, self._start = {}, {}, {}, {}, {}
        self._frame = None

    def reset(self) -> None:
        """Forget everything: the next build makes every page."""
        self.begin()
        self.kept, self.frame = {}, None

    def plan(self, src_uri: str, key: str) -> bool:
        """Record a technology page's key; ``True`` when the last build's output of it can stand."""
        self.keys[src_uri] = key
        kept = self.kept.get(src_uri)
        if kept is not None and kept.key == key:
            self.skipped[src_uri] = kept
            return True
        return False

    def settle(self, frame: str) -> None:
        """Take this build's frame: unless it is the last build's, no page is left out."""
        if frame != self.frame:
            self.skipped = {}
        self._frame = frame

    def indexing(self, src_uri: str, entries: list | None) -> None:
        """A page is about to be indexed: note where its search entries start."""
        if entries is not None:
            self._start[src_uri] = len(entries)

    def indexed(self, src_uri: str, entries: list | None) -> None:
        """A page was indexed: take the entries it added."""
        start = self._start.pop(src_uri, None)
        if entries is not None and start is not None:
            self.entries[src_uri] = entries[start:]

    def made_page(self, src_uri: str, dest_uri: str, output: str) -> None:
        """A technology page was built: keep its output for the next build."""
        key = self.keys.get(src_uri)
        if key is not None:
            self.made[src_uri] = KeptPage(key, dest_uri, output, self.entries.get(src_uri, []))

    def search_entries(self, order: list[str], current: list) -> list:
        """The search index this build would have made with every page: entries in page order.

        ``order`` lists the source URIs of the documentation pages as the
        engine builds them; ``current`` is the index as this build left it.
        Entries this build made outside any page are kept at the end.
        """
        ordered: list = []
        counted = 0
        for src_uri in order:
            kept = self.skipped.get(src_uri)
            if kept is not None:
                ordered += kept.entries
            else:
                made = self.entries.get(src_uri, [])
                counted += len(made)
                ordered += made
        if counted != len(current):
            # Something indexed outside a page's context: keep the index as made, with the kept pages after.
            return current + [e for src_uri in order if src_uri in self.skipped for e in self.skipped[src_uri].entries]
        return ordered

    def finish(self) -> None:
        """The build succeeded: what it made and what it kept are the pages of the next build's comparison."""
        self.kept = {**self.made, **self.skipped}
        self.frame = self._frame
        self.begin()


class KeptFiles:
    """Hard links, in a private temporary folder, to the pages a preview wrote, to put them back by name.

    A page is kept by linking the file the engine wrote, so keeping copies nothing; putting it back links
    it into the emptied site folder. A kept file that changed since (another tool rewrote the page in
    place) or a link the file system refuses (another file system, no hard links) is never used: the
    caller writes the page from its kept text instead.
    """

    def __init__(self) -> None:
        self.folder: str | None = None
        self._names: dict[str, tuple[str, int, int]] = {}
        """Source URI -> (the link's path, its size and modification time when made)."""

    def keep(self, src_uri: str, written: Path) -> None:
        """Keep the page of ``src_uri`` as ``written`` holds it now."""
        try:
            if self.folder is None:
                self.folder = tempfile.mkdtemp(prefix="mltrl-preview-")
            name = os.path.join(self.folder, digest(src_uri) + ".html")
            if os.path.lexists(name):
                os.unlink(name)
            os.link(written, name, follow_symlinks=False)
            info = os.lstat(name)
            self._names[src_uri] = (name, info.st_size, info.st_mtime_ns)
        except OSError:
            self._names.pop(src_uri, None)

    def put_back(self, src_uri: str, target: Path) -> bool:
        """Link the kept page of ``src_uri`` at ``target``; ``False`` when it cannot be (then nothing was made)."""
        kept = self._names.get(src_uri)
        if kept is None:
            return False
        name, size, mtime = kept
        try:
            info = os.lstat(name)
            if (info.st_size, info.st_mtime_ns) != (size, mtime):
                del self._names[src_uri]
                return False
            os.link(name, target, follow_symlinks=False)
        except OSError:
            return False
        return True

    def forget(self) -> None:
        """Drop every kept page and the folder."""
        self._names = {}
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
