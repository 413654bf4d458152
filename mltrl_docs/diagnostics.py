"""One diagnostics type shared by the checker, the CLI and the MkDocs plugin.

A diagnostic points at a file, a 1-based line and column, carries a stable
code and a message that says what is wrong and how to fix it.

Paths and messages quote what a pull request wrote (keys, file names, commit
subjects), so a diagnostic keeps them :func:`printable`: every channel that shows
it (text, workflow commands, JSON, the build log, the site) gets one line of text
that cannot drive a terminal or start a GitHub Actions workflow command.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
"""Characters shown escaped: C0 controls, DEL, C1 controls (NEL and CSI among them), the line and
paragraph separators, bidirectional marks, embeddings, overrides and isolates (Trojan Source), and
lone surrogates (bytes of a file name that are not UTF-8)."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with control, line-separator and bidi characters escaped visibly (``\\n``, ``\\x1b``, ``\\u202e``).

    Clean text is returned as it is (the very object), at the cost of one search. The
    result is always one line, and escaping it again changes nothing.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


class Severity(str, enum.Enum):
    """How serious a finding is. Only ``error`` makes ``mltrl check`` exit 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=False)
class Diagnostic:
    """A single finding about one place in one file."""

    path: str
    """Path of the file, relative to the content root's parent, with ``/`` separators."""
    line: int
    """1-based line number."""
    column: int
    """1-based column number."""
    severity: Severity
    code: str
    """Stable code, e.g. ``FM005`` or ``L402``; see ``mltrl rules``."""
    message: str
    """What is wrong."""
    hint: str = ""
    """How to fix it (may be empty when the message already says so)."""
    project: str | None = field(default=None, compare=False)
    """Slug of the technology the finding belongs to, if any."""

    def __post_init__(self) -> None:
        # Escaped once here, so that every output shows the same text; a lookup of a finding by
        # its path must escape the other side too (``printable(doc.path)``).
        for name in ("path", "message", "hint"):
            value = getattr(self, name)
            if isinstance(value, str) and _UNSAFE.search(value) is not None:
                object.__setattr__(self, name, printable(value))

    @property
    def text(self) -> str:
        """Message and hint as one sentence pair."""
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message

    def sort_key(self) -> tuple:
        """Files in path order, then by position, then by code."""
        return (self.path, self.line, self.column, self.code, self.message)

    def fingerprint(self) -> tuple[str, str, str]:
        """Identity of a finding that survives unrelated edits (no line numbers).

        Used by ``check --base`` to tell findings new in a change from old ones.
        """
        return (self.path, self.code, self.message)

    def to_row(self) -> list:
        """The finding as the caches keep it (:meth:`from_row` makes it again)."""
        return [self.path, self.line, self.column, self.severity.value, self.code, self.message, self.hint,
                self.project]

    @classmethod
    def from_row(cls, row: list) -> Diagnostic:
        """A finding a cache kept (:meth:`to_row`); raises ``ValueError`` or ``TypeError`` on a row of another shape."""
        path, line, column, severity, code, message, hint, project = row
        return cls(str(path), int(line), int(column), Severity(severity), str(code), str(message), str(hint),
                   None if project is None else str(project))

    def to_dict(self) -> dict:
        """JSON form used by ``check --format json``."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.text,
        }


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Return the diagnostics sorted by file and position, duplicates removed."""
    seen: set[tuple] = set()
    unique = []
    for diag in diagnostics:
        key = (diag.sort_key(), diag.severity, diag.hint)
        if key not in seen:
            seen.add(key)
            unique.append(diag)
    return sorted(unique, key=Diagnostic.sort_key)


def summarise(diagnostics: list[Diagnostic]) -> dict[str, int]:
    """Count diagnostics per severity, plus the number of files they touch."""
    counts = {sev.value: 0 for sev in Severity}
    for diag in diagnostics:
        counts[diag.severity.value] += 1
    counts["files"] = len({d.path for d in diagnostics})
    return counts
