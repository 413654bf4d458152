"""The one gate every address written in a card passes, shared by the checker and the site.

Browsers ignore leading spaces and drop tabs and newlines anywhere in a URL
before reading its scheme, so ``" java\tscript:"`` is still ``javascript:``;
these checks look at an address the way a browser will.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
"""Schemes a link from a card may use; everything else (``javascript:``, ``data:``...) is dropped."""


def scheme_of(value: str) -> str | None:
    """The scheme a browser would read in ``value``, lower-cased, or ``None`` for a relative reference."""
    match = _SCHEME.match(_CONTROL.sub("", value))
    return match.group(1).lower() if match else None


def safe_url(value: object) -> str | None:
    """``value`` when it is an http(s) or mailto URL, else ``None``.

    Browsers ignore leading spaces and remove tabs and newlines anywhere in a
    URL before they read its scheme, so ``" java\\tscript:"`` is still
    ``javascript:``; the check looks at the URL the way the browser will.
    """
    if not isinstance(value, str):
        return None
    cleaned = _CONTROL.sub("", value)
    match = _SCHEME.match(cleaned)
    if match is None or match.group(1).lower() not in SAFE_SCHEMES:
        return None
    if cleaned.lower().startswith(("http:", "https:")) and not cleaned.lower().split(":", 1)[1].startswith("//"):
        return None
    return value.strip()


def is_relative_reference(value: str) -> bool:
    """Whether ``value`` is a path without a scheme or host (``figures/a.png``, ``../x/card.md``)."""
    cleaned = _CONTROL.sub("", value)
    return not _SCHEME.match(cleaned) and not cleaned.startswith(("//", "\\\\", "/\\", "\\/"))
