"""Parsed documents kept between runs, so a rebuild re-reads only the files that changed.

Parsing front matter is most of the cost of loading a large portfolio. An
entry is keyed by the document's path and exact bytes, and holds what the
parse produced: the front matter, where the body starts and the reading
findings. Positions of keys and values are not stored: a restored document
works them out again only if a finding needs one (see
:class:`~mltrl_docs.frontmatter.ParsedDocument`). An entry also names the
models its front matter was found valid under, if any (a hash of the code and
of the ethics checklist, see :func:`mltrl_docs.loader.validation_tokens`), so
that such a document is validated again only when something reads its model.
An entry's line holds the rest as JSON, a tab, then the front matter as JSON: a
restored document decodes its front matter, and its text from the file's bytes,
only when something reads them (a warm ``mltrl check`` reads those of the cards).

The cache is one file in the cache folder (:mod:`mltrl_docs.cachedir`). Since
that folder may be inside the repository, where a pull request could commit a
file, the whole file is signed with the user's key (:mod:`mltrl_docs.cachekey`)
and ignored unless it verifies: a planted cache could otherwise make a broken
card look valid.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .cachedir import SignedEntries
from .cachekey import load_or_create_key, user_key_file
from .diagnostics import Diagnostic, Severity
from .frontmatter import ParsedDocument

FORMAT = b"mltrl-document-cache-4"
"""Changes whenever the parser's output changes, so old entries are never reused."""
FILE_NAME = "documents.cache"
MAX_FILE = 256 * 1024 * 1024


def document_digest(display: str, data: bytes) -> str:
    """What names a document in the caches: its path as shown and its exact bytes."""
    return hashlib.blake2b(display.encode() + b"\0" + data, digest_size=20).hexdigest()


def _after_lines(text: str, count: int) -> str:
    """``text`` without its first ``count`` lines (``"\n".join(text.split("\n")[count:])``, without splitting)."""
    index = -1
    for _ in range(count):
        index = text.find("\n", index + 1)
        if index < 0:
            return ""
    return text[index + 1:]


class DocumentCache(SignedEntries):
    """Parsed documents by path and content, in one signed file."""

    FORMAT = FORMAT
    MAX_FILE = MAX_FILE

    def __init__(self, file: Path | None, key: bytes | None) -> None:
        super().__init__(file, key)
        self.valid: dict[str, str | None] = {}
        """The token each document this run read or stored is valid under (:meth:`get`), by digest."""
        self._load()

    @classmethod
    def for_folder(cls, folder: Path) -> "DocumentCache":
        """The cache kept in ``folder`` (created on save), signed with the user's key."""
        return cls(folder / FILE_NAME, load_or_create_key(user_key_file()))

    def get(self, display: str, data: bytes, digest: str | None = None) -> ParsedDocument | None:
        """The parse of ``data`` as it was stored, or ``None`` when it is not cached; ``digest`` is
        :func:`document_digest` of ``display`` and ``data`` when the caller has it."""
        digest = digest or document_digest(display, data)
        raw = self.entries.get(digest)
        if raw is None:
            self.misses += 1
            return None
        try:
            head, tab, meta = raw.partition(b"\t")
            body_line, end, diagnostics, valid = json.loads(head)
            if not tab or (valid is not None and not isinstance(valid, str)):
                raise TypeError("not an entry")
            doc = _Restored(path=display, body_line=body_line, front_matter_end=end, _positions_pending=True)
            doc.restore(data, meta)
            doc.diagnostics = [Diagnostic(display, line, column, Severity(severity), code, message, hint)
                               for line, column, severity, code, message, hint in diagnostics]
        except (ValueError, TypeError):
            self.misses += 1
            return None
        self._keep(digest)
        self.valid[digest] = valid
        self.hits += 1
        return doc

    def put(self, display: str, data: bytes, doc: ParsedDocument, digest: str | None = None, *,
            diagnostics: list[Diagnostic] | None = None, valid: str | None = None) -> None:
        """Remember the parse of ``data`` with its reading findings (``diagnostics``, by default the
        document's), and the token of the models it is valid under (``valid``); only documents whose front
        matter was read are kept."""
        if self.file is None or doc.meta is None:
            return
        digest = digest or document_digest(display, data)
        self.valid[digest] = valid
        head = [doc.body_line, doc.front_matter_end,
                [[d.line, d.column, d.severity.value, d.code, d.message, d.hint]
                 for d in (doc.diagnostics if diagnostics is None else diagnostics)], valid]
        self._store(digest, head, doc.meta)  # the front matter apart, decoded only when read


_UNREAD = object()


class _Restored(ParsedDocument):
    """A parse taken from the cache: its text, body and front matter are made from the file's bytes and the
    entry when first read, and are then as a fresh parse has them."""

    def restore(self, data: bytes, meta: bytes) -> None:
        """Read the text from ``data`` (the file's bytes) and the front matter from ``meta`` (its JSON) when asked."""
        self.__dict__.update(_data=data, _meta=meta, _text_value=_UNREAD, _body_value=_UNREAD,
                             _meta_value=_UNREAD)

    @property
    def text(self) -> str:
        value = self.__dict__["_text_value"]
        if value is _UNREAD:
            # The bytes are those the entry was made from (its key names them), so they decode as they did then.
            data = self.__dict__["_data"]
            value = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
            self.__dict__["_text_value"] = value
        return value

    @text.setter
    def text(self, value: str) -> None:
        self.__dict__["_text_value"] = value

    @property
    def body(self) -> str:
        value = self.__dict__["_body_value"]
        if value is _UNREAD:
            value = self.__dict__["_body_value"] = _after_lines(self.text, self.front_matter_end)
        return value

    @body.setter
    def body(self, value: str) -> None:
        self.__dict__["_body_value"] = value

    @property
    def meta(self) -> dict | None:
        value = self.__dict__["_meta_value"]
        if value is _UNREAD:
            value = self.__dict__["_meta_value"] = json.loads(self.__dict__["_meta"])
        return value

    @meta.setter
    def meta(self, value: dict | None) -> None:
        self.__dict__["_meta_value"] = value

    def __getstate__(self) -> dict:
        self.text, self.body, self.meta  # noqa: B018 - a copy (or a pickle) holds them, decoded
        return dict(self.__dict__)
