"""The per-user key that signs caches kept inside a repository.

Caches live in the repository's ``.cache/`` folder, where a pull request could
plant files. Every cache entry is signed with a key kept in the user's own
cache folder, outside any repository, and entries that do not verify are
ignored, so nothing planted is ever trusted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def user_key_file() -> Path:
    """Where the signing key lives: the user's cache folder, never the repository."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mltrl-docs" / "page-cache.key"


def load_or_create_key(path: Path) -> bytes | None:
    """The signing key at ``path``, created on first use; ``None`` when it cannot be read or written."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data[:32]
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        return key
    except OSError:
        return None
