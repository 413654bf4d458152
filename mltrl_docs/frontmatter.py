"""Split a Markdown document into YAML front matter and body, defensively.

PyYAML's defaults are wrong for documents written by many people: it keeps the
last of two duplicate keys, reads ``no`` as ``False``, ``04`` as octal and
``2024-01-05`` as a date, expands aliases (billion laughs) and honours tags.
This module drives the YAML *event* stream itself and builds plain Python
values with the YAML 1.2 core schema, recording the position of every key and
value so that later validation errors can point at the exact line and column.
Everything that goes wrong becomes a :class:`~mltrl_docs.diagnostics.Diagnostic`;
nothing here raises on bad input.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, Severity
from .errors import MltrlError

MAX_BYTES = 1_000_000
"""Largest document accepted, in bytes; a card is a few kilobytes."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and sequences accepted in front matter."""

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ScalarEvent, _MappingStartEvent, _SequenceStartEvent = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MappingEndEvent, _SequenceEndEvent, _AliasEvent = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
_DocumentStartEvent, _StreamEndEvent = yaml.DocumentStartEvent, yaml.StreamEndEvent

Path = tuple  # a location inside the front matter: keys and list indices


@dataclass
class Position:
    """1-based line and column of a key or value in the file."""

    line: int
    column: int


@dataclass
class ParsedDocument:
    """A document split into front matter and body, with positions."""

    path: str
    """Display path of the file."""
    text: str = ""
    """The decoded text with line endings normalised to ``\\n``."""
    meta: dict[str, Any] | None = None
    """The front matter, or ``None`` when it could not be read."""
    body: str = ""
    """Everything after the closing ``---``."""
    body_line: int = 1
    """Line of the file on which the body starts."""
    _values: dict[Path, Position] = field(default_factory=dict, repr=False)
    _keys: dict[Path, Position] = field(default_factory=dict, repr=False)
    _sources: dict[Path, str] = field(default_factory=dict, repr=False)
    _positions_pending: bool = field(default=False, repr=False)
    """True for a document restored from the cache: positions are worked out on first use."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems found while reading."""
    front_matter_end: int = 1
    """Line of the closing ``---`` (or 1 when there is none)."""

    def _positions(self) -> None:
        if self._positions_pending:
            self._positions_pending = False
            again = parse_document(self.text, self.path)
            self._values, self._keys, self._sources = again._values, again._keys, again._sources

    @property
    def values(self) -> dict[Path, Position]:
        """Position of each value, by its path inside the front matter."""
        self._positions()
        return self._values

    @property
    def keys(self) -> dict[Path, Position]:
        """Position of each mapping key, by the path of the value it names."""
        self._positions()
        return self._keys

    @property
    def sources(self) -> dict[Path, str]:
        """Source text of unquoted scalars, to suggest quoting in hints."""
        self._positions()
        return self._sources

    @property
    def ok(self) -> bool:
        """Whether the front matter was read into a mapping."""
        return self.meta is not None

    def position(self, path: Path) -> Position:
        """Best position for ``path``: the value, else the nearest parent, else line 1."""
        path = tuple(path)
        while True:
            if path in self.values:
                return self.values[path]
            if not path:
                return Position(1, 1)
            path = path[:-1]

    def key_position(self, path: Path) -> Position:
        """Position of the key naming ``path``, falling back to :meth:`position`."""
        return self.keys.get(tuple(path)) or self.position(path)

    def error(self, code: str, line: int, column: int, message: str, hint: str = "",
              severity: Severity = Severity.ERROR) -> None:
        """Record a diagnostic for this file."""
        self.diagnostics.append(Diagnostic(self.path, line, column, severity, code, message, hint))


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


_SPECIAL_START = frozenset("~nNtTfF0123456789+-.")
"""First characters of every plain scalar that is not a string (null, booleans, numbers)."""


def resolve_plain_scalar(text: str) -> Any:
    """Read an unquoted scalar the YAML 1.2 way: only null, booleans and numbers are special."""
    if text and text[0] not in _SPECIAL_START:
        return text  # most values: words and sentences
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT10.fullmatch(text):
        return int(text)
    if _INT8.fullmatch(text):
        return int(text[2:], 8)
    if _INT16.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def _decode(doc: ParsedDocument, data: bytes) -> str | None:
    if len(data) > MAX_BYTES:
        doc.error("FM009", 1, 1, f"file is {len(data):,} bytes, more than the {MAX_BYTES:,} accepted",
                  "split the document or move large content (tables, logs) out of the repository")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.error("FM010", line, column, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
                  "save the file as UTF-8")
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
        doc.error("FM012", 1, 1, "file starts with a byte order mark",
                  "save the file as UTF-8 without BOM", Severity.WARNING)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_document(data: bytes | str, path: str = "<string>") -> ParsedDocument:
    """Parse a Markdown document with YAML front matter; never raises on bad input."""
    doc = ParsedDocument(path=path)
    text = _decode(doc, data.encode("utf-8") if isinstance(data, str) else data)
    if text is None:
        return doc
    doc.text = text
    if not text.strip():
        doc.error("FM011", 1, 1, "file is empty", "start it with front matter between two '---' lines")
        return doc
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        doc.error("FM001", 1, 1, "missing front matter: the first line must be '---'",
                  "begin the file with '---', the YAML fields, and a closing '---'")
        doc.body = text
        return doc
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        doc.error("FM002", 1, 1, "front matter is never closed",
                  "add a line with '---' after the last front-matter field")
        return doc
    doc.front_matter_end = end + 1
    doc.body = "\n".join(lines[end + 1:])
    doc.body_line = end + 2
    yaml_text = "\n".join(lines[1:end]) + "\n"
    meta = _build(doc, yaml_text, line_offset=1)
    if meta is _FAILED:
        return doc
    if not isinstance(meta, dict):
        kind = "empty" if meta is None else type(meta).__name__
        doc.error("FM003", 2 if end > 1 else 1, 1, f"front matter must be a mapping of fields, found {kind}",
                  "write one 'key: value' per line")
        return doc
    doc.meta = meta
    return doc


_FAILED = object()


class _Abort(MltrlError):
    """Stops event processing after a recorded diagnostic."""


def _build(doc: ParsedDocument, text: str, line_offset: int) -> Any:
    """Build Python values from YAML events, recording positions; ``_FAILED`` on error."""
    # Each stack frame: [container, path, pending_key, pending_key_position, seen_keys]
    stack: list[list] = []
    root: list[Any] = []
    values, keys, sources = doc._values, doc._keys, doc._sources

    def fail(code: str, event, message: str, hint: str) -> None:
        mark = event.start_mark
        doc.error(code, mark.line + 1 + line_offset, mark.column + 1, message, hint)
        raise _Abort

    loader = None
    try:
        loader = _Parser(text)
        # This loop runs for every key and value of every document: it dispatches on the exact
        # event class and works each position out once.
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is _ScalarEvent or kind is _MappingStartEvent or kind is _SequenceStartEvent:
                if event.anchor is not None:
                    fail("FM006", event, f"YAML anchor '&{event.anchor}' is not allowed",
                         "remove the anchor and write values out in full")
                tag = event.tag
                if tag is not None and not (kind is _ScalarEvent and tag == "!"):
                    fail("FM007", event, f"explicit YAML tag '{tag}' is not allowed",
                         "remove the tag; quote the value if it must stay text")
                mark = event.start_mark
                position = Position(mark.line + 1 + line_offset, mark.column + 1)
                frame = stack[-1] if stack else None
                if frame is not None and frame[2] is _NO_KEY and type(frame[0]) is dict:
                    # A mapping key.
                    if kind is not _ScalarEvent:
                        fail("FM013", event, "mapping keys must be plain text", "use a simple word as the key")
                    key = event.value
                    if key == "<<" and not event.style:
                        fail("FM013", event, "YAML merge keys ('<<') are not allowed",
                             "write the merged fields out in full")
                    seen = frame[4]
                    if key in seen:
                        fail("FM005", event, f"duplicate key '{key}' (first defined on line {seen[key].line})",
                             "keep one of the two; YAML would silently keep only the last")
                    seen[key] = position
                    frame[2] = key
                    frame[3] = position
                    continue
                if kind is _ScalarEvent:
                    source = None
                    if not event.style and tag != "!":
                        source = event.value
                        value: Any = resolve_plain_scalar(source)
                    else:
                        value = event.value
                else:
                    source = None
                    if len(stack) >= MAX_DEPTH:
                        fail("FM008", event, f"front matter is nested more than {MAX_DEPTH} levels deep",
                             "flatten the structure")
                    value = {} if kind is _MappingStartEvent else []
                # Attach the value to its container and record where it is.
                if frame is None:
                    root.append(value)
                    path: tuple = ()
                else:
                    container = frame[0]
                    if type(container) is list:
                        path = frame[1] + (len(container),)
                        container.append(value)
                    else:
                        key = frame[2]
                        path = frame[1] + (key,)
                        container[key] = value
                        keys[path] = frame[3]
                        frame[2] = _NO_KEY
                values[path] = position
                if source is not None:
                    sources[path] = source
                if kind is not _ScalarEvent:
                    stack.append([value, path, _NO_KEY, None, {}])
                continue
            if kind is _MappingEndEvent or kind is _SequenceEndEvent:
                stack.pop()
                continue
            if kind is _AliasEvent:
                fail("FM006", event, f"YAML alias '*{event.anchor}' is not allowed",
                     "write the value out in full instead of referring to an anchor")
            if kind is _DocumentStartEvent and root:
                fail("FM004", event, "front matter holds more than one YAML document",
                     "keep a single block of fields between the two '---' lines")
            if kind is _StreamEndEvent or event is None:
                break
    except _Abort:
        return _FAILED
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 1
        column = mark.column + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own guard against deep nesting
            doc.error("FM008", line, column, f"front matter is nested more than {MAX_DEPTH} levels deep",
                      "flatten the structure")
            return _FAILED
        hint = "check indentation and quoting"
        bad_line = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") else ""
        if "\t" in bad_line[: (mark.column + 1) if mark else 0] or "tab" in problem:
            hint = "indent with spaces, not tabs"
        elif ":" in problem or "mapping values" in problem:
            hint = "quote values that contain ': ' or start with a special character"
        doc.error("FM004", line, column, f"YAML syntax error: {problem}", hint)
        return _FAILED
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters
        doc.error("FM004", 2, 1, f"YAML error: {exc}", "remove control characters")
        return _FAILED
    finally:
        if loader is not None:
            loader.dispose()
    return root[0] if root else None


_NO_KEY = object()
