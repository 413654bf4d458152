"""The per-user key that signs every cache.

Caches may be kept inside a repository (the ``cache_dir`` option), where a pull
request could plant files. Every cache is signed with a key kept in the user's
own cache folder, outside any repository, and data that does not verify is
ignored, so nothing planted is ever trusted.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from .cachedir import APP, make_folder, read_file, user_cache_home, write_file


def user_key_file() -> Path:
    """Where the signing key lives: the user's cache folder, never the repository."""
    return user_cache_home() / APP / "page-cache.key"


def load_or_create_key(path: Path) -> bytes | None:
    """The signing key at ``path``, created on first use; ``None`` when it cannot be read or written."""
    data = read_file(path, 64)
    if data is not None and len(data) >= 32:
        return data[:32]
    try:
        make_folder(path.parent)
        key = secrets.token_bytes(32)
        write_file(path, key)
    except OSError:
        return None
    # Two processes may create a key at once: the one that was renamed into place last is the key.
    data = read_file(path, 64)
    return data[:32] if data is not None and len(data) >= 32 else None
