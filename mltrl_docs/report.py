"""Print diagnostics as text, JSON or GitHub workflow commands."""

from __future__ import annotations

import json
import re

from .diagnostics import Diagnostic, Severity, printable, summarise

FORMATS = ("text", "json", "github")

GITHUB_ANNOTATION_LIMIT = 10
"""GitHub shows at most 10 error and 10 warning annotations per step; the rest are dropped."""


def line_path(path: str) -> str:
    """``path`` fit to start a log line: printable, and ``./``-prefixed where it would start with ``::``.

    The GitHub runner reads any line that starts with ``::`` (after white space) as a
    workflow command; a content folder may be named so.
    """
    path = printable(path)
    return "./" + path if path.lstrip().startswith("::") else path


_STYLES = {"place": "1", "error": "1;31", "warning": "33", "info": "36", "code": "35", "passed": "32"}
"""The ANSI styles of coloured text output: the place bold, each severity its colour, the code magenta."""


def _paint(text: str, style: str) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def format_finding(d: Diagnostic, *, colour: bool = False) -> str:
    """One finding as exactly one line: ``path:line:col: severity CODE message (hint: ...)``.

    With ``colour``, the place, the severity and the code get ANSI colours; the text is
    otherwise the same, and whatever a card wrote stays :func:`printable` (no escape
    sequence of its own reaches the terminal).
    """
    if not colour:
        return printable(f"{line_path(d.path)}:{d.line}:{d.column}: {d.severity.value} {d.code} {d.text}")
    place = printable(f"{line_path(d.path)}:{d.line}:{d.column}:")
    return (f"{_paint(place, 'place')} {_paint(d.severity.value, d.severity.value)} {_paint(printable(d.code), 'code')} "
            f"{printable(d.text)}")


def summary_line(diagnostics: list[Diagnostic]) -> str:
    """The one wording of the closing line, in every format: ``All checks passed.`` or the counts.

    The counts name the severities as the JSON summary does (``error``, ``warning``, ``info``).
    """
    if not diagnostics:
        return "All checks passed."
    counts = summarise(diagnostics)
    return (f"Found {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info "
            f"in {counts['files']} file(s).")


def format_text(diagnostics: list[Diagnostic], *, colour: bool = False) -> str:
    """``path:line:col: severity CODE message`` per finding, and the summary line (coloured with ``colour``)."""
    summary = summary_line(diagnostics)
    if colour:
        worst = min((d.severity for d in diagnostics), key=lambda s: s.rank, default=None)
        summary = _paint(summary, worst.value if worst is not None else "passed")
    return "\n".join([*(format_finding(d, colour=colour) for d in diagnostics), summary]) + "\n"


def format_json(diagnostics: list[Diagnostic], extra: dict | None = None) -> str:
    """The versioned JSON document of ``check --format json``."""
    document = {"version": 1, "diagnostics": [d.to_dict() for d in diagnostics],
                "summary": summarise(diagnostics)}
    if extra:
        document.update(extra)
    return dumps_json(document)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw but a terminal acts on (it escapes C0 itself)."""


def dumps_json(document: object, *, levels: int | None = None) -> str:
    """``document`` as indented JSON that a terminal can show: readable non-ASCII text, but every
    control, separator and bidi character as a ``\\uXXXX`` escape. The data stay exactly the same.

    With ``levels``, only the outermost ``levels`` of objects and arrays are laid out over lines and
    anything inside them takes one line (``{"a": 1, "b": [2, 3]}``): a large document is written many
    times faster (by the C encoder; ``indent`` has only Python's), and a diff still shows which entry changed.
    """
    if levels is None:
        text = json.dumps(document, indent=2, ensure_ascii=False)
    else:
        parts: list[str] = []
        _lay_out(document, levels, "\n", parts)
        text = "".join(parts)
    if text.isascii() and "\x7f" not in text:  # DEL is the only character below that ASCII holds; two quick
        return text + "\n"                       # scans instead of the expression's slow one over a large export
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


_ONE_LINE = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(", ", ": ")).encode
"""A value on one line, spaced as ``json.dumps`` spaces it by default."""


def _lay_out(value: object, levels: int, newline: str, parts: list[str]) -> None:
    """Append ``value`` to ``parts``, its outermost ``levels`` of containers indented by two spaces a level."""
    if levels <= 0 or not isinstance(value, (dict, list, tuple)) or not value:
        parts.append(_ONE_LINE(value))
        return
    inner = newline + "  "
    if isinstance(value, dict):
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            # A key that is not text becomes text as json.dumps makes it (1 -> "1", True -> "true").
            name = _ONE_LINE(key) if isinstance(key, str) else _ONE_LINE({key: None})[1:-7]
            parts.append(("," if index else "") + inner + name + ": ")
            _lay_out(item, levels - 1, inner, parts)
        parts.append(newline + "}")
    else:
        parts.append("[")
        for index, item in enumerate(value):
            parts.append(("," if index else "") + inner)
            _lay_out(item, levels - 1, inner, parts)
        parts.append(newline + "]")


def escape_data(text: str) -> str:
    """Escape the message of a GitHub workflow command.

    ``\\r`` and ``\\n`` are the only line breaks the runner knows; other control characters
    are made :func:`printable` so they reach no terminal that shows the log.
    """
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a property value (file, title) of a GitHub workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic], limit: int = GITHUB_ANNOTATION_LIMIT) -> str:
    """Workflow-command annotations, at most ``limit`` per severity; the rest as plain lines.

    GitHub drops annotations past its per-step cap silently, so the ones left
    over are printed as ordinary log lines (and listed in the step summary by
    ``check --base``).
    """
    out = []
    shown = {"error": 0, "warning": 0, "notice": 0}
    for d in diagnostics:
        command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[d.severity]
        if shown[command] < limit:
            shown[command] += 1
            props = (f"file={escape_property(d.path)},line={d.line},col={d.column},"
                     f"title={escape_property(f'{d.code} ({d.severity.value})')}")
            out.append(f"::{command} {props}::{escape_data(d.text)}")
        else:
            out.append(escape_data(format_finding(d)))  # never starts with '::': see line_path
    out.append(summary_line(diagnostics))
    return "\n".join(out) + "\n"
