"""Rendered technology pages kept between builds, so a rebuild renders only the technologies that changed.

A page is stored under a fingerprint of everything it shows (its documents,
findings, history, the technologies it links to, the settings, the templates
and the day). Pages live in memory, which serves ``mltrl serve`` rebuilds, and
on disk under the cache folder for the next ``mkdocs build``.

A cached page is published as it is, so the disk copy must not be something a
pull request can plant (the cache folder may be inside the repository, see
:mod:`mltrl_docs.cachedir`): every entry carries an HMAC made with a key that
lives outside the repository (in the user's cache folder), and entries that
do not verify are ignored. Without such a key, only the memory cache is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import zlib
from pathlib import Path

from ..cachedir import make_folder, read_file, write_file

FORMAT = b"mltrl-page-cache-1"
MAX_ENTRY = 8 * 1024 * 1024
"""Largest entry read back, in bytes (compressed)."""
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
"""Slugs that name a file in the cache folder (a technology's folder name, as the loader accepts it)."""


class PageCache:
    """Rendered pages by slug and fingerprint, in memory and (when a key is available) on disk."""

    def __init__(self, folder: Path | None = None, key: bytes | None = None) -> None:
        self.folder = folder if key is not None else None
        self.key = key
        self.memory: dict[str, tuple[str, dict]] = {}
        self._tokens: dict[str, str | None] = {}
        """The build token of each page in ``memory`` (``None`` when it was not written in a build with one)."""
        self.hits = 0
        self.misses = 0

    def _file(self, slug: str) -> Path | None:
        return self.folder / f"{slug}.page" if self.folder is not None and _SLUG.fullmatch(slug) else None

    def _mac(self, slug: str, payload: bytes) -> bytes:
        return hmac.new(self.key, FORMAT + b"\0" + slug.encode() + b"\0" + payload, hashlib.sha256).digest()

    def get(self, slug: str, fingerprint: str) -> dict | None:
        """The stored page for ``slug`` if it was rendered from the same inputs, else ``None``."""
        entry = self.memory.get(slug)
        if entry is not None and entry[0] == fingerprint:
            self.hits += 1
            return entry[1]
        found = self._read(slug)
        if found is None or found[0] != fingerprint:
            self.misses += 1
            return None
        self.memory[slug] = (fingerprint, found[1])
        self._tokens[slug] = None
        self.hits += 1
        return found[1]

    def exists(self, slug: str) -> bool:
        """Whether anything is stored for ``slug`` (in memory or on disk), whatever its fingerprint."""
        file = self._file(slug)
        return slug in self.memory or (file is not None and file.is_file())

    def take(self, slug: str, token: str) -> tuple[str, dict] | None:
        """``(fingerprint, page)`` of the entry for ``slug`` if it was written in this build, else ``None``.

        Entries written during a build carry its ``token``. A helper process forked from the build
        renders from the same inputs, so what it wrote under the token needs no fingerprint of
        the inputs to be trusted (the entry is signed all the same).
        """
        if self._tokens.get(slug) == token:
            self.hits += 1
            return self.memory[slug]
        found = self._read(slug, token)
        if found is None:
            return None
        self.memory[slug] = found
        self._tokens[slug] = token
        self.hits += 1
        return found

    def _read(self, slug: str, token: str | None = None) -> tuple[str, dict] | None:
        """``(fingerprint, page)`` stored on disk for ``slug``; with ``token``, only an entry marked with it."""
        file = self._file(slug)
        data = read_file(file, MAX_ENTRY + 32) if file is not None else None
        if data is None or len(data) <= 32 or len(data) > MAX_ENTRY + 32:
            return None
        mac, payload = data[:32], data[32:]
        if not hmac.compare_digest(mac, self._mac(slug, payload)):
            return None  # not written by this user's builds: never publish it
        try:
            raw = zlib.decompress(payload)
            head_size = int.from_bytes(raw[:4], "big")
            head = json.loads(raw[4:4 + head_size])
            fingerprint = head["fingerprint"]
            if not isinstance(fingerprint, str) or (token is not None and head.get("token") != token):
                return None
            page = dict(head["meta"])
            offset = 4 + head_size
            for name, size in head["strings"]:
                page[name] = raw[offset:offset + size].decode("utf-8")
                offset += size
        except (zlib.error, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        return fingerprint, page

    def put(self, slug: str, fingerprint: str, page: dict, token: str | None = None) -> None:
        """Keep ``page`` for ``slug`` (marked with this build's ``token``, if any); writing to disk never raises."""
        self.memory[slug] = (fingerprint, page)
        self._tokens[slug] = token
        file = self._file(slug)
        if file is None:
            return
        # Long strings are stored raw after a small JSON head, so reading a page back needs no JSON
        # parsing of its HTML.
        strings = [(name, value.encode("utf-8")) for name, value in page.items() if isinstance(value, str)]
        meta = {name: value for name, value in page.items() if not isinstance(value, str)}
        head = json.dumps({"fingerprint": fingerprint, "token": token, "meta": meta,
                           "strings": [[name, len(data)] for name, data in strings]},
                          separators=(",", ":")).encode("utf-8")
        payload = zlib.compress(len(head).to_bytes(4, "big") + head + b"".join(data for _, data in strings), 1)
        try:
            make_folder(self.folder)
            write_file(file, self._mac(slug, payload) + payload)
        except OSError:
            pass

    def prune(self, slugs: set[str]) -> None:
        """Forget pages of technologies that no longer exist."""
        for slug in [s for s in self.memory if s not in slugs]:
            del self.memory[slug]
            self._tokens.pop(slug, None)
        if self.folder is None or self.folder.is_symlink() or not self.folder.is_dir():
            return
        try:
            for file in self.folder.glob("*.page"):
                if file.stem not in slugs:
                    file.unlink()
        except OSError:
            pass
