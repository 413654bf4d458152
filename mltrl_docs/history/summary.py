"""What history needs from an old version of a card or a review record, read defensively.

Old versions are parsed with the same front-matter parser as current ones
(:func:`mltrl_docs.frontmatter.parse_document`), so a broken old version
yields a note, never an exception. Only the fields history uses are kept,
and old cards are read leniently: a field that has since been renamed does
not make an old version unreadable, only a missing or invalid ``level`` does.
"""

from __future__ import annotations

import re

from ..frontmatter import MAX_BYTES, parse_document, resolve_plain_scalar
from ..loader import parse_and_validate

SUMMARY_VERSION = 1
"""Bumped whenever the summaries change shape, so old caches are not reused."""

STATUSES = ("active", "paused", "stopped")
ROLES = ("research", "product")


def _people(value: object) -> dict[str, list[str]] | None:
    if value is None:
        return {role: [] for role in ROLES}
    if not isinstance(value, dict):
        return None
    people = {}
    for role in ROLES:
        names = value.get(role, [])
        if names is None:
            names = []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return None
        people[role] = list(names)
    return people


def _first_problem(parsed) -> str:
    for diag in parsed.diagnostics:
        if diag.severity.value == "error":
            return f"line {diag.line}: {diag.message}"
    return "front matter could not be read"


def card_summary(data: bytes, path: str) -> dict:
    """``{"level", "status", "owners", "reviewers", "id"}`` of a card version, or ``{"error": why}``."""
    parsed = parse_document(data, path)
    meta = parsed.meta
    if meta is None:
        return {"error": _first_problem(parsed)}
    level = meta.get("level")
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 9:
        return {"error": "no valid 'level' (an integer from 0 to 9)"}
    status = meta.get("status", "active")
    project_id = meta.get("id")
    return {
        "level": level,
        "status": status if status in STATUSES else None,
        "owners": _people(meta.get("owners")),
        "reviewers": _people(meta.get("reviewers")),
        "id": project_id if isinstance(project_id, str) else None,
    }


def review_summary(data: bytes, path: str) -> dict:
    """``{"level", "date", "decision", "to_level", "reviewers"}`` of a review record, or ``{"error": why}``."""
    doc = parse_and_validate("review", data, path)
    review = doc.model
    if review is None:
        return {"error": _first_problem(doc.parsed) if doc.parsed.meta is None
                else f"not a valid review record ({doc.diagnostics[0].message})" if doc.diagnostics
                else "not a valid review record"}
    return {"level": review.level, "date": review.date.isoformat(), "decision": review.decision,
            "to_level": review.target, "reviewers": list(review.reviewers)}


CARD_KEYS = frozenset({"id", "level", "status", "owners", "reviewers"})
"""Top-level card fields history reads."""


def needed_front_matter(text: str, keys: frozenset[str] = CARD_KEYS) -> str | None:
    """The document cut down to the top-level ``keys`` of its front matter, or ``None``.

    A card's front matter is a block mapping whose keys start at column 0;
    each key's block runs until the next such line. Keeping only the blocks
    history needs lets an old version be parsed in a fraction of the time.
    ``None`` whenever the layout is anything else (a flow mapping, an
    indented mapping, a quoted or complex key, no ``level``), so that the
    caller parses the whole document instead.
    """
    if not text.startswith("---\n"):
        return None
    close = _CLOSE_TEXT.search(text, 3)
    if close is None:
        return None
    # Every pattern below starts with a line break, which the regular expression engine finds as a literal;
    # the front matter's first line follows the one closing the opening "---" (index 3).
    end = close.start() + 1
    if _ODD_LINE.search(text, 3, end) is not None:
        return None  # a line at column 0 that is neither a simple key nor a comment
    kept = ["---\n"]
    has_level = False
    for match in _wanted(keys).finditer(text, 3, end):
        has_level = has_level or match.group(1) == "level"
        following = _NEXT_LINE.search(text, match.end(), end)
        kept.append(text[match.start() + 1:following.start() + 1 if following else end])
    if not has_level:
        return None
    if not kept[-1].endswith("\n"):
        kept.append("\n")
    kept.append("---\n")
    return "".join(kept)


_CLOSE_TEXT = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?:\n|$)")
_SIMPLE_KEY = r"[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?=[ \t\n]|$)"
_ODD_LINE = re.compile(r"\n(?=[^ \t#\n])(?!" + _SIMPLE_KEY + ")")
"""A line at column 0 (comments aside) that is not a simple ``key:`` line."""
_NEXT_LINE = re.compile(r"\n(?=[^ \t#\n])")
"""The start of the next line at column 0, comments aside: where a key's block ends."""
_WANTED: dict[frozenset[str], re.Pattern] = {}


def _wanted(keys: frozenset[str]) -> re.Pattern:
    """The pattern of a line at column 0 that starts the block of one of ``keys``."""
    pattern = _WANTED.get(keys)
    if pattern is None:
        names = "|".join(re.escape(key) for key in sorted(keys))
        pattern = _WANTED[keys] = re.compile(r"\n(" + names + r")[ \t]*:(?=[ \t\n]|$)")
    return pattern


class Summariser:
    """Summarises card versions quickly and exactly as far as history is concerned.

    Consecutive versions of a card often differ only in the body, so a
    summary is reused for identical front matter. Otherwise only the fields
    history needs are parsed (see :func:`needed_front_matter`); anything
    unusual, and any problem found that way, falls back to parsing the whole
    document, which also gives the exact reason when a version is broken.
    """

    def __init__(self) -> None:
        self._memo: dict[bytes, dict] = {}
        self._cuts: dict[str, dict] = {}
        self._last: dict[str, tuple[list[str], dict]] = {}
        """Per path: the lines of the last version read, and its summary."""

    def card(self, data: bytes, path: str) -> dict:
        """Summary of a card version (see :func:`card_summary`)."""
        key = _front_matter_bytes(data)
        if key is not None:
            known = self._memo.get(key)
            if known is not None and len(data) <= MAX_BYTES and _is_utf8(data):
                return known
        summary = self._quick(data, path) or card_summary(data, path)
        if key is not None:
            self._memo[key] = summary
        return summary

    def _quick(self, data: bytes, path: str) -> dict | None:
        if len(data) > MAX_BYTES or b"\r" in data:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        cut = needed_front_matter(text)
        if cut is None:
            return None
        # Versions that changed other fields (datasets, versions...) often share these.
        summary = self._cuts.get(cut)
        lines = cut.split("\n")
        if summary is None:
            summary = self._by_difference(lines, path) or _read_simple(lines) or card_summary(cut.encode("utf-8"), path)
            self._cuts[cut] = summary
        if "error" in summary:
            return None
        self._last[path] = (lines, summary)
        return summary

    def _by_difference(self, lines: list[str], path: str) -> dict | None:
        """The summary of a version that differs from the last one read only in simple lines.

        Most new card versions change the level or status line, or one role
        line of the owners or reviewers (``  product: ["a", "b"]``). When
        every changed line has one of these exact shapes, its value is read
        as the parser reads it (plain scalars through the same resolver;
        double-quoted names without escapes verbatim), so the summary is
        the one a full parse gives. Anything else returns ``None``.
        """
        last = self._last.get(path)
        if last is None or len(last[0]) != len(lines):
            return None
        summary = dict(last[1])
        block = None
        for old, new in zip(last[0], lines):
            if new[:1] not in ("", " ", "\t", "#"):
                block = new.split(":", 1)[0]
            if old == new:
                continue
            before, after = _SCALAR_LINE.match(old), _SCALAR_LINE.match(new)
            if before is not None and after is not None and before.group(1) == after.group(1):
                value = resolve_plain_scalar(after.group(2))
                if after.group(1) == "level":
                    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
                        return None  # let the full parse say what is wrong
                    summary["level"] = value
                else:
                    summary["status"] = value if value in STATUSES else None
                continue
            before, after = _ROLE_LINE.match(old), _ROLE_LINE.match(new)
            if before is None or after is None or before.group(1) != after.group(1) or \
                    block not in ("owners", "reviewers") or summary.get(block) is None:
                return None
            names = _QUOTED.findall(after.group(2))
            if ", ".join(f'"{name}"' for name in names) != after.group(2):
                return None
            summary[block] = {**summary[block], after.group(1): names}
        return summary


def _read_simple(lines: list[str]) -> dict | None:
    """The summary of a cut front matter written in the simplest shapes, read without the YAML parser.

    The shapes are those :meth:`Summariser._by_difference` reads, and those
    the scaffold and the demo write: ``id``, ``level`` and ``status`` lines
    holding a plain scalar or a double-quoted one without escapes, and
    ``owners:`` or ``reviewers:`` followed by role lines, each a flow list
    of double-quoted names or a role key alone with ``    - "name"`` items
    below it; blank lines and comments aside. The first version of every
    card is mostly read here. Any other line, a key given twice, or an
    invalid level returns ``None`` for the full parse.
    """
    summary: dict = {"level": None, "status": "active", "owners": {role: [] for role in ROLES},
                     "reviewers": {role: [] for role in ROLES}, "id": None}
    seen: set[object] = set()  # keys, and (block, role) pairs
    block = None
    items: list[str] | None = None  # the names of the role opened by a line of its own
    for line in lines[1:-2]:  # between "---" and the closing "---", before the final empty string
        if not line or line[0] == "#":
            continue
        if items is not None:
            item = _ITEM_LINE.match(line)
            if item is not None:
                items.append(item.group(1))
                continue
            items = None
        scalar = _SIMPLE_SCALAR.match(line)
        if scalar is not None:
            key, block = scalar.group(1), None
            if key in seen:
                return None
            seen.add(key)
            quoted = scalar.group(3)
            value = quoted if quoted is not None else resolve_plain_scalar(scalar.group(2))
            if key == "level":
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
                    return None
                summary["level"] = value
            elif key == "status":
                summary["status"] = value if value in STATUSES else None
            else:
                summary["id"] = value if isinstance(value, str) else None
            continue
        if line in ("owners:", "reviewers:"):
            block = line[:-1]
            if block in seen:
                return None
            seen.add(block)
            continue
        role = _ROLE_LINE.match(line) or _ROLE_KEY.match(line)
        if role is None or block is None or (block, role.group(1)) in seen:
            return None
        seen.add((block, role.group(1)))
        if role.re is _ROLE_KEY:
            items = summary[block][role.group(1)] = []
            continue
        names = _QUOTED.findall(role.group(2))
        if ", ".join(f'"{name}"' for name in names) != role.group(2):
            return None
        summary[block][role.group(1)] = names
    return summary if "level" in seen else None


_SIMPLE_SCALAR = re.compile(r'(id|level|status): +(?:([A-Za-z0-9_][A-Za-z0-9_.+-]*)|"([^"\\\n]*)") *$')
"""A top-level ``id``, ``level`` or ``status`` line holding a plain or an escape-free double-quoted scalar."""
_ROLE_LINE = re.compile(r"  (research|product): \[(.*)\]$")
"""A role line of the owners or reviewers, as a flow sequence."""
_ROLE_KEY = re.compile(r"  (research|product): *$")
"""A role key whose names follow as block sequence items (or none: an empty role)."""
_ITEM_LINE = re.compile(r'    - "([^"\\\n]*)" *$')
"""One name of a block sequence under a role key, double-quoted without escapes."""
_QUOTED = re.compile(r'"([^"\\\n]*)"')
_SCALAR_LINE = re.compile(r"(level|status):[ \t]+([A-Za-z0-9_][A-Za-z0-9_.+-]*)[ \t]*$")
"""A top-level ``level`` or ``status`` line holding a plain scalar and nothing else."""


_CLOSE = re.compile(rb"\n(?:---|\.\.\.)[ \t]*(?:\n|$)")


def _front_matter_bytes(data: bytes) -> bytes | None:
    """The bytes up to and including the line that closes the front matter.

    The key may reach further than the parser's own closing line (never
    shorter), so equal keys always mean equal front matter.
    """
    if not data.startswith(b"---\n"):
        return None
    match = _CLOSE.search(data, 3)
    return data[:match.end()] if match else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
